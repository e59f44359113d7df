// Definitions for lists/rpz.hpp.
#pragma once

#include <dnsfilter/lists/catalogue.hpp>
#include <dnsfilter/lists/hosts.hpp>
#include <dnsfilter/lists/rpz.hpp>

#include <dnsfilter/detail/xxhash.hpp>

#include <algorithm>
#include <array>
#include <cstdio>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <unordered_map>
#include <variant>
#include <vector>

namespace dnsfilter::lists {

namespace detail {

// The tokens of one resource record, which parentheses may spread over lines.
struct zone_record {
  static constexpr std::size_t max_tokens = 64;
  std::vector<std::string_view> tokens;
  std::size_t line = 0;       // where it starts
  bool blank_owner = false;   // the first line starts with a blank
  int depth = 0;              // open parentheses
  std::string error;          // set when the record is malformed
};

// Adds the tokens of one physical line to `r` (RFC 1035 section 5.1 syntax:
// ';' comments, parentheses, quoted strings, backslash escapes).
inline void tokenize_zone_line(std::string_view line, zone_record& r) {
  std::size_t i = 0;
  auto push = [&](std::string_view t) {
    if (r.tokens.size() == zone_record::max_tokens) {
      if (r.error.empty()) r.error = "more than " + std::to_string(zone_record::max_tokens) + " fields in one record";
      return;
    }
    r.tokens.push_back(t);
  };
  while (i < line.size()) {
    const char c = line[i];
    if (is_blank(c)) {
      ++i;
    } else if (c == ';') {
      return;
    } else if (c == '(') {
      if (r.depth > 0 && r.error.empty()) r.error = "nested parentheses";
      ++r.depth;
      ++i;
    } else if (c == ')') {
      if (r.depth == 0) {
        if (r.error.empty()) r.error = "')' without '('";
      } else {
        --r.depth;
      }
      ++i;
    } else if (c == '"') {
      std::size_t j = i + 1;
      while (j < line.size() && line[j] != '"') j += line[j] == '\\' ? 2 : 1;
      if (j >= line.size()) {
        if (r.error.empty()) r.error = "unterminated quoted string";
        return;
      }
      push(line.substr(i, j + 1 - i));
      i = j + 1;
    } else {
      std::size_t j = i;
      while (j < line.size() && !is_blank(line[j]) && line[j] != ';' && line[j] != '(' && line[j] != ')' &&
             line[j] != '"')
        j += line[j] == '\\' ? 2 : 1;
      if (j > line.size()) j = line.size();
      push(line.substr(i, j - i));
      i = j;
    }
  }
}

// `relative` (a name, already parsed) followed by `origin`.
inline bool concat_names(wire::name_view relative, wire::name_view origin, wire::name& out) noexcept {
  const std::size_t size = relative.size() - 1 + origin.size();
  if (size > wire::max_name_length) return false;
  std::array<std::byte, wire::max_name_length> buf;
  std::memcpy(buf.data(), relative.data(), relative.size() - 1);
  std::memcpy(buf.data() + relative.size() - 1, origin.data(), origin.size());
  auto n = wire::name::from_wire(std::span<const std::byte>(buf.data(), size));
  if (!n) return false;
  out = *n;
  return true;
}

// The `keep` leftmost labels of `n`, as a name of their own.
inline wire::name leading_labels(wire::name_view n, std::size_t keep) noexcept {
  std::array<std::byte, wire::max_name_length> buf;
  const std::size_t size = n.size() - n.parent(keep).size();
  std::memcpy(buf.data(), n.data(), size);
  buf[size] = std::byte{0};
  return *wire::name::from_wire(std::span<const std::byte>(buf.data(), size + 1));
}

inline bool label_is(std::span<const std::byte> label, std::string_view text) noexcept {
  if (label.size() != text.size()) return false;
  for (std::size_t i = 0; i < text.size(); ++i)
    if (dnsfilter::detail::ascii_lower(static_cast<std::uint8_t>(label[i])) != static_cast<std::uint8_t>(text[i]))
      return false;
  return true;
}

// The label `i` (0 = leftmost) of `n`.
inline std::span<const std::byte> label_at(wire::name_view n, std::size_t i) noexcept {
  for (auto label : n.parent(i)) return label;
  return {};
}

inline bool is_single_label(wire::name_view n, std::string_view text) noexcept {
  return n.label_count() == 1 && label_is(label_at(n, 0), text);
}

inline std::string lowered_text(std::span<const std::byte> bytes) {
  std::string s(bytes.size(), '\0');
  for (std::size_t i = 0; i < bytes.size(); ++i) s[i] = static_cast<char>(dnsfilter::detail::ascii_lower(static_cast<std::uint8_t>(bytes[i])));
  return s;
}

// A map key for a name: its lower-cased wire form.
inline std::string name_key(wire::name_view n) { return lowered_text(n.wire()); }

// Why an id or category cannot be kept (a control character, or not UTF-8), or null.
inline const char* text_defect(std::string_view v) noexcept {
  for (std::size_t i = 0; i < v.size();) {
    const auto c = static_cast<unsigned char>(v[i]);
    if (c < 0x20 || c == 0x7F) return "a control character";
    char32_t cp;
    if (!dnsfilter::detail::decode_utf8(v, i, cp)) return "invalid UTF-8";
  }
  return nullptr;
}

// The strings of an entry record into `meta`: "name=value", unknown names ignored.
inline bool read_entry_texts(std::span<const std::string_view> texts, const stats::zone& time_zone, match::entry& meta,
                             std::string& why) {
  static constexpr std::string_view fields[] = {"id", "category", "start", "end"};
  bool seen[4] = {};
  for (const std::string_view t : texts) {
    const std::size_t eq = t.find('=');
    if (eq == std::string_view::npos || eq == 0) {
      why = "string " + quote(t) + " is not name=value";
      return false;
    }
    const std::string_view field = t.substr(0, eq), value = t.substr(eq + 1);
    std::size_t k = 0;
    while (k < 4 && !iequals(field, fields[k])) ++k;
    if (k == 4) continue;  // a later version's field
    const std::string name(fields[k]);
    if (seen[k]) {
      why = "'" + name + "' given twice";
      return false;
    }
    seen[k] = true;
    if (k < 2) {
      if (const char* defect = text_defect(value)) {
        why = name + " holds " + defect;
        return false;
      }
      (k == 0 ? meta.id : meta.category).assign(value);
    } else if (!value.empty()) {  // empty: an open bound
      auto time = parse_utc_time(value);
      if (!time) {
        why = name + " " + quote(value) + " is not YYYY-MM-DD or YYYY-MM-DDTHH:MM:SSZ";
        return false;
      }
      // A date alone begins at local midnight; a time with its 'Z' is UTC.
      (k == 2 ? meta.start : meta.end) = value.size() == 10 ? time_zone.to_utc(*time) : *time;
    }
  }
  if (meta.start != match::since_always && meta.end != match::until_forever && meta.end <= meta.start) {
    why = "end " + format_utc_time(meta.end) + " is not after start " + format_utc_time(meta.start);
    return false;
  }
  return true;
}

// The metadata records under _dnsfilter. `rest` is the owner without "*."
// and `labels` its labels above the apex (_dnsfilter included).
inline result<rpz_item> interpret_metadata(wire::name_view rest, std::size_t labels, bool wildcard,
                                           wire::name_view apex, wire::rr_type type, const rpz_rdata& rdata,
                                           std::string& why, const stats::zone& time_zone) {
  rpz_item item;
  if (labels == 1 || type != wire::rr_type::txt) return item;  // other data under _dnsfilter
  const std::size_t inner = labels - 2;  // labels before "entry" or "link"
  const auto sub = label_at(rest, inner);
  if (label_is(sub, "entry")) {
    if (wildcard || inner != 1) {
      why = "an entry's owner is KEY.entry._dnsfilter." + apex.to_string() + " (one label of key)";
      return errc::invalid_list_line;
    }
    item.name = leading_labels(rest, 1);
    item.key = lowered_text(label_at(rest, 0));
    std::string reason;
    if (!read_entry_texts(rdata.texts, time_zone, item.meta, reason)) {
      why = "entry " + quote(item.key) + ": " + reason;
      return errc::invalid_list_line;
    }
    item.what = rpz_item::kind::entry;
  } else if (label_is(sub, "link")) {
    if (inner == 0) {
      why = wildcard ? "a wildcard at the zone apex would cover every name" : "a link without a trigger";
      return errc::invalid_list_line;
    }
    if (rdata.texts.size() != 1 || rdata.texts[0].empty() || rdata.texts[0].size() > wire::max_label_length) {
      why = "a link holds one string, an entry key of 1 to 63 octets";
      return errc::invalid_list_line;
    }
    item.name = leading_labels(rest, inner);
    item.wildcard = wildcard;
    item.key = lowered_text(std::as_bytes(std::span(rdata.texts[0].data(), rdata.texts[0].size())));
    item.what = rpz_item::kind::link;
  }
  return item;  // another name under _dnsfilter: a later version's
}

// One <character-string> of a zone file (RFC 1035 section 5.1), quoted or
// not, with \X and \DDD escapes, into `out`.
inline bool unescape_string(std::string_view token, std::string& out, std::string& error) {
  out.clear();
  if (token.size() >= 2 && token.front() == '"' && token.back() == '"') token = token.substr(1, token.size() - 2);
  for (std::size_t i = 0; i < token.size(); ++i) {
    if (token[i] != '\\') {
      out += token[i];
      continue;
    }
    if (i + 1 == token.size()) {
      error = "a lone '\\' ends " + quote(token);
      return false;
    }
    if (token[i + 1] >= '0' && token[i + 1] <= '9') {
      unsigned v = 0;
      for (std::size_t k = 1; k <= 3; ++k) {
        if (i + k >= token.size() || token[i + k] < '0' || token[i + k] > '9') {
          error = "bad \\DDD escape in " + quote(token);
          return false;
        }
        v = v * 10 + static_cast<unsigned>(token[i + k] - '0');
      }
      if (v > 255) {
        error = "bad \\DDD escape in " + quote(token);
        return false;
      }
      out += static_cast<char>(v);
      i += 3;
    } else {
      out += token[++i];
    }
  }
  if (out.size() > 255) {
    error = "a character-string longer than 255 octets";
    return false;
  }
  return true;
}

inline wire::rr_type type_from_text(std::string_view t) noexcept {
  if (iequals(t, "A")) return wire::rr_type::a;
  if (iequals(t, "AAAA")) return wire::rr_type::aaaa;
  if (iequals(t, "CNAME")) return wire::rr_type::cname;
  if (iequals(t, "TXT")) return wire::rr_type::txt;
  if (iequals(t, "SOA")) return wire::rr_type::soa;
  if (iequals(t, "NS")) return wire::rr_type::ns;
  return static_cast<wire::rr_type>(0);  // any other: local data a filter skips
}

// The records of a zone, interpreted (interpret_rpz), made into entries and
// rules: links resolved against entries wherever they stand in the zone,
// "name" and "*.name" merged when they agree (see rpz.hpp). `line` is the
// position reported with a diagnostic.
class rpz_zone {
 public:
  explicit rpz_zone(list_loader& loader) : loader_(loader) {}

