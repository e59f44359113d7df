// dnsfilter — the production matcher: label-suffix hashing with XXH3.
//
// Each suffix of the query name (whole labels, most specific first) is hashed
// in place and passes a label-count mask and a Bloom filter before it touches
// an open-addressing table; a slot that matches is verified against the stored
// name, so a collision costs a comparison, never a wrong answer. The seed
// (options::seed, 0 by default) changes only speed, never a result; results
// and layout are the same on big- and little-endian hosts. Lookups allocate
// nothing and do not throw. The structure and its sizes: docs/design.md,
// "The production matcher".
#pragma once

#include <dnsfilter/config.hpp>
#include <dnsfilter/detail/bytes.hpp>
#include <dnsfilter/detail/frozen_array.hpp>
#include <dnsfilter/match/catalogue.hpp>
#include <dnsfilter/match/matcher.hpp>
#include <dnsfilter/wire/name.hpp>

#include <dnsfilter/detail/xxhash.hpp>  // XXH3, inlined

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <memory>
#include <span>
#include <vector>

namespace dnsfilter::match {

class suffix_hash_matcher {
 public:
  struct options {
    std::uint64_t seed = 0;               // XXH3 seed; affects speed only
    unsigned bloom_bits_per_rule = 12;    // 0 disables the prefilter (every suffix probes the table)
    // Testing aid: keep only the low `hash_bits` bits of every hash (64 = all).
    // With few bits every name collides with others, which exercises the
    // verification path; never lower it in production.
    unsigned hash_bits = 64;
  };

  explicit suffix_hash_matcher(const catalogue& cat) : suffix_hash_matcher(cat, options{}) {}

  suffix_hash_matcher(const catalogue& cat, const options& opt)
      : cat_(&cat),
        seed_(opt.seed),
        hash_mask_(opt.hash_bits >= 64 ? ~std::uint64_t{0} : (std::uint64_t{1} << opt.hash_bits) - 1),
        rule_count_(std::min<std::size_t>(cat.rules().size(), overflow_bit - 1)),
        value_bits_(value_bits_for(rule_count_)) {
    build(opt);
  }

  // A slot is one 32-bit word: a value in the low value_bits bits and a
  // fingerprint of the name's hash in the others. The value is a rule index
  // (below the rule count n), n + the start of a group in the overflow array
  // (a name with several rules), or all ones (empty). value_bits is the
  // fewest bits that hold 2n + 1 values, so the fingerprint is as wide as the
  // catalogue's size allows: 11 bits for a million rules. The name to verify
  // is the rule's (the first of a group's): only a fingerprint match reads it.
  using slot = std::uint32_t;
  static constexpr std::uint32_t overflow_bit = 0x80000000u;  // overflow array: the last rule of a group

  // Octets of the slot table and the filter built for `rules` rules (names
  // listed more than once add 4 octets per rule of theirs, in the overflow array).
  static std::size_t bytes_for(std::size_t rules, const options& opt) noexcept {
    return slot_count_for(rules) * sizeof(slot) + bloom_words_for(rules, opt) * sizeof(std::uint64_t);
  }
  static std::size_t bytes_for(std::size_t rules) noexcept { return bytes_for(rules, options{}); }
  // Exact sizes: load <= 0.8, the filter's bits per rule, at least one of each.
  static std::size_t slot_count_for(std::size_t rules) noexcept {
    const std::size_t usable = std::min<std::size_t>(rules, overflow_bit - 1);
    return usable + usable / 4 + 1;
  }
  static std::size_t bloom_words_for(std::size_t rules, const options& opt) noexcept {
    const std::size_t usable = std::min<std::size_t>(rules, overflow_bit - 1);
    return opt.bloom_bits_per_rule == 0 ? 0 : std::max<std::size_t>(1, (usable * opt.bloom_bits_per_rule + 63) / 64);
  }

  // Bits of a slot's value for a catalogue of `rules` rules.
  static constexpr unsigned value_bits_for(std::size_t rules) noexcept {
    const std::uint64_t values = 2 * std::uint64_t{std::min<std::size_t>(rules, overflow_bit - 1)};
    unsigned bits = 1;
    while (bits < 32 && (std::uint64_t{1} << bits) <= values) ++bits;
    return bits;
  }

