// dnsfilter — the client-prefix policy table: longest-prefix match over IPv4
// and IPv6 prefixes, built once, immutable afterwards, swapped at run time
// through snapshot_handle (prefix_table_handle below).
//
// Use:
//   std::vector<client_prefix_table::entry> rules{
//       {*ip_prefix::parse("10.0.0.0/8"), treatment::opt_out},    // rule 0
//       {*ip_prefix::parse("10.1.0.0/16"), treatment::filter},    // rule 1: opted back in
//   };
//   auto table = client_prefix_table::build(rules);
//   auto m = table->lookup(*ip_address::parse("10.1.2.3"));
//   // m.value -> treatment::filter, m.index == 1: "rule 1 decided".
//
// The longest prefix containing the address decides (a nested opt-in is just a
// longer prefix); IPv4 and IPv6 are separate, an IPv4-mapped address is looked
// up as the IPv4 address it is, and of two equal prefixes the later one wins.
// Lookup is a predecessor search over the sorted starts of the intervals the
// prefixes cut the address space into, narrowed by an index small enough to
// stay in L2 at a million prefixes: one wait on memory, no allocation. The
// full semantics, the record layout and the alternatives measured (DIR-24-8,
// tries, other searches): docs/design.md, "The client-prefix table".
#pragma once

#include <dnsfilter/config.hpp>
#include <dnsfilter/detail/huge_pages.hpp>
#include <dnsfilter/error.hpp>
#include <dnsfilter/snapshot.hpp>
#include <dnsfilter/policy/address.hpp>
#include <dnsfilter/result.hpp>

#include <algorithm>
#include <bit>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <span>
#include <vector>

namespace dnsfilter::policy {

// The value of the client-prefix policy: filter (the default service) or
// opt out (no filtering, no logging, not counted).
enum class treatment : std::uint8_t { filter, opt_out };

template <class Value>
struct prefix_match {
  // Null when no prefix contains the address.
  const Value* value = nullptr;
  // The position of the deciding prefix in the list given to build(); npos when none.
  std::uint32_t index = npos;