  void add(const rpz_item& item, std::size_t line) {
    switch (item.what) {
      case rpz_item::kind::skipped: return loader_.skipped();
      case rpz_item::kind::trigger: return add_trigger(item, line);
      case rpz_item::kind::entry: return add_entry(item, line);
      case rpz_item::kind::link: return add_link(item, line);
    }
  }

  // Resolves the links and emits the rules.
  void emit() {
    if (loader_.failed()) return;
    for (link_def& l : links_) {
      auto it = entry_index_.find(l.key);
      if (it == entry_index_.end()) {
        loader_.invalid(l.line, "link for " + std::string(l.wildcard ? "*." : "") + l.trigger.to_string() +
                                    " names the unknown entry key " + quote(l.key));
      } else {
        l.entry = it->second;
        loader_.loaded();
      }
    }
    for (const trigger& t : triggers_) {
      const wire::name_view n = t.name.view();
      const std::size_t exact_entry = linked_entry(t.name, false), wild_entry = linked_entry(t.name, true);
      if (t.exact && t.wildcard && *t.exact == *t.wildcard && exact_entry == wild_entry) {
        add_rule(n, *t.exact, exact_entry, match::scope::name_and_subdomains);
        continue;
      }
      if (t.exact) add_rule(n, *t.exact, exact_entry, match::scope::name_only);
      if (t.wildcard) add_rule(n, *t.wildcard, wild_entry, match::scope::subdomains_only);
    }
  }

