// dnsfilter-resolver — a filtering DNS forwarder assembled from dnsfilter.
//
// Threads: N serving threads (worker.hpp), each with its own io_context and
// its own SO_REUSEPORT sockets (listeners.hpp); one metrics thread
// (metrics.hpp); and this, the control thread (control.hpp), which handles
// signals, reloads lists and policy (reload.hpp) and writes the statistics.
//
//   dnsfilter-resolver                 127.0.0.1:5353, the embedded example catalogue,
//                                      upstreams from /etc/resolv.conf
//   dnsfilter-resolver --help          every option
//   dnsfilter-resolver -c FILE         options from a file
#include "config.hpp"
#include "control.hpp"
#include "dnstap_output.hpp"
#include "feed.hpp"
#include "listeners.hpp"
#include "log.hpp"
#include "metrics.hpp"
#include "query_log.hpp"
#include "reload.hpp"
#include "state.hpp"
#include "worker.hpp"

#include <dnsfilter/dnsfilter.hpp>

#include <malloc.h>

#include <iostream>
#include <thread>

namespace resolver {

namespace {

// Logs what failed; the exit status of a resolver that could not start.
int failed(const failure& f) {
  RESOLVER_LOG(error, "%s", f.message.c_str());
  return 1;
}

int run(config& c) {
  prepare_process();
  query_log_file query_log;
  if (auto opened = query_log.open(c); !opened) return failed(opened.error());
  dnsfilter::stats::registry registry(c.threads, dnsfilter::stats::registry_options{.zone = c.time_zone});
  auto node = continue_statistics(c, registry);
  if (!node) return failed(node.error());

  feed_runner feeds(c, registry);
  auto first = load_catalogue(c, registry, &feeds);
  if (!first) return failed(first.error());
  RESOLVER_LOG(info, "catalogue: %zu entries, %zu rules from %s, %.1f MiB, loaded in %.0f ms", first->entries,
               first->rules,
               !c.image.empty()  ? (c.image + " (mapped image)").c_str()
               : c.lists.empty() ? "the embedded example (use --list for real lists)"
                                 : (std::to_string(first->lists) + " list(s)").c_str(),
               static_cast<double>(first->memory_bytes) / (1 << 20), first->seconds * 1000);
  ::malloc_trim(0);  // what loading needed and no longer does
  auto policies = load_policy(c);
  if (!policies) return failed(policies.error());
  auto access = make_access_list(c);
  if (!access) return failed(access.error());

  shared_state state(c, std::move(first->snapshot), std::move(*policies), std::move(*access), registry);
  state.query_log = query_log.writer();  // the filters log; the registry only counts
  std::unique_ptr<dnstap::output> tap;
  if (c.dnstap.enabled() && !c.check_only) {
    auto opened = dnstap::output::open({.unix_path = c.dnstap.unix_path,
                                        .tcp_address = c.dnstap.tcp_address,
                                        .tcp_port = c.dnstap.tcp_port,
                                        .queue_frames = c.dnstap.queue_frames});
    if (!opened) return failed(opened.error());
    tap = std::move(*opened);
    state.dnstap = tap.get();
    RESOLVER_LOG(info, "dnstap to %s", tap->destination().c_str());
  }
  if (!feeds.empty()) state.feeds = &feeds;  // without feeds, a NOTIFY is not implemented (NOTIMP)
  state.last_reload_ok.store(std::time(nullptr));
  log_configuration(c, state);
  if (c.check_only) {
    std::cout << "configuration OK\n";
    return 0;
  }

  std::vector<std::unique_ptr<worker>> workers;
  for (unsigned i = 0; i < c.threads; ++i) workers.push_back(std::make_unique<worker>(state, i));
  if (auto bound = bind_listeners(c, workers); !bound) return failed(bound.error());

  std::unique_ptr<metrics_server> metrics;
  if (c.metrics) {
    auto opened = metrics_server::open(boost::asio::ip::tcp::endpoint(c.metrics->address, c.metrics->port),
                                       [&state, &query_log] { return render_metrics(state, query_log.writer()); });
    if (!opened) {
      RESOLVER_LOG(error, "metrics %s: %s (--metrics none disables it)", c.metrics->text.c_str(),
                   opened.error().message.c_str());
      return 1;
    }
    metrics = std::move(*opened);
    RESOLVER_LOG(info, "metrics on http://%s/metrics", to_string(c.metrics->address, metrics->port()).c_str());
  }

  std::vector<std::thread> threads = start_serving(workers, metrics.get());
  feeds.start(state);
  control ctl(c, state, registry, *node);
  ctl.on_reopen([&query_log] { query_log.reopen(); });
  ctl.run();
  feeds.stop();
  stop_serving(c, state, workers, threads);
  if (metrics) metrics->stop();

  // Flush the counters: the statistics file, the query log, and a summary.
  const dnsfilter::stats::totals totals = registry.read();
  ctl.write_stats(/*final=*/true);
  query_log.close();
  if (tap && !tap->stop()) (void)tap.release();  // blocked on a collector that stopped reading: left to the exit
  log_summary(c, state, totals);
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