  static constexpr std::uint32_t npos = 0xffffffffu;
  explicit operator bool() const noexcept { return value != nullptr; }
};

namespace detail {

inline constexpr std::uint32_t no_prefix = 0xffffffffu;

// The host bits of a key for a prefix of `length` bits (0 to the key width).
template <class Key>
constexpr Key host_mask(unsigned length) noexcept {
  return length >= std::numeric_limits<Key>::digits ? Key{0} : static_cast<Key>(~Key{0} >> length);
}

template <class Key>
struct key_range {
  Key first;
  Key last;
  std::uint32_t value;  // prefix index (its input position), or in the IPv6 high-half map a block (see prefix_table)
};

// The last of keys[lo - 1 .. hi) that is <= key, given that keys[lo - 1] is.
// keys[lo - 1] stands for everything before the range and may be a record of
// another bucket whose bits mean something else: it can be read, but no
// outcome depends on it. Branch-free: one probe leaves a window of a power of
// two places, halvings finish; the answer stays in [base, base + len), so
// nothing follows the loop, and the loop count depends on hi - lo only.
template <class Key>
DNSFILTER_ALWAYS_INLINE const Key* predecessor(const Key* keys, std::size_t lo, std::size_t hi, Key key) noexcept {
  const Key* base = keys + lo - 1;
  const std::size_t len = hi - lo + 1;
  // The largest power of two <= len; the first probe makes the rest of the
  // window exactly that wide (when len is a power of two it probes base
  // itself, and base stays whatever it finds).
  std::size_t step = std::size_t{1} << (std::bit_width(len) - 1);
  const Key* c = base + (len - step);
  base = *c <= key ? c : base;
  for (step /= 2; step != 0; step /= 2) {
    c = base + step;
    base = *c <= key ? c : base;
  }
  return base;
}

// Appends to keys/values the interval starts of a laminar set of ranges:
// keys[start] = 0 with `none`, then, at each point where the owner changes,
// the point and the new owner's value. Equal ranges: the larger value (the
// later entry, or a block: values from `blocks_from` on) wins. Returns the
// number of prefixes overridden by an equal later one.
template <class Key>
std::size_t flatten(std::vector<key_range<Key>>& ranges, std::uint32_t none, std::vector<Key>& keys,
                    std::vector<std::uint32_t>& values, std::uint32_t blocks_from = no_prefix) {
  std::sort(ranges.begin(), ranges.end(), [](const key_range<Key>& a, const key_range<Key>& b) {
    if (a.first != b.first) return a.first < b.first;
    if (a.last != b.last) return a.last > b.last;  // the containing range first
    return a.value < b.value;
  });
  const std::size_t start = keys.size();
  keys.push_back(0);
  values.push_back(none);
  auto emit = [&](Key k, std::uint32_t v) {
    if (keys.back() == k) {
      values.back() = v;  // several changes at one point: the last is the owner
    } else {
      keys.push_back(k);
      values.push_back(v);
    }
  };
  std::vector<const key_range<Key>*> open;  // the ranges containing the sweep point, outermost first
  auto close = [&](Key before, bool all) {
    while (!open.empty() && (all || open.back()->last < before)) {
      const key_range<Key>* top = open.back();
      open.pop_back();
      if (top->last != std::numeric_limits<Key>::max())
        emit(static_cast<Key>(top->last + 1), open.empty() ? none : open.back()->value);
    }
  };
  std::size_t shadowed = 0;
  for (std::size_t i = 0; i < ranges.size(); ++i) {
    const key_range<Key>& r = ranges[i];
    if (i + 1 < ranges.size() && ranges[i + 1].first == r.first && ranges[i + 1].last == r.last) {
      if (ranges[i + 1].value < blocks_from) ++shadowed;  // a block is not an override
      continue;
    }
    close(r.first, false);
    emit(r.first, r.value);
    open.push_back(&r);
  }
  close(0, true);
  // Neighbouring intervals with the same owner merge (e.g. a parent resuming
  // right where an identical duplicate of itself ended).
  std::size_t w = start + 1;
  for (std::size_t p = start + 1; p < keys.size(); ++p) {
    if (values[p] == values[w - 1]) continue;
    keys[w] = keys[p];
    values[w] = values[p];
    ++w;
  }
  keys.resize(w);
  values.resize(w);
  return shadowed;
}

// Sorted interval starts with their owners, and a bucket index over the high
// bits of (key - first start). An interval is one 64-bit record:
//   (the key's bits below the index's bits) << value_bits_ | owner code
// so that the search compares records directly (a probe carries all ones in
// the owner bits) and the owner arrives in the cache line of its key. Keys of
// one bucket share everything above shift_, so only their low shift_ bits are
// kept; build() makes the index fine enough that shift_ + value_bits_ <= 64.
// The owner code is the value given to build(), or all ones for none.
template <class Key>
class interval_map {
 public:
  // The index aims at this many keys per bucket; bucket counts are powers of
  // two, so a bucket holds 8 to 16 records on average: about two cache lines,
  // and the index a quarter to half a byte per interval, small enough to stay
  // in the core's L2 cache at a million prefixes (2M intervals: 512 KiB). A
  // lookup's one trip to memory is then for the records, whose lines find()
  // requests together.
  static constexpr std::size_t keys_per_bucket = 16;