 private:
  static constexpr std::size_t none = static_cast<std::size_t>(-1);
  static constexpr std::uint32_t no_staged = 0xFFFFFFFFu;
  struct trigger {
    wire::name name;
    std::optional<match::action> exact, wildcard;
    std::size_t exact_line = 0, wildcard_line = 0;
  };
  struct entry_def {
    match::entry meta;
    std::size_t line = 0;
    std::array<std::uint32_t, match::action_count> staged = match::per_action(no_staged);
  };
  struct link_def {
    wire::name trigger;
    bool wildcard = false;
    std::string key;
    std::size_t line = 0;
    std::size_t entry = none;  // resolved by emit()
  };

  static std::string side_key(wire::name_view n, bool wildcard) { return name_key(n) + (wildcard ? '*' : '='); }

  void add_trigger(const rpz_item& item, std::size_t line) {
    auto [it, fresh] = trigger_index_.try_emplace(name_key(item.name), triggers_.size());
    if (fresh) triggers_.push_back({item.name, {}, {}, 0, 0});
    trigger& t = triggers_[it->second];
    auto& slot = item.wildcard ? t.wildcard : t.exact;
    auto& first = item.wildcard ? t.wildcard_line : t.exact_line;
    if (slot && *slot != item.action) {
      return loader_.invalid(line, std::string("conflicting policy for ") + (item.wildcard ? "*." : "") +
                                       item.name.to_string() + ": " + match::to_string(item.action) + " here, " +
                                       match::to_string(*slot) + " on line " + std::to_string(first));
    }
    if (!slot) {
      slot = item.action;
      first = line;
    }
    loader_.loaded();
  }

