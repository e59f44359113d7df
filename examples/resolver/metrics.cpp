// dnsfilter-resolver — Prometheus text rendering and the HTTP endpoint (Boost.Beast).
#include "metrics.hpp"

#include "dnstap_output.hpp"
#include "feed.hpp"
#include "log.hpp"

#include <boost/asio/ip/v6_only.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <array>
#include <ctime>
#include <memory>

namespace resolver {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using asio::ip::tcp;

namespace {

template <class Field>
std::uint64_t sum(shared_state& s, Field field) {
  std::uint64_t total = 0;
  for (auto& c : s.counters) total += field(*c).load(std::memory_order_relaxed);
  return total;
}

#define RESOLVER_SUM(member) sum(state, [](thread_counters& c) -> counter& { return c.member; })

}  // namespace

namespace {

// Per feed: serial, freshness, transfers by kind and result, records and octets.
void render_feed_metrics(dnsfilter::stats::prometheus_writer& e, const feed_runner& feeds) {
  const auto all = feeds.feeds();
  const std::int64_t now = static_cast<std::int64_t>(std::time(nullptr));
  e.family("dnsfilter_feed_serial", "gauge", "SOA serial of the policy served from each feed (0: none yet).");
  for (const auto& f : all) e.sample("dnsfilter_feed_serial", {{"zone", f.config.zone.to_string()}},
                                     std::uint64_t{f.counters.serial.load()});
  e.family("dnsfilter_feed_seconds_since_refresh", "gauge",
           "Seconds since the last transfer that reached a primary (-1: none since start).");
  for (const auto& f : all) {
    const std::int64_t last = f.counters.last_refresh.load();
    e.sample("dnsfilter_feed_seconds_since_refresh", {{"zone", f.config.zone.to_string()}},
             last == 0 ? std::int64_t{-1} : now - last);
  }
  e.family("dnsfilter_feed_transfers_total", "counter", "Zone transfers by kind asked and result.");
  static constexpr const char* kinds[] = {"axfr", "ixfr"};
  static constexpr const char* results[] = {"full", "incremental", "up-to-date", "failed"};
  for (const auto& f : all) {
    const std::string zone = f.config.zone.to_string();
    for (int k = 0; k < feed_counters::kinds; ++k)
      for (int r = 0; r < feed_counters::results; ++r)
        e.sample("dnsfilter_feed_transfers_total", {{"zone", zone}, {"kind", kinds[k]}, {"result", results[r]}},
                 std::uint64_t{f.counters.transfers[k][r].load()});
  }
  e.family("dnsfilter_feed_records_applied_total", "counter", "Zone records applied by transfers.");
  for (const auto& f : all)
    e.sample("dnsfilter_feed_records_applied_total", {{"zone", f.config.zone.to_string()}},
             std::uint64_t{f.counters.records.load()});
  e.family("dnsfilter_feed_bytes_total", "counter", "Octets of zone transfers received.");
  for (const auto& f : all)
    e.sample("dnsfilter_feed_bytes_total", {{"zone", f.config.zone.to_string()}},
             std::uint64_t{f.counters.bytes.load()});
  e.family("dnsfilter_feed_notifies_total", "counter", "NOTIFY messages accepted from a feed's primaries.");
  for (const auto& f : all)
    e.sample("dnsfilter_feed_notifies_total", {{"zone", f.config.zone.to_string()}},
             std::uint64_t{f.counters.notifies.load()});
  e.single("dnsfilter_notify_refused_total", "counter", "NOTIFY messages refused (not from a feed's primary).",
           feeds.notify_refused.load());
}

}  // namespace

std::string render_metrics(shared_state& state, const dnsfilter::stats::jsonl_writer* query_log) {
  std::string text = dnsfilter::stats::to_prometheus(state.registry.read());
  dnsfilter::stats::prometheus_writer e(text);

  e.family("dnsfilter_resolver_queries_total", "counter", "Queries received, by transport (every packet, before any check).");
  e.sample("dnsfilter_resolver_queries_total", {{"transport", "udp"}}, RESOLVER_SUM(udp_queries));
  e.sample("dnsfilter_resolver_queries_total", {{"transport", "tcp"}}, RESOLVER_SUM(tcp_queries));
  e.single("dnsfilter_resolver_acl_refused_total", "counter",
           "Queries from clients outside the access list (answered REFUSED with EDE 18, or dropped if malformed).",
           RESOLVER_SUM(acl_refused));
  e.single("dnsfilter_resolver_rejected_total", "counter", "Malformed or unsupported queries answered FORMERR, NOTIMP or BADVERS.",
           RESOLVER_SUM(rejected));
  e.single("dnsfilter_resolver_dropped_total", "counter", "Packets not answered (runts, responses, oversized datagrams).",
           RESOLVER_SUM(dropped) + RESOLVER_SUM(udp_oversized));
  e.single("dnsfilter_resolver_filtered_total", "counter",
           "Queries answered from the catalogue (sinkhole, NXDOMAIN, NODATA, REFUSED or dropped by an entry).",
           RESOLVER_SUM(sinkholed));
  e.single("dnsfilter_resolver_cloaked_total", "counter",
           "Upstream answers replaced because their CNAME chain led to a blocked name.", RESOLVER_SUM(cloaked));
  e.single("dnsfilter_resolver_monitored_total", "counter",
           "Queries a monitored entry matched (the name or its CNAME chain), answered normally: would have been "
           "filtered.",
           RESOLVER_SUM(monitored));
  e.single("dnsfilter_resolver_opted_out_total", "counter", "Well-formed queries of opted-out clients, answered unfiltered (from the cache or upstream).",
           RESOLVER_SUM(opted_out));
  e.single("dnsfilter_resolver_forwarded_total", "counter", "Queries sent upstream (cache misses).", RESOLVER_SUM(forwarded));
  e.single("dnsfilter_resolver_coalesced_total", "counter",
           "Cache misses answered by an upstream query already under way for the same question.",
           RESOLVER_SUM(coalesced));
  e.single("dnsfilter_resolver_servfail_total", "counter", "Queries answered SERVFAIL because no upstream answered.",
           RESOLVER_SUM(servfail));
  e.single("dnsfilter_resolver_overload_total", "counter",
           "Queries answered SERVFAIL at once because too many were in flight upstream.", RESOLVER_SUM(overload));
  e.single("dnsfilter_resolver_truncated_total", "counter", "Answers sent with TC=1 (too big for the client's UDP size).",
           RESOLVER_SUM(truncated));

  std::int64_t inflight = 0;
  for (auto& c : state.counters) inflight += c->inflight.load(std::memory_order_relaxed);
  e.single("dnsfilter_resolver_upstream_inflight", "gauge", "Upstream exchanges in progress.",
           static_cast<std::uint64_t>(inflight < 0 ? 0 : inflight));

#if defined(DNSFILTER_RESOLVER_COUNT_PARSES)
  e.family("dnsfilter_resolver_wire_parses_total", "counter",
           "Whole packets parsed by the library (a test build's count): queries and messages.");
  e.sample("dnsfilter_resolver_wire_parses_total", {{"kind", "query"}},
           static_cast<std::uint64_t>(parse_counts::query.load(std::memory_order_relaxed)));
  e.sample("dnsfilter_resolver_wire_parses_total", {{"kind", "message"}},
           static_cast<std::uint64_t>(parse_counts::message.load(std::memory_order_relaxed)));
#endif

  const cache_statistics cs = state.cache.statistics();
  e.single("dnsfilter_resolver_cache_hits_total", "counter", "Queries answered from the cache.", cs.hits);
  e.single("dnsfilter_resolver_cache_misses_total", "counter", "Cache lookups that found nothing fresh.", cs.misses);
  e.single("dnsfilter_resolver_cache_inserts_total", "counter", "Upstream answers stored.", cs.inserts);
  e.single("dnsfilter_resolver_cache_evictions_total", "counter", "Entries removed to stay within the memory limit.",
           cs.evictions);
  e.single("dnsfilter_resolver_cache_expired_total", "counter", "Entries removed because their TTL ran out.", cs.expired);
  e.single("dnsfilter_resolver_cache_entries", "gauge", "Entries in the cache.", cs.entries);
  e.single("dnsfilter_resolver_cache_bytes", "gauge", "Memory charged to the cache.", cs.bytes);
  e.single("dnsfilter_resolver_cache_limit_bytes", "gauge", "The cache's memory limit (--cache-size).",
           state.cfg.cache_bytes);

  e.family("dnsfilter_resolver_upstream_mismatched_total", "counter",
           "Upstream responses refused by the spoofing checks, by reason.");
  for (std::size_t m = 1; m < dnsfilter::forward::reject_kinds; ++m) {
    const auto why = static_cast<dnsfilter::forward::reject>(m);
    e.sample("dnsfilter_resolver_upstream_mismatched_total", {{"reason", to_string(why)}}, state.mismatches.total(why));
  }
  e.single("dnsfilter_resolver_upstream_mismatch_alarm", "gauge",
           "1 while more than --mismatch-warn minus one refused responses fell within --mismatch-window, until a quiet window.",
           std::uint64_t{state.mismatches.raised() ? 1u : 0u});
  e.single("dnsfilter_resolver_upstream_mismatch_alarms_total", "counter", "Times the mismatch alarm was raised.",
           state.mismatches.alarms());

  struct per_upstream_family {
    const char* name;
    const char* help;
    counter upstream_counters::*member;
  };
  const per_upstream_family families[] = {
      {"dnsfilter_resolver_upstream_queries_total", "UDP queries sent to the upstream.", &upstream_counters::queries},
      {"dnsfilter_resolver_upstream_answers_total", "Responses that passed every check.", &upstream_counters::answers},
      {"dnsfilter_resolver_upstream_timeouts_total", "Attempts that timed out.", &upstream_counters::timeouts},
      {"dnsfilter_resolver_upstream_errors_total", "Attempts that failed with a network error.", &upstream_counters::errors},
      {"dnsfilter_resolver_upstream_refused_total", "REFUSED answers (the query went elsewhere).", &upstream_counters::refused},
      {"dnsfilter_resolver_upstream_tcp_queries_total", "Truncated answers retried over TCP.", &upstream_counters::tcp_queries},
      {"dnsfilter_resolver_upstream_tcp_failures_total", "TCP retries that failed.", &upstream_counters::tcp_failures},
  };
  for (const auto& f : families) {
    e.family(f.name, "counter", f.help);
    for (std::size_t u = 0; u < state.upstreams.size(); ++u) {
      std::uint64_t total = 0;
      for (auto& c : state.counters) total += (c->upstreams[u].*f.member).load(std::memory_order_relaxed);
      e.sample(f.name, {{"upstream", state.cfg.upstreams[u].text}}, total);
    }
  }
  e.family("dnsfilter_resolver_upstream_up", "gauge", "1 when the upstream is considered healthy.");
  for (std::size_t u = 0; u < state.upstreams.size(); ++u)
    e.sample("dnsfilter_resolver_upstream_up", {{"upstream", state.cfg.upstreams[u].text}},
             std::uint64_t{state.upstreams.is_up(u) ? 1u : 0u});
  e.family("dnsfilter_resolver_upstream_latency_seconds", "histogram",
           "Time from sending a UDP query to its checked response.");
  for (std::size_t u = 0; u < state.upstreams.size(); ++u) {
    std::array<std::uint64_t, latency_bounds.size() + 1> buckets{};
    std::uint64_t sum_us = 0;
    for (auto& c : state.counters) {
      for (std::size_t b = 0; b < buckets.size(); ++b) buckets[b] += c->upstreams[u].latency[b].load(std::memory_order_relaxed);
      sum_us += c->upstreams[u].latency_sum_us.load(std::memory_order_relaxed);
    }
    e.histogram("dnsfilter_resolver_upstream_latency_seconds", {{"upstream", state.cfg.upstreams[u].text}},
                latency_bounds, buckets, static_cast<double>(sum_us) / 1e6);
  }

  e.single("dnsfilter_resolver_tcp_connections", "gauge", "TCP connections open.",
           state.tcp_connections.load(std::memory_order_relaxed));
  e.single("dnsfilter_resolver_tcp_accepted_total", "counter", "TCP connections accepted.", RESOLVER_SUM(tcp_accepted));
  e.single("dnsfilter_resolver_tcp_refused_total", "counter", "TCP connections closed at once (--tcp-max-connections).",
           RESOLVER_SUM(tcp_refused));
  e.single("dnsfilter_resolver_tcp_idle_closed_total", "counter", "TCP connections closed after --tcp-idle-timeout.",
           RESOLVER_SUM(tcp_idle_closed));
  e.single("dnsfilter_resolver_tcp_bad_length_total", "counter",
           "TCP connections closed for a message length under 12 or over --tcp-max-query-size.",
           RESOLVER_SUM(tcp_bad_length));
  e.single("dnsfilter_resolver_udp_send_errors_total", "counter", "UDP answers the kernel refused to send.",
           RESOLVER_SUM(udp_send_errors));

  e.family("dnsfilter_resolver_reloads_total", "counter", "Snapshot reloads (lists and policy), by result.");
  e.sample("dnsfilter_resolver_reloads_total", {{"result", "ok"}}, std::uint64_t{state.reloads_ok.load()});
  e.sample("dnsfilter_resolver_reloads_total", {{"result", "failed"}}, std::uint64_t{state.reloads_failed.load()});
  e.single("dnsfilter_resolver_reload_failing", "gauge",
           "1 when the last reload failed (the previous snapshot is still served).",
           state.last_reload_failed.load() ? 1u : 0u);
  e.single("dnsfilter_resolver_last_reload_timestamp_seconds", "gauge", "When the served snapshot was loaded.",
           static_cast<std::uint64_t>(state.last_reload_ok.load()));
  if (state.feeds != nullptr && !state.feeds->empty()) render_feed_metrics(e, *state.feeds);
  const auto snapshot = state.catalogue.load();
  e.single("dnsfilter_resolver_catalogue_generation", "gauge", "Snapshot generation served (1 at start).",
           state.generation.load());
  e.single("dnsfilter_resolver_catalogue_entries", "gauge", "Entries in the served catalogue.",
           snapshot->source().entries().size());
  e.single("dnsfilter_resolver_catalogue_rules", "gauge", "Rules (FQDNs) in the served catalogue.",
           snapshot->source().rules().size());
  e.single("dnsfilter_resolver_catalogue_bytes", "gauge", "Memory of the served catalogue and matcher.",
           snapshot->memory_bytes());
  if (state.dnstap != nullptr) {
    const dnstap::output& t = *state.dnstap;
    e.single("dnsfilter_resolver_dnstap_sent_total", "counter", "dnstap frames written to the collector.", t.sent());
    e.family("dnsfilter_resolver_dnstap_dropped_total", "counter",
             "dnstap frames dropped: the queue was full (slow or absent collector), or a write failed.");
    e.sample("dnsfilter_resolver_dnstap_dropped_total", {{"reason", "queue_full"}}, t.dropped_queue_full());
    e.sample("dnsfilter_resolver_dnstap_dropped_total", {{"reason", "write_failed"}}, t.dropped_write_failed());
    e.single("dnsfilter_resolver_dnstap_queued", "gauge", "dnstap frames waiting for the collector.",
             std::uint64_t{t.queued()});
    e.single("dnsfilter_resolver_dnstap_connected", "gauge", "1 while the collector is connected.",
             t.connected() ? 1u : 0u);
    e.single("dnsfilter_resolver_dnstap_connects_total", "counter",
             "Connections made to the collector (the first one and every reconnection).", t.connects());
    e.single("dnsfilter_resolver_dnstap_connect_failures_total", "counter",
             "Failed attempts to connect to the collector.", t.connect_failures());
  }
  if (query_log != nullptr) {
    e.single("dnsfilter_resolver_query_log_written_total", "counter", "Query log lines written.", query_log->written());
    e.single("dnsfilter_resolver_query_log_failed_total", "counter", "Query log lines lost to output errors.",
             query_log->failed());
  }
  return text;
}

#undef RESOLVER_SUM

// ---------------------------------------------------------------------------
// HTTP

namespace {

class http_session : public std::enable_shared_from_this<http_session> {
 public:
  http_session(tcp::socket socket, const std::function<std::string()>& render)
      : stream_(std::move(socket)), render_(render) {}

