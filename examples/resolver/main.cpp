// dnsfilter-resolver — a filtering DNS forwarder assembled from dnsfilter.
//
// Threads: N serving threads (server.hpp), each with its own io_context and
// its own SO_REUSEPORT sockets; one metrics thread (metrics.hpp); and this,
// the control thread, which handles signals, watches the list and policy
// files, builds new snapshots (reload.hpp), writes the statistics file and
// warns about spikes of mismatched upstream responses.
//
//   dnsfilter-resolver                 127.0.0.1:5353, the embedded example catalogue,
//                                      upstreams from /etc/resolv.conf
//   dnsfilter-resolver --help          every option
//   dnsfilter-resolver -c FILE         options from a file
#include "config.hpp"
#include "log.hpp"
#include "metrics.hpp"
#include "random.hpp"
#include "reload.hpp"
#include "server.hpp"
#include "state.hpp"

#include <dnsfilter/dnsfilter.hpp>

#include <boost/asio/ip/v6_only.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include <fcntl.h>
#include <malloc.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <iostream>
#include <thread>

namespace resolver {

namespace asio = boost::asio;
using asio::ip::tcp;
using asio::ip::udp;

shared_state::shared_state(const config& c, std::shared_ptr<const snapshot_type> first,
                           std::shared_ptr<const dnsfilter::policy::policy_set> policy_set,
                           dnsfilter::stats::registry& reg)
    : cfg(c),
      catalogue(std::move(first)),
      policies(std::move(policy_set)),
      responder(c.sinkhole),
      cache(c.cache_bytes),
      upstreams(c),
      registry(reg) {
  std::vector<dnsfilter::policy::prefix_table<access>::entry> rules;
  for (const auto& p : c.allow) rules.push_back({p, access::allow});
  for (const auto& p : c.deny) rules.push_back({p, access::deny});  // later wins on an equal prefix
  auto table = dnsfilter::policy::prefix_table<access>::build(rules);
  if (!table) throw std::runtime_error("access list: too many prefixes");
  acl = std::move(*table);
  for (unsigned i = 0; i < c.threads; ++i) counters.push_back(std::make_unique<thread_counters>(c.upstreams.size()));
}

namespace {

void set_reuse_port(int fd) {
  const int one = 1;
  if (::setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one) != 0)
    throw boost::system::system_error(errno, boost::system::system_category(), "SO_REUSEPORT");
}

// SO_REUSEPORT lets every serving thread bind the same port, but it would
// also let a second copy of the resolver (same user) bind it and silently
// take half the traffic. So first try the port without SO_REUSEPORT: that
// fails if anyone holds it.
void ensure_port_free(const asio::ip::address& address, std::uint16_t port, int type) {
  if (port == 0) return;
  const udp::endpoint at(address, port);  // only for its sockaddr
  const int fd = ::socket(at.data()->sa_family, type | SOCK_CLOEXEC, 0);
  if (fd < 0) return;  // the real bind will say what is wrong
  const int one = 1;
  if (type == SOCK_STREAM) ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);  // TIME_WAIT is no owner
  if (address.is_v6()) ::setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof one);
  const int r = ::bind(fd, at.data(), static_cast<socklen_t>(at.size()));
  const int error = errno;
  ::close(fd);
  if (r != 0 && error == EADDRINUSE)
    throw std::runtime_error(std::string(type == SOCK_STREAM ? "TCP" : "UDP") + " port already in use (another resolver?)");
}

udp::socket open_udp(asio::io_context& io, const udp::endpoint& at) {
  udp::socket s(io);
  s.open(at.protocol());
  if (at.address().is_v6()) s.set_option(asio::ip::v6_only(true));  // IPv4 gets its own listeners
  set_reuse_port(s.native_handle());
  // A deep receive buffer rides out bursts (the kernel caps it at rmem_max).
  boost::system::error_code ignored;
  s.set_option(asio::socket_base::receive_buffer_size(4 << 20), ignored);
  if (at.address().is_unspecified()) {
    const int one = 1;
    if (at.address().is_v6()) ::setsockopt(s.native_handle(), IPPROTO_IPV6, IPV6_RECVPKTINFO, &one, sizeof one);
    else ::setsockopt(s.native_handle(), IPPROTO_IP, IP_PKTINFO, &one, sizeof one);
  }
  s.bind(at);
  return s;
}