  void add_entry(const rpz_item& item, std::size_t line) {
    auto [it, fresh] = entry_index_.try_emplace(item.key, entries_.size());
    if (!fresh) {
      return loader_.invalid(line, "entry key " + quote(item.key) + " defined twice (first on line " +
                                       std::to_string(entries_[it->second].line) + ")");
    }
    entries_.push_back({item.meta, line, {}});
    entries_.back().staged.fill(no_staged);
    loader_.loaded();
  }

  // Counted when emit() resolves it, unless it repeats or contradicts one.
  void add_link(const rpz_item& item, std::size_t line) {
    auto [it, fresh] = link_index_.try_emplace(side_key(item.name, item.wildcard), links_.size());
    if (fresh) {
      links_.push_back({item.name, item.wildcard, item.key, line, none});
      return;
    }
    const link_def& first = links_[it->second];
    if (first.key == item.key) return loader_.loaded();
    loader_.invalid(line, "conflicting links for " + std::string(item.wildcard ? "*." : "") + item.name.to_string() +
                              ": " + quote(item.key) + " here, " + quote(first.key) + " on line " +
                              std::to_string(first.line));
  }

  std::size_t linked_entry(wire::name_view n, bool wildcard) const {
    if (links_.empty()) return none;
    auto it = link_index_.find(side_key(n, wildcard));
    return it == link_index_.end() ? none : links_[it->second].entry;
  }

  void add_rule(wire::name_view n, match::action a, std::size_t entry, match::scope s) {
    if (entry == none) {
      loader_.add_rule(n, a, s);
      return;
    }
    auto& staged = entries_[entry].staged[static_cast<std::size_t>(a)];
    if (staged == no_staged) {
      match::entry e = entries_[entry].meta;
      e.action = a;
      staged = loader_.add_entry(std::move(e));
    }
    loader_.add_rule_to(n, staged, s);
  }

  list_loader& loader_;
  std::vector<trigger> triggers_;
  std::unordered_map<std::string, std::size_t> trigger_index_;  // name_key → triggers_
  std::vector<entry_def> entries_;
  std::unordered_map<std::string, std::size_t> entry_index_;  // key → entries_
  std::vector<link_def> links_;
  std::unordered_map<std::string, std::size_t> link_index_;  // side_key → links_
};

// A zone file's records (tokens) into rpz_zone, through interpret_rpz.
class rpz_reader {
 public:
  explicit rpz_reader(list_loader& loader) : loader_(loader), zone_(loader) {}

  void record(const zone_record& r) {
    line_ = r.line;
    if (!r.error.empty()) return loader_.invalid(line_, r.error);
    if (r.tokens.empty()) return loader_.ignored_line();
    std::span<const std::string_view> t = r.tokens;
    if (t[0].front() == '$') return directive(t);

    // The owner.
    bool wildcard = false;
    if (r.blank_owner) {
      if (!have_owner_) return loader_.invalid(line_, "record without an owner name");
      wildcard = owner_wildcard_;
    } else {
      if (!read_owner(t[0], wildcard)) return;
      t = t.subspan(1);
    }
    // [TTL] [class] or [class] [TTL], then the type.
    for (int k = 0; k < 2 && !t.empty(); ++k) {
      if (t[0].front() >= '0' && t[0].front() <= '9') {
        t = t.subspan(1);
      } else if (iequals(t[0], "IN")) {
        t = t.subspan(1);
      } else if (iequals(t[0], "CH") || iequals(t[0], "HS") || iequals(t[0], "CS") || iequals(t[0], "ANY")) {
        return loader_.invalid(line_, "class " + quote(t[0]) + " is not IN");
      }
    }
    if (t.empty()) return loader_.invalid(line_, "record without a type");
    const wire::rr_type type = type_from_text(t[0]);
    const std::span<const std::string_view> rdata = t.subspan(1);
    if (type == wire::rr_type::soa && !have_apex_) {
      apex_ = owner_;
      have_apex_ = true;
    }

    rpz_rdata parts;
    if (type == wire::rr_type::cname) {
      if (rdata.size() != 1) return loader_.invalid(line_, "CNAME needs exactly one target");
      if (!read_target(rdata[0])) return;
      parts.cname_target = &target_;
    } else if (type == wire::rr_type::a || type == wire::rr_type::aaaa) {
      std::array<std::uint8_t, 16> ip;
      parts.well_formed_address = rdata.size() == 1 && parse_ip(rdata[0], ip) &&
                                  (rdata[0].find(':') != std::string_view::npos) == (type == wire::rr_type::aaaa);
    } else if (type == wire::rr_type::txt) {
      strings_.resize(rdata.size());
      views_.clear();
      std::string error;
      for (std::size_t i = 0; i < rdata.size(); ++i) {
        if (!unescape_string(rdata[i], strings_[i], error)) return loader_.invalid(line_, std::move(error));
        views_.push_back(strings_[i]);
      }
      parts.texts = views_;
    }
    wire::name owner = owner_;
    if (wildcard && !concat_names(star_label(), owner_, owner)) {
      return loader_.invalid(line_, "*." + owner_.to_string() + " exceeds 255 octets");
    }
    std::string why;
    const auto item =
        interpret_rpz(owner, have_apex_ ? apex_.view() : origin_.view(), type, parts, why, loader_.options().time_zone);
    if (!item) return loader_.invalid(line_, std::move(why));
    zone_.add(*item, line_);
  }

