// dnsfilter — exact query counters: one recorder per serving thread, merged on read.
//
//   stats::registry reg{2};                                    // two serving threads
//   stats::slot_map slots = reg.map(snapshot->source());       // at each catalogue install
//
//   // serving thread i, once per packet (no lock, no allocation, no shared write):
//   stats::recorder& rec = reg.at(i);
//   rec.count_opted_out(now);                                  // client opted out
//   rec.count_passed(now);                                     // no entry matched
//   rec.count_hit(now, slots.of(hit.entry), entry.action);     // an entry matched (monitor: monitored)
//
//   // anywhere, any time (a metrics endpoint, a timer that persists):
//   stats::totals t = reg.read();                              // exact: every count so far
//   stats::write_totals("/var/lib/dnsfilter/stats", t);
//
// Each recorder is the single writer of its own cache-line-aligned counters
// (an increment is a relaxed load and store, no lock), and read() sums them
// exactly. Counters live in one block per month, allocated when a recorder
// first counts in a month (never per packet) and folded into the archive by
// read(). Entries are renumbered by every reload, so map() gives each entry a
// stable slot by its key (identifier, or source list name) and the counts
// continue across reloads. The registry never writes the file itself: call
// write_totals() with read(). Why, in detail: docs/design.md, "Exact statistics".
#pragma once

#include <dnsfilter/config.hpp>
#include <dnsfilter/match/catalogue.hpp>
#include <dnsfilter/stats/calendar.hpp>
#include <dnsfilter/stats/totals.hpp>

#include <tsl/robin_map.h>

#include <atomic>
#include <cassert>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dnsfilter::stats {

class registry;

// The stable counter slots of one entry of a catalogue snapshot.
struct entry_slots {
  std::uint32_t entry = 0;     // slot of the entry's key
  std::uint32_t category = 0;  // slot of the entry's category
  std::string_view key;        // the key itself; owned by the registry
};

// Entry index → slots, for one catalogue snapshot. Made by registry::map; must
// not outlive the registry.
class slot_map {
 public:
  slot_map() = default;
  // Precondition: entry_index < size(), i.e. an entry of the mapped catalogue.
  const entry_slots& of(std::uint32_t entry_index) const noexcept {
    assert(entry_index < slots_.size());
    return slots_[entry_index];
  }
  std::size_t size() const noexcept { return slots_.size(); }

 private:
  friend class registry;
  std::vector<entry_slots> slots_;
};

struct registry_options {
  stats::zone zone{};  // months are months of this zone (UTC by default)
};

// What registry::map is given: a whole catalogue, or the delta of changed
// names a zone transfer put on top of one (match/layered.hpp), whose entries
// name only their changed FQDNs.
enum class catalogue_part : std::uint8_t { whole, delta };

namespace detail {

using counter = std::atomic<std::uint64_t>;

// The only writer of `c` adds one: no read-modify-write instruction needed.
DNSFILTER_ALWAYS_INLINE void bump(counter& c) noexcept {
  c.store(c.load(std::memory_order_relaxed) + 1, std::memory_order_relaxed);
}

inline constexpr std::size_t cache_line = 64;

// One recorder's counters for one month. Allocated with its slot counters
// right behind it, both on their own cache lines.
struct alignas(cache_line) month_block {
  month_index month = 0;
  match::timestamp start = 0, end = 0;  // the month's [start, end) in UTC seconds
  std::uint32_t entry_slots = 0, category_slots = 0;
  month_block* older = nullptr;  // blocks the recorder has left, newest first
  counter passed{0}, filtered{0}, opted_out{0};
  // Hits on monitored entries (queries answered normally, counted in passed
  // too, unless their answer was then found cloaked).
  counter monitored{0};
  // Queries counted as passed earlier and found filtered afterwards (CNAME
  // cloaking in the upstream answer): taken off `passed` when folded.
  counter reclassified{0};
  counter by_action[action_count] = {};

