// dnsfilter-resolver — the resolver's own counters (the operator's statistics,
// with months and entries, live in dnsfilter::stats::registry).
//
// One block per serving thread, written only by that thread: an increment is
// a relaxed load and store, no read-modify-write, no shared cache line. The
// metrics endpoint sums the blocks with relaxed loads whenever it is asked.
#pragma once


#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>

namespace resolver {

using counter = std::atomic<std::uint64_t>;

// Only the owning thread calls this.
inline void bump(counter& c, std::uint64_t n = 1) noexcept {
  c.store(c.load(std::memory_order_relaxed) + n, std::memory_order_relaxed);
}

// Upper bounds (seconds) of the upstream latency histogram buckets.
inline constexpr std::array<double, 12> latency_bounds = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025,
                                                          0.05,   0.1,   0.25,   0.5,   1.0,  2.5};

struct upstream_counters {
  counter queries{0};     // UDP attempts sent
  counter answers{0};     // responses that passed every check
  counter timeouts{0};
  counter errors{0};      // send/receive errors (ICMP unreachable, ...)
  counter refused{0};     // REFUSED from the upstream: tried elsewhere
  counter tcp_queries{0}; // TC=1 retried over TCP
  counter tcp_failures{0};
  std::array<counter, latency_bounds.size() + 1> latency{};  // last bucket: +Inf
  counter latency_sum_us{0};

  void observe(double seconds) noexcept {
    std::size_t b = 0;
    while (b < latency_bounds.size() && seconds > latency_bounds[b]) ++b;
    bump(latency[b]);
    bump(latency_sum_us, static_cast<std::uint64_t>(seconds * 1e6));
  }
};

struct alignas(64) thread_counters {
  explicit thread_counters(std::size_t upstream_count)
      : upstreams(std::make_unique<upstream_counters[]>(upstream_count)) {}

  counter udp_queries{0}, tcp_queries{0};
  counter acl_refused{0};   // answered REFUSED (EDE 18): client outside the ACL
  counter rejected{0};      // FORMERR / NOTIMP / BADVERS
  counter dropped{0};       // nothing sent: runts, responses, action drop
  counter sinkholed{0};     // answered from the catalogue (any blocking action)
  counter cloaked{0};       // an upstream CNAME chain led to a blocked name
  counter monitored{0};     // a monitored entry matched the name or its CNAME chain (answered normally)
  counter opted_out{0};
  counter cache_hits{0}, cache_misses{0};
  counter forwarded{0};     // sent upstream (cache misses)
  counter coalesced{0};     // cache misses that joined an exchange already under way
  counter servfail{0};      // no upstream answered
  counter overload{0};      // SERVFAIL because too many upstream queries were in flight
  counter truncated{0};     // answered with TC=1 (too big for UDP)
  counter tcp_accepted{0}, tcp_refused{0}, tcp_idle_closed{0}, tcp_bad_length{0};
  counter udp_send_errors{0}, udp_oversized{0};
  std::atomic<std::int64_t> inflight{0};  // upstream exchanges in progress
  std::unique_ptr<upstream_counters[]> upstreams;
};

}  // namespace resolver
