// dnsfilter-resolver — the control thread: signals, reloads, the statistics
// file and mismatch warnings; start-up and shutdown around the serving threads.
#include "control.hpp"

#include "log.hpp"
#include "metrics.hpp"
#include "worker.hpp"

#include <boost/asio/post.hpp>

#include <malloc.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <ctime>
#include <string>
#include <utility>

namespace resolver {

namespace asio = boost::asio;

control::control(config& c, shared_state& state, dnsfilter::stats::registry& registry,
                 dnsfilter::stats::node_identity node)
    : c_(c),
      state_(state),
      registry_(registry),
      signals_(io_, SIGINT, SIGTERM, SIGHUP),
      watch_timer_(io_),
      stats_timer_(io_),
      mismatch_timer_(io_),
      lists_(catalogue_paths(c)),
      policy_(c.policy_file.empty() ? std::vector<std::string>{} : std::vector<std::string>{c.policy_file}),
      node_(std::move(node)) {}

void control::run() {
  signals_.add(SIGUSR1);
  wait_signal();
  if (c_.watch_interval.count() > 0 && (!lists_.empty() || !policy_.empty())) watch();
  if (!c_.stats_file.empty()) {
    write_stats();
    schedule_stats();
  }
  check_mismatches();
  io_.run();
}

void control::wait_signal() {
  signals_.async_wait([this](const boost::system::error_code& ec, int signal) {
    if (ec) return;
    if (signal == SIGUSR1) {
      if (reopen_) reopen_();
      wait_signal();
      return;
    }
    if (signal == SIGHUP) {
      lists_.refresh();
      policy_.refresh();
      reload_catalogue("SIGHUP");
      reload_policy("SIGHUP");
      wait_signal();
      return;
    }
    RESOLVER_LOG(info, "%s: shutting down", signal == SIGTERM ? "SIGTERM" : "SIGINT");
    io_.stop();
  });
}

void control::watch() {
  watch_timer_.expires_after(c_.watch_interval);
  watch_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;
    if (!lists_.empty() && lists_.poll()) reload_catalogue("a list file changed");
    if (!policy_.empty() && policy_.poll()) reload_policy("the policy file changed");
    watch();
  });
}

void control::reload_catalogue(const char* why) {
  std::unique_lock writer(state_.catalogue_writer);  // a feed's transfer waits, and then builds on this
  const auto current = state_.catalogue.load();
  auto loaded = load_catalogue(c_, registry_, state_.feeds, current.get());
  const std::uint64_t generation = state_.generation.load() + 1;
  lists_.mark_loaded();
  if (!loaded) {
    state_.reloads_failed.fetch_add(1);
    state_.last_reload_failed.store(true);
    RESOLVER_LOG(error, "reload (%s) failed, still serving generation %llu: %s", why,
                 static_cast<unsigned long long>(generation - 1), loaded.error().message.c_str());
    return;
  }
  loaded_catalogue next = std::move(*loaded);
  state_.catalogue.store(next.snapshot);
  state_.generation.store(generation);
  writer.unlock();
  state_.reloads_ok.fetch_add(1);
  state_.last_reload_failed.store(false);
  state_.last_reload_ok.store(std::time(nullptr));
  RESOLVER_LOG(info, "reload (%s): generation %llu, %zu entries, %zu rules from %zu list(s), %.1f MiB, built in %.0f ms",
               why, static_cast<unsigned long long>(generation), next.entries, next.rules, next.lists,
               static_cast<double>(next.memory_bytes) / (1 << 20), next.seconds * 1000);
  next = {};
  // The old snapshot goes once every thread has moved on (within a second,
  // see worker::housekeeping); give the freed pages back to the system.
  asio::post(io_, [] { ::malloc_trim(0); });
  trim_timer_ = std::make_unique<asio::steady_timer>(io_, std::chrono::seconds(2));
  trim_timer_->async_wait([](const boost::system::error_code& ec) {
    if (!ec) ::malloc_trim(0);
  });
}