  // Returns the number of shadowed duplicates (see flatten).
  std::size_t build(std::vector<key_range<Key>>& ranges, std::uint32_t blocks_from = no_prefix) {
    std::vector<Key> keys;
    std::vector<std::uint32_t> values;
    const std::size_t shadowed = flatten(ranges, no_prefix, keys, values, blocks_from);
    const std::size_t n = keys.size();  // >= 1; keys[0] == 0
    std::uint32_t largest = 0;
    for (std::uint32_t v : values)
      if (v != no_prefix) largest = std::max(largest, v);
    // Owner codes are value + 1, 0 for none; all ones (the probe's owner bits)
    // must stay above every code.
    value_bits_ = static_cast<unsigned>(std::bit_width(std::uint64_t{largest} + 1));
    owner_mask_ = (std::uint64_t{1} << value_bits_) - 1;
    first_ = n > 1 ? keys[1] : Key{0};
    span_ = static_cast<Key>(keys[n - 1] - first_);
    const Key span = span_;
    const unsigned span_bits = static_cast<unsigned>(std::bit_width(span));
    // At least 1 bit so that the shift stays below the key width.
    const unsigned want_bits = std::max(1u, static_cast<unsigned>(std::bit_width((n - 1) / keys_per_bucket)));
    shift_ = span_bits > want_bits ? span_bits - want_bits : 0;
    // A wide key space and many owners: a finer index keeps the record at 64 bits
    // (at worst about 2 buckets per owner code, 8 bytes per prefix).
    shift_ = std::min(shift_, 64 - value_bits_);
    low_mask_ = static_cast<Key>((std::uint64_t{1} << shift_) - 1);
    const auto last_bucket = static_cast<std::size_t>(span >> shift_);
    // Large tables ask for huge pages before they are first written: lookups
    // land at random across megabytes, and with 4 KiB pages most of them
    // would also miss the TLB (detail/huge_pages.hpp; advice only).
    index_.reserve(last_bucket + 2);
    dnsfilter::detail::advise_huge_pages(index_.data(), index_.capacity() * sizeof(std::uint32_t));
    index_.assign(last_bucket + 2, static_cast<std::uint32_t>(n));
    std::size_t p = 1;
    for (std::size_t b = 0; b <= last_bucket; ++b) {
      while (p < n && static_cast<std::size_t>(static_cast<Key>(keys[p] - first_) >> shift_) < b) ++p;
      index_[b] = static_cast<std::uint32_t>(p);
    }
    index_.shrink_to_fit();
    records_.reserve(n);
    dnsfilter::detail::advise_huge_pages(records_.data(), records_.capacity() * sizeof(std::uint64_t));
    records_.resize(n);
    for (std::size_t i = 0; i < n; ++i) {
      // keys[0] (0, before first_) has no key bits to keep: only its owner
      // matters (the search may read it, but no outcome depends on it).
      const Key low = i == 0 ? Key{0} : static_cast<Key>(static_cast<Key>(keys[i] - first_) & low_mask_);
      records_[i] = (std::uint64_t{low} << value_bits_) | (values[i] == no_prefix ? 0 : std::uint64_t{values[i]} + 1);
    }
    return shadowed;
  }

  // The owner of `key`: a value given to build(), or no_prefix.
  DNSFILTER_ALWAYS_INLINE std::uint32_t find(Key key) const noexcept {
    if (DNSFILTER_UNLIKELY(records_.empty())) return no_prefix;  // a default-constructed map
    const std::uint64_t* at = records_.data();  // below the first start: records_[0] owns it
    if (DNSFILTER_LIKELY(key >= first_)) {
      // Above the last start, the offset is clamped to the last start's: the
      // probe then equals the last record's key bits and finds it.
      const Key raw = static_cast<Key>(key - first_);
      const Key offset = raw > span_ ? span_ : raw;
      const std::size_t b = static_cast<std::size_t>(offset >> shift_);
      const std::uint64_t probe = (std::uint64_t{static_cast<Key>(offset & low_mask_)} << value_bits_) | owner_mask_;
      const std::uint64_t* const records = records_.data();
      const std::size_t lo = index_[b], hi = index_[b + 1];
      // The bucket's lines (8 to 16 records: most often three lines) are all
      // requested now, so they arrive together; each probe of the search
      // waits for the one before it and would otherwise request its line
      // only then.
      DNSFILTER_PREFETCH(records + lo);
      DNSFILTER_PREFETCH(records + (lo + hi) / 2);
      DNSFILTER_PREFETCH(records + hi - 1);
      at = predecessor(records, lo, hi, probe);
    }
    // Code 0 (none) wraps to no_prefix: no branch, no select.
    return static_cast<std::uint32_t>(*at & owner_mask_) - 1u;
  }

  std::size_t intervals() const noexcept { return records_.size(); }
  std::size_t memory_bytes() const noexcept {
    return records_.capacity() * sizeof(std::uint64_t) + index_.capacity() * sizeof(std::uint32_t);
  }