  void emit() { zone_.emit(); }

 private:
  static wire::name_view star_label() noexcept {
    static constexpr std::byte wire_form[] = {std::byte{1}, std::byte{'*'}, std::byte{0}};
    return wire::name_view::from_trusted(wire_form, sizeof wire_form, 1);
  }

  bool read_name(std::string_view token, wire::name& out) {
    if (token == "@") {
      out = origin_;
      return true;
    }
    std::string message;
    wire::name parsed;
    if (!parse_list_name(token, parsed, message)) {
      loader_.invalid(line_, std::move(message));
      return false;
    }
    return absolute(token, parsed, out);
  }

  bool absolute(std::string_view token, wire::name_view parsed, wire::name& out) {
    if (token.back() == '.') {
      out = parsed;
      return true;
    }
    if (!concat_names(parsed, origin_, out)) {
      loader_.invalid(line_, "name " + quote(token) + " with origin " + origin_.to_string() + " exceeds 255 octets");
      return false;
    }
    return true;
  }

  // A CNAME target: any name in presentation form (escapes, "*"), relative to $ORIGIN.
  bool read_target(std::string_view token) {
    if (token == "@") {
      target_ = origin_;
      return true;
    }
    auto parsed = wire::name::from_text(token);
    if (!parsed) {
      loader_.invalid(line_, "invalid CNAME target " + quote(token) + ": " + dnsfilter::to_string(parsed.error()));
      return false;
    }
    return absolute(token, *parsed, target_);
  }

  bool read_owner(std::string_view token, bool& wildcard) {
    wildcard = false;
    if (token == "*") return invalid_owner("a wildcard at the zone apex would cover every name");
    if (token.substr(0, 2) == "*.") {
      wildcard = true;
      token.remove_prefix(2);
    }
    have_owner_ = false;
    if (!read_name(token, owner_)) return false;
    owner_wildcard_ = wildcard;
    have_owner_ = true;
    return true;
  }

  bool invalid_owner(const char* message) {
    have_owner_ = false;
    loader_.invalid(line_, message);
    return false;
  }

  void directive(std::span<const std::string_view> t) {
    if (iequals(t[0], "$ORIGIN")) {
      wire::name origin;
      if (t.size() != 2) return loader_.invalid(line_, "$ORIGIN needs exactly one name");
      if (t[1] != "." && !read_name(t[1], origin)) return;
      origin_ = origin;
      return loader_.ignored_line();
    }
    if (iequals(t[0], "$TTL")) {
      if (t.size() != 2 || t[1].front() < '0' || t[1].front() > '9') {
        return loader_.invalid(line_, "$TTL needs one number");
      }
      return loader_.ignored_line();
    }
    loader_.invalid(line_, "unsupported directive " + quote(t[0]) +
                               (iequals(t[0], "$INCLUDE") ? " (load the included file on its own)" : ""));
  }

