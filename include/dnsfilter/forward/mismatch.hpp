// dnsfilter — answers a forwarder refused, and the alarm on a flood of them.
//
// Every answer that fails the transaction table's checks is counted by
// reason. The spoofing reasons (all but `late`) also go into a window of the
// last `window_ms` milliseconds, kept as a ring of 16 buckets: when more than
// `threshold` land in one window the alarm is raised (one event, for the
// caller to log, and a flag for its metrics), and it clears once a whole
// window has passed without any. A blind spoofer must send thousands of
// forged answers per query it hopes to poison, so a burst here is the
// signature of an attempt even when none succeeded.
//
// Thread-safe (relaxed atomics; a compare-and-swap per refused answer, which
// is rare): one alarm may serve every thread's transaction table.
#pragma once

#include <dnsfilter/config.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>

namespace dnsfilter::forward {

// Why an answer was refused.
enum class reject : std::uint8_t {
  none,          // not refused
  source,        // from another address or port than the one queried
  id,            // another id than ours
  not_response,  // QR clear, or an opcode other than QUERY
  question,      // another question: name (its letter case too, with 0x20), type, class, or not one question
  malformed,     // too short for its header and question, or a message that does not parse
  late,          // for a transaction (or an attempt of it) that is over
};
inline constexpr std::size_t reject_kinds = 7;
DNSFILTER_DECL const char* to_string(reject r) noexcept;

struct alarm_settings {
  std::int64_t window_ms = 10000;
  std::uint64_t threshold = 10;  // raised when more than this many arrive within one window
};

enum class alarm_event : std::uint8_t {
  none,
  raised,   // this refusal took the window over the threshold
  cleared,  // a whole window passed without a refusal
};

class mismatch_alarm {
 public:
  explicit mismatch_alarm(const alarm_settings& settings = {}) noexcept
      : settings_(settings), bucket_ms_(std::max<std::int64_t>(1, settings.window_ms / std::int64_t{buckets})) {}
  mismatch_alarm(const mismatch_alarm&) = delete;
  mismatch_alarm& operator=(const mismatch_alarm&) = delete;

  // Counts a refused answer (`why` not none) at `now_ms`, a monotonic clock.
  DNSFILTER_DECL alarm_event record(reject why, std::int64_t now_ms) noexcept;
  // Clears the alarm once the window is quiet; call it now and then (each
  // second, or when a wait ends).
  DNSFILTER_DECL alarm_event poll(std::int64_t now_ms) noexcept;

  // Spoofing refusals within the window that ends at `now_ms`.
  DNSFILTER_DECL std::uint64_t in_window(std::int64_t now_ms) const noexcept;
  bool raised() const noexcept { return raised_.load(std::memory_order_relaxed); }
  // Refusals since start, by reason.
  std::uint64_t total(reject why) const noexcept {
    return totals_[static_cast<std::size_t>(why)].load(std::memory_order_relaxed);
  }
  // How often the alarm was raised since start.
  std::uint64_t alarms() const noexcept { return alarms_.load(std::memory_order_relaxed); }
  const alarm_settings& settings() const noexcept { return settings_; }

 private:
  static constexpr std::size_t buckets = 16;
  static constexpr unsigned count_bits = 24;  // a bucket is (its number << count_bits) | count

  alarm_settings settings_;
  std::int64_t bucket_ms_;
  std::array<std::atomic<std::uint64_t>, buckets> ring_{};
  std::array<std::atomic<std::uint64_t>, reject_kinds> totals_{};
  std::atomic<std::uint64_t> alarms_{0};
  std::atomic<bool> raised_{false};
};

}  // namespace dnsfilter::forward

#if DNSFILTER_HEADER_ONLY
#include <dnsfilter/forward/impl/mismatch.ipp>
#endif
