// dnsfilter-resolver — what the serving threads share: the hot-swappable
// catalogue and policy, the responder, the access list, the cache, the
// upstreams and the counters.
#pragma once

#include "cache.hpp"
#include "config.hpp"
#include "counters.hpp"
#include "outcome.hpp"
#include "upstream.hpp"

#include <dnsfilter/dnsfilter.hpp>

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <mutex>
#include <vector>

namespace resolver {

namespace dnstap {
class output;
}

// The compiled catalogue with the statistics slots of its entries: what a
// reload builds and the filter serves from.
using snapshot_type = dnsfilter::filter::snapshot_type;

enum class access : std::uint8_t { deny, allow };

using access_list = dnsfilter::policy::prefix_table<access>;

// --allow and --deny as one table: the longest matching prefix decides.
outcome<access_list> make_access_list(const config& c);

struct shared_state {
  shared_state(const config& c, std::shared_ptr<const snapshot_type> first,
               std::shared_ptr<const dnsfilter::policy::policy_set> policies, access_list access,
               dnsfilter::stats::registry& reg);

  const config& cfg;
  dnsfilter::filter::catalogue_handle catalogue;
  dnsfilter::policy::policy_set_handle policies;
  dnsfilter::sinkhole::responder responder;
  access_list acl;
  response_cache cache;
  dnsfilter::forward::upstream_set upstreams;       // health, shared by every thread's transaction table
  dnsfilter::forward::mismatch_alarm mismatches;    // refused upstream answers, and the alarm on a flood
  dnsfilter::stats::registry& registry;
  dnsfilter::stats::query_log_sink* query_log = nullptr;  // filtered queries, when --query-log is set
  dnstap::output* dnstap = nullptr;  // when --dnstap is set
  std::vector<std::unique_ptr<thread_counters>> counters;  // one per serving thread
  std::atomic<std::size_t> tcp_connections{0};

  // Reloads (written by the control thread).
  std::atomic<std::uint64_t> reloads_ok{0}, reloads_failed{0};
  std::atomic<std::int64_t> last_reload_ok{0};  // unix seconds
  std::atomic<bool> last_reload_failed{false};
  std::atomic<std::uint64_t> generation{1};  // of the catalogue served
  // Taken by whoever builds on the served catalogue and stores the result: a
  // reload of the lists (control thread) and a feed's transfer (feed thread).
  std::mutex catalogue_writer;
  class feed_runner* feeds = nullptr;  // the policy feeds (--feed), if any
};

}  // namespace resolver
