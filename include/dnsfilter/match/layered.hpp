// dnsfilter — a compiled catalogue with a small delta on top.
//
// A zone transfer changes a few names of a catalogue of a million. Rather
// than rebuild the whole matcher, the changed names go into a delta: for each
// changed name, the complete set of rules the name has now (possibly none).
// A lookup sees the base's rules at every name the delta does not mention and
// the delta's rules at every name it does, so the answer is exactly the one a
// catalogue rebuilt with the change would give (matcher.hpp's semantics), and
// building the delta costs time in proportion to its size. When the delta
// grows, its owner folds it into a new base off the serving threads
// (flatten()) and starts an empty delta on it; readers go on with the old
// snapshot until the new one is published (snapshot.hpp).
//
// Numbering: the base's rules and entries keep their indices; the delta's
// come after them (rule base_rules + i, entry base_entries + j). The delta
// holds its own copy of every entry its rules use, so entry_of() needs no
// indirection and an entry's counters are found by its key as always.
#pragma once

#include <dnsfilter/match/catalogue.hpp>
#include <dnsfilter/match/compiled.hpp>
#include <dnsfilter/match/hashed.hpp>
#include <dnsfilter/wire/name.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <utility>
#include <vector>

namespace dnsfilter::match {

// A matcher a delta can sit on: besides lookup(), the lookup restricted to
// suffixes of at most k labels and the rules at one exact name.
template <class M>
concept layerable_matcher = matcher<M> && requires(const M& m, wire::name_view n, timestamp t, std::size_t k) {
  { m.lookup_within(n, t, k) } noexcept -> std::same_as<match_result>;
  m.for_each_rule_at(n, [](std::uint32_t) {});
};

template <layerable_matcher M = suffix_hash_matcher>
class layered_catalogue {
 public:
  using base_type = compiled_catalogue<M>;

  // Only the base: lookups cost what the base's cost.
  explicit layered_catalogue(std::shared_ptr<const base_type> base) : base_(std::move(base)) {}

  // The base with `delta` on top: `delta` holds the complete rules of every
  // name it changes (its sources should be the base's, so that an entry's
  // source names the same list), and `removed` the changed names that have no
  // rule left. A name in both is taken as changed, with the delta's rules.
  layered_catalogue(std::shared_ptr<const base_type> base, catalogue delta, std::span<const wire::name> removed)
      : base_(std::move(base)) {
    if (delta.rules().empty() && removed.empty()) return;
    catalogue touched;
    touched.add_entry(entry{});
    touched.reserve(delta.rules().size() + removed.size(), 0);
    for (const rule& r : delta.rules()) touched.add_rule(delta.name_of(r), 0, scope::name_and_subdomains);
    for (const wire::name& n : removed) touched.add_rule(n, 0, scope::name_and_subdomains);
    delta_ = std::make_unique<base_type>(std::move(delta));
    touched_ = std::make_unique<base_type>(std::move(touched));
  }

  layered_catalogue(const layered_catalogue&) = delete;
  layered_catalogue& operator=(const layered_catalogue&) = delete;

  // The rule that decides for `qname` at `t`, as matcher.hpp defines it over
  // the base with the delta applied.
  match_result lookup(wire::name_view qname, timestamp t) const noexcept {
    if (DNSFILTER_LIKELY(!delta_)) return base_->lookup(qname, t);
    return lookup_within(qname, t, qname.label_count());
  }

  // As lookup(), over the suffixes of at most `max_labels` labels only (the
  // matchers' lookup_within): what the facade asks to look past a monitored
  // rule for a blocking one above it.
  match_result lookup_within(wire::name_view qname, timestamp t, std::size_t max_labels) const noexcept {
    if (!delta_) return base_->matcher().lookup_within(qname, t, max_labels);
    if (max_labels == 0) return {};
    // suffixes of more labels are settled: nothing there
    std::size_t limit = std::min(qname.label_count(), max_labels);
    for (;;) {
      const match_result b = base_->matcher().lookup_within(qname, t, limit);
      const std::size_t kb = b.hit() ? base_->source().labels_of(b.rule) : 0;
      // Changed names at kb labels or more decide before the base's hit.
      std::size_t upper = limit;
      for (;;) {
        const match_result changed = touched_->matcher().lookup_within(qname, t, upper);
        if (!changed.hit()) return b;
        const std::size_t k = touched_->source().labels_of(changed.rule);
        if (k < kb || k == 0) return b;
        const match_result d = delta_->matcher().lookup_within(qname, t, k);
        if (d.hit() && delta_->source().labels_of(d.rule) == k) return from_delta(d);
        if (k == kb) break;  // the base's hit is at a changed name that has no rule for this query now
        upper = k - 1;
      }
      if (kb <= 1) return {};
      limit = kb - 1;
    }
  }

  // The entry and rule of a hit, and the name of a rule, in the numbering above.
  const entry& entry_at(std::uint32_t index) const noexcept {
    const auto n = base_entries();
    return index < n ? base_->source().entries()[index] : delta_->source().entries()[index - n];
  }
  const entry& entry_of(const match_result& r) const noexcept { return entry_at(r.entry); }
  const rule& rule_at(std::uint32_t index) const noexcept {
    const auto n = base_rules();
    return index < n ? base_->source().rules()[index] : delta_->source().rules()[index - n];
  }
  wire::name_view name_of(std::uint32_t rule_index) const noexcept {
    const auto n = base_rules();
    return rule_index < n ? base_->source().name_of(base_->source().rules()[rule_index])
                          : delta_->source().name_of(delta_->source().rules()[rule_index - n]);
  }

