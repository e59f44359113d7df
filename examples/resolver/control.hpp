// dnsfilter-resolver — the control thread and the process around the serving
// threads.
//
// control: handles signals (SIGHUP reloads, SIGINT and SIGTERM stop), watches
// the list and policy files and reloads them (reload.hpp), writes the
// statistics file every --stats-interval and warns about spikes of
// mismatched upstream responses. The rest is what happens once around it:
// process settings at start, the statistics carried over from the last run,
// the serving threads' start and orderly stop, and the closing summary.
#pragma once

#include "config.hpp"
#include "counters.hpp"
#include "outcome.hpp"
#include "reload.hpp"
#include "state.hpp"

#include <dnsfilter/dnsfilter.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>

#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

namespace resolver {

class metrics_server;
class worker;

class control {
 public:
  // `node`: what this run writes in the statistics file's node line
  // (continue_statistics); each write adds one to its sequence.
  control(config& c, shared_state& state, dnsfilter::stats::registry& registry, dnsfilter::stats::node_identity node);
  // What SIGUSR1 does (reopen the query log, for logrotate).
  void on_reopen(std::function<void()> f) { reopen_ = std::move(f); }

  // Writes the statistics file once (the new epoch, and any lost span, are on
  // disk before the first interval), then runs until SIGINT or SIGTERM.
  void run();
  // `final` for the last write of a clean stop: nothing is counted after it.
  void write_stats(bool final = false);

 private:
  void wait_signal();
  void watch();
  void reload_catalogue(const char* why);
  void reload_policy(const char* why);
  void schedule_stats();
  void check_mismatches();

  config& c_;
  shared_state& state_;
  dnsfilter::stats::registry& registry_;
  boost::asio::io_context io_;
  boost::asio::signal_set signals_;
  std::function<void()> reopen_;
  boost::asio::steady_timer watch_timer_, stats_timer_, mismatch_timer_;
  std::unique_ptr<boost::asio::steady_timer> trim_timer_;
  file_watcher lists_, policy_;
  dnsfilter::stats::node_identity node_;
};

// Process-wide settings, once before anything starts: SIGPIPE ignored, large
// blocks from mmap.
void prepare_process();

// Continues the counts of --stats-file, when it exists, in `registry`, and
// returns the node line of this run: --node-name, the file's epoch plus one
// (1 for a new file), no write yet. When the file is not marked final, the
// last run stopped without its last write: the span from that write to now is
// marked lost. A failure when the file cannot be read, was counted in another
// zone or names another node: starting anyway would overwrite the operator's
// history at the first write.
outcome<dnsfilter::stats::node_identity> continue_statistics(const config& c, dnsfilter::stats::registry& registry);

// Logs the upstreams and the access list, once at start.
void log_configuration(const config& c, const shared_state& state);

// Starts one thread per worker, and the metrics endpoint's when there is one,
// with the signals that the control thread handles blocked in them.
std::vector<std::thread> start_serving(std::vector<std::unique_ptr<worker>>& workers, metrics_server* metrics);

// Shutdown: the workers stop taking queries, the ones upstream finish
// (bounded by the attempts' timeouts), then the threads stop and are joined.
void stop_serving(const config& c, shared_state& state, std::vector<std::unique_ptr<worker>>& workers,
                  std::vector<std::thread>& threads);

// The closing line: queries counted, filtered, opted out, and the cache.
void log_summary(const config& c, const shared_state& state, const dnsfilter::stats::totals& totals);

}  // namespace resolver
