// dnsfilter — the matcher interface and the semantics every matcher implements.
//
// Given a query name and a time t, a matcher finds the rule that decides:
//
//   for k = labels(qname) down to 1              (most specific suffix first)
//     S = the suffix of qname made of its k rightmost labels
//     C = rules whose FQDN equals S (case-insensitively), whose entry is
//         active at t, and whose scope covers S: at k == labels(qname) the
//         rules that cover their name, below it those that cover subdomains
//     if C is not empty:
//       return the exception rule of C with the lowest index if there is one,
//       otherwise the blocking rule (action neither pass nor monitor) of C
//       with the lowest index if there is one, otherwise the rule of C with
//       the lowest index (a monitored one)
//   return a miss
//
// So the most specific active rule decides, an exception (@@||good.evil^)
// beats a block at the same name and frees the subtree below it, a block
// beats a monitored rule at the same name, entries outside their window are
// invisible, and matching is on whole labels. A monitored rule that decides
// here is not yet the answer: the facade looks past it for a blocking rule
// above it (filter.hpp), so monitoring a name never unblocks it.
// The implementations in this folder are checked against each other and
// against this text by the conformance suite (tests/unit/match/test_matcher.cpp).
#pragma once

#include <dnsfilter/match/catalogue.hpp>
#include <dnsfilter/wire/name.hpp>

#include <concepts>
#include <cstddef>
#include <cstdint>

namespace dnsfilter::match {

struct match_result {
  static constexpr std::uint32_t none = 0xFFFFFFFFu;
  std::uint32_t rule = none;   // index into catalogue::rules(), none on a miss
  std::uint32_t entry = none;  // that rule's entry

  bool hit() const noexcept { return rule != none; }
  explicit operator bool() const noexcept { return hit(); }
  friend bool operator==(const match_result&, const match_result&) = default;
};

// A matcher is built from a catalogue, which must outlive it, and answers
// lookups without allocating or throwing. memory_bytes() counts what the
// matcher holds beyond the catalogue.
template <class M>
concept matcher = std::constructible_from<M, const catalogue&> &&
                  requires(const M& m, wire::name_view qname, timestamp t) {
                    { m.lookup(qname, t) } noexcept -> std::same_as<match_result>;
                    { m.memory_bytes() } noexcept -> std::convertible_to<std::size_t>;
                  };

// Chooses between two rules that both match at one suffix: the exception
// first, then a blocking rule before a monitored one, then the lower index.
// Shared by the implementations so that ties are broken the same way everywhere.
inline bool rule_precedes(const catalogue& cat, std::uint32_t a, std::uint32_t b) noexcept {
  const entry& x = cat.entry_of(cat.rules()[a]);
  const entry& y = cat.entry_of(cat.rules()[b]);
  if (x.is_exception() != y.is_exception()) return x.is_exception();
  if (x.is_monitored() != y.is_monitored()) return y.is_monitored();
  return a < b;
}

// Whether rule r takes part in a lookup at time t for a suffix with `k` of the
// query's `labels` labels.
inline bool rule_applies(const catalogue& cat, const rule& r, timestamp t, std::size_t k,
                         std::size_t labels) noexcept {
  return cat.entry_of(r).active_at(t) && (k == labels ? r.covers_name() : r.covers_subdomains());
}

}  // namespace dnsfilter::match