void control::reload_policy(const char* why) {
  if (c_.policy_file.empty()) return;
  auto loaded = load_policy(c_);
  policy_.mark_loaded();
  if (!loaded) {
    state_.reloads_failed.fetch_add(1);
    state_.last_reload_failed.store(true);
    RESOLVER_LOG(error, "policy reload (%s) failed, keeping the previous policy: %s", why,
                 loaded.error().message.c_str());
    return;
  }
  const std::shared_ptr<const dnsfilter::policy::policy_set> next = std::move(*loaded);
  state_.policies.store(next);
  state_.reloads_ok.fetch_add(1);
  state_.last_reload_failed.store(false);
  RESOLVER_LOG(info, "policy reload (%s): %zu client prefix(es), %zu subscriber(s)", why,
               next->config().client_prefixes.size(), next->config().subscribers.size());
}

void control::schedule_stats() {
  stats_timer_.expires_after(c_.stats_interval);
  stats_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;
    write_stats();
    schedule_stats();
  });
}

// The serving threads log the mismatch alarm when an answer raises it; it
// clears here, once a whole window has passed without a refused answer.
void control::check_mismatches() {
  mismatch_timer_.expires_after(std::max(std::chrono::milliseconds(100), c_.mismatch_window / 4));
  mismatch_timer_.async_wait([this](const boost::system::error_code& ec) {
    if (ec) return;
    if (state_.mismatches.poll(monotonic_ms()) == dnsfilter::forward::alarm_event::cleared)
      RESOLVER_LOG(info, "upstream responses pass the spoofing checks again: no refusal in the last %lld ms",
                   static_cast<long long>(c_.mismatch_window.count()));
    check_mismatches();
  });
}

void control::write_stats(bool final) {
  if (c_.stats_file.empty()) return;
  // The time before the read: whatever is counted after it may be missing
  // from this write, and is covered by a lost span if no later write comes.
  node_.written = std::time(nullptr);
  dnsfilter::stats::totals t = registry_.read();
  ++node_.sequence;
  node_.final = final;
  t.node = node_;
  if (auto r = dnsfilter::stats::write_totals(c_.stats_file, t); !r)
    RESOLVER_LOG(error, "cannot write %s: %s", c_.stats_file.c_str(), r.error_code().message().c_str());
}
void prepare_process() {
  ::signal(SIGPIPE, SIG_IGN);  // a closed query-log pipe must not kill the resolver
  // Large blocks (a list file being read, a catalogue's arrays) always come
  // from mmap and go back to the system when freed. glibc would otherwise
  // raise this threshold after the first large free and serve the next
  // snapshot's arrays from the heap, where freed memory tends to stay.
  ::mallopt(M_MMAP_THRESHOLD, 1 << 20);
}

outcome<dnsfilter::stats::node_identity> continue_statistics(const config& c, dnsfilter::stats::registry& registry) {
  dnsfilter::stats::node_identity node{c.node_name, 1, 0, 0, false};
  if (c.stats_file.empty() || ::access(c.stats_file.c_str(), F_OK) != 0) return node;
  dnsfilter::lists::diagnostic why;
  // A file of another zone is refused on its zone line, naming both zones
  // ("counted in zone +00:00, not Asia/Tokyo"): its months cannot be re-cut.
  auto previous = dnsfilter::stats::read_totals(c.stats_file, &why, {.expected_zone = registry.zone()});
  if (!previous) {
    const bool other_zone = why.message.starts_with("counted in zone");
    return failure{previous.error(), dnsfilter::lists::to_string(c.stats_file, why) +
                                         (other_zone ? " (--time-zone); move it away to start afresh, or give its zone"
                                               : "; move it away to start afresh")};
  }
  const dnsfilter::stats::node_identity& last = previous->node;
  if (last.known() && last.name != c.node_name)
    return failure{dnsfilter::errc::invalid_argument,
                   c.stats_file + ": the statistics of node '" + last.name + "', not of '" + c.node_name +
                       "' (--node-name): give its name, or move the file away to start afresh"};
  const std::time_t now = std::time(nullptr);
  if (!last.final) {
    // The previous run wrote last at `written` and did not stop cleanly (or
    // was of a version without node line: its file's time is all we know).
    using dnsfilter::match::timestamp;
    struct ::stat st {};
    timestamp from = now;
    if (last.known()) from = last.written;
    else if (::stat(c.stats_file.c_str(), &st) == 0) from = st.st_mtime;
    // A clock stepped back since: the span still covers the last write's month.
    previous->lost.insert({std::min<timestamp>(from, now), std::max<timestamp>(from, now)});
    RESOLVER_LOG(warning, "statistics: %s was not closed by a clean stop; what was counted from %s until now may be lost "
                          "(those months will be reported as partial for this node)",
                 c.stats_file.c_str(), dnsfilter::stats::format_rfc3339(from).data());
  }
  if (auto merged = registry.merge(*previous); !merged)
    return failure{merged.error(), c.stats_file + ": counted in zone " + previous->zone.text() + ", not " +
                                       registry.zone().text()};
  node.epoch = last.epoch + 1;
  RESOLVER_LOG(info, "statistics: continuing %s (%zu month(s)) as node %s, epoch %llu", c.stats_file.c_str(),
               previous->months.size(), c.node_name.c_str(), static_cast<unsigned long long>(node.epoch));
  return node;
}