  // What a compiled image stores of a built matcher (match/image.hpp): the
  // arrays and the few scalars a lookup needs.
  struct parts {
    std::uint64_t seed = 0;
    std::uint64_t label_mask[2] = {0, 0};
    std::uint64_t groups = 0;
    std::span<const slot> slots;
    std::span<const std::uint64_t> bloom;
    std::span<const std::uint32_t> overflow;
  };

  // A matcher over `cat` whose arrays are borrowed from `p` (memory the
  // caller keeps alive, checked by image.hpp so that every lookup stays in
  // bounds and ends).
  suffix_hash_matcher(const catalogue& cat, const parts& p)
      : cat_(&cat),
        seed_(p.seed),
        hash_mask_(~std::uint64_t{0}),
        rule_count_(std::min<std::size_t>(cat.rules().size(), overflow_bit - 1)),
        value_bits_(value_bits_for(rule_count_)),
        label_mask_{p.label_mask[0], p.label_mask[1]},
        groups_(static_cast<std::size_t>(p.groups)),
        slots_(detail::frozen_array<slot>::borrow(p.slots)),
        bloom_(detail::frozen_array<std::uint64_t>::borrow(p.bloom)),
        overflow_(detail::frozen_array<std::uint32_t>::borrow(p.overflow)) {}

  // The arrays and scalars, for an image writer.
  parts image_parts() const noexcept {
    return {seed_, {label_mask_[0], label_mask_[1]}, groups_, slots_.view(), bloom_.view(), overflow_.view()};
  }

  // The rule that decides for `qname` at time `t`, per matcher.hpp.
  match_result lookup(wire::name_view qname, timestamp t) const noexcept {
    return lookup_within(qname, t, wire::max_label_count);
  }

  // As lookup(), over the suffixes of at most `max_labels` labels only: what
  // decides once the more specific suffixes are known to hold nothing (the
  // layered catalogue, layered.hpp, asks this when a delta hides a name).
  match_result lookup_within(wire::name_view qname, timestamp t, std::size_t max_labels) const noexcept {
    prepared q;
    prepare(qname, q);
    for (std::size_t i = q.labels > max_labels ? q.labels - max_labels : 0; i < q.labels; ++i) {
      const std::size_t k = q.labels - i;  // labels in this suffix
      if (!label_count_present(k)) continue;
      const std::uint64_t h = hash(q.buf.data() + q.off[i], q.size - q.off[i]);
      if (!bloom_may_contain(h)) continue;
      if (const match_result r = probe(h, q, i, t); r.hit()) return r;
    }
    return {};
  }

  // Calls f(rule index) for every rule whose FQDN is `fqdn` (any case), in
  // index order, whatever their scope and window.
  template <class F>
  void for_each_rule_at(wire::name_view fqdn, F&& f) const {
    prepared q;
    prepare(fqdn, q);
    if (q.labels == 0 || !label_count_present(q.labels)) return;
    const std::uint64_t h = hash(q.buf.data(), q.size);
    const std::uint32_t fp = fingerprint(h);
    for (std::size_t pos = slot_index(h);;) {
      const slot s = slots_[pos];
      const std::uint32_t value = s & value_mask();
      if (value == empty()) return;
      if ((s & ~value_mask()) == fp && name_equals(first_rule(value), q.buf.data(), q.size)) {
        if (value < rule_count_) return f(value);
        for (std::size_t j = value - rule_count_;; ++j) {
          const std::uint32_t v = overflow_[j];
          f(v & ~overflow_bit);
          if (v & overflow_bit) return;
        }
      }
      if (++pos == slots_.size()) pos = 0;
    }
  }

  // Looks up names[i] into out[i] for every i (out must be at least as long as
  // names). Works in chunks: every suffix hash of a chunk is computed and its
  // filter word prefetched before any is tested, then the table lines of the
  // suffixes that pass are prefetched before they are probed, so the cache
  // misses of a chunk overlap.
  void lookup_batch(std::span<const wire::name_view> names, timestamp t, std::span<match_result> out) const noexcept {
    std::size_t done = 0;
    while (done < names.size()) {
      const std::size_t n = std::min(batch_chunk, names.size() - done);
      lookup_chunk(names.data() + done, n, t, out.data() + done);
      done += n;
    }
  }

  // Heap bytes held beyond the catalogue.
  std::size_t memory_bytes() const noexcept {
    return slots_.memory_bytes() + bloom_.memory_bytes() + overflow_.memory_bytes();
  }

