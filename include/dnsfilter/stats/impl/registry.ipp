// Definitions for stats/registry.hpp.
#pragma once

#include <dnsfilter/stats/detail/common.hpp>
#include <dnsfilter/stats/registry.hpp>

#include <algorithm>
#include <new>

namespace dnsfilter::stats {

namespace detail {

DNSFILTER_DECL month_block* month_block::create(month_index m, const zone& z, std::uint32_t entries,
                                                std::uint32_t categories) noexcept {
  const std::size_t slots = month_block::slot_counters(entries, categories);
  // Rounded up to whole cache lines, so no other allocation shares the last one.
  const std::size_t bytes = (sizeof(month_block) + slots * sizeof(counter) + cache_line - 1) / cache_line * cache_line;
  void* memory = ::operator new(bytes, std::align_val_t{cache_line}, std::nothrow);
  if (memory == nullptr) return nullptr;
  auto* b = new (memory) month_block;
  b->month = m;
  b->start = z.start_of(m);
  b->end = z.start_of(m + 1);
  b->entry_slots = entries;
  b->category_slots = categories;
  auto* slot = reinterpret_cast<counter*>(b + 1);
  for (std::size_t i = 0; i < slots; ++i) std::construct_at(slot + i, 0u);
  return b;
}

DNSFILTER_DECL void month_block::destroy(month_block* b) noexcept {
  // The slot counters are trivially destructible: only the header is destroyed.
  b->~month_block();
  ::operator delete(b, std::align_val_t{cache_line});
}

}  // namespace detail

DNSFILTER_DECL recorder::~recorder() {
  for (detail::month_block* b = head_.load(std::memory_order_acquire); b != nullptr;) {
    detail::month_block* older = b->older;
    detail::month_block::destroy(b);
    b = older;
  }
}

DNSFILTER_DECL detail::month_block* recorder::move_to(match::timestamp now, std::uint32_t entries,
                                                      std::uint32_t categories) noexcept {
  // Sized for every slot assigned so far, so that the next reload's new
  // entries are likely covered already.
  entries = std::max(entries, shared_->entry_slots.load(std::memory_order_relaxed));
  categories = std::max(categories, shared_->category_slots.load(std::memory_order_relaxed));
  detail::month_block* b = detail::month_block::create(shared_->zone.month_of(now), shared_->zone, entries, categories);
  if (b == nullptr) {
    detail::bump(unrecorded_);
    return nullptr;
  }
  // The block left behind stays on the chain until read() folds it; this
  // thread never writes it again.
  b->older = current_;
  head_.store(b, std::memory_order_release);
  current_ = b;
  return b;
}

DNSFILTER_DECL registry::registry(std::size_t recorders, const registry_options& options)
    : size_(std::max<std::size_t>(recorders, 1)), recorders_(new recorder[size_]) {
  shared_.zone = options.zone;
  archive_.zone = options.zone;
  for (std::size_t i = 0; i < size_; ++i) recorders_[i].shared_ = &shared_;
}

DNSFILTER_DECL registry::~registry() = default;

DNSFILTER_DECL std::uint32_t registry::intern(slot_index& index, std::deque<std::string>& keys, std::string_view key) {
  std::string owned(key);
  if (auto it = index.find(owned); it != index.end()) return it->second;
  const auto slot = static_cast<std::uint32_t>(keys.size());
  index.emplace(owned, slot);
  keys.push_back(std::move(owned));
  return slot;
}

DNSFILTER_DECL slot_map registry::map(const match::catalogue& cat, catalogue_part part) {
  std::lock_guard lock(mutex_);
  std::vector<std::uint64_t> fqdns(cat.entries().size());
  for (const match::rule& r : cat.rules())
    if (r.entry() < fqdns.size()) ++fqdns[r.entry()];
  std::vector<bool> described_here;  // by entry slot: several entries with one identifier add up
  slot_map out;
  out.slots_.reserve(cat.entries().size());
  for (std::size_t i = 0; i < cat.entries().size(); ++i) {
    const match::entry& e = cat.entries()[i];
    std::string_view key = e.id;
    if (key.empty() && e.source < cat.sources().size()) key = cat.sources()[e.source].name;
    const std::uint32_t entry = intern(entry_index_, entry_keys_, key);
    const std::uint32_t category = intern(category_index_, category_keys_, e.category);
    out.slots_.push_back({entry, category, entry_keys_[entry]});
    if (e.id.empty()) continue;  // a list's entries: the list has no window or FQDN count of its own
    if (entry_metadata_.size() <= entry) entry_metadata_.resize(entry + 1);
    if (described_here.size() <= entry) described_here.resize(entry + 1);
    std::optional<entry_metadata>& known = entry_metadata_[entry];
    std::uint64_t count = fqdns[i];
    if (described_here[entry]) count += known->fqdns;  // another entry with the same identifier
    else if (part == catalogue_part::delta && known) count = known->fqdns;  // a delta names the changed FQDNs only
    known = entry_metadata{e.category, e.action, e.start, e.end, count};
    described_here[entry] = true;
  }
  shared_.entry_slots.store(static_cast<std::uint32_t>(entry_keys_.size()), std::memory_order_relaxed);
  shared_.category_slots.store(static_cast<std::uint32_t>(category_keys_.size()), std::memory_order_relaxed);
  return out;
}

DNSFILTER_DECL void registry::add_block(totals& into, detail::month_block& b) const {
  month_counts& m = into.months[b.month];
  const auto load = [](const detail::counter& c) { return c.load(std::memory_order_relaxed); };
  detail::add_saturating(m.passed, load(b.passed));
  detail::add_saturating(m.filtered, load(b.filtered));
  detail::add_saturating(m.opted_out, load(b.opted_out));
  detail::add_saturating(m.monitored, load(b.monitored));
  // The passed count these queries were in was folded already or is in this
  // block (a recorder's blocks are folded oldest first); never below zero.
  const std::uint64_t moved = load(b.reclassified);
  m.passed -= moved < m.passed ? moved : m.passed;
  for (std::size_t a = 0; a < action_count; ++a) detail::add_saturating(m.by_action[a], load(b.by_action[a]));
  // A block has no more slots than the registry has keys: its size came from them.
  for (std::uint32_t s = 0; s < b.entry_slots; ++s) {
    if (const std::uint64_t n = load(b.entry(s)); n != 0) detail::add_saturating(m.by_entry[entry_keys_[s]], n);
    if (const std::uint64_t n = load(b.monitored_entry(s)); n != 0)
      detail::add_saturating(m.monitored_by_entry[entry_keys_[s]], n);
  }
  for (std::uint32_t s = 0; s < b.category_slots; ++s)
    if (const std::uint64_t n = load(b.category(s)); n != 0)
      detail::add_saturating(m.by_category[category_keys_[s]], n);
}

DNSFILTER_DECL totals registry::read() {
  std::lock_guard lock(mutex_);
  std::vector<detail::month_block*> heads(size_);
  for (std::size_t i = 0; i < size_; ++i) {
    // The acquire pairs with the recorder's release when it published its
    // newest block: the blocks behind it are final and may be folded and freed.
    detail::month_block* head = recorders_[i].head_.load(std::memory_order_acquire);
    heads[i] = head;
    if (head == nullptr) continue;
    for (detail::month_block* b = head->older; b != nullptr;) {
      detail::month_block* older = b->older;
      add_block(archive_, *b);
      detail::month_block::destroy(b);
      b = older;
    }
    head->older = nullptr;
  }
  totals out = archive_;
  for (std::size_t i = 0; i < size_; ++i) {
    if (heads[i] != nullptr) add_block(out, *heads[i]);
    detail::add_saturating(out.unrecorded, recorders_[i].unrecorded_.load(std::memory_order_relaxed));
  }
  // The metadata of the keys counted: the catalogue's when it describes them,
  // else the file's (an entry removed from the catalogue since).
  out.metadata.clear();
  for (const auto& [month, counts] : out.months) {
    for (const auto& [key, n] : counts.by_entry) {
      if (out.metadata.contains(key)) continue;
      const auto slot = entry_index_.find(key);
      if (slot != entry_index_.end() && slot->second < entry_metadata_.size() && entry_metadata_[slot->second])
        out.metadata.emplace(key, *entry_metadata_[slot->second]);
      else if (const auto old = archive_.metadata.find(key); old != archive_.metadata.end())
        out.metadata.emplace(key, old->second);
    }
  }
  return out;
}

DNSFILTER_DECL result<void> registry::merge(const totals& t) {
  std::lock_guard lock(mutex_);
  return archive_.merge(t);
}

}  // namespace dnsfilter::stats
