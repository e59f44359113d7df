// dnsfilter — the upstream resolvers a forwarder asks, and their health.
//
// An upstream that fails `down_after` times in a row (timeouts, network
// errors, REFUSED) is marked down and skipped; after `retry_after_ms` one
// query probes it, the delay doubling per failed probe up to
// `max_backoff_ms`, and its first good answer marks it up again. pick()
// gives a due probe to the query first (so a preferred upstream comes back
// while others serve), then a healthy upstream the query has not tried, then
// the untried one due soonest, so a query always gets its attempts. Thread-safe (relaxed atomics, no lock): one set may serve every
// thread's transaction table. Health is a heuristic, so two threads racing
// on a change cost at most an extra probe.
#pragma once

#include <dnsfilter/config.hpp>
#include <dnsfilter/policy/address.hpp>
#include <dnsfilter/result.hpp>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>

namespace dnsfilter::forward {

// An address and port: an upstream's, or where an answer came from.
struct endpoint {
  policy::ip_address address;
  std::uint16_t port = 53;
  // IPv4-mapped IPv6 addresses (a dual-stack socket's view) equal their IPv4 form.
  friend bool operator==(const endpoint& a, const endpoint& b) noexcept {
    return a.port == b.port && a.address.unmapped() == b.address.unmapped();
  }
};

enum class selection : std::uint8_t {
  ordered,      // the first healthy upstream, in the order given
  round_robin,  // spread over the healthy ones
};

struct health_settings {
  selection order = selection::ordered;
  unsigned down_after = 3;              // consecutive failures that mark an upstream down (at least 1)
  std::int64_t retry_after_ms = 5000;   // the first probe of a down upstream
  std::int64_t max_backoff_ms = 60000;  // failed probes double the delay up to this
};

// What a report changed, for the caller's log.
struct health_change {
  enum class kind : std::uint8_t {
    none,
    down,        // marked down now, after `failures` consecutive failures
    still_down,  // a probe failed: the next one in `retry_in_ms`
    up,          // a down upstream answered
  };
  kind what = kind::none;
  unsigned failures = 0;
  std::int64_t retry_in_ms = 0;
};

inline constexpr std::size_t max_upstreams = 64;

class upstream_set {
 public:
  // 1 to max_upstreams endpoints, in order of preference; otherwise
  // errc::invalid_argument.
  static DNSFILTER_DECL result<upstream_set> make(std::span<const endpoint> upstreams,
                                                  const health_settings& settings = {});

  std::size_t size() const noexcept { return size_; }
  const endpoint& at(std::size_t i) const noexcept { return states_[i].where; }
  bool is_up(std::size_t i) const noexcept { return states_[i].down_until.load(std::memory_order_relaxed) == 0; }

  // The upstream for the next attempt of a query that has tried the upstreams
  // whose bits are set in `tried` (bit i: upstream i).
  DNSFILTER_DECL std::size_t pick(std::uint64_t tried, std::int64_t now_ms) noexcept;

  DNSFILTER_DECL health_change succeeded(std::size_t i) noexcept;
  DNSFILTER_DECL health_change failed(std::size_t i, std::int64_t now_ms) noexcept;

 private:
  struct state {
    endpoint where;
    std::atomic<unsigned> failures{0};         // consecutive
    std::atomic<std::int64_t> down_until{0};   // 0: up; else when the next probe may go
    std::atomic<std::int64_t> backoff{0};
    std::atomic<bool> probing{false};
  };
  struct shared {
    std::atomic<std::uint64_t> next{0};  // round robin
  };

  upstream_set() = default;
  bool untried(std::uint64_t tried, std::size_t i) const noexcept { return ((tried >> i) & 1u) == 0; }

  std::unique_ptr<state[]> states_;
  std::unique_ptr<shared> shared_;
  std::size_t size_ = 0;
  health_settings settings_;
};

}  // namespace dnsfilter::forward

#if DNSFILTER_HEADER_ONLY
#include <dnsfilter/forward/impl/upstreams.ipp>
#endif