  list_loader& loader_;
  rpz_zone zone_;
  std::size_t line_ = 0;
  wire::name origin_;  // the root until $ORIGIN
  wire::name apex_;
  bool have_apex_ = false;
  wire::name owner_;
  bool have_owner_ = false;
  bool owner_wildcard_ = false;
  wire::name target_;
  std::vector<std::string> strings_;
  std::vector<std::string_view> views_;
};

}  // namespace detail

DNSFILTER_DECL result<rpz_item> interpret_rpz(wire::name_view owner, wire::name_view apex, wire::rr_type type,
                                              const rpz_rdata& rdata, std::string& why, const stats::zone& time_zone) {
  using detail::label_at;
  using detail::label_is;
  rpz_item item;
  if (type == wire::rr_type::soa || type == wire::rr_type::ns) return item;
  if (!owner.is_subdomain_of(apex)) {
    why = "owner " + owner.to_string() + " is outside the zone " + apex.to_string();
    return errc::invalid_list_line;
  }
  const std::size_t below = owner.label_count() - apex.label_count();
  if (below == 0) return item;  // apex data (TXT and the like)
  const bool wildcard = label_is(label_at(owner, 0), "*");
  if (wildcard && below == 1) {
    why = "a wildcard at the zone apex would cover every name";
    return errc::invalid_list_line;
  }
  // The label just above the apex names the trigger kind.
  const auto kind = label_at(owner, below - 1);
  if (label_is(kind, "rpz-ip") || label_is(kind, "rpz-nsdname") || label_is(kind, "rpz-nsip") ||
      label_is(kind, "rpz-client-ip")) {
    return item;
  }
  const wire::name_view rest = owner.parent(wildcard ? 1 : 0);
  const std::size_t labels = below - (wildcard ? 1 : 0);
  if (label_is(kind, "_dnsfilter"))
    return detail::interpret_metadata(rest, labels, wildcard, apex, type, rdata, why, time_zone);

  if (type == wire::rr_type::cname) {
    if (rdata.cname_target == nullptr) {
      why = "CNAME without a target";
      return errc::invalid_list_line;
    }
    const wire::name_view target = *rdata.cname_target;
    if (target.is_root()) item.action = match::action::nxdomain;
    else if (detail::is_single_label(target, "*")) item.action = match::action::nodata;
    else if (detail::is_single_label(target, "rpz-passthru")) item.action = match::action::pass;
    else if (detail::is_single_label(target, "rpz-drop")) item.action = match::action::drop;
    else if (detail::is_single_label(target, "rpz-tcp-only")) return item;
    else item.action = match::action::sinkhole;  // a walled-garden redirect
  } else if (type == wire::rr_type::a || type == wire::rr_type::aaaa) {
    if (!rdata.well_formed_address) {
      why = type == wire::rr_type::a ? "A record needs one IPv4 address" : "AAAA record needs one IPv6 address";
      return errc::invalid_list_line;
    }
    item.action = match::action::sinkhole;
  } else {
    return item;  // other local data
  }
  item.what = rpz_item::kind::trigger;
  item.name = detail::leading_labels(rest, labels);
  item.wildcard = wildcard;
  return item;
}

DNSFILTER_DECL result<rpz_item> interpret_rpz(const wire::message_view& message, const wire::record_view& rr,
                                              wire::name_view apex, rpz_scratch& scratch, std::string& why,
                                              const stats::zone& time_zone) {
  const wire::name owner = message.read_name_at(rr.owner_offset);
  rpz_rdata parts;
  if (rr.type == wire::rr_type::a || rr.type == wire::rr_type::aaaa) {
    parts.well_formed_address = rr.rdata_length == (rr.type == wire::rr_type::a ? 4u : 16u);
  } else if (rr.type == wire::rr_type::cname || rr.type == wire::rr_type::txt) {
    const auto value = message.rdata(rr);
    if (!value) {
      why = std::string("malformed RDATA: ") + dnsfilter::to_string(value.error());
      return errc::invalid_list_line;
    }
    if (const auto* c = std::get_if<wire::rdata::cname>(&*value)) {
      scratch.target = c->target;
      parts.cname_target = &scratch.target;
    } else if (const auto* t = std::get_if<wire::rdata::txt>(&*value)) {
      std::size_t n = 0;
      for (auto str : *t) {
        if (scratch.strings.size() == n) scratch.strings.emplace_back();
        scratch.strings[n++].assign(reinterpret_cast<const char*>(str.data()), str.size());
      }
      scratch.views.assign(scratch.strings.begin(), scratch.strings.begin() + static_cast<std::ptrdiff_t>(n));
      parts.texts = scratch.views;
    }
  }
  return interpret_rpz(owner, apex, rr.type, parts, why, time_zone);
}

DNSFILTER_DECL result<load_report> load_rpz(std::string_view text, match::catalogue& out,
                                            const load_options& given, diagnostic* failure) {
  // The records are read again at the end (links between entries come in
  // any order): the text must stay whole.
  load_options options = given;
  options.release_read_text = false;
  detail::list_loader loader(options);
  detail::line_reader reader(text);
  detail::rpz_reader rpz(loader);
  detail::zone_record record;
  std::string_view line;
  bool defective = false;
  while (loader.next_line(reader, line, defective)) {
    if (record.depth == 0) {
      record.tokens.clear();
      record.error.clear();
      record.line = reader.number();
      record.blank_owner = !line.empty() && detail::is_blank(line.front());
    }
    if (defective) {
      // Counted invalid already; an unfinished record goes with it.
      record.depth = 0;
      continue;
    }
    detail::tokenize_zone_line(line, record);
    if (record.depth == 0) rpz.record(record);
  }
  if (record.depth > 0 && !loader.failed()) loader.invalid(record.line, "'(' never closed");
  rpz.emit();
  return loader.finish(out, failure);
}

namespace detail {

// A <character-string> in presentation form: quoted, '"' and '\' escaped,
// every byte outside printable ASCII as \DDD.
inline void append_character_string(std::string& out, std::string_view s) {
  out += '"';
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    if (c == '"' || c == '\\') {
      out += '\\';
      out += ch;
    } else if (c < 0x20 || c >= 0x7F) {
      char buf[8];
      std::snprintf(buf, sizeof buf, "\\%03u", static_cast<unsigned>(c));
      out += buf;
    } else {
      out += ch;
    }
  }
  out += '"';
}

// `field=value`, cut to a character-string's 255 octets at a UTF-8 boundary;
// false when it had to be cut.
inline bool field_string(std::string_view field, std::string_view value, std::string& out) {
  out.assign(field);
  out += '=';
  bool whole = true;
  if (out.size() + value.size() > 255) {
    std::size_t keep = 255 - out.size();
    while (keep > 0 && (static_cast<unsigned char>(value[keep]) & 0xC0) == 0x80) --keep;
    value = value.substr(0, keep);
    whole = false;
  }
  out += value;
  return whole;
}

// A name relative to the apex it was taken from, in presentation form.
inline std::string relative_text(wire::name_view n) {
  std::string t = n.to_string();
  t.pop_back();  // the final dot
  return t;
}

inline bool is_key_label(std::string_view key) noexcept {
  if (key.empty() || key.size() > wire::max_label_length) return false;
  for (const char c : key)
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' || c == '_')) return false;
  return true;
}

inline std::string entry_label(const match::entry& e) {
  return e.id.empty() ? std::string("(no id)") : quote(e.id);
}

}  // namespace detail

