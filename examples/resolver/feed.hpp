// dnsfilter-resolver — policy feeds: response policy zones kept current by
// zone transfers from their primaries (--feed; docs/resolver.md, "Policy feeds").
//
// One thread, the feed thread, does every transfer, one at a time, with
// blocking sockets bounded by each feed's max-time: a serving thread never
// waits for a primary. Per feed: at start the seed file (if any) is part of
// the first snapshot, then the feed asks for IXFR from its serial (AXFR when
// it has none, and when an IXFR cannot be applied), at the SOA refresh, at
// the SOA retry after a failure, and at once on a NOTIFY from one of its
// primaries. The library's zone_feed applies the transfer (xfr/feed.hpp);
// the result is stored under the catalogue writer lock, which reloads of the
// lists take too, and the seed file is rewritten atomically.
#pragma once

#include "config.hpp"

#include <dnsfilter/dnsfilter.hpp>
#include <dnsfilter/xfr/feed.hpp>

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace resolver {

struct shared_state;

// What the metrics endpoint shows of one feed.
struct feed_counters {
  static constexpr int kinds = 2, results = 4;  // kind: axfr, ixfr; result: full, incremental, up-to-date, failed
  std::atomic<std::uint32_t> serial{0};
  std::atomic<bool> loaded{false};
  std::atomic<std::int64_t> last_refresh{0};  // unix seconds of the last good refresh (0: never)
  std::atomic<std::uint64_t> transfers[kinds][results] = {};
  std::atomic<std::uint64_t> records{0}, bytes{0}, notifies{0};
};

class feed_runner {
 public:
  explicit feed_runner(const config& c, dnsfilter::stats::registry& registry);
  ~feed_runner();
  feed_runner(const feed_runner&) = delete;
  feed_runner& operator=(const feed_runner&) = delete;

  // Adds each feed's source to a catalogue being loaded, with the feed's
  // rules: those of `current` on a reload, the seed file's at start (null).
  // A seed that cannot be used is logged and skipped: the feed then starts
  // with a full transfer.
  void contribute(dnsfilter::match::catalogue& cat, const dnsfilter::filter::snapshot_type* current);

  void start(shared_state& state);
  void stop();

  // A NOTIFY for `zone` from `from`: true (and a refresh soon) when `from` is
  // a primary of a feed of that zone; false: refuse it.
  bool notify(const dnsfilter::policy::ip_address& from, dnsfilter::wire::name_view zone);

  // Whether every feed has a policy (seed or transfer).
  bool ready() const noexcept;
  bool empty() const noexcept { return feeds_.empty(); }
  std::atomic<std::uint64_t> notify_refused{0};

  struct view {
    const feed_config& config;
    const feed_counters& counters;
  };
  std::vector<view> feeds() const;

 private:
  struct feed;
  void run();
  void refresh(feed& f, std::chrono::steady_clock::time_point now);
  bool transfer(feed& f, const upstream_config& primary, bool full, std::string& why);
  void write_seed(feed& f);
  void expire_if_stale(feed& f, std::chrono::steady_clock::time_point now);

  const config& c_;
  dnsfilter::stats::registry& registry_;
  shared_state* state_ = nullptr;
  std::vector<std::unique_ptr<feed>> feeds_;
  std::mutex mutex_;  // wakes the thread: NOTIFY and stop
  std::condition_variable wake_;
  bool stopping_ = false;
  // After a transfer: when to give the freed heap back to the system (the
  // replaced snapshot goes once every serving thread has moved on, within a second).
  std::optional<std::chrono::steady_clock::time_point> trim_at_;
  std::atomic<bool> stop_requested_{false};  // read by the transfer's waits
  std::thread thread_;
};

}  // namespace resolver