  std::size_t slot_count() const noexcept { return slots_.size(); }
  std::size_t bloom_words() const noexcept { return bloom_.size(); }
  std::size_t group_count() const noexcept { return groups_; }

 private:
  static constexpr std::size_t batch_chunk = 16;
  static constexpr std::size_t batch_max_hashes = 8;  // per name; names with more eligible suffixes use lookup()


  // A query lower-cased, with its label offsets.
  struct prepared {
    std::array<std::byte, wire::max_name_length + 1> buf;
    std::array<std::uint8_t, wire::max_label_count> off;
    std::size_t size = 0;
    std::size_t labels = 0;
  };

  static void lower_copy(const std::byte* src, std::size_t n, std::byte* dst) noexcept {
    std::size_t i = 0;
    // Eight octets at a time, per-byte arithmetic without carries between
    // bytes, so the result does not depend on the host's byte order.
    constexpr std::uint64_t ones = 0x0101010101010101u;
    for (; i + 8 <= n; i += 8) {
      std::uint64_t x;
      std::memcpy(&x, src + i, 8);
      const std::uint64_t low7 = x & (0x7F * ones);
      const std::uint64_t ge_a = low7 + (0x80 - 'A') * ones;  // high bit set where byte >= 'A'
      const std::uint64_t gt_z = low7 + (0x7F - 'Z') * ones;  // high bit set where byte > 'Z'
      const std::uint64_t upper = (ge_a & ~gt_z & ~x) & (0x80 * ones);
      x |= upper >> 2;
      std::memcpy(dst + i, &x, 8);
    }
    for (; i < n; ++i) dst[i] = detail::ascii_lower(src[i]);
  }

  static void prepare(wire::name_view qname, prepared& q) noexcept {
    q.size = qname.size();
    q.labels = qname.label_count();
    lower_copy(qname.data(), q.size, q.buf.data());
    std::size_t pos = 0;
    for (std::size_t i = 0; i < q.labels; ++i) {
      q.off[i] = static_cast<std::uint8_t>(pos);
      pos += 1u + static_cast<std::uint8_t>(q.buf[pos]);
    }
  }

  std::uint64_t hash(const std::byte* p, std::size_t n) const noexcept {
    return XXH3_64bits_withSeed(p, n, seed_) & hash_mask_;
  }

  bool label_count_present(std::size_t k) const noexcept { return (label_mask_[k >> 6] >> (k & 63)) & 1u; }

  // Fast range reduction (Lemire): maps a 32-bit value onto [0, n) without a division.
  static std::size_t reduce(std::uint32_t x, std::size_t n) noexcept {
    return static_cast<std::size_t>((std::uint64_t{x} * n) >> 32);
  }

  // Five bits in one 64-bit word: the word from the high half of the hash,
  // the bits from the low half.
  static std::uint64_t bloom_bits(std::uint64_t h) noexcept {
    const auto lo = static_cast<std::uint32_t>(h);
    return (std::uint64_t{1} << (lo & 63)) | (std::uint64_t{1} << ((lo >> 6) & 63)) |
           (std::uint64_t{1} << ((lo >> 12) & 63)) | (std::uint64_t{1} << ((lo >> 18) & 63)) |
           (std::uint64_t{1} << ((lo >> 24) & 63));
  }
  std::size_t bloom_index(std::uint64_t h) const noexcept {
    return reduce(static_cast<std::uint32_t>(h >> 32), bloom_.size());
  }
  bool bloom_may_contain(std::uint64_t h) const noexcept {
    if (bloom_.empty()) return true;
    const std::uint64_t m = bloom_bits(h);
    return (bloom_[bloom_index(h)] & m) == m;
  }

  // Slot position from the low half, fingerprint from the high half.
  std::size_t slot_index(std::uint64_t h) const noexcept { return reduce(static_cast<std::uint32_t>(h), slots_.size()); }
  std::uint32_t value_mask() const noexcept { return static_cast<std::uint32_t>((std::uint64_t{1} << value_bits_) - 1); }
  std::uint32_t empty() const noexcept { return value_mask(); }
  // Bits 32 and up, shifted above the value: the filter's word comes mostly
  // from bits 48-63, the slot from bits 0-31.
  std::uint32_t fingerprint(std::uint64_t h) const noexcept { return static_cast<std::uint32_t>((h >> 32) << value_bits_); }