tcp::acceptor open_tcp(asio::io_context& io, const tcp::endpoint& at) {
  tcp::acceptor a(io);
  a.open(at.protocol());
  if (at.address().is_v6()) a.set_option(asio::ip::v6_only(true));
  a.set_option(tcp::acceptor::reuse_address(true));
  set_reuse_port(a.native_handle());
  a.bind(at);
  a.listen(1024);
  return a;
}

// Binds every listener on every worker. A listener with port 0 gets the port
// the kernel gives worker 0's UDP socket, also for TCP (retried if that TCP
// port is taken).
std::vector<std::uint16_t> bind_listeners(const config& c, std::vector<std::unique_ptr<worker>>& workers) {
  std::vector<std::uint16_t> ports;
  for (std::size_t i = 0; i < c.listeners.size(); ++i) {
    const listener_config& l = c.listeners[i];
    const auto index = static_cast<std::uint16_t>(i);
    std::uint16_t port = l.port;
    try {
      if (l.udp) ensure_port_free(l.address, port, SOCK_DGRAM);
      if (l.tcp) ensure_port_free(l.address, port, SOCK_STREAM);
    } catch (const std::exception& e) {
      throw std::runtime_error("listen " + l.text + ": " + e.what());
    }
    for (int attempt = 0;; ++attempt) {
      try {
        std::optional<udp::socket> u;
        std::optional<tcp::acceptor> t;
        if (l.udp) {
          u.emplace(open_udp(workers[0]->io(), {l.address, port}));
          port = u->local_endpoint().port();
        }
        if (l.tcp) {
          t.emplace(open_tcp(workers[0]->io(), {l.address, port}));
          port = t->local_endpoint().port();
        }
        if (u) workers[0]->add_udp(std::move(*u), index, l.address.is_unspecified());
        if (t) workers[0]->add_tcp(std::move(*t), index);
        break;
      } catch (const boost::system::system_error& e) {
        if (l.port != 0 || attempt >= 20) throw std::runtime_error("listen " + l.text + ": " + e.what());
        port = 0;  // the UDP port is not free for TCP: let the kernel pick again
      }
    }
    for (std::size_t w = 1; w < workers.size(); ++w) {
      try {
        if (l.udp) workers[w]->add_udp(open_udp(workers[w]->io(), {l.address, port}), index, l.address.is_unspecified());
        if (l.tcp) workers[w]->add_tcp(open_tcp(workers[w]->io(), {l.address, port}), index);
      } catch (const boost::system::system_error& e) {
        throw std::runtime_error("listen " + l.text + " (thread " + std::to_string(w) + "): " + e.what());
      }
    }
    ports.push_back(port);
    const char* mode = l.mode && *l.mode == dnsfilter::policy::listener_mode::unfiltered ? "unfiltered" : "per-client";
    RESOLVER_LOG(info, "listening on %s (%s%s%s; listener %zu, %s; %u thread(s))", to_string(l.address, port).c_str(),
                 l.udp ? "udp" : "", l.udp && l.tcp ? ", " : "", l.tcp ? "tcp" : "", i, mode, c.threads);
  }
  return ports;
}

std::string describe_acl(const config& c) {
  std::string s;
  for (const auto& p : c.allow) s += (s.empty() ? "" : " ") + p.to_string();
  for (const auto& p : c.deny) s += " !" + p.to_string();
  return s;
}

