// dnsfilter — a reversed-label trie: the classic structure for suffix matching,
// kept as the research comparison point for the production matcher.
//
// The trie runs from the root through the TLD down to each rule's FQDN
// ("com" → "example" → "evil"). It is built once into two flat arrays:
//
//   nodes_  in breadth-first order, so the children of a node are contiguous and
//           sorted (by label length, then lower-cased octets). A node holds only
//           where its label sits in the catalogue's name arena (labels are not
//           copied), where its children start and where its rules start; the
//           next node's fields give where they end. 12 bytes a node.
//   rules_  the rule indices of every node, node by node, each node's rules in
//           rule_precedes order. 4 bytes a rule.
//
// A lookup walks from the TLD down, finding each child by binary search, and
// keeps the deepest node with a rule that applies at t: with the rules in
// precedence order the first one that applies is that suffix's answer. Time
// windows and exact_only are checked at lookup, so one trie serves every t.
// No allocation, no hashing; a miss usually stops after one or two levels.
#pragma once

#include <dnsfilter/detail/bytes.hpp>
#include <dnsfilter/match/catalogue.hpp>
#include <dnsfilter/match/matcher.hpp>
#include <dnsfilter/wire/name.hpp>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <numeric>
#include <vector>

namespace dnsfilter::match {

class label_trie {
 public:
  explicit label_trie(const catalogue& cat) : cat_(&cat) { build(); }

  match_result lookup(wire::name_view qname, timestamp t) const noexcept {
    std::array<std::uint8_t, wire::max_label_count> offsets;
    const std::size_t labels = qname.label_offsets(offsets);
    const auto all_rules = cat_->rules();
    match_result best;
    std::uint32_t at = 0;  // the root
    std::array<std::byte, wire::max_label_length> folded;
    for (std::size_t k = 1; k <= labels; ++k) {
      const std::byte* label = qname.data() + offsets[labels - k];
      const std::size_t size = detail::u8(label);
      for (std::size_t i = 0; i < size; ++i) folded[i] = detail::ascii_lower(label[1 + i]);
      at = find_child(at, folded.data(), size);
      if (at == no_node) break;
      for (std::uint32_t i = nodes_[at].first_rule, e = nodes_[at + 1].first_rule; i < e; ++i) {
        const rule& r = all_rules[rules_[i]];
        if (rule_applies(*cat_, r, t, k, labels)) {
          best = {rules_[i], r.entry()};
          break;
        }
      }
    }
    return best;
  }

  std::size_t memory_bytes() const noexcept {
    return nodes_.capacity() * sizeof(node) + rules_.capacity() * sizeof(std::uint32_t);
  }

  // Nodes in the trie, the root included (for memory reports and tests).
  std::size_t node_count() const noexcept { return nodes_.empty() ? 0 : nodes_.size() - 1; }

 private:
  static constexpr std::uint32_t no_node = 0xFFFFFFFFu;

  struct node {
    std::uint32_t label = 0;        // arena offset of the label's length octet (unused for the root)
    std::uint32_t first_child = 0;  // children: [first_child, next node's first_child)
    std::uint32_t first_rule = 0;   // rules: rules_[first_rule, next node's first_rule)
  };

  // Orders labels by length, then octets: cheap to compare, and the same order
  // at build and lookup. `a` and `b` point at label octets (no length prefix).
  static int compare_label(const std::byte* a, std::size_t a_size, const std::byte* b, std::size_t b_size) noexcept {
    if (a_size != b_size) return a_size < b_size ? -1 : 1;
    return a_size == 0 ? 0 : std::memcmp(a, b, a_size);
  }

  const std::byte* arena_label(std::uint32_t offset) const noexcept { return cat_->name_arena().data() + offset; }

