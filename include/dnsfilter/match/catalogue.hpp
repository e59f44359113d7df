// dnsfilter — the catalogue: reputation entries and the FQDNs (rules) they name.
//
// An entry is the operator's unit: an identifier such as XX-20250109-0001, a
// behaviour category, the list it came from, what to do on a hit, and a
// validity window [start, end). Each entry names one or more FQDNs; each
// (FQDN, entry) pair is a rule. Plain lists become one entry per list (and one
// more for the list's exceptions) with a rule per domain, so a million-domain
// list costs a million rules but one entry.
//
// The catalogue is what loaders fill and matchers compile; it is built once
// (allocating freely) and then only read. Rule names are stored lower-cased,
// packed back to back in one arena, so matchers can verify a hit against them.
// A catalogue read from a compiled image (match/image.hpp) borrows its rules
// and names from the mapped file; changing one copies them in first.
#pragma once

#include <dnsfilter/config.hpp>
#include <dnsfilter/detail/huge_pages.hpp>
#include <dnsfilter/wire/name.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace dnsfilter::match {

// Seconds since 1970-01-01T00:00:00Z.
using timestamp = std::int64_t;
inline constexpr timestamp since_always = std::numeric_limits<timestamp>::min();
inline constexpr timestamp until_forever = std::numeric_limits<timestamp>::max();

// What a hit on an entry asks for. `pass` marks an exception (allow-list)
// entry. `monitor` is the month before enforcement: the hit is counted and
// logged as "would be filtered", and the query is answered as if the entry
// were not there (matcher.hpp, filter.hpp). The values are stable: the
// statistics file and the exporters index counters by them.
enum class action : std::uint8_t { sinkhole, nxdomain, nodata, refused, drop, pass, monitor };
// How many actions there are: arrays indexed by an action have this size.
inline constexpr std::size_t action_count = static_cast<std::size_t>(action::monitor) + 1;

// An array with one `value` per action.
template <class T>
constexpr std::array<T, action_count> per_action(T value) noexcept {
  std::array<T, action_count> a{};
  a.fill(value);
  return a;
}

constexpr const char* to_string(action a) noexcept {
  switch (a) {
    case action::sinkhole: return "sinkhole";
    case action::nxdomain: return "nxdomain";
    case action::nodata: return "nodata";
    case action::refused: return "refused";
    case action::drop: return "drop";
    case action::pass: return "pass";
    case action::monitor: return "monitor";
  }
  return "unknown";
}

// One list the catalogue was loaded from.
struct source_info {
  std::string name;  // e.g. a file path or the operator's list name
};

struct entry {
  std::string id;        // the operator's identifier; may be empty for plain lists
  std::string category;  // behaviour: "information theft", "backdoor", ...
  std::uint16_t source = 0;
  match::action action = match::action::sinkhole;
  timestamp start = since_always;  // filtering applies in [start, end)
  timestamp end = until_forever;

  bool active_at(timestamp t) const noexcept { return start <= t && (t < end || end == until_forever); }
  bool is_exception() const noexcept { return action == match::action::pass; }
  bool is_monitored() const noexcept { return action == match::action::monitor; }
  // A hit changes the answer: neither an exception nor monitored.
  bool blocks() const noexcept { return !is_exception() && !is_monitored(); }
};

// Which names a rule covers: its FQDN and every name below it (the default,
// as in block lists), the FQDN only ("name" in an RPZ), or only the names
// below it ("*.name" in an RPZ).
enum class scope : std::uint8_t { name_and_subdomains, name_only, subdomains_only };

// One FQDN of an entry: eight octets. The name lives in the catalogue's arena
// (its size and label count are read from there: name_of()); the entry index
// and the scope share one word, so entries are numbered below 2^30.
struct rule {
  static constexpr std::uint32_t exact_only = 1;       // covers the FQDN itself, not its subdomains
  static constexpr std::uint32_t subdomains_only = 2;  // covers the names below the FQDN, not the FQDN
  static constexpr std::uint32_t max_entries = std::uint32_t{1} << 30;

  std::uint32_t name_offset = 0;
  std::uint32_t packed = 0;  // the entry index << 2 | the scope's flags (exact_only, subdomains_only)

  constexpr rule() noexcept = default;
  constexpr rule(std::uint32_t offset, std::uint32_t entry_index, match::scope s) noexcept
      : name_offset(offset), packed(entry_index << 2 | flags_of(s)) {}