class control {
 public:
  control(config& c, shared_state& state, dnsfilter::stats::registry& registry)
      : c_(c),
        state_(state),
        registry_(registry),
        signals_(io_, SIGINT, SIGTERM, SIGHUP),
        watch_timer_(io_),
        stats_timer_(io_),
        mismatch_timer_(io_),
        lists_(catalogue_paths(c)),
        policy_(c.policy_file.empty() ? std::vector<std::string>{} : std::vector<std::string>{c.policy_file}) {}

  // Runs until SIGINT or SIGTERM.
  void run() {
    wait_signal();
    if (c_.watch_interval.count() > 0 && (!lists_.empty() || !policy_.empty())) watch();
    if (!c_.stats_file.empty()) schedule_stats();
    check_mismatches();
    io_.run();
  }

 private:
  void wait_signal() {
    signals_.async_wait([this](const boost::system::error_code& ec, int signal) {
      if (ec) return;
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

  void watch() {
    watch_timer_.expires_after(c_.watch_interval);
    watch_timer_.async_wait([this](const boost::system::error_code& ec) {
      if (ec) return;
      if (!lists_.empty() && lists_.poll()) reload_catalogue("a list file changed");
      if (!policy_.empty() && policy_.poll()) reload_policy("the policy file changed");
      watch();
    });
  }

  void reload_catalogue(const char* why) {
    loaded_catalogue next;
    std::string error;
    const std::uint64_t generation = state_.generation.load() + 1;
    const bool ok = load_catalogue(c_, registry_, next, error);
    lists_.mark_loaded();
    if (!ok) {
      state_.reloads_failed.fetch_add(1);
      state_.last_reload_failed.store(true);
      RESOLVER_LOG(error, "reload (%s) failed, still serving generation %llu: %s", why,
                   static_cast<unsigned long long>(generation - 1), error.c_str());
      return;
    }
    state_.catalogue.store(next.snapshot);
    state_.generation.store(generation);
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

  void reload_policy(const char* why) {
    if (c_.policy_file.empty()) return;
    std::shared_ptr<const dnsfilter::policy::policy_set> next;
    std::string error;
    const bool ok = load_policy(c_, next, error);
    policy_.mark_loaded();
    if (!ok) {
      state_.reloads_failed.fetch_add(1);
      state_.last_reload_failed.store(true);
      RESOLVER_LOG(error, "policy reload (%s) failed, keeping the previous policy: %s", why, error.c_str());
      return;
    }
    state_.policies.store(next);
    state_.reloads_ok.fetch_add(1);
    state_.last_reload_failed.store(false);
    RESOLVER_LOG(info, "policy reload (%s): %zu client prefix(es), %zu subscriber(s)", why,
                 next->config().client_prefixes.size(), next->config().subscribers.size());
  }

  void schedule_stats() {
    stats_timer_.expires_after(c_.stats_interval);
    stats_timer_.async_wait([this](const boost::system::error_code& ec) {
      if (ec) return;
      write_stats();
      schedule_stats();
    });
  }

  void check_mismatches() {
    mismatch_timer_.expires_after(c_.mismatch_window);
    mismatch_timer_.async_wait([this](const boost::system::error_code& ec) {
      if (ec) return;
      std::array<std::uint64_t, mismatch_kinds> now{};
      std::uint64_t total = 0;
      for (auto& t : state_.counters)
        for (std::size_t m = 1; m < mismatch_kinds; ++m) now[m] += t->mismatched[m].load(std::memory_order_relaxed);
      std::string detail;
      for (std::size_t m = 1; m < mismatch_kinds; ++m) {
        const std::uint64_t delta = now[m] - last_mismatches_[m];
        total += delta;
        if (delta != 0)
          detail += std::string(detail.empty() ? "" : ", ") + to_string(static_cast<mismatch>(m)) + " " + std::to_string(delta);
      }
      if (total >= c_.mismatch_warn)
        RESOLVER_LOG(warning,
                     "%llu upstream responses failed the spoofing checks in the last %lld ms (%s): a "
                     "cache-poisoning attempt, or a misbehaving upstream",
                     static_cast<unsigned long long>(total), static_cast<long long>(c_.mismatch_window.count()),
                     detail.c_str());
      last_mismatches_ = now;
      check_mismatches();
    });
  }

 public:
  void write_stats() {
    if (c_.stats_file.empty()) return;
    if (auto r = dnsfilter::stats::write_totals(c_.stats_file, registry_.read()); !r)
      RESOLVER_LOG(error, "cannot write %s: %s", c_.stats_file.c_str(), r.error_code().message().c_str());
  }

 private:
  config& c_;
  shared_state& state_;
  dnsfilter::stats::registry& registry_;
  asio::io_context io_;
  asio::signal_set signals_;
  asio::steady_timer watch_timer_, stats_timer_, mismatch_timer_;
  std::unique_ptr<asio::steady_timer> trim_timer_;
  file_watcher lists_, policy_;
  std::array<std::uint64_t, mismatch_kinds> last_mismatches_{};
};

int run(config& c) {
  ::signal(SIGPIPE, SIG_IGN);  // a closed query-log pipe must not kill the resolver
  // Large blocks (a list file being read, a catalogue's arrays) always come
  // from mmap and go back to the system when freed. glibc would otherwise
  // raise this threshold after the first large free and serve the next
  // snapshot's arrays from the heap, where freed memory tends to stay.
  ::mallopt(M_MMAP_THRESHOLD, 1 << 20);
  // Block the handled signals in every thread but let asio's signal_set see
  // them: threads created below inherit this mask.
  sigset_t handled;
  sigemptyset(&handled);
  for (int s : {SIGINT, SIGTERM, SIGHUP}) sigaddset(&handled, s);

  // The query log.
  std::unique_ptr<dnsfilter::stats::jsonl_writer> query_log;
  int query_log_fd = -1;
  if (!c.query_log.empty() && !c.check_only) {  // --check creates no file
    query_log_fd = c.query_log == "-" ? STDOUT_FILENO
                                      : ::open(c.query_log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    if (query_log_fd < 0) {
      RESOLVER_LOG(error, "cannot open the query log %s: %s", c.query_log.c_str(), std::strerror(errno));
      return 1;
    }
    if (c.query_log_options.privacy == dnsfilter::stats::client_privacy::keyed_hash && !c.query_log_key_given) {
      secure_random r;
      r.fill(c.query_log_options.key.data(), c.query_log_options.key.size());
      RESOLVER_LOG(info, "query log: client hashes use a random key (they change at every start; set --query-log-key to keep them)");
    }
    query_log = std::make_unique<dnsfilter::stats::jsonl_writer>(query_log_fd, c.query_log_options);
  }

  dnsfilter::stats::registry_options registry_options;
  registry_options.query_log = query_log.get();
  dnsfilter::stats::registry registry(c.threads, registry_options);
  if (!c.stats_file.empty() && ::access(c.stats_file.c_str(), F_OK) == 0) {
    dnsfilter::lists::diagnostic why;
    auto previous = dnsfilter::stats::read_totals(c.stats_file, &why);
    if (!previous) {
      // Starting anyway would overwrite the operator's history at the first write.
      RESOLVER_LOG(error, "%s; move it away to start afresh", dnsfilter::lists::to_string(c.stats_file, why).c_str());
      return 1;
    }
    if (auto merged = registry.merge(*previous); !merged) {
      RESOLVER_LOG(error, "%s: counted in another zone", c.stats_file.c_str());
      return 1;
    }
    RESOLVER_LOG(info, "statistics: continuing %s (%zu month(s))", c.stats_file.c_str(), previous->months.size());
  }

  loaded_catalogue first;
  std::string error;
  if (!load_catalogue(c, registry, first, error)) {
    RESOLVER_LOG(error, "%s", error.c_str());
    return 1;
  }
  RESOLVER_LOG(info, "catalogue: %zu entries, %zu rules from %s, %.1f MiB, loaded in %.0f ms", first.entries, first.rules,
               c.lists.empty() ? "the embedded example (use --list for real lists)"
                               : (std::to_string(first.lists) + " list(s)").c_str(),
               static_cast<double>(first.memory_bytes) / (1 << 20), first.seconds * 1000);
  ::malloc_trim(0);  // what loading needed and no longer does
  std::shared_ptr<const dnsfilter::policy::policy_set> policies;
  if (!load_policy(c, policies, error)) {
    RESOLVER_LOG(error, "%s", error.c_str());
    return 1;
  }

  shared_state state(c, first.snapshot, policies, registry);
  state.last_reload_ok.store(std::time(nullptr));
  first = {};
  std::string upstream_text;
  for (std::size_t i = 0; i < state.upstreams.size(); ++i)
    upstream_text += (i ? ", " : "") + state.upstreams.at(i).text;
  RESOLVER_LOG(info, "upstreams: %s (from %s)%s", upstream_text.c_str(), c.upstream_origin.c_str(),
               c.randomize_case ? "; 0x20 case randomisation on" : "");
  RESOLVER_LOG(info, "access: %s", describe_acl(c).c_str());
  if (c.check_only) {
    std::cout << "configuration OK\n";
    return 0;
  }

  std::vector<std::unique_ptr<worker>> workers;
  for (unsigned i = 0; i < c.threads; ++i) workers.push_back(std::make_unique<worker>(state, i));
  bind_listeners(c, workers);

  std::unique_ptr<asio::io_context> metrics_io;
  std::unique_ptr<metrics_server> metrics;
  if (c.metrics) {
    metrics_io = std::make_unique<asio::io_context>();
    try {
      metrics = std::make_unique<metrics_server>(*metrics_io, tcp::endpoint(c.metrics->address, c.metrics->port),
                                                 [&state, &query_log] { return render_metrics(state, query_log.get()); });
    } catch (const boost::system::system_error& e) {
      RESOLVER_LOG(error, "metrics %s: %s (--metrics none disables it)", c.metrics->text.c_str(), e.what());
      return 1;
    }
    RESOLVER_LOG(info, "metrics on http://%s/metrics", to_string(c.metrics->address, metrics->port()).c_str());
    metrics->start();
  }

  // Serving threads: the signals stay with the control thread.
  pthread_sigmask(SIG_BLOCK, &handled, nullptr);
  std::vector<std::thread> threads;
  for (auto& w : workers) threads.emplace_back([&w] { w->run(); });
  std::thread metrics_thread;
  if (metrics) metrics_thread = std::thread([&] { metrics_io->run(); });
  pthread_sigmask(SIG_UNBLOCK, &handled, nullptr);

  control ctl(c, state, registry);
  ctl.run();

  // Shutdown: stop taking queries, let the ones upstream finish (bounded by
  // the attempts' timeouts), then stop the threads.
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
  if (metrics) {
    metrics_io->stop();
    metrics_thread.join();
  }

  // Flush the counters: the statistics file, the query log, and a summary.
  const dnsfilter::stats::totals totals = registry.read();
  ctl.write_stats();
  if (query_log_fd >= 0 && query_log_fd != STDOUT_FILENO) {
    ::fdatasync(query_log_fd);
    ::close(query_log_fd);
  }
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
  return 0;
}

}  // namespace
}  // namespace resolver

int main(int argc, char** argv) {
  resolver::config c;
  switch (resolver::parse_command_line(argc, argv, c, std::cout, std::cerr)) {
    case resolver::parse_outcome::exit_success: return 0;
    case resolver::parse_outcome::exit_failure: return 2;
    case resolver::parse_outcome::run: break;
  }
  try {
    return resolver::run(c);
  } catch (const std::exception& e) {
    RESOLVER_LOG(error, "%s", e.what());
    return 1;
  }
}