  counter* slots() noexcept { return std::launder(reinterpret_cast<counter*>(this + 1)); }
  counter& entry(std::uint32_t slot) noexcept { return slots()[slot]; }
  counter& category(std::uint32_t slot) noexcept { return slots()[entry_slots + slot]; }
  // The monitored hits of an entry slot: a second row of entry counters.
  counter& monitored_entry(std::uint32_t slot) noexcept { return slots()[entry_slots + category_slots + slot]; }
  // Counters behind the block for `entries` and `categories` slots.
  static constexpr std::size_t slot_counters(std::uint32_t entries, std::uint32_t categories) noexcept {
    return std::size_t{entries} * 2 + categories;
  }

  // nullptr when memory is exhausted.
  static DNSFILTER_DECL month_block* create(month_index m, const zone& z, std::uint32_t entries,
                                            std::uint32_t categories) noexcept;
  static DNSFILTER_DECL void destroy(month_block* b) noexcept;
};

// What the recorders read of their registry.
struct shared_state {
  stats::zone zone;
  // Slots assigned so far: the size a new block gets.
  std::atomic<std::uint32_t> entry_slots{0}, category_slots{0};
};

}  // namespace detail

// The counters of one serving thread. Only that thread may call count_*.
class alignas(detail::cache_line) recorder {
 public:
  recorder(const recorder&) = delete;
  recorder& operator=(const recorder&) = delete;
  DNSFILTER_DECL ~recorder();

  // A query of an opted-out client: counted there only (nothing identifies it).
  void count_opted_out(match::timestamp now) noexcept {
    if (detail::month_block* b = block_for(now, 0, 0)) detail::bump(b->opted_out);
  }

  // A query that no entry matched.
  void count_passed(match::timestamp now) noexcept {
    if (detail::month_block* b = block_for(now, 0, 0)) detail::bump(b->passed);
  }

  // A query that an entry matched, answered with `taken` (the entry's action,
  // or whatever the resolver did instead): `pass` counts as passed, `monitor`
  // as passed and monitored (and under the entry's monitored hits), every
  // other action as filtered; the hit counts under the entry, its category and
  // `taken`. Counting is all it does: logging the query is the caller's step.
  void count_hit(match::timestamp now, const entry_slots& slots, match::action taken) noexcept {
    detail::month_block* b = block_for(now, slots.entry + 1, slots.category + 1);
    if (b == nullptr) return;
    const bool filtered = taken != match::action::pass && taken != match::action::monitor;
    detail::bump(filtered ? b->filtered : b->passed);
    if (DNSFILTER_UNLIKELY(taken == match::action::monitor)) count_monitored_entry(*b, slots);
    count_entry(*b, slots, taken);
  }

  // A query counted already (count_passed or count_hit, with the same `now`)
  // whose upstream answer's CNAME chain led to a monitored entry: a monitored
  // hit of `slots`, nothing else changes (the answer was sent as it came).
  void count_monitored(match::timestamp now, const entry_slots& slots) noexcept {
    detail::month_block* b = block_for(now, slots.entry + 1, slots.category + 1);
    if (b == nullptr) return;
    count_monitored_entry(*b, slots);
    count_entry(*b, slots, match::action::monitor);
  }

  // A query counted as passed by this recorder (count_passed, with the same
  // `now`) that turned out to be filtered: an upstream answer whose CNAME
  // chain leads to a blocked name. It moves from passed to filtered and
  // counts as a hit of `slots` with `taken` (never pass). Call it on the
  // recorder that counted the query: the correction is made when the month's
  // blocks are folded, in the order the recorder wrote them.
  void count_reclassified(match::timestamp now, const entry_slots& slots, match::action taken) noexcept {
    detail::month_block* b = block_for(now, slots.entry + 1, slots.category + 1);
    if (b == nullptr || taken == match::action::pass || taken == match::action::monitor) return;
    detail::bump(b->reclassified);
    detail::bump(b->filtered);
    count_entry(*b, slots, taken);
  }

 private:
  friend class registry;
  recorder() = default;  // made by the registry only