  // The child of `parent` whose label is `label` (lower-cased), or no_node.
  std::uint32_t find_child(std::uint32_t parent, const std::byte* label, std::size_t size) const noexcept {
    std::uint32_t lo = nodes_[parent].first_child, hi = nodes_[parent + 1].first_child;
    while (lo < hi) {
      const std::uint32_t mid = lo + (hi - lo) / 2;
      const std::byte* l = arena_label(nodes_[mid].label);
      const int c = compare_label(l + 1, detail::u8(l), label, size);
      if (c == 0) return mid;
      if (c < 0) lo = mid + 1;
      else hi = mid;
    }
    return no_node;
  }

  // Arena offset of the length octet of rule r's `depth`-th label counted
  // from the right (depth 1 is the TLD).
  std::uint32_t label_from_right(const rule& r, std::size_t depth) const noexcept {
    std::size_t off = r.name_offset;
    for (std::size_t i = 0, n = cat_->name_of(r).label_count(); i + depth < n; ++i) off += 1u + detail::u8(arena_label(static_cast<std::uint32_t>(off)));
    return static_cast<std::uint32_t>(off);
  }

  int compare_at_depth(const rule& a, const rule& b, std::size_t depth) const noexcept {
    const std::byte* la = arena_label(label_from_right(a, depth));
    const std::byte* lb = arena_label(label_from_right(b, depth));
    return compare_label(la + 1, detail::u8(la), lb + 1, detail::u8(lb));
  }

  // Reversed-label order of the rule names (a name before the names below
  // it), then precedence among rules that name the same FQDN.
  bool rule_sorts_before(std::uint32_t a, std::uint32_t b) const noexcept {
    const rule& ra = cat_->rules()[a];
    const rule& rb = cat_->rules()[b];
    const std::size_t la = cat_->labels_of(a), lb = cat_->labels_of(b);
    const std::size_t common = std::min(la, lb);
    for (std::size_t depth = 1; depth <= common; ++depth) {
      if (const int c = compare_at_depth(ra, rb, depth); c != 0) return c < 0;
    }
    if (la != lb) return la < lb;
    return rule_precedes(*cat_, a, b);
  }

  // Sorting the rules puts every subtree in one contiguous range; expanding the
  // ranges breadth first then lays out each node's children side by side.
  void build() {
    const auto all_rules = cat_->rules();
    std::vector<std::uint32_t> order(all_rules.size());
    std::iota(order.begin(), order.end(), 0u);
    std::sort(order.begin(), order.end(), [this](std::uint32_t a, std::uint32_t b) { return rule_sorts_before(a, b); });

    struct range {
      std::uint32_t begin, end;  // into `order`: the rules at or below the node
      std::uint8_t depth;        // the node's label count
    };
    std::vector<range> pending{{0, static_cast<std::uint32_t>(order.size()), 0}};  // parallel to nodes_
    nodes_.push_back({});
    rules_.reserve(order.size());
    for (std::size_t n = 0; n < nodes_.size(); ++n) {
      auto [begin, end, depth] = pending[n];
      nodes_[n].first_child = static_cast<std::uint32_t>(nodes_.size());
      nodes_[n].first_rule = static_cast<std::uint32_t>(rules_.size());
      for (; begin < end && cat_->labels_of(order[begin]) == depth; ++begin) rules_.push_back(order[begin]);
      while (begin < end) {
        const rule& first = all_rules[order[begin]];
        std::uint32_t child_end = begin + 1;
        while (child_end < end && compare_at_depth(first, all_rules[order[child_end]], depth + 1u) == 0) ++child_end;
        nodes_.push_back({label_from_right(first, depth + 1u), 0, 0});
        pending.push_back({begin, child_end, static_cast<std::uint8_t>(depth + 1)});
        begin = child_end;
      }
    }
    // A sentinel closes the last node's child and rule ranges.
    nodes_.push_back({0, static_cast<std::uint32_t>(nodes_.size()), static_cast<std::uint32_t>(rules_.size())});
    nodes_.shrink_to_fit();
  }

  const catalogue* cat_;
  std::vector<node> nodes_;  // breadth first; nodes_[0] is the root, the last one a sentinel
  std::vector<std::uint32_t> rules_;
};

}  // namespace dnsfilter::match