  // Calls f(rule index) for every rule at exactly `fqdn`, in the numbering
  // above: the delta's when it changed the name, the base's otherwise.
  template <class F>
  void for_each_rule_at(wire::name_view fqdn, F&& f) const {
    if (delta_ && changes(fqdn)) {
      const auto n = base_rules();
      delta_->matcher().for_each_rule_at(fqdn, [&](std::uint32_t r) { f(n + r); });
      return;
    }
    base_->matcher().for_each_rule_at(fqdn, f);
  }

  // Calls f(name) once for every name the delta changes.
  template <class F>
  void for_each_changed_name(F&& f) const {
    if (!touched_) return;
    const catalogue& t = touched_->source();
    const auto rules = t.rules();
    for (std::size_t i = 0; i < rules.size(); ++i) {
      const wire::name_view n = t.name_of(rules[i]);
      bool seen = false;  // the same name twice: only the first of its group is reported
      touched_->matcher().for_each_rule_at(n, [&](std::uint32_t r) { seen = seen || r < i; });
      if (!seen) f(n);
    }
  }

  // Whether the delta changed `fqdn`.
  bool changes(wire::name_view fqdn) const {
    bool found = false;
    if (touched_) touched_->matcher().for_each_rule_at(fqdn, [&](std::uint32_t) { found = true; });
    return found;
  }

  // Calls f(index, name, rule, entry) for every rule of the merged view whose
  // entry satisfies keep(entry), in the numbering above: the base's rules at
  // unchanged names in index order, then the delta's.
  template <class Keep, class F>
  void for_each_rule(Keep&& keep, F&& f) const {
    const catalogue& b = base_->source();
    const auto rules = b.rules();
    for (std::uint32_t i = 0; i < rules.size(); ++i) {
      const entry& e = b.entry_of(rules[i]);
      if (keep(e) && !(delta_ && changes(b.name_of(rules[i])))) f(i, b.name_of(rules[i]), rules[i], e);
    }
    if (!delta_) return;
    const catalogue& d = delta_->source();
    const auto added = d.rules();
    for (std::uint32_t i = 0; i < added.size(); ++i)
      if (keep(d.entry_of(added[i]))) f(base_rules() + i, d.name_of(added[i]), added[i], d.entry_of(added[i]));
  }
  // Rules in the numbering above (base and delta, hidden base rules included).
  std::size_t rule_count() const noexcept {
    return base_rules() + (delta_ ? delta_->source().rules().size() : 0);
  }
  // The entry of rule `index`, in the numbering above.
  const entry& entry_of_rule(std::uint32_t index) const noexcept {
    const rule& r = rule_at(index);
    return entry_at(index < base_rules() ? r.entry() : base_entries() + r.entry());
  }

  // The merged view as one plain catalogue, for a new base: the base's
  // sources, only the entries some rule uses, every rule per for_each_rule.
  // Costs a pass over the base; run it off the serving threads.
  catalogue flatten() const {
    return flatten([](const entry&) { return true; });
  }
  // The same with only the rules whose entry satisfies keep(entry).
  template <class Keep>
  catalogue flatten(Keep&& keep) const {
    const catalogue& b = base_->source();
    catalogue out;
    for (const source_info& s : b.sources()) out.add_source(s.name);
    std::vector<std::uint32_t> base_map(b.entries().size(), match_result::none);
    std::vector<std::uint32_t> delta_map(delta_ ? delta_->source().entries().size() : 0, match_result::none);
    out.reserve(b.rules().size() + (delta_ ? delta_->source().rules().size() : 0), b.name_arena().size());
    auto entry_index = [&](std::vector<std::uint32_t>& map, const catalogue& from, std::uint32_t e) {
      if (map[e] == match_result::none) map[e] = out.add_entry(from.entries()[e]);
      return map[e];
    };
    for (const rule& r : b.rules()) {
      if (!keep(b.entry_of(r)) || (delta_ && changes(b.name_of(r)))) continue;
      out.add_rule(b.name_of(r), entry_index(base_map, b, r.entry()), r.scope());
    }
    if (delta_) {
      const catalogue& d = delta_->source();
      for (const rule& r : d.rules())
        if (keep(d.entry_of(r))) out.add_rule(d.name_of(r), entry_index(delta_map, d, r.entry()), r.scope());
    }
    out.shrink_to_fit();
    return out;
  }

  const std::shared_ptr<const base_type>& base() const noexcept { return base_; }
  const catalogue* delta() const noexcept { return delta_ ? &delta_->source() : nullptr; }
  std::uint32_t base_rules() const noexcept { return static_cast<std::uint32_t>(base_->source().rules().size()); }
  std::uint32_t base_entries() const noexcept {
    return static_cast<std::uint32_t>(base_->source().entries().size());
  }
  // Names the delta changes (rules and removals).
  std::size_t delta_names() const noexcept { return touched_ ? touched_->source().rules().size() : 0; }

  // Heap bytes of the base (shared with other snapshots on it) and of the delta.
  std::size_t memory_bytes() const noexcept { return base_->memory_bytes() + delta_memory_bytes(); }
  std::size_t delta_memory_bytes() const noexcept {
    return delta_ ? delta_->memory_bytes() + touched_->memory_bytes() : 0;
  }

 private:
  match_result from_delta(const match_result& d) const noexcept {
    return {base_rules() + d.rule, base_entries() + d.entry};
  }

  std::shared_ptr<const base_type> base_;
  std::unique_ptr<const base_type> delta_;    // the changed names' rules
  std::unique_ptr<const base_type> touched_;  // every changed name, one rule each
};

}  // namespace dnsfilter::match