void log_configuration(const config& c, const shared_state& state) {
  std::string upstream_text;
  for (std::size_t i = 0; i < state.upstreams.size(); ++i)
    upstream_text += (i ? ", " : "") + state.cfg.upstreams[i].text;
  RESOLVER_LOG(info, "upstreams: %s (from %s)%s", upstream_text.c_str(), c.upstream_origin.c_str(),
               c.randomize_case ? "; 0x20 case randomisation on" : "");
  std::string acl;
  for (const auto& p : c.allow) acl += (acl.empty() ? "" : " ") + p.to_string();
  for (const auto& p : c.deny) acl += " !" + p.to_string();
  RESOLVER_LOG(info, "access: %s", acl.c_str());
}

std::vector<std::thread> start_serving(std::vector<std::unique_ptr<worker>>& workers, metrics_server* metrics) {
  // Block the handled signals in the threads created here, so that asio's
  // signal_set on the control thread sees them.
  sigset_t handled;
  sigemptyset(&handled);
  for (int s : {SIGINT, SIGTERM, SIGHUP}) sigaddset(&handled, s);
  pthread_sigmask(SIG_BLOCK, &handled, nullptr);
  std::vector<std::thread> threads;
  for (auto& w : workers) threads.emplace_back([&w] { w->run(); });
  if (metrics != nullptr) metrics->start();
  pthread_sigmask(SIG_UNBLOCK, &handled, nullptr);
  return threads;
}

void stop_serving(const config& c, shared_state& state, std::vector<std::unique_ptr<worker>>& workers,
                  std::vector<std::thread>& threads) {
  for (auto& w : workers) w->stop_listening();
  const auto deadline = std::chrono::steady_clock::now() + c.upstream_timeout * c.upstream_attempts +
                        std::chrono::milliseconds(200);
  for (;;) {
    std::int64_t inflight = 0;
    for (auto& t : state.counters) inflight += t->inflight.load(std::memory_order_relaxed);
    if (inflight <= 0 || std::chrono::steady_clock::now() > deadline) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  for (auto& w : workers) w->io().stop();
  for (auto& t : threads) t.join();
}

void log_summary(const config& c, const shared_state& state, const dnsfilter::stats::totals& totals) {
  std::uint64_t passed = 0, filtered = 0, opted_out = 0;
  for (const auto& [month, counts] : totals.months) {
    passed += counts.passed;
    filtered += counts.filtered;
    opted_out += counts.opted_out;
  }
  const cache_statistics cs = state.cache.statistics();
  RESOLVER_LOG(info,
               "stopped: %llu queries counted (%llu filtered, %llu passed), %llu opted out; cache %llu hits, %llu misses%s%s",
               static_cast<unsigned long long>(passed + filtered), static_cast<unsigned long long>(filtered),
               static_cast<unsigned long long>(passed), static_cast<unsigned long long>(opted_out),
               static_cast<unsigned long long>(cs.hits), static_cast<unsigned long long>(cs.misses),
               c.stats_file.empty() ? "" : "; statistics written to ", c.stats_file.c_str());
}

}  // namespace resolver
