// dnsfilter-resolver — forwarding to upstream resolvers.
//
// upstream_set: the configured upstreams and their health, shared by every
// serving thread. An upstream that times out (or is unreachable, or refuses
// us) `down_after` times in a row is marked down and skipped; after
// `retry_after` one query probes it (the delay doubles per failed probe, up
// to a minute) and its first good answer marks it up again.
//
// forwarder: one per serving thread, on that thread's io_context. Each query
// it sends upstream gets
//   - a fresh UDP socket bound to a random source port (the kernel's
//     ephemeral choice, or ours from --upstream-port-range) and connect()ed
//     to the upstream, so the kernel already drops datagrams from anyone else;
//   - a fresh id from the CSPRNG, and with 0x20 a random letter case;
// and a response is believed only when it comes from the queried address and
// port, carries our id, is a response to a QUERY, and repeats our question
// (byte for byte with 0x20). Anything else is counted by reason and ignored
// (the genuine answer may still come). A timeout moves to the next upstream
// with a new socket, id and case; TC=1 is retried over TCP to the same
// upstream. When every attempt fails the client gets SERVFAIL.
#pragma once

#include "config.hpp"
#include "counters.hpp"
#include "dns.hpp"
#include "random.hpp"

#include <dnsfilter/dnsfilter.hpp>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ip/udp.hpp>

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <span>
#include <vector>

namespace resolver {

class upstream_set {
 public:
  explicit upstream_set(const config& c);

  std::size_t size() const noexcept { return states_.size(); }
  const upstream_config& at(std::size_t i) const noexcept { return states_[i]->config; }
  bool is_up(std::size_t i) const noexcept { return states_[i]->down_until_ms.load(std::memory_order_relaxed) == 0; }

  // The upstream for the next attempt of a query that already tried the
  // upstreams whose bits are set in `tried`.
  std::size_t pick(std::uint64_t tried, std::int64_t now_ms);

  void report_success(std::size_t i);
  void report_failure(std::size_t i, std::int64_t now_ms, const char* why);

 private:
  struct state {
    upstream_config config;
    std::atomic<unsigned> failures{0};         // consecutive
    std::atomic<std::int64_t> down_until_ms{0};  // 0: up; else when the next probe may go
    std::atomic<bool> probing{false};
    std::int64_t backoff_ms = 0;  // guarded by mutex
    std::mutex mutex;             // taken on state changes only, never on the success path of a healthy upstream
  };
  std::vector<std::unique_ptr<state>> states_;
  upstream_selection selection_;
  unsigned down_after_;
  std::int64_t retry_after_ms_;
  std::atomic<std::uint64_t> next_{0};
};

// Where an answer goes back to: filled in by the worker (worker.hpp), opaque here.
struct reply_target;

// A client query on its way upstream.
struct forward_request {
  // What the facade's process() gave for the query: its question, what the
  // answer echoes, the client, the time and the deciding rules, copied out of
  // the packet (the receive buffer is reused). The packet itself is not kept.
  dnsfilter::forward_ticket ticket;
  dnsfilter::sinkhole::transport via = dnsfilter::sinkhole::transport::udp;
  cache_key key;
  std::shared_ptr<reply_target> reply;
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
  forwarder(boost::asio::io_context& io, const config& c, upstream_set& upstreams, thread_counters& counters,
            secure_random& random, std::span<std::byte> scratch, done_function done);

  // Starts resolving; `done` runs later on this thread, exactly once.
  void start(std::unique_ptr<forward_request> request);

  std::int64_t inflight() const noexcept { return counters_.inflight.load(std::memory_order_relaxed); }

 private:
  class exchange;
  friend class exchange;

  boost::asio::io_context& io_;
  const config& config_;
  upstream_set& upstreams_;
  thread_counters& counters_;
  secure_random& random_;
  std::span<std::byte> scratch_;
  done_function done_;
  cache_policy cache_policy_;
};

// Monotonic milliseconds, for health timing.
inline std::int64_t monotonic_ms() noexcept {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
      .count();
}

}  // namespace resolver
