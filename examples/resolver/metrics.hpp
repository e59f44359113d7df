// dnsfilter-resolver — the metrics endpoint: Prometheus text format over HTTP
// (Boost.Beast), on a loopback port by default.
//
// GET /metrics returns the operator's statistics (dnsfilter::stats, by month:
// queries, filtered, opted out, per entry, per category, per action) followed
// by the resolver's own counters (cache, upstreams with a latency histogram,
// mismatched responses, TCP, reloads). Everything is summed at request time
// from per-thread counters; serving threads never wait for a scrape.
//
// It runs on its own thread and io_context, so a scrape never delays a query
// and a slow reload never delays a scrape. One request per connection is
// enough for Prometheus; connections time out after 10 s.
#pragma once

#include "outcome.hpp"
#include "state.hpp"

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <thread>

namespace resolver {

// The Prometheus text for `state` (plus the query log's own counters when one is given).
std::string render_metrics(shared_state& state, const dnsfilter::stats::jsonl_writer* query_log);

// The endpoint, on its own io_context and thread.
class metrics_server {
 public:
  // Binds at once; the failure says why it could not.
  static outcome<std::unique_ptr<metrics_server>> open(const boost::asio::ip::tcp::endpoint& at,
                                                        std::function<std::string()> render);
  // Binds at once (throws boost::system::system_error when it cannot).
  metrics_server(const boost::asio::ip::tcp::endpoint& at, std::function<std::string()> render);
  ~metrics_server();
  std::uint16_t port() const { return acceptor_.local_endpoint().port(); }
  void start();  // the thread
  void stop();   // and join it

 private:
  void accept();
  boost::asio::io_context io_;
  boost::asio::ip::tcp::acceptor acceptor_;
  std::function<std::string()> render_;
  std::thread thread_;
};

}  // namespace resolver