 private:
  std::vector<std::uint64_t> records_;
  std::vector<std::uint32_t> index_;  // bucket b's records are [index_[b], index_[b + 1])
  std::uint64_t owner_mask_ = 0;      // value_bits_ ones
  Key first_ = 0;
  Key span_ = 0;                      // the last start's offset from first_
  Key low_mask_ = 0;                  // the key bits a record keeps
  unsigned shift_ = 0;
  unsigned value_bits_ = 0;
};

}  // namespace detail

template <class Value>
class prefix_table {
 public:
  struct entry {
    ip_prefix prefix;
    Value value;
  };
  using match_type = prefix_match<Value>;
  // Rule indexes and, after them, the IPv6 second-level block numbers share
  // 32 bits below detail::no_prefix.
  static constexpr std::size_t max_prefixes = 0x7ffffffe;

  // An empty table: every lookup finds nothing.
  prefix_table() = default;

  // errc::out_of_range if there are more than max_prefixes entries. Allocates
  // (about 2-3x the final size, transiently); the result never changes.
  static result<prefix_table> build(std::span<const entry> entries) {
    if (entries.size() > max_prefixes) return errc::out_of_range;
    prefix_table t;
    t.values_.reserve(entries.size());
    std::vector<detail::key_range<std::uint32_t>> v4;
    std::vector<detail::key_range<std::uint64_t>> v6_short;
    struct long_prefix {
      std::uint64_t high;
      detail::key_range<std::uint64_t> low;
    };
    std::vector<long_prefix> v6_long;
    for (std::size_t i = 0; i < entries.size(); ++i) {
      const ip_prefix& p = entries[i].prefix;
      const auto index = static_cast<std::uint32_t>(i);
      t.values_.push_back(entries[i].value);
      const ip_address& a = p.address();
      if (a.is_v4() || (a.is_v4_mapped() && p.length() >= 96)) {
        const std::uint32_t start = a.is_v4() ? a.v4_value() : static_cast<std::uint32_t>(a.low());
        const unsigned len = a.is_v4() ? p.length() : p.length() - 96;
        const std::uint32_t host = detail::host_mask<std::uint32_t>(len);
        v4.push_back({start, start | host, index});
      } else if (p.length() <= 64) {
        const std::uint64_t host = detail::host_mask<std::uint64_t>(p.length());
        v6_short.push_back({a.high(), a.high() | host, index});
      } else {
        const std::uint64_t host = detail::host_mask<std::uint64_t>(p.length() - 64);
        v6_long.push_back({a.high(), {a.low(), a.low() | host, index}});
      }
    }
    t.shadowed_ = t.v4_.build(v4);
    const auto first_block = static_cast<std::uint32_t>(entries.size());
    t.first_block_ = first_block;
    if (v6_long.empty()) {
      t.shadowed_ += t.v6_.build(v6_short);
    } else {
      // Each /64 holding longer prefixes gets a block whose base owner is the
      // prefix (/64 or shorter) covering that /64.
      std::sort(v6_long.begin(), v6_long.end(),
                [](const long_prefix& x, const long_prefix& y) { return x.high < y.high; });
      auto short_ranges = v6_short;
      detail::interval_map<std::uint64_t> cover;
      cover.build(short_ranges);
      std::vector<detail::key_range<std::uint64_t>> block;
      for (std::size_t i = 0; i < v6_long.size();) {
        const std::uint64_t high = v6_long[i].high;
        block.clear();
        for (; i < v6_long.size() && v6_long[i].high == high; ++i) block.push_back(v6_long[i].low);
        const auto id = static_cast<std::uint32_t>(t.block_offsets_.size());
        t.block_offsets_.push_back(static_cast<std::uint32_t>(t.block_keys_.size()));
        t.shadowed_ += detail::flatten(block, cover.find(high), t.block_keys_, t.block_values_);
        v6_short.push_back({high, high, first_block + id});
      }
      t.block_count_ = static_cast<std::uint32_t>(t.block_offsets_.size());
      t.block_offsets_.push_back(static_cast<std::uint32_t>(t.block_keys_.size()));
      t.block_keys_.shrink_to_fit();
      t.block_values_.shrink_to_fit();
      t.block_offsets_.shrink_to_fit();
      t.shadowed_ += t.v6_.build(v6_short, first_block);
    }
    return t;
  }

