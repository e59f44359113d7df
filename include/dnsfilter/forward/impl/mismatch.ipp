// dnsfilter — mismatch_alarm: refused answers by reason, and a windowed alarm.
#pragma once

#include <dnsfilter/forward/mismatch.hpp>

namespace dnsfilter::forward {

DNSFILTER_DECL const char* to_string(reject r) noexcept {
  switch (r) {
    case reject::none: return "none";
    case reject::source: return "source";
    case reject::id: return "id";
    case reject::not_response: return "not_response";
    case reject::question: return "question";
    case reject::malformed: return "malformed";
    case reject::late: return "late";
  }
  return "unknown";
}

DNSFILTER_DECL alarm_event mismatch_alarm::record(reject why, std::int64_t now_ms) noexcept {
  if (why == reject::none || static_cast<std::size_t>(why) >= reject_kinds) return alarm_event::none;
  auto& total = totals_[static_cast<std::size_t>(why)];
  total.fetch_add(1, std::memory_order_relaxed);
  // A late answer is the upstream's slowness, not evidence of spoofing.
  if (why == reject::late) return alarm_event::none;

  const auto number = static_cast<std::uint64_t>(now_ms < 0 ? 0 : now_ms / bucket_ms_);
  constexpr std::uint64_t count_max = (std::uint64_t{1} << count_bits) - 1;
  auto& bucket = ring_[number % buckets];
  std::uint64_t old = bucket.load(std::memory_order_relaxed);
  for (;;) {
    std::uint64_t next = (number << count_bits) | 1;
    if ((old >> count_bits) == number) next = (old & count_max) == count_max ? old : old + 1;  // saturates
    if (bucket.compare_exchange_weak(old, next, std::memory_order_relaxed)) break;
  }
  if (in_window(now_ms) <= settings_.threshold || raised_.exchange(true, std::memory_order_relaxed))
    return alarm_event::none;
  alarms_.fetch_add(1, std::memory_order_relaxed);
  return alarm_event::raised;
}

DNSFILTER_DECL alarm_event mismatch_alarm::poll(std::int64_t now_ms) noexcept {
  if (!raised() || in_window(now_ms) != 0) return alarm_event::none;
  return raised_.exchange(false, std::memory_order_relaxed) ? alarm_event::cleared : alarm_event::none;
}

DNSFILTER_DECL std::uint64_t mismatch_alarm::in_window(std::int64_t now_ms) const noexcept {
  const auto number = static_cast<std::uint64_t>(now_ms < 0 ? 0 : now_ms / bucket_ms_);
  constexpr std::uint64_t count_max = (std::uint64_t{1} << count_bits) - 1;
  std::uint64_t sum = 0;
  for (const auto& bucket : ring_) {
    const std::uint64_t v = bucket.load(std::memory_order_relaxed);
    const std::uint64_t age = number - (v >> count_bits);  // a bucket from the future (a clock step back) is old
    if (age < buckets) sum += v & count_max;
  }
  return sum;
}

}  // namespace dnsfilter::forward