  // The rule whose name a slot's value stands for (the first of a group).
  std::uint32_t first_rule(std::uint32_t value) const noexcept {
    return value < rule_count_ ? value : overflow_[value - rule_count_] & ~overflow_bit;
  }

  // Whether rule r's stored (lower-cased, wire) name is the n octets at p,
  // which end in the root label. Wire names are prefix-free, so comparing
  // octet by octet stops at the stored name's end at the latest: no length
  // is needed and nothing past the stored name is read.
  bool name_equals(std::uint32_t r, const std::byte* p, std::size_t n) const noexcept {
    const std::byte* stored = cat_->name_arena().data() + cat_->rules()[r].name_offset;
    for (std::size_t i = 0; i < n; ++i) {
      if (stored[i] != p[i]) return false;
    }
    return true;
  }

  // Probes the table for suffix i of q: the deciding rule of the group with
  // that exact name, or a miss (no such group, or none of its rules applies).
  match_result probe(std::uint64_t h, const prepared& q, std::size_t i, timestamp t) const noexcept {
    const std::byte* p = q.buf.data() + q.off[i];
    const std::size_t n = q.size - q.off[i];
    const std::uint32_t fp = fingerprint(h);
    std::size_t pos = slot_index(h);
    for (;;) {
      const slot s = slots_[pos];
      const std::uint32_t value = s & value_mask();
      if (value == empty()) return {};
      if ((s & ~value_mask()) == fp && name_equals(first_rule(value), p, n)) {
        return decide(value, q.labels - i, q.labels, t);
      }
      if (++pos == slots_.size()) pos = 0;
    }
  }

  match_result decide(std::uint32_t value, std::size_t k, std::size_t labels, timestamp t) const noexcept {
    const auto rules = cat_->rules();
    std::uint32_t best = match_result::none;
    auto consider = [&](std::uint32_t r) {
      if (rule_applies(*cat_, rules[r], t, k, labels) &&
          (best == match_result::none || rule_precedes(*cat_, r, best))) {
        best = r;
      }
    };
    if (value >= rule_count_) {
      for (std::size_t j = value - rule_count_;; ++j) {
        const std::uint32_t v = overflow_[j];
        consider(v & ~overflow_bit);
        if (v & overflow_bit) break;
      }
    } else {
      consider(value);
    }
    if (best == match_result::none) return {};
    return {best, rules[best].entry()};
  }

  void lookup_chunk(const wire::name_view* names, std::size_t n, timestamp t, match_result* out) const noexcept {
    std::array<prepared, batch_chunk> qs;
    std::array<std::array<std::uint64_t, batch_max_hashes>, batch_chunk> hs;
    std::array<std::array<std::uint8_t, batch_max_hashes>, batch_chunk> idx;  // suffix index of each hash
    std::array<std::uint8_t, batch_chunk> count;
    std::array<bool, batch_chunk> overflowed;
    // 1. Lower-case, hash every eligible suffix, prefetch its filter word.
    for (std::size_t j = 0; j < n; ++j) {
      prepared& q = qs[j];
      prepare(names[j], q);
      std::uint8_t c = 0;
      overflowed[j] = false;
      for (std::size_t i = 0; i < q.labels; ++i) {
        if (!label_count_present(q.labels - i)) continue;
        if (c == batch_max_hashes) {
          overflowed[j] = true;
          break;
        }
        const std::uint64_t h = hash(q.buf.data() + q.off[i], q.size - q.off[i]);
        hs[j][c] = h;
        idx[j][c] = static_cast<std::uint8_t>(i);
        ++c;
        if (!bloom_.empty()) prefetch(&bloom_[bloom_index(h)]);
      }
      count[j] = c;
    }
    // 2. Test the filter; prefetch the table slot of each suffix that passes,
    //    keeping only those.
    for (std::size_t j = 0; j < n; ++j) {
      if (overflowed[j]) continue;
      std::uint8_t kept = 0;
      for (std::uint8_t c = 0; c < count[j]; ++c) {
        const std::uint64_t h = hs[j][c];
        if (!bloom_may_contain(h)) continue;
        prefetch(&slots_[slot_index(h)]);
        hs[j][kept] = h;
        idx[j][kept] = idx[j][c];
        ++kept;
      }
      count[j] = kept;
    }
    // 3. Probe, most specific suffix first.
    for (std::size_t j = 0; j < n; ++j) {
      if (overflowed[j]) {
        out[j] = lookup(names[j], t);
        continue;
      }
      match_result r{};
      for (std::uint8_t c = 0; c < count[j]; ++c) {
        const match_result p = probe(hs[j][c], qs[j], idx[j][c], t);
        if (p.hit()) {
          r = p;
          break;
        }
      }
      out[j] = r;
    }
  }