  // The block that counts `now`, with at least the given slot counts.
  DNSFILTER_ALWAYS_INLINE detail::month_block* block_for(match::timestamp now, std::uint32_t entries,
                                                         std::uint32_t categories) noexcept {
    detail::month_block* b = current_;
    if (DNSFILTER_LIKELY(b != nullptr && now >= b->start && now < b->end && entries <= b->entry_slots &&
                         categories <= b->category_slots))
      return b;
    return move_to(now, entries, categories);
  }
  void count_monitored_entry(detail::month_block& b, const entry_slots& slots) noexcept {
    detail::bump(b.monitored);
    detail::bump(b.monitored_entry(slots.entry));
  }
  // What every hit counts besides passed/filtered.
  void count_entry(detail::month_block& b, const entry_slots& slots, match::action taken) noexcept {
    detail::bump(b.by_action[action_slot(taken)]);
    detail::bump(b.entry(slots.entry));
    detail::bump(b.category(slots.category));
  }
  // The cold path of block_for: a new block, published to readers.
  DNSFILTER_DECL detail::month_block* move_to(match::timestamp now, std::uint32_t entries,
                                              std::uint32_t categories) noexcept;

  // Written by this recorder's thread only.
  detail::month_block* current_ = nullptr;
  // current_, for readers; its `older` chain holds the blocks left since the last read().
  std::atomic<detail::month_block*> head_{nullptr};
  detail::counter unrecorded_{0};
  const detail::shared_state* shared_ = nullptr;
};

class registry {
 public:
  // `recorders`: one per serving thread (at least 1).
  explicit DNSFILTER_DECL registry(std::size_t recorders, const registry_options& options = {});
  registry(const registry&) = delete;
  registry& operator=(const registry&) = delete;
  DNSFILTER_DECL ~registry();

  std::size_t size() const noexcept { return size_; }
  // The recorder of serving thread `i` (< size()); the same one for the
  // registry's lifetime.
  recorder& at(std::size_t i) noexcept {
    assert(i < size_);
    return recorders_[i];
  }
  const stats::zone& zone() const noexcept { return shared_.zone; }

  // Slots for every entry of `cat`, new keys and categories getting new slots.
  // Also keeps each identified entry's metadata (category, action, window,
  // FQDN count) for read(); a delta updates all but the FQDN count of an entry
  // described already. Thread-safe; call it when a snapshot is built, off the
  // serving threads.
  DNSFILTER_DECL slot_map map(const match::catalogue& cat, catalogue_part part = catalogue_part::whole);

  // Everything counted so far, plus what merge() added, with the metadata of
  // every entry counted (as the last catalogue mapped describes it, else as
  // merge() brought it). The node identity is left for the caller to set.
  // Thread-safe, any time; folds the blocks the recorders have left into the
  // archive and frees them.
  DNSFILTER_DECL totals read();

  // Adds `t` (e.g. the previous run's file) to the archive; errc::out_of_range,
  // adding nothing, when its zone is not this registry's.
  DNSFILTER_DECL result<void> merge(const totals& t);

 private:
  using slot_index = tsl::robin_map<std::string, std::uint32_t>;
  // The slot of `key`, assigned on first sight.
  DNSFILTER_DECL std::uint32_t intern(slot_index& index, std::deque<std::string>& keys, std::string_view key);
  DNSFILTER_DECL void add_block(totals& into, detail::month_block& b) const;

  detail::shared_state shared_;
  std::size_t size_;
  std::unique_ptr<recorder[]> recorders_;

  std::mutex mutex_;  // guards what follows; never taken by a recorder
  slot_index entry_index_, category_index_;
  // Slot → key. A deque, because entry_slots::key views its strings and a
  // deque never moves an element when it grows.
  std::deque<std::string> entry_keys_, category_keys_;
  // Entry slot → what map() last saw of it (none for keys without identifier).
  std::vector<std::optional<entry_metadata>> entry_metadata_;
  totals archive_;
};

}  // namespace dnsfilter::stats

#if DNSFILTER_HEADER_ONLY
#include <dnsfilter/stats/impl/registry.ipp>
#endif
