// dnsfilter — upstream_set: selection and health.
#pragma once

#include <dnsfilter/forward/upstreams.hpp>

#include <algorithm>

namespace dnsfilter::forward {

DNSFILTER_DECL result<upstream_set> upstream_set::make(std::span<const endpoint> upstreams,
                                                       const health_settings& settings) {
  if (upstreams.empty() || upstreams.size() > max_upstreams) return errc::invalid_argument;
  upstream_set set;
  set.states_ = std::make_unique<state[]>(upstreams.size());
  set.shared_ = std::make_unique<shared>();
  set.size_ = upstreams.size();
  set.settings_ = settings;
  set.settings_.down_after = std::max(1u, settings.down_after);
  set.settings_.retry_after_ms = std::max<std::int64_t>(1, settings.retry_after_ms);
  set.settings_.max_backoff_ms = std::max(set.settings_.retry_after_ms, settings.max_backoff_ms);
  for (std::size_t i = 0; i < upstreams.size(); ++i) set.states_[i].where = upstreams[i];
  return set;
}

DNSFILTER_DECL std::size_t upstream_set::pick(std::uint64_t tried, std::int64_t now_ms) noexcept {
  const std::size_t n = size_;
  const std::size_t start = settings_.order == selection::round_robin
                                ? static_cast<std::size_t>(shared_->next.fetch_add(1, std::memory_order_relaxed) % n)
                                : 0;
  // 1. A down upstream whose probe is due: this query probes it. Its next
  //    probe moves a back-off away at once, so one query at a time probes,
  //    and a probe whose query never reports back does not stop the next.
  for (std::size_t k = 0; k < n; ++k) {
    const std::size_t i = (start + k) % n;
    state& s = states_[i];
    std::int64_t due = s.down_until.load(std::memory_order_relaxed);
    if (!untried(tried, i) || due == 0 || due > now_ms) continue;
    const std::int64_t next = std::max<std::int64_t>(1, now_ms + s.backoff.load(std::memory_order_relaxed));
    if (!s.down_until.compare_exchange_strong(due, next, std::memory_order_relaxed)) continue;
    s.probing.store(true, std::memory_order_relaxed);
    return i;
  }
  // 2. A healthy upstream not yet tried by this query.
  for (std::size_t k = 0; k < n; ++k) {
    const std::size_t i = (start + k) % n;
    if (untried(tried, i) && is_up(i)) return i;
  }
  // 3. Everything untried is down: the one due soonest, so the query still
  //    gets its attempts rather than failing without sending anything.
  std::size_t best = n;
  for (std::size_t i = 0; i < n; ++i) {
    if (!untried(tried, i)) continue;
    if (best == n || states_[i].down_until.load(std::memory_order_relaxed) <
                         states_[best].down_until.load(std::memory_order_relaxed))
      best = i;
  }
  // 4. All tried: round again from the start.
  return best != n ? best : start;
}

DNSFILTER_DECL health_change upstream_set::succeeded(std::size_t i) noexcept {
  state& s = states_[i];
  s.failures.store(0, std::memory_order_relaxed);
  if (s.down_until.load(std::memory_order_relaxed) == 0) return {};
  s.probing.store(false, std::memory_order_relaxed);
  if (s.down_until.exchange(0, std::memory_order_relaxed) == 0) return {};  // another thread saw it first
  return {health_change::kind::up, 0, 0};
}

DNSFILTER_DECL health_change upstream_set::failed(std::size_t i, std::int64_t now_ms) noexcept {
  state& s = states_[i];
  const unsigned failures = s.failures.fetch_add(1, std::memory_order_relaxed) + 1;
  std::int64_t down_until = s.down_until.load(std::memory_order_relaxed);
  if (down_until != 0) {
    // A failed probe, or a query sent before it went down failing late: only
    // the probe moves the next probe further off.
    if (!s.probing.exchange(false, std::memory_order_relaxed)) return {};
    const std::int64_t backoff =
        std::min(s.backoff.load(std::memory_order_relaxed) * 2, settings_.max_backoff_ms);
    s.backoff.store(backoff, std::memory_order_relaxed);
    s.down_until.store(std::max<std::int64_t>(1, now_ms + backoff), std::memory_order_relaxed);
    return {health_change::kind::still_down, failures, backoff};
  }
  if (failures < settings_.down_after) return {};
  const std::int64_t backoff = settings_.retry_after_ms;
  if (!s.down_until.compare_exchange_strong(down_until, std::max<std::int64_t>(1, now_ms + backoff),
                                            std::memory_order_relaxed))
    return {};  // another thread marked it down first
  s.backoff.store(backoff, std::memory_order_relaxed);
  return {health_change::kind::down, failures, backoff};
}

}  // namespace dnsfilter::forward
