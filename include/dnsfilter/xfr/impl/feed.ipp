// Definitions for xfr/feed.hpp.
#pragma once

#include <dnsfilter/detail/bytes.hpp>
#include <dnsfilter/xfr/feed.hpp>

#include <dnsfilter/detail/xxhash.hpp>

#include <algorithm>
#include <array>
#include <cstring>

namespace dnsfilter::xfr {

namespace detail {

// A name's lower-cased wire octets: the key of the feed's maps.
inline std::string name_key(wire::name_view n) {
  std::string k(reinterpret_cast<const char*>(n.data()), n.size());
  for (char& c : k) c = static_cast<char>(dnsfilter::detail::ascii_lower(static_cast<std::uint8_t>(c)));
  return k;
}

inline wire::name key_name(const std::string& key) {
  auto n = wire::name::from_wire(std::span<const std::byte>(reinterpret_cast<const std::byte*>(key.data()), key.size()));
  return n ? *n : wire::name{};
}

// The seed image: little-endian integers, length-prefixed strings.
class seed_writer {
 public:
  explicit seed_writer(std::string& out) : out_(out) {}
  void u8(std::uint8_t v) { out_.push_back(static_cast<char>(v)); }
  void u32(std::uint32_t v) {
    for (int i = 0; i < 4; ++i) u8(static_cast<std::uint8_t>(v >> (8 * i)));
  }
  void u64(std::uint64_t v) {
    for (int i = 0; i < 8; ++i) u8(static_cast<std::uint8_t>(v >> (8 * i)));
  }
  void text(std::string_view s) {
    u32(static_cast<std::uint32_t>(s.size()));
    out_.append(s);
  }
  void name(wire::name_view n) {
    u8(static_cast<std::uint8_t>(n.size()));
    out_.append(reinterpret_cast<const char*>(n.data()), n.size());
  }

 private:
  std::string& out_;
};

class seed_reader {
 public:
  explicit seed_reader(std::string_view in) : in_(in) {}
  bool ok() const noexcept { return ok_; }
  std::uint8_t u8() {
    if (pos_ >= in_.size()) return fail(), 0;
    return static_cast<std::uint8_t>(in_[pos_++]);
  }
  std::uint32_t u32() {
    std::uint32_t v = 0;
    for (int i = 0; i < 4; ++i) v |= std::uint32_t{u8()} << (8 * i);
    return v;
  }
  std::uint64_t u64() {
    std::uint64_t v = 0;
    for (int i = 0; i < 8; ++i) v |= std::uint64_t{u8()} << (8 * i);
    return v;
  }
  std::string_view text() {
    const std::uint32_t n = u32();
    if (!ok_ || n > in_.size() - pos_) return fail(), std::string_view{};
    const std::string_view s = in_.substr(pos_, n);
    pos_ += n;
    return s;
  }
  // The name validated in place: a view into the image, no copy.
  bool name(wire::name_view& out) {
    const std::uint8_t n = u8();
    if (!ok_ || n > in_.size() - pos_) return fail(), false;
    auto parsed = wire::name_view::from_wire(
        std::span<const std::byte>(reinterpret_cast<const std::byte*>(in_.data() + pos_), n));
    pos_ += n;
    if (!parsed || parsed->size() != n) return fail(), false;
    out = *parsed;
    return true;
  }
  bool name(wire::name& out) {
    wire::name_view v;
    if (!name(v)) return false;
    out = wire::name(v);
    return true;
  }
  std::size_t remaining() const noexcept { return in_.size() - pos_; }