DNSFILTER_DECL result<rpz_write_report> write_rpz(const match::catalogue& cat, const rpz_write_options& options,
                                                  std::string& out) {
  std::array<std::uint8_t, 16> ip;
  if (!detail::parse_ip(options.sinkhole_ipv4, ip) || options.sinkhole_ipv4.find(':') != std::string::npos)
    return errc::invalid_argument;
  if (!options.sinkhole_ipv6.empty() &&
      (!detail::parse_ip(options.sinkhole_ipv6, ip) || options.sinkhole_ipv6.find(':') == std::string::npos))
    return errc::invalid_argument;
  rpz_write_report report;
  const auto entries = cat.entries();
  const wire::name_view apex = options.origin;
  constexpr std::size_t link_octets = 16;  // "\4link\12_dnsfilter"

  // Every (name, side) a rule claims; the exception, else the first entry,
  // keeps it, as the matcher's precedence would at a time both are active.
  struct claim {
    wire::name name;
    bool wildcard;
    std::uint32_t entry;
  };
  std::vector<claim> claims;
  claims.reserve(cat.rules().size() * 2);
  for (const match::rule& r : cat.rules()) {
    const match::entry& e = cat.entry_of(r);
    if (e.action == match::action::refused) {
      report.notes.push_back(cat.name_of(r).to_string() + ": entry " + detail::entry_label(e) +
                             " answers REFUSED, which a response policy zone cannot say; left out");
      continue;
    }
    if (e.action == match::action::monitor) {
      report.notes.push_back(cat.name_of(r).to_string() + ": entry " + detail::entry_label(e) +
                             " is monitored, which a response policy zone cannot say; left out");
      continue;
    }
    if (r.covers_name()) claims.push_back({cat.name_of(r), false, r.entry()});
    if (r.covers_subdomains()) claims.push_back({cat.name_of(r), true, r.entry()});
  }
  std::sort(claims.begin(), claims.end(), [&](const claim& a, const claim& b) {
    if (const int c = a.name.view().compare(b.name.view()); c != 0) return c < 0;
    if (a.wildcard != b.wildcard) return !a.wildcard;
    const bool pa = entries[a.entry].is_exception(), pb = entries[b.entry].is_exception();
    if (pa != pb) return pa;
    return a.entry < b.entry;
  });
  std::vector<claim> kept;
  kept.reserve(claims.size());
  for (const claim& c : claims) {
    const std::string side = (c.wildcard ? "*." : "") + c.name.to_string();
    if (!kept.empty() && kept.back().wildcard == c.wildcard && kept.back().name.view().equals(c.name.view())) {
      const match::entry &first = entries[kept.back().entry], &other = entries[c.entry];
      if (c.entry != kept.back().entry)
        report.notes.push_back(side + ": also in entry " + detail::entry_label(other) + " (" +
                               match::to_string(other.action) + "); the zone keeps entry " +
                               detail::entry_label(first) + " (" + match::to_string(first.action) + ")");
      continue;
    }
    if (c.name.size() - 1 + apex.size() + (c.wildcard ? 2 : 0) > wire::max_name_length) {
      report.notes.push_back(side + ": too long under " + apex.to_string() + "; left out");
      continue;
    }
    kept.push_back(c);
  }

  // Keys for the entries that carry metadata, one per (id, category, start,
  // end): the id lower-cased when it is a label, else a hash of the four.
  using meta_key = std::tuple<std::string, std::string, match::timestamp, match::timestamp>;
  auto meta_of = [](const match::entry& e) { return meta_key{e.id, e.category, e.start, e.end}; };
  auto has_meta = [](const match::entry& e) {
    return !e.id.empty() || !e.category.empty() || e.start != match::since_always || e.end != match::until_forever;
  };
  std::map<meta_key, std::string> keys;
  for (const claim& c : kept)
    if (has_meta(entries[c.entry])) keys.try_emplace(meta_of(entries[c.entry]));
  {
    std::unordered_map<std::string, bool> taken;
    for (auto& [meta, key] : keys) {
      const auto& [id, category, start, end] = meta;
      std::string candidate = detail::lowered_text(std::as_bytes(std::span(id.data(), id.size())));
      if (!detail::is_key_label(candidate) || taken.count(candidate) != 0) {
        std::string all = id + '\0' + category + '\0' + std::to_string(start) + '\0' + std::to_string(end);
        char buf[24];
        std::snprintf(buf, sizeof buf, "k%016llx",
                      static_cast<unsigned long long>(XXH3_64bits(all.data(), all.size())));
        candidate = buf;
        const std::string base = candidate;
        for (int n = 2; taken.count(candidate) != 0; ++n) candidate = base + "-" + std::to_string(n);
      }
      taken[candidate] = true;
      key = std::move(candidate);
    }
  }

  // The zone.
  out.clear();
  const std::string ttl = std::to_string(options.ttl);
  out += "; A response policy zone with dnsfilter entry metadata (docs/rpz.md), written by dnsfilter.\n";
  out += "$ORIGIN " + apex.to_string() + "\n$TTL " + ttl + "\n";
  out += "@ SOA " + options.ns.to_string() + " hostmaster ( " + std::to_string(options.serial) + " 3600 600 86400 " +
         ttl + " )\n";
  out += "@ NS " + options.ns.to_string() + "\n";

  std::map<std::string, const meta_key*> used;  // key → metadata, of the entries linked to
  std::string links, triggers;
  for (const claim& c : kept) {
    const match::entry& e = entries[c.entry];
    const std::string owner = (c.wildcard ? "*." : "") + detail::relative_text(c.name);
    if (has_meta(e)) {
      auto k = keys.find(meta_of(e));
      if (c.name.size() - 1 + apex.size() + link_octets + (c.wildcard ? 2 : 0) > wire::max_name_length) {
        report.notes.push_back(owner + ": too long for a link under " + apex.to_string() +
                               "; written without its entry " + detail::entry_label(e));
      } else {
        used.emplace(k->second, &k->first);
        links += owner + ".link._dnsfilter TXT ";
        detail::append_character_string(links, k->second);
        links += '\n';
        ++report.links;
      }
    }
    switch (e.action) {
      case match::action::nxdomain: triggers += owner + " CNAME .\n"; break;
      case match::action::nodata: triggers += owner + " CNAME *.\n"; break;
      case match::action::drop: triggers += owner + " CNAME rpz-drop.\n"; break;
      case match::action::pass: triggers += owner + " CNAME rpz-passthru.\n"; break;
      case match::action::refused:
      case match::action::monitor: break;  // left out above
      case match::action::sinkhole:
        triggers += owner + " A " + options.sinkhole_ipv4 + "\n";
        if (!options.sinkhole_ipv6.empty()) triggers += owner + " AAAA " + options.sinkhole_ipv6 + "\n";
        break;
    }
    ++report.triggers;
  }
  std::string text;
  for (const auto& [key, meta] : used) {
    // Named references, not a structured binding: the lambda below uses them.
    const std::string& id = std::get<0>(*meta);
    const std::string& category = std::get<1>(*meta);
    const match::timestamp start = std::get<2>(*meta), end = std::get<3>(*meta);
    out += key + ".entry._dnsfilter TXT";
    auto put = [&](std::string_view field, std::string_view value) {
      if (!detail::field_string(field, value, text))
        report.notes.push_back("entry " + detail::quote(id) + ": " + std::string(field) +
                               " cut to fit a 255-octet string");
      out += ' ';
      detail::append_character_string(out, text);
    };
    if (!id.empty()) put("id", id);
    if (!category.empty()) put("category", category);
    if (start != match::since_always) put("start", format_utc_time(start));
    if (end != match::until_forever) put("end", format_utc_time(end));
    out += '\n';
    ++report.entries;
  }
  out += links;
  out += triggers;
  return report;
}

}  // namespace dnsfilter::lists