  std::uint32_t entry() const noexcept { return packed >> 2; }
  void set_entry(std::uint32_t entry_index) noexcept { packed = entry_index << 2 | (packed & 3u); }
  std::uint32_t flags() const noexcept { return packed & 3u; }
  bool covers_subdomains() const noexcept { return (packed & exact_only) == 0; }
  bool covers_name() const noexcept { return (packed & subdomains_only) == 0; }
  match::scope scope() const noexcept {
    if (packed & exact_only) return scope::name_only;
    if (packed & subdomains_only) return scope::subdomains_only;
    return scope::name_and_subdomains;
  }
  static constexpr std::uint32_t flags_of(match::scope s) noexcept {
    return s == scope::name_only ? exact_only : s == scope::subdomains_only ? subdomains_only : 0;
  }
};
static_assert(sizeof(rule) == 8);

class catalogue {
 public:
  // Sources are numbered in 16 bits: past 65536 of them, the last number is
  // reused (the name is then only a label; nothing depends on it).
  std::uint16_t add_source(std::string name) {
    if (sources_.size() > 0xFFFF) return 0xFFFF;
    sources_.push_back({std::move(name)});
    return static_cast<std::uint16_t>(sources_.size() - 1);
  }

  std::uint32_t add_entry(entry e) {
    entries_.push_back(std::move(e));
    return static_cast<std::uint32_t>(entries_.size() - 1);
  }

  // Adds `fqdn` (stored lower-cased) to entry `entry_index`, covering the
  // names `s` says. Returns false, adding nothing, for the root name (it
  // would cover everything), for an entry index that add_entry has not
  // returned, and past rule::max_entries entries (2^30).
  bool add_rule(wire::name_view fqdn, std::uint32_t entry_index, match::scope s) {
    if (fqdn.is_root() || entry_index >= entries_.size() || entry_index >= rule::max_entries) return false;
    thaw();
    const rule r(static_cast<std::uint32_t>(names_.size()), entry_index, s);
    // One resize, then lower-case between plain pointers (a loop the
    // compiler can vectorise): a million-rule load spends its time here, and
    // a push_back per octet is several times slower.
    const std::size_t at = names_.size();
    names_.resize(at + fqdn.size());
    const std::byte* from = fqdn.data();
    std::byte* to = names_.data() + at;
    for (std::size_t i = 0, n = fqdn.size(); i < n; ++i) to[i] = detail::ascii_lower(from[i]);
    rules_.push_back(r);
    return true;
  }
  bool add_rule(wire::name_view fqdn, std::uint32_t entry_index, bool exact = false) {
    return add_rule(fqdn, entry_index, exact ? scope::name_only : scope::name_and_subdomains);
  }

  // Room for `rules` more rules with `name_bytes` more octets of names, so
  // that a loader that knows its input's size grows each array once. Large
  // arrays reserved here ask for huge pages (detail/huge_pages.hpp).
  void reserve(std::size_t rules, std::size_t name_bytes) {
    thaw();
    if (rules_.capacity() < rules_.size() + rules) {
      rules_.reserve(rules_.size() + rules);
      detail::advise_huge_pages(rules_.data() + rules_.size(), (rules_.capacity() - rules_.size()) * sizeof(rule));
    }
    if (names_.capacity() < names_.size() + name_bytes) {
      names_.reserve(names_.size() + name_bytes);
      detail::advise_huge_pages(names_.data() + names_.size(), names_.capacity() - names_.size());
    }
  }

  // Appends every rule of `other` (already validated and lower-cased), its
  // entries being numbered from `entry_base` here: the caller has added them
  // with add_entry, in order. One copy of the name arena, no per-name work.
  void append_rules(const catalogue& other, std::uint32_t entry_base) {
    thaw();
    const auto name_base = static_cast<std::uint32_t>(names_.size());
    const auto other_names = other.name_arena();
    names_.insert(names_.end(), other_names.begin(), other_names.end());
    rules_.reserve(rules_.size() + other.rules().size());
    for (rule r : other.rules()) {
      r.name_offset += name_base;
      r.set_entry(r.entry() + entry_base);
      rules_.push_back(r);
    }
  }

  // Appends the entries of `staged` (their source set to `source`) and its
  // rules (already validated and lower-cased); `staged` is left empty. Into a
  // catalogue without entries, as for the first list of a load, its arrays
  // are taken whole: no copy, and no moment with two copies of a large list
  // in memory. Otherwise as add_entry for each entry, then append_rules.
  void append(catalogue&& staged, std::uint16_t source) {
    if (entries_.empty() && rules_.empty() && !backing_ && !staged.backing_) {
      entries_ = std::move(staged.entries_);
      for (entry& e : entries_) e.source = source;
      rules_ = std::move(staged.rules_);
      names_ = std::move(staged.names_);
    } else {
      const auto base = static_cast<std::uint32_t>(entries_.size());
      entries_.reserve(entries_.size() + staged.entries_.size());
      for (entry& e : staged.entries_) {
        e.source = source;
        entries_.push_back(std::move(e));
      }
      append_rules(staged, base);
    }
    staged = catalogue{};
  }