  static void prefetch(const void* p) noexcept {
#if defined(__GNUC__) || defined(__clang__)
    __builtin_prefetch(p);
#else
    (void)p;
#endif
  }

  void build(const options& opt) {
    const auto rules = cat_->rules();
    const std::size_t n = rules.size();
    // Rule indices leave the top bit free for overflow_bit (rules past 2^31 - 1
    // cannot exist in practice: the arena's 32-bit offsets run out first).
    const std::size_t usable = rule_count_;

    std::vector<slot> slots(slot_count_for(usable), empty());
    std::vector<std::uint64_t> bloom(bloom_words_for(usable, opt), 0);
    // The lookups' index functions read the members' sizes: borrow the arrays being built.
    slots_ = detail::frozen_array<slot>::borrow(slots);
    bloom_ = detail::frozen_array<std::uint64_t>::borrow(bloom);

    // Group rules by FQDN. Rules arrive in index order, so each group lists
    // its rules in increasing index order. While building, a slot's value is
    // the group's first rule.
    constexpr std::uint32_t none = 0xFFFFFFFFu;
    std::vector<std::uint32_t> next;  // next rule of the same group, allocated at the first duplicate
    std::vector<std::uint32_t> tail;  // last rule of the group headed by this rule
    for (std::uint32_t ri = 0; ri < usable; ++ri) {
      const wire::name_view name = cat_->name_of(rules[ri]);
      const std::size_t labels = name.label_count();
      const std::uint64_t h = hash(name.data(), name.size());
      label_mask_[labels >> 6] |= std::uint64_t{1} << (labels & 63);
      if (!bloom.empty()) bloom[bloom_index(h)] |= bloom_bits(h);
      const std::uint32_t fp = fingerprint(h);
      std::size_t pos = slot_index(h);
      for (;;) {
        slot& s = slots[pos];
        const std::uint32_t head = s & value_mask();
        if (head == empty()) {
          s = fp | ri;
          ++groups_;
          break;
        }
        if ((s & ~value_mask()) == fp && name_equals(head, name.data(), name.size())) {
          if (next.empty()) {
            next.assign(n, none);
            tail.assign(n, none);
          }
          const std::uint32_t last = tail[head] == none ? head : tail[head];
          next[last] = ri;
          tail[head] = ri;
          break;
        }
        if (++pos == slots.size()) pos = 0;
      }
    }
    std::vector<std::uint32_t> overflow;
    if (!next.empty()) {
      // Move groups of several rules to the overflow array.
      for (slot& s : slots) {
        const std::uint32_t head = s & value_mask();
        if (head == empty() || next[head] == none) continue;
        const auto start = static_cast<std::uint32_t>(overflow.size());
        for (std::uint32_t r = head; r != none; r = next[r]) overflow.push_back(r);
        overflow.back() |= overflow_bit;
        s = (s & ~value_mask()) | static_cast<std::uint32_t>(rule_count_ + start);
      }
      overflow.shrink_to_fit();
    }
    slots_ = detail::frozen_array<slot>(std::move(slots));
    bloom_ = detail::frozen_array<std::uint64_t>(std::move(bloom));
    overflow_ = detail::frozen_array<std::uint32_t>(std::move(overflow));
  }

  const catalogue* cat_;
  std::uint64_t seed_;
  std::uint64_t hash_mask_;
  std::size_t rule_count_;  // rules in the table: slot values below it are rule indices
  unsigned value_bits_;     // low bits of a slot that hold its value
  std::uint64_t label_mask_[2] = {0, 0};  // bit k: some rule has k labels
  std::size_t groups_ = 0;
  detail::frozen_array<slot> slots_;
  detail::frozen_array<std::uint64_t> bloom_;
  detail::frozen_array<std::uint32_t> overflow_;
};

static_assert(matcher<suffix_hash_matcher>);

// What `c` costs in memory served by the production matcher: the catalogue's
// arrays and the matcher's table and filter (overflow groups aside).
inline std::size_t policy_bytes(const catalogue& c) noexcept {
  return c.compact_bytes() + suffix_hash_matcher::bytes_for(c.rules().size());
}

}  // namespace dnsfilter::match