  void start() {
    stream_.expires_after(std::chrono::seconds(10));
    http::async_read(stream_, buffer_, request_, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return;
      self->respond();
    });
  }

 private:
  void respond() {
    response_.version(request_.version());
    response_.keep_alive(false);
    response_.set(http::field::server, "dnsfilter-resolver");
    const auto target = request_.target();
    if (request_.method() != http::verb::get && request_.method() != http::verb::head) {
      response_.result(http::status::method_not_allowed);
      response_.set(http::field::allow, "GET, HEAD");
      response_.body() = "method not allowed\n";
    } else if (target == "/metrics" || target.starts_with("/metrics?")) {
      response_.result(http::status::ok);
      response_.set(http::field::content_type, "text/plain; version=0.0.4; charset=utf-8");
      response_.body() = render_();
    } else if (target == "/") {
      response_.result(http::status::ok);
      response_.set(http::field::content_type, "text/plain; charset=utf-8");
      response_.body() = "dnsfilter-resolver: metrics at /metrics\n";
    } else {
      response_.result(http::status::not_found);
      response_.set(http::field::content_type, "text/plain; charset=utf-8");
      response_.body() = "not found\n";
    }
    response_.prepare_payload();
    if (request_.method() == http::verb::head) response_.body().clear();
    http::async_write(stream_, response_, [self = shared_from_this()](beast::error_code, std::size_t) {
      beast::error_code ignored;
      self->stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    });
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  http::request<http::string_body> request_;
  http::response<http::string_body> response_;
  const std::function<std::string()>& render_;
};

}  // namespace

metrics_server::metrics_server(const tcp::endpoint& at, std::function<std::string()> render)
    : acceptor_(io_), render_(std::move(render)) {
  acceptor_.open(at.protocol());
  acceptor_.set_option(tcp::acceptor::reuse_address(true));
  if (at.address().is_v6()) acceptor_.set_option(asio::ip::v6_only(true));
  acceptor_.bind(at);
  acceptor_.listen(64);
}

outcome<std::unique_ptr<metrics_server>> metrics_server::open(const tcp::endpoint& at,
                                                              std::function<std::string()> render) {
  try {
    return std::make_unique<metrics_server>(at, std::move(render));
  } catch (const boost::system::system_error& e) {
    return failure{dnsfilter::errc::io_error, e.what()};
  }
}

metrics_server::~metrics_server() { stop(); }

void metrics_server::start() {
  accept();
  thread_ = std::thread([this] { io_.run(); });
}

void metrics_server::stop() {
  if (!thread_.joinable()) return;
  io_.stop();
  thread_.join();
}

void metrics_server::accept() {
  acceptor_.async_accept(io_, [this](const boost::system::error_code& ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted || !acceptor_.is_open()) return;
    if (!ec) std::make_shared<http_session>(std::move(socket), render_)->start();
    accept();
  });
}

}  // namespace resolver