  // Moves rule `index` to entry `entry_index` (both must exist), for a loader
  // that learns a rule's entry after the rule (a zone's links, docs/rpz.md).
  void set_entry_of(std::size_t index, std::uint32_t entry_index) {
    thaw();
    if (index < rules_.size() && entry_index < entries_.size()) rules_[index].set_entry(entry_index);
  }

  // Frees growth slack once loading is done.
  void shrink_to_fit() {
    sources_.shrink_to_fit();
    entries_.shrink_to_fit();
    rules_.shrink_to_fit();
    names_.shrink_to_fit();
  }

  std::span<const source_info> sources() const noexcept { return sources_; }
  std::span<const entry> entries() const noexcept { return entries_; }
  std::span<const rule> rules() const noexcept { return backing_ ? mapped_rules_ : std::span<const rule>(rules_); }
  const entry& entry_of(const rule& r) const noexcept { return entries_[r.entry()]; }
  // The rule's FQDN, lower-cased.
  wire::name_view name_of(const rule& r) const noexcept {
    const std::byte* p = name_arena().data() + r.name_offset;
    std::size_t size = 0, labels = 0;
    for (; p[size] != std::byte{0}; ++labels) size += 1u + static_cast<std::uint8_t>(p[size]);
    return wire::name_view::from_trusted(p, size + 1, labels);
  }
  // The label count of rule `index`'s FQDN.
  std::size_t labels_of(std::uint32_t index) const noexcept { return name_of(rules()[index]).label_count(); }
  std::span<const std::byte> name_arena() const noexcept {
    return backing_ ? mapped_names_ : std::span<const std::byte>(names_);
  }

  // A catalogue whose rules and names are `rules` and `names` in memory that
  // `backing` keeps alive (a mapped image; the caller has checked that every
  // rule's name lies in `names` and its entry in `entries`).
  static catalogue borrowing(std::vector<source_info> sources, std::vector<entry> entries, std::span<const rule> rules,
                             std::span<const std::byte> names, std::shared_ptr<const void> backing) {
    catalogue c;
    c.sources_ = std::move(sources);
    c.entries_ = std::move(entries);
    c.mapped_rules_ = rules;
    c.mapped_names_ = names;
    c.backing_ = std::move(backing);
    return c;
  }
  // Whether the rules and names are borrowed from a mapped image.
  bool borrows() const noexcept { return backing_ != nullptr; }

  // Octets held once loading is done (sizes, not capacities; borrowed rules
  // and names too): names, rules, entries and sources with their strings.
  // With the matcher's table (policy_bytes, match/hashed.hpp), what a policy
  // costs in memory.
  std::size_t compact_bytes() const noexcept {
    const auto heap = [](const std::string& s) { return s.size() > 15 ? s.size() + 1 : 0; };  // past the inline buffer
    std::size_t n = name_arena().size() + rules().size() * sizeof(rule) + entries_.size() * sizeof(entry) +
                    sources_.size() * sizeof(source_info);
    for (const auto& e : entries_) n += heap(e.id) + heap(e.category);
    for (const auto& s : sources_) n += heap(s.name);
    return n;
  }

  // Heap bytes held (capacity, not size), for memory reports; borrowed rules
  // and names are not heap.
  std::size_t memory_bytes() const noexcept {
    std::size_t n = names_.capacity() + rules_.capacity() * sizeof(rule) + entries_.capacity() * sizeof(entry) +
                    sources_.capacity() * sizeof(source_info);
    for (const auto& e : entries_) n += e.id.capacity() + e.category.capacity();
    return n;
  }

 private:
  std::vector<source_info> sources_;
  std::vector<entry> entries_;
  std::vector<rule> rules_;
  std::vector<std::byte> names_;
  // Borrowed storage, when backing_ is set (rules_ and names_ are then empty).
  std::span<const rule> mapped_rules_;
  std::span<const std::byte> mapped_names_;
  std::shared_ptr<const void> backing_;

  // Copies borrowed rules and names into owned storage, before a change.
  void thaw() {
    if (!backing_) return;
    rules_.assign(mapped_rules_.begin(), mapped_rules_.end());
    names_.assign(mapped_names_.begin(), mapped_names_.end());
    mapped_rules_ = {};
    mapped_names_ = {};
    backing_.reset();
  }
};

}  // namespace dnsfilter::match
