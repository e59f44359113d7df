// dnsfilter — the naive baseline: what a typical developer writes first.
//
// A std::unordered_map keyed by the lower-cased presentation form of each rule
// name ("evil.example."), probed once per suffix of the query, most specific
// first, with a fresh std::string built for every probe. It exists so the
// benchmarks can say how much the other matchers gain; do not serve from it.
// Tests and benchmarks only: it lives outside include/ and is never installed.
//
// Unlike the other matchers it allocates on every lookup (the key strings), so
// it breaks the house rule of an allocation-free per-packet path. It does not
// throw: lookup is noexcept, and a failed allocation ends the program (as it
// does anyway in a -fno-exceptions build).
//
// The presentation form escapes '.' inside a label ("a\.b.example."), so two
// different names never share a key.
#pragma once

#include <dnsfilter/detail/bytes.hpp>
#include <dnsfilter/match/catalogue.hpp>
#include <dnsfilter/match/matcher.hpp>
#include <dnsfilter/wire/name.hpp>

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

namespace dnsfilter::match {

class naive_matcher {
 public:
  explicit naive_matcher(const catalogue& cat) : cat_(&cat) {
    const auto rules = cat.rules();
    for (std::uint32_t i = 0; i < rules.size(); ++i) by_name_[cat.name_of(rules[i]).to_string()].push_back(i);
    for (auto& [key, indices] : by_name_) {
      std::sort(indices.begin(), indices.end(),
                [&cat](std::uint32_t a, std::uint32_t b) { return rule_precedes(cat, a, b); });
    }
  }

  match_result lookup(wire::name_view qname, timestamp t) const noexcept {
    const std::size_t labels = qname.label_count();
    for (std::size_t k = labels; k >= 1; --k) {
      std::string key = qname.suffix(k).to_string();
      for (char& c : key) c = static_cast<char>(detail::ascii_lower(static_cast<std::uint8_t>(c)));
      const auto it = by_name_.find(key);
      if (it == by_name_.end()) continue;
      for (std::uint32_t index : it->second) {
        const rule& r = cat_->rules()[index];
        if (rule_applies(*cat_, r, t, k, labels)) return {index, r.entry()};
      }
    }
    return {};
  }

  // An estimate for libstdc++: the bucket array, one heap node per key (the
  // pair, the next pointer and the cached hash), key strings longer than the
  // small-string buffer, and each vector's storage.
  std::size_t memory_bytes() const noexcept {
    std::size_t n = by_name_.bucket_count() * sizeof(void*);
    for (const auto& [key, indices] : by_name_) {
      n += sizeof(void*) + sizeof(std::size_t) + sizeof(std::pair<const std::string, std::vector<std::uint32_t>>);
      if (key.capacity() > std::string().capacity()) n += key.capacity() + 1;
      n += indices.capacity() * sizeof(std::uint32_t);
    }
    return n;
  }

 private:
  const catalogue* cat_;
  std::unordered_map<std::string, std::vector<std::uint32_t>> by_name_;
};

}  // namespace dnsfilter::match
