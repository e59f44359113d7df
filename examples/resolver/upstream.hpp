// dnsfilter-resolver — forwarding to upstream resolvers, with the library's
// transaction table (dnsfilter/forward/transactions.hpp) for every decision:
// a fresh id (and with 0x20 a random letter case) per attempt, the checks an
// answer must pass, retries and failover, the mismatch alarm.
//
// upstream_set and mismatch_alarm (the library's) are shared by every serving
// thread (shared_state); forwarder is one per serving thread, on that
// thread's io_context, with a transaction table of its own. Each attempt it
// sends goes out on a fresh non-blocking UDP socket bound to the table's
// source port (the kernel's ephemeral choice, or ours from
// --upstream-port-range) and connect()ed to the upstream, so the kernel
// already drops datagrams from anyone else. The forwarder watches its
// attempts' sockets in one epoll set of its own, which the event loop sees as
// one descriptor: a socket costs socket, connect, send, one epoll_ctl, recv
// and close, and answers are collected many per wake-up. Every datagram that
// arrives is handed to the table, which
// refuses what is not the answer (the genuine one may still come). A timeout,
// a network error or REFUSED moves to the next upstream with a new socket, id
// and case; TC=1 is retried over TCP to the same upstream. When every
// attempt fails the client gets SERVFAIL.
#pragma once

#include "config.hpp"
#include "counters.hpp"
#include "dns.hpp"

#include <dnsfilter/dnsfilter.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <span>
#include <vector>

namespace resolver {

// The upstreams of the configuration, in order, with its health settings;
// throws std::invalid_argument for none or more than dnsfilter::forward::max_upstreams.
dnsfilter::forward::upstream_set make_upstream_set(const config& c);

// The endpoint the library compares answers' sources with.
dnsfilter::forward::endpoint to_endpoint(const boost::asio::ip::address& address, std::uint16_t port) noexcept;

// Where an answer goes back to: filled in by the worker (worker.hpp), opaque here.
struct reply_target;
namespace dnstap {
struct query_context;
}

// A client query on its way upstream.
struct forward_request {
  // What the facade's process() gave for the query: its question, what the
  // answer echoes, the client, the time and the deciding rules, copied out of
  // the packet (the receive buffer is reused). The packet itself is not kept.
  dnsfilter::forward_ticket ticket;
  dnsfilter::sinkhole::transport via = dnsfilter::sinkhole::transport::udp;
  cache_key key;
  std::shared_ptr<reply_target> reply;
  // dnstap's record of the query (worker.cpp), when dnstap is on.
  std::shared_ptr<dnstap::query_context> tap;
};

struct forward_result {
  bool ok = false;                          // an upstream answered
  bool truncated = false;                   // only a TC=1 answer (TCP failed): pass TC on
  std::span<const std::byte> message;       // valid during the callback
  const dnsfilter::wire::message_view* parsed = nullptr;  // `message`, validated and parsed once (when ok, not truncated)
  const response_info* info = nullptr;      // when ok and not truncated
  std::size_t upstream = 0;
};

class forwarder {
 public:
  using done_function = std::function<void(forward_request&, const forward_result&)>;

  // `scratch` receives UDP datagrams (65535 octets); it is used only inside
  // handlers of this thread.
  forwarder(boost::asio::io_context& io, const config& c, dnsfilter::forward::upstream_set& upstreams,
            dnsfilter::forward::mismatch_alarm& mismatches, thread_counters& counters,
            dnsfilter::forward::random_ref random, std::span<std::byte> scratch, done_function done);
  ~forwarder();
  forwarder(const forwarder&) = delete;
  forwarder& operator=(const forwarder&) = delete;

  // Starts resolving; `done` runs later on this thread, exactly once.
  void start(std::unique_ptr<forward_request> request);

  // Called with every query message sent upstream (for dnstap): the
  // request, the message, the upstream's index and whether over TCP.
  using sent_function = std::function<void(const forward_request&, std::span<const std::byte>, std::size_t, bool)>;
  void on_sent(sent_function f) { sent_ = std::move(f); }

  std::int64_t inflight() const noexcept { return counters_.inflight.load(std::memory_order_relaxed); }

 private:
  class exchange;
  friend class exchange;

  // The UDP sockets of the attempts in flight, in one epoll set (upstream.cpp).
  int watch(int fd, std::shared_ptr<exchange> e, std::uint32_t& token);
  void unwatch(std::uint32_t token) noexcept;
  void wait_events();
  void on_events();
  struct watched {
    std::shared_ptr<exchange> owner;  // null: the slot is free
    std::uint32_t generation = 0;
  };

  boost::asio::io_context& io_;
  const config& config_;
  thread_counters& counters_;
  dnsfilter::forward::transaction_table table_;
  const dnsfilter::forward::mismatch_alarm& mismatches_;  // the table's, for the warning's figures
  std::span<std::byte> scratch_;
  done_function done_;
  sent_function sent_;
  cache_policy cache_policy_;
  boost::asio::posix::stream_descriptor epoll_;
  std::vector<watched> watches_;
  std::vector<std::uint32_t> free_watches_;
  bool waiting_ = false;
};

// Monotonic milliseconds, for health timing.
inline std::int64_t monotonic_ms() noexcept {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace resolver