  // The longest prefix containing `address`. No allocation, no locks.
  match_type lookup(const ip_address& address) const noexcept {
    const Value* const values = values_.data();
    std::uint32_t i;
    if (address.is_v4()) {
      i = v4_.find(address.v4_value());
    } else {
      const std::uint64_t high = address.high(), low = address.low();
      if (DNSFILTER_UNLIKELY(high == 0) && (low >> 32) == 0xffff) {
        i = v4_.find(static_cast<std::uint32_t>(low));  // ::ffff:a.b.c.d
      } else {
        i = v6_.find(high);
        // Block numbers follow the rule indexes; below first_block_, b wraps
        // past the block count, and no_prefix is past all of them.
        const std::uint32_t b = i - first_block_;
        if (DNSFILTER_UNLIKELY(b < block_count_)) {
          const std::uint64_t* keys = block_keys_.data();
          i = block_values_[static_cast<std::size_t>(
              detail::predecessor(keys, block_offsets_[b] + std::size_t{1}, block_offsets_[b + 1], low) - keys)];
        }
      }
    }
    // Masks, not a branch: whether an address is covered is as random as the
    // traffic, and i is the last thing a lookup learns, so a mispredict here
    // would discard every later lookup the core has started meanwhile. (A
    // conditional expression is not enough: once lookup is inlined into a
    // caller's loop, GCC 12 turns it into a branch despite the hint.)
    // Rule indexes are below 2^31 and no_prefix is all ones, so the sign
    // of i as a 32-bit integer says which: keep is all ones when found.
    static_assert(max_prefixes <= 0x80000000u, "a rule index must read as a non-negative int32");
    const auto keep = ~static_cast<std::uintptr_t>(static_cast<std::intptr_t>(static_cast<std::int32_t>(i)) >> 31);
    const std::uintptr_t at = reinterpret_cast<std::uintptr_t>(values) + (i & keep) * sizeof(Value);
    return {reinterpret_cast<const Value*>(at & keep), i};
  }

  // The number of entries given to build().
  std::size_t size() const noexcept { return values_.size(); }
  bool empty() const noexcept { return values_.empty(); }
  // Entries overridden by a later entry with the same prefix.
  std::size_t shadowed() const noexcept { return shadowed_; }
  // The value of entry `index` (an index from lookup()).
  const Value& value(std::size_t index) const noexcept { return values_[index]; }

  // Heap bytes held (capacity, not size): what the table costs.
  std::size_t memory_bytes() const noexcept {
    return v4_.memory_bytes() + v6_.memory_bytes() + block_keys_.capacity() * sizeof(std::uint64_t) +
           (block_values_.capacity() + block_offsets_.capacity()) * sizeof(std::uint32_t) +
           values_.capacity() * sizeof(Value);
  }
  // Disjoint intervals in each family (diagnostics, benchmarks).
  std::size_t v4_intervals() const noexcept { return v4_.intervals(); }
  std::size_t v6_intervals() const noexcept { return v6_.intervals() + block_keys_.size(); }

 private:
  detail::interval_map<std::uint32_t> v4_;
  detail::interval_map<std::uint64_t> v6_;  // high 64 bits
  std::vector<std::uint64_t> block_keys_;   // second level: low 64 bits, per /64 block
  std::vector<std::uint32_t> block_values_;
  std::vector<std::uint32_t> block_offsets_;  // block b is [offsets[b], offsets[b + 1])
  std::uint32_t first_block_ = 0;             // v6_'s owner code of block 0
  std::uint32_t block_count_ = 0;
  std::vector<Value> values_;                 // by input position
  std::size_t shadowed_ = 0;
};

// The client-prefix policy: the value is the decision, the match index the rule.
using client_prefix_table = prefix_table<treatment>;

// Run-time swaps: publish a new table with store(); each serving thread reads
// through its own reader (one atomic load per packet). See dnsfilter/snapshot.hpp.
template <class Value>
using prefix_table_handle = snapshot_handle<prefix_table<Value>>;
template <class Value>
using prefix_table_reader = snapshot_reader<prefix_table<Value>>;

}  // namespace dnsfilter::policy
