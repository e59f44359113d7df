// dnsfilter-resolver — a serving thread: its event loop, its UDP and TCP
// listeners (one of each per listener, all threads bound to the same ports
// with SO_REUSEPORT so the kernel spreads clients over them), its filter, its
// forwarder and its counters; and the per-query flow.
//
// Per query, in order: access list (outside: REFUSED with EDE 18) → the
// filter facade (malformed: FORMERR/NOTIMP/BADVERS; blocked: the sinkhole
// answer; opted out: forwarded, not counted) → the cache → the upstream.
// Upstream answers are checked for CNAME cloaking (facade) before they are
// shaped for the client, and counted in the operator's statistics.
#pragma once

#include "cache.hpp"
#include "config.hpp"
#include "counters.hpp"
#include "dnstap_tap.hpp"
#include "state.hpp"
#include "udp_listener.hpp"
#include "upstream.hpp"

#include <dnsfilter/dnsfilter.hpp>

#include <tsl/robin_map.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/steady_timer.hpp>

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace resolver {

class tcp_connection;
class tcp_listener;

// Where an answer goes back to.
struct reply_target {
  udp_listener* udp = nullptr;  // with `peer`
  udp_peer peer;
  std::shared_ptr<tcp_connection> tcp;
};

class worker {
 public:
  worker(shared_state& state, std::size_t index);
  ~worker();

  boost::asio::io_context& io() noexcept { return io_; }
  shared_state& state() noexcept { return state_; }
  thread_counters& counters() noexcept { return counters_; }
  const config& cfg() const noexcept { return state_.cfg; }

  void add_udp(boost::asio::ip::udp::socket socket, std::uint16_t listener, bool wildcard);
  void add_tcp(boost::asio::ip::tcp::acceptor acceptor, std::uint16_t listener);

  void run();           // on the serving thread
  void stop_listening();  // posted at shutdown: no new queries; in-flight ones finish

  // Where a query came from, for answering it later if it goes upstream.
  struct reply_source {
    udp_listener* udp = nullptr;
    const udp_peer* peer = nullptr;
    tcp_connection* tcp = nullptr;
  };
  struct handled {
    std::span<const std::byte> answer;  // send this now (a view of `out`); may be empty
    bool pending = false;               // gone upstream: the answer comes later through the reply target
  };

  // One query from `client` on listener `listener`. `out` bounds the answer
  // (for UDP: --max-udp-payload octets).
  std::span<const std::byte> answer_notify(std::span<const std::byte> packet,
                                          const dnsfilter::policy::ip_address& client, std::span<std::byte> out);
  handled handle(std::span<const std::byte> packet, const dnsfilter::policy::ip_address& client,
                 std::uint16_t listener, dnsfilter::sinkhole::transport via, std::span<std::byte> out,
                 const reply_source& from);

  std::span<std::byte> answer_buffer() noexcept { return answer_buffer_; }

  // Per-batch clock readings (UDP reads them once per recvmmsg).
  void tick() noexcept;

 private:
  void finish_forward(forward_request& request, const forward_result& result);
  void answer_forwarded(forward_request& request, const forward_result& result);
  void send_reply(reply_target& to, std::span<const std::byte> answer);
  // dnstap: the client's and our listener's endpoints, and the rest of a
  // query's messages (a forwarded one keeps its context in the request).
  dnstap::endpoint tap_client(const dnsfilter::policy::ip_address& client, const reply_source& from) const;
  const dnstap::endpoint& tap_local(std::uint16_t listener);  // computed once per listener
  dnstap::endpoint tap_upstream(std::size_t upstream) const;
  // --query-log-all: the line of a query the facade did not log (no entry, or an exception).
  void log_unfiltered(const dnsfilter::filter_result& r);

  // Declared first: destroyed last, after every socket of this thread.
  boost::asio::io_context io_;
  shared_state& state_;
  std::size_t index_;
  thread_counters& counters_;
  dnsfilter::stats::recorder& recorder_;
  dnsfilter::filter filter_;
  dnsfilter::forward::system_random random_;  // upstream ids, ports and letter case
  std::vector<std::byte> upstream_buffer_;  // forwarder's UDP receive scratch
  std::vector<std::byte> cache_buffer_;     // a cached message on its way to shaping
  std::vector<std::byte> answer_buffer_;    // answers to upstream completions and TCP queries
  forwarder forwarder_;
  dnstap::tap tap_;
  std::vector<dnstap::endpoint> tap_locals_;
  // Queries waiting for an exchange already under way for the same cache key
  // on this thread (coalescing): one upstream query answers them all, and a
  // forger cannot raise their odds by making us ask the same question many
  // times at once (the birthday attack on ids and ports).
  // Keyed by a view of the leading request's own key (alive until its
  // finish_forward, which removes the entry): no allocation per forwarded query.
  struct key_hash {
    std::size_t operator()(std::string_view k) const noexcept;
  };
  tsl::robin_map<std::string_view, std::vector<std::unique_ptr<forward_request>>, key_hash> waiting_;
  static constexpr std::size_t max_waiting = 1024;
  std::vector<std::unique_ptr<udp_listener>> udp_;
  std::vector<std::unique_ptr<tcp_listener>> tcp_;
  dnsfilter::match::timestamp now_ = 0;   // wall clock, seconds (entry validity, months)
  std::int64_t monotonic_ = 0;            // seconds (cache ages)
  boost::asio::steady_timer housekeeping_;
  void housekeeping();
};

}  // namespace resolver