 private:
  void fail() noexcept { ok_ = false; }
  std::string_view in_;
  std::size_t pos_ = 0;
  bool ok_ = true;
};

inline constexpr std::string_view seed_magic = "DNSFSEED";
inline constexpr std::uint32_t seed_version = 1;

inline bool same_entry(const match::entry& a, const match::entry& b) noexcept {
  return a.id == b.id && a.category == b.category && a.source == b.source && a.action == b.action &&
         a.start == b.start && a.end == b.end;
}

}  // namespace detail

DNSFILTER_DECL void zone_feed::start(std::shared_ptr<const snapshot_type> serving) {
  serving_ = std::move(serving);
  full_ = false;
  diffing_ = false;
  ended_ = false;
  error_.clear();
  staged_ = match::catalogue{};
  staged_ids_ = std::vector<std::uint64_t>();  // its memory too (8 octets per rule)
  next_entries_.clear();
  next_links_.clear();
  pending_.clear();
  link_changes_.clear();
  entries_changed_ = false;
  records_ = 0;
  applied_ = 0;
  skipped_ = 0;
}

DNSFILTER_DECL void zone_feed::begin_full(const wire::rdata::soa& soa) {
  full_ = true;
  next_soa_ = soa;
  staged_ = match::catalogue{};
  staged_ids_ = std::vector<std::uint64_t>();  // its memory too (8 octets per rule)
  // With the zone already serving, a whole zone is compared with it record
  // by record and only the difference is applied, as an IXFR's would be: a
  // re-transfer of a zone that hardly changed costs no second copy.
  diffing_ = has_zone_;
  if (diffing_) {
    seen_.assign(serving_->layers().rule_count(), false);
    return;
  }
  for (int a = 0; a <= static_cast<int>(match::action::pass); ++a) {
    match::entry e;
    e.action = static_cast<match::action>(a);
    e.source = options_.source;
    staged_.add_entry(std::move(e));  // entry a: the default entry of action a
  }
}

DNSFILTER_DECL void zone_feed::full_record(const record& r) { take(r, true); }
DNSFILTER_DECL void zone_feed::begin_difference(std::uint32_t) {}
DNSFILTER_DECL void zone_feed::deleted(const record& r) { take(r, false); }
DNSFILTER_DECL void zone_feed::begin_additions(std::uint32_t) {}
DNSFILTER_DECL void zone_feed::added(const record& r) { take(r, true); }

DNSFILTER_DECL void zone_feed::end(const wire::rdata::soa& soa) {
  next_soa_ = soa;
  ended_ = true;
}

DNSFILTER_DECL void zone_feed::invalid(std::string why) {
  ++skipped_;
  if (options_.strict && error_.empty()) error_ = std::move(why);
}

DNSFILTER_DECL void zone_feed::take(const record& r, bool add) {
  if (!error_.empty()) return;
  if (options_.max_records != 0 && ++records_ > options_.max_records) {
    error_ = "more than " + std::to_string(options_.max_records) + " records (the feed's max-records)";
    return;
  }
  std::string why;
  auto item = lists::interpret_rpz(r.message, r.rr, options_.zone, scratch_, why, options_.time_zone);
  if (!item) return invalid(r.owner.to_string() + ": " + why);
  using item_kind = lists::rpz_item::kind;
  switch (item->what) {
    case item_kind::skipped:
      return;
    case item_kind::entry: {
      const std::string& key = item->key;
      if (full_) {
        if (!next_entries_.emplace(key, item->meta).second) invalid("entry " + item->name.to_string() + " defined twice");
      } else {
        entries_changed_ = true;  // an entry's metadata changed: rules all over the zone may need it
      }
      ++applied_;
      return;
    }
    case item_kind::link: {
      const link_key k{detail::name_key(item->name), item->wildcard};
      if (full_) next_links_[k] = item->key;
      else link_changes_[k] = add ? item->key : std::string{};
      ++applied_;
      return;
    }
    case item_kind::trigger:
      break;
  }
  const match::scope scope = item->wildcard ? match::scope::subdomains_only : match::scope::name_only;
  if (full_ && diffing_) {
    // The first rule of this feed not yet matched with this scope and action is this record.
    const auto& layers = serving_->layers();
    bool matched = false;
    layers.for_each_rule_at(item->name, [&](std::uint32_t index) {
      if (matched || seen_[index]) return;
      const match::entry& e = layers.entry_of_rule(index);
      if (e.source != options_.source || e.action != item->action || layers.rule_at(index).scope() != scope) return;
      seen_[index] = true;
      matched = true;
    });
    // Every record's identity, and an added one's with it, so that a record
    // the stream repeats is taken once (commit_difference).
    const std::uint64_t identity = record_identity(r);
    staged_ids_.push_back(identity);
    if (!matched) {
      auto [it, fresh] = pending_.try_emplace(detail::name_key(item->name));
      if (fresh) it->second.name = item->name;
      it->second.changes.push_back({item->wildcard, item->action, true, identity});
    }
  } else if (full_) {
    staged_.add_rule(item->name, static_cast<std::uint32_t>(item->action), scope);
    staged_ids_.push_back(record_identity(r));
  } else {
    auto [it, fresh] = pending_.try_emplace(detail::name_key(item->name));
    if (fresh) it->second.name = item->name;
    it->second.changes.push_back({item->wildcard, item->action, add});
  }
  ++applied_;
}

DNSFILTER_DECL std::uint64_t zone_feed::record_identity(const record& r) const {
  // The owner without case, the type, and the RDATA: a CNAME's target (read by
  // take() into scratch_, decompressed) without case, an address's octets (the
  // only trigger records). No allocation: this runs for every record of an AXFR.
  std::array<std::byte, 2 * 255 + 2 + 16> bytes;
  std::size_t n = 0;
  auto put_name = [&](wire::name_view name) {
    for (std::byte b : std::span<const std::byte>(name.data(), name.size()))
      bytes[n++] = static_cast<std::byte>(dnsfilter::detail::ascii_lower(static_cast<std::uint8_t>(b)));
  };
  put_name(r.owner.view());
  dnsfilter::detail::store_u16(bytes.data() + n, static_cast<std::uint16_t>(r.rr.type));
  n += 2;
  if (r.rr.type == wire::rr_type::cname) {
    put_name(scratch_.target.view());
  } else {
    const auto rdata = r.message.bytes().subspan(r.rr.rdata_offset, std::min<std::size_t>(r.rr.rdata_length, 16));
    std::copy(rdata.begin(), rdata.end(), bytes.begin() + static_cast<std::ptrdiff_t>(n));
    n += rdata.size();
  }
  return XXH64(bytes.data(), n, 0);
}

DNSFILTER_DECL void zone_feed::drop_repeated_rules() {
  std::vector<std::uint64_t> sorted = staged_ids_;
  std::sort(sorted.begin(), sorted.end());
  if (std::adjacent_find(sorted.begin(), sorted.end()) == sorted.end()) return;  // the usual case
  std::vector<std::uint64_t> repeated;  // sorted, once each
  for (std::size_t i = 1; i < sorted.size(); ++i)
    if (sorted[i] == sorted[i - 1] && (repeated.empty() || repeated.back() != sorted[i])) repeated.push_back(sorted[i]);
  std::vector<bool> kept_once(repeated.size(), false);
  match::catalogue kept;
  for (const match::entry& e : staged_.entries()) kept.add_entry(e);
  const auto rules = staged_.rules();
  for (std::size_t i = 0; i < rules.size(); ++i) {
    const auto at = std::lower_bound(repeated.begin(), repeated.end(), staged_ids_[i]);
    if (at != repeated.end() && *at == staged_ids_[i]) {
      const auto k = static_cast<std::size_t>(at - repeated.begin());
      if (kept_once[k]) continue;  // the same record again
      kept_once[k] = true;
    }
    kept.add_rule(staged_.name_of(rules[i]), rules[i].entry(), rules[i].scope());
  }
  staged_ = std::move(kept);
  staged_ids_ = std::vector<std::uint64_t>();  // its memory too (8 octets per rule)
}

DNSFILTER_DECL match::entry zone_feed::entry_for(const std::string& key, match::action a) const {
  match::entry e;
  if (!key.empty()) {
    const auto& table = full_ ? next_entries_ : entries_;
    if (auto it = table.find(key); it != table.end()) e = it->second;
  }
  e.action = a;
  e.source = options_.source;
  return e;
}

DNSFILTER_DECL const std::string* zone_feed::link_of(const link_key& k) const {
  if (auto it = link_changes_.find(k); it != link_changes_.end()) return it->second.empty() ? nullptr : &it->second;
  if (auto it = links_.find(k); it != links_.end()) return &it->second;
  return nullptr;
}

DNSFILTER_DECL result<std::shared_ptr<const zone_feed::snapshot_type>> zone_feed::commit(
    result<transfer_result> finished, diagnostic* why) {
  auto fail = [&](errc e, std::string message) -> result<std::shared_ptr<const snapshot_type>> {
    if (why) *why = {0, std::move(message)};
    staged_ = match::catalogue{};
    staged_ids_ = std::vector<std::uint64_t>();  // its memory too (8 octets per rule)
    pending_.clear();
    return e;
  };
  if (!finished) return fail(finished.error(), "the transfer failed: " + std::string(to_string(finished.error())));
  if (!serving_) return fail(errc::invalid_argument, "start() was not called");
  if (*finished == transfer_result::up_to_date) return serving_;
  if (!ended_) return fail(errc::transfer_malformed, "the transfer did not end");
  if (!error_.empty()) return fail(errc::invalid_list_line, error_);
  // A whole zone older than the one we have: its primary went backwards (a
  // restore, a serial typed wrong). Like a secondary, keep ours and say so;
  // the reader refuses the single-SOA reply of such a primary alike.
  if (full_ && has_zone_ && serial_newer(serial_, next_soa_.serial))
    return fail(errc::transfer_serial, "the primary's serial " + std::to_string(next_soa_.serial) +
                                           " is older than ours (" + std::to_string(serial_) +
                                           "): the zone went backwards; the policy stays");
  if (!full_ && entries_changed_)
    return fail(errc::transfer_mismatch, "an IXFR changed an entry's metadata: a full transfer (AXFR) is needed");
  auto made = full_ ? (diffing_ ? commit_difference() : commit_full()) : commit_incremental();
  if (!made) return fail(made.error(), error_.empty() ? std::string(to_string(made.error())) : error_);
  has_zone_ = true;
  serial_ = next_soa_.serial;
  soa_ = next_soa_;
  return made;
}

DNSFILTER_DECL result<std::shared_ptr<const zone_feed::snapshot_type>> zone_feed::commit_full() {
  drop_repeated_rules();
  staged_ids_ = std::vector<std::uint64_t>();  // only needed to find repeated records
  // Links to entries: the zone's triggers move from the default entries.
  for (const auto& [k, key] : next_links_) {
    if (!next_entries_.count(key)) {
      invalid("link " + detail::key_name(k.first).to_string() + " names the unknown entry " + key);
      if (!error_.empty()) return errc::invalid_list_line;
    }
  }
  if (!next_links_.empty()) {
    std::map<std::pair<std::string, match::action>, std::uint32_t> linked;
    const auto rules = staged_.rules();
    for (std::size_t i = 0; i < rules.size(); ++i) {
      const match::rule& r = rules[i];
      const link_key k{detail::name_key(staged_.name_of(r)), r.scope() == match::scope::subdomains_only};
      const auto link = next_links_.find(k);
      if (link == next_links_.end() || !next_entries_.count(link->second)) continue;
      const match::action a = staged_.entry_of(r).action;
      auto [it, fresh] = linked.try_emplace({link->second, a}, 0);
      if (fresh) it->second = staged_.add_entry(entry_for(link->second, a));
      staged_.set_entry_of(i, it->second);
    }
  }
  // Other sources' rules, then the zone's.
  const std::uint16_t source = options_.source;
  match::catalogue cat = serving_->layers().flatten([source](const match::entry& e) { return e.source != source; });
  if (source >= cat.sources().size()) return errc::invalid_argument;
  cat.append(std::move(staged_), source);
  cat.shrink_to_fit();
  entries_ = std::move(next_entries_);
  links_ = std::move(next_links_);
  return std::make_shared<const snapshot_type>(std::move(cat), counters_);
}

DNSFILTER_DECL result<std::shared_ptr<const zone_feed::snapshot_type>> zone_feed::commit_difference() {
  // A record the stream repeats is one record of the zone: if one of its
  // copies matched a rule served, its additions are spurious; if none did,
  // one addition stays. (k copies, j of them additions: k - j matched.)
  std::sort(staged_ids_.begin(), staged_ids_.end());
  if (std::adjacent_find(staged_ids_.begin(), staged_ids_.end()) != staged_ids_.end()) {
    std::map<std::uint64_t, std::size_t> additions;
    for (const auto& [key, changed] : pending_)
      for (const change& c : changed.changes)
        if (c.add) ++additions[c.identity];
    std::map<std::uint64_t, std::size_t> keep;  // additions to keep, per identity
    for (const auto& [identity, j] : additions) {
      const auto range = std::equal_range(staged_ids_.begin(), staged_ids_.end(), identity);
      const auto k = static_cast<std::size_t>(range.second - range.first);
      keep[identity] = k > j ? 0 : 1;  // some copy matched: none; else one
    }
    for (auto& [key, changed] : pending_)
      std::erase_if(changed.changes, [&](const change& c) {
        if (!c.add) return false;
        std::size_t& left = keep[c.identity];
        if (left == 0) return true;
        --left;
        return false;
      });
  }
  staged_ids_ = std::vector<std::uint64_t>();  // its memory too (8 octets per rule)
  // The feed's rules no record matched are gone from the zone.
  const std::uint16_t source = options_.source;
  serving_->layers().for_each_rule(
      [source](const match::entry& e) { return e.source == source; },
      [&](std::uint32_t index, wire::name_view n, const match::rule& r, const match::entry& e) {
        if (index < seen_.size() && seen_[index]) return;
        auto [it, fresh] = pending_.try_emplace(detail::name_key(n));
        if (fresh) it->second.name = wire::name(n);
        if (r.covers_name()) it->second.changes.push_back({false, e.action, false});
        if (r.covers_subdomains()) it->second.changes.push_back({true, e.action, false});
      });
  seen_.clear();
  seen_.shrink_to_fit();
  // Links that changed, and the names linked to entries whose metadata changed.
  for (const auto& [k, key] : next_links_)
    if (auto it = links_.find(k); it == links_.end() || it->second != key) link_changes_[k] = key;
  for (const auto& [k, key] : links_)
    if (!next_links_.count(k)) link_changes_[k] = std::string{};
  for (const auto& [k, key] : next_links_) {
    const auto now = next_entries_.find(key);
    const auto before = entries_.find(key);
    const bool same = now != next_entries_.end() && before != entries_.end() &&
                      detail::same_entry(now->second, before->second);
    if (!same) pending_.try_emplace(k.first).first->second.name = detail::key_name(k.first);
  }
  entries_ = std::move(next_entries_);
  full_ = false;  // from here on, as an IXFR: entries come from entries_
  return commit_incremental();
}

DNSFILTER_DECL result<std::shared_ptr<const zone_feed::snapshot_type>> zone_feed::commit_incremental() {
  const auto& layers = serving_->layers();
  // Names whose links changed are changed names too.
  for (const auto& [k, key] : link_changes_) {
    if (!key.empty() && !entries_.count(key)) {
      invalid("link " + detail::key_name(k.first).to_string() + " names the unknown entry " + key);
      if (!error_.empty()) return errc::invalid_list_line;
    }
    auto [it, fresh] = pending_.try_emplace(k.first);
    if (fresh) it->second.name = detail::key_name(k.first);
  }

  match::catalogue delta;
  for (const match::source_info& s : serving_->source().sources()) delta.add_source(s.name);
  std::vector<wire::name> removed;
  // One entry per distinct content: the delta is small, a linear search is fine.
  auto entry_index = [&delta](const match::entry& e) {
    const auto entries = delta.entries();
    for (std::uint32_t i = 0; i < entries.size(); ++i)
      if (detail::same_entry(entries[i], e)) return i;
    return delta.add_entry(e);
  };
  struct rule_copy {
    match::scope scope;
    match::entry entry;
  };
  std::vector<rule_copy> rules;
  auto rules_now = [&](wire::name_view n) {
    rules.clear();
    layers.for_each_rule_at(n, [&](std::uint32_t r) { rules.push_back({layers.rule_at(r).scope(), layers.entry_of_rule(r)}); });
  };
  auto emit = [&](wire::name_view n) {
    if (rules.empty()) {
      removed.emplace_back(n);
      return;
    }
    for (const rule_copy& c : rules) delta.add_rule(n, entry_index(c.entry), c.scope);
  };

  // The names the serving delta changed and this transfer does not: as they are.
  layers.for_each_changed_name([&](wire::name_view n) {
    if (pending_.count(detail::name_key(n))) return;
    rules_now(n);
    emit(n);
  });

  // The names this transfer changes: their rules of other sources stay; the
  // feed's are its records, edited.
  const std::uint16_t source = options_.source;
  for (auto& [key, changed] : pending_) {
    const wire::name_view n = changed.name.view();
    rules_now(n);
    std::vector<rule_copy> mine;
    std::erase_if(rules, [&](const rule_copy& c) {
      if (c.entry.source != source) return false;
      if (c.scope == match::scope::name_and_subdomains) {
        mine.push_back({match::scope::name_only, c.entry});
        mine.push_back({match::scope::subdomains_only, c.entry});
      } else {
        mine.push_back(c);
      }
      return true;
    });
    for (const change& c : changed.changes) {
      const match::scope s = c.wildcard ? match::scope::subdomains_only : match::scope::name_only;
      if (c.add) {
        mine.push_back({s, match::entry{}});
        mine.back().entry.action = c.action;
        continue;
      }
      // A deletion removes one record with this owner and action; IXFR
      // deletes only what the zone has, so a miss is a stream out of step.
      auto it = std::find_if(mine.begin(), mine.end(),
                             [&](const rule_copy& m) { return m.scope == s && m.entry.action == c.action; });
      if (it == mine.end()) {
        invalid("IXFR deletes " + std::string(c.wildcard ? "*." : "") + changed.name.to_string() + " (" +
                match::to_string(c.action) + "), which the zone does not have");
        if (!error_.empty()) return errc::transfer_mismatch;
        continue;
      }
      mine.erase(it);
    }
    // Each record's entry: its link's, or the default of its action.
    for (rule_copy& m : mine) {
      const std::string* link = link_of({key, m.scope == match::scope::subdomains_only});
      m.entry = entry_for(link ? *link : std::string{}, m.entry.action);
      rules.push_back(m);
    }
    emit(n);
  }
  for (const auto& [k, key] : link_changes_) {
    if (key.empty()) links_.erase(k);
    else links_[k] = key;
  }
  return std::make_shared<const snapshot_type>(*serving_, std::move(delta), removed, counters_);
}

DNSFILTER_DECL std::shared_ptr<const zone_feed::snapshot_type> zone_feed::flatten(const snapshot_type& current) const {
  if (current.layers().delta_names() <= options_.merge_threshold) return nullptr;
  return std::make_shared<const snapshot_type>(current.layers().flatten(), counters_);
}

DNSFILTER_DECL std::string zone_feed::seed(const snapshot_type& current) const {
  std::string out;
  seed(current, [&out](std::string_view part) {
    out.append(part);
    return true;
  });
  return out;
}

DNSFILTER_DECL bool zone_feed::seed(const snapshot_type& current,
                                    const std::function<bool(std::string_view)>& sink) const {
  // The image is built in a buffer that goes to the sink (and into the
  // checksum) whenever it holds a piece: no copy of the whole image.
  constexpr std::size_t piece = std::size_t{1} << 16;
  std::string out;
  out.reserve(piece + 1024);
  XXH64_state_t checksum;
  XXH64_reset(&checksum, 0);
  bool ok = true;
  auto pass_on = [&] {
    XXH64_update(&checksum, out.data(), out.size());
    ok = ok && sink(std::string_view(out));
    out.clear();
  };
  detail::seed_writer w(out);
  out.append(detail::seed_magic);
  w.u32(detail::seed_version);
  w.name(options_.zone);
  w.u32(serial_);
  w.u32(soa_.refresh);
  w.u32(soa_.retry);
  w.u32(soa_.expire);
  w.u32(static_cast<std::uint32_t>(entries_.size()));
  std::map<std::string, std::string> key_of_id;
  for (const auto& [key, e] : entries_) {
    w.text(key);
    w.text(e.id);
    w.text(e.category);
    w.u64(static_cast<std::uint64_t>(e.start));
    w.u64(static_cast<std::uint64_t>(e.end));
    key_of_id.emplace(e.id, key);
    if (out.size() >= piece) pass_on();
  }
  w.u32(static_cast<std::uint32_t>(links_.size()));
  for (const auto& [k, key] : links_) {
    w.name(detail::key_name(k.first));
    w.u8(k.second ? 1 : 0);
    w.text(key);
    if (out.size() >= piece) pass_on();
  }
  // The rules, their count in front: counted first, in a pass of its own.
  const std::uint16_t source = options_.source;
  auto mine = [source](const match::entry& e) { return e.source == source; };
  std::uint32_t count = 0;
  current.layers().for_each_rule(mine, [&](std::uint32_t, wire::name_view, const match::rule&, const match::entry&) {
    ++count;
  });
  w.u32(count);
  std::string key;
  current.layers().for_each_rule(mine, [&](std::uint32_t, wire::name_view n, const match::rule& r,
                                           const match::entry& e) {
    if (!ok) return;
    key.clear();
    if (!e.id.empty()) {
      if (auto it = key_of_id.find(e.id); it != key_of_id.end()) key = it->second;
    }
    w.text(key);
    w.u8(static_cast<std::uint8_t>(e.action));
    w.u8(static_cast<std::uint8_t>(r.scope()));
    w.name(n);
    if (out.size() >= piece) pass_on();
  });
  pass_on();
  if (!ok) return false;
  w.u64(XXH64_digest(&checksum));
  return sink(std::string_view(out));
}

DNSFILTER_DECL result<void> zone_feed::load_seed(std::string_view image, match::catalogue& out, diagnostic* why) {
  auto fail = [&](std::string message) -> result<void> {
    if (why) *why = {0, "seed: " + std::move(message)};
    return errc::invalid_argument;
  };
  if (image.size() < detail::seed_magic.size() + 12 || image.substr(0, detail::seed_magic.size()) != detail::seed_magic)
    return fail("not a dnsfilter seed file");
  const std::string_view body = image.substr(0, image.size() - 8);
  detail::seed_reader tail(image.substr(image.size() - 8));
  if (tail.u64() != XXH64(body.data(), body.size(), 0)) return fail("checksum mismatch (truncated or corrupt)");
  detail::seed_reader in(body.substr(detail::seed_magic.size()));
  if (const std::uint32_t v = in.u32(); v != detail::seed_version)
    return fail("version " + std::to_string(v) + ", this build reads " + std::to_string(detail::seed_version));
  wire::name zone;
  if (!in.name(zone)) return fail("bad zone name");
  if (detail::name_key(zone) != detail::name_key(options_.zone))
    return fail("for zone " + zone.to_string() + ", not " + options_.zone.to_string());
  wire::rdata::soa soa;
  soa.serial = in.u32();
  soa.refresh = in.u32();
  soa.retry = in.u32();
  soa.expire = in.u32();
  std::map<std::string, match::entry> entries;
  for (std::uint32_t i = 0, n = in.u32(); in.ok() && i < n; ++i) {
    const std::string key(in.text());
    match::entry e;
    e.id = in.text();
    e.category = in.text();
    e.start = static_cast<match::timestamp>(in.u64());
    e.end = static_cast<match::timestamp>(in.u64());
    entries.emplace(key, std::move(e));
  }
  std::map<link_key, std::string> links;
  for (std::uint32_t i = 0, n = in.u32(); in.ok() && i < n; ++i) {
    wire::name name;
    if (!in.name(name)) break;
    const bool wildcard = in.u8() != 0;
    links[{detail::name_key(name), wildcard}] = std::string(in.text());
  }
  if (!in.ok()) return fail("malformed header");
  if (options_.source >= out.sources().size()) return fail("the catalogue has no source for the feed");
  // The rules, in two passes over the image: the first checks every rule, so
  // that a bad image leaves `out` as it was; the second adds them straight
  // into `out`, sized exactly (no staged copy appended, no name copied but
  // into the arena), their entries made per (key, action) as the zone's are.
  struct seed_rule {
    std::string_view key;
    std::uint8_t action = 0;
    std::uint8_t scope = 0;
    wire::name_view name;
  };
  auto next_rule = [](detail::seed_reader& r, seed_rule& rule) {
    rule.key = r.text();
    rule.action = r.u8();
    rule.scope = r.u8();
    return r.name(rule.name);
  };
  const std::uint32_t count = in.u32();
  const detail::seed_reader rules_start = in;
  std::size_t name_bytes = 0;
  seed_rule rule;
  for (std::uint32_t i = 0; in.ok() && i < count; ++i) {
    if (!next_rule(in, rule)) break;
    if (rule.action > static_cast<std::uint8_t>(match::action::pass) || rule.scope > 2)
      return fail("bad rule " + std::to_string(i));
    if (!rule.key.empty() && !entries.count(std::string(rule.key)))
      return fail("rule " + std::to_string(i) + " names an unknown entry");
    name_bytes += rule.name.size();
  }
  if (!in.ok() || in.remaining() != 0) return fail("malformed rules");

  constexpr std::uint32_t none = 0xFFFFFFFFu;
  std::array<std::uint32_t, static_cast<std::size_t>(match::action::pass) + 1> plain;  // no key: per action
  plain.fill(none);
  std::map<std::pair<std::string, match::action>, std::uint32_t> made;
  auto entry_index = [&](std::string_view key, match::action a) {
    auto make = [&] {
      match::entry e;
      if (!key.empty()) e = entries.find(std::string(key))->second;
      e.action = a;
      e.source = options_.source;
      return out.add_entry(std::move(e));
    };
    if (key.empty()) {
      std::uint32_t& index = plain[static_cast<std::size_t>(a)];
      if (index == none) index = make();
      return index;
    }
    auto [it, fresh] = made.try_emplace({std::string(key), a}, 0);
    if (fresh) it->second = make();
    return it->second;
  };
  out.reserve(count, name_bytes);
  detail::seed_reader rules = rules_start;
  for (std::uint32_t i = 0; i < count; ++i) {
    next_rule(rules, rule);
    out.add_rule(rule.name, entry_index(rule.key, static_cast<match::action>(rule.action)),
                 static_cast<match::scope>(rule.scope));
  }
  entries_ = std::move(entries);
  links_ = std::move(links);
  has_zone_ = true;
  serial_ = soa.serial;
  soa_ = soa;
  return {};
}

}  // namespace dnsfilter::xfr
