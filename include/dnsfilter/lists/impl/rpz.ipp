// Definitions for lists/rpz.hpp.
#pragma once

#include <dnsfilter/lists/hosts.hpp>
#include <dnsfilter/lists/rpz.hpp>

#include <optional>
#include <string>
#include <unordered_map>
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

class rpz_reader {
 public:
  explicit rpz_reader(list_loader& loader) : loader_(loader) {}

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
    const std::string_view type = t[0];
    const std::span<const std::string_view> rdata = t.subspan(1);

    if (iequals(type, "SOA")) {
      if (!have_apex_) {
        apex_ = owner_;
        have_apex_ = true;
      }
      return loader_.skipped();
    }
    if (iequals(type, "NS")) return loader_.skipped();

    const wire::name_view apex = have_apex_ ? apex_.view() : origin_.view();
    if (!owner_.view().is_subdomain_of(apex)) {
      return loader_.invalid(line_, "owner " + owner_.to_string() + " is outside the zone " + apex.to_string());
    }
    const std::size_t trigger_labels = owner_.label_count() - apex.label_count();
    if (trigger_labels == 0) {
      if (wildcard) return loader_.invalid(line_, "a wildcard at the zone apex would cover every name");
      return loader_.skipped();  // apex data (TXT and the like)
    }
    // The label just above the apex names the trigger kind.
    std::span<const std::byte> kind;
    for (auto label : owner_.view().parent(trigger_labels - 1)) {
      kind = label;
      break;
    }
    if (label_is(kind, "rpz-ip") || label_is(kind, "rpz-nsdname") || label_is(kind, "rpz-nsip") ||
        label_is(kind, "rpz-client-ip")) {
      return loader_.skipped();
    }

    std::optional<match::action> a;
    if (iequals(type, "CNAME")) {
      if (rdata.size() != 1) return loader_.invalid(line_, "CNAME needs exactly one target");
      const std::string_view target = rdata[0];
      if (target == ".") a = match::action::nxdomain;
      else if (target == "*.") a = match::action::nodata;
      else if (iequals(target, "rpz-passthru.")) a = match::action::pass;
      else if (iequals(target, "rpz-drop.")) a = match::action::drop;
      else if (iequals(target, "rpz-tcp-only.")) return loader_.skipped();
      else a = match::action::sinkhole;  // a walled-garden redirect
    } else if (iequals(type, "A") || iequals(type, "AAAA")) {
      std::array<std::uint8_t, 16> ip;
      const bool v6 = type.size() == 4;
      if (rdata.size() != 1 || !parse_ip(rdata[0], ip) || (rdata[0].find(':') != std::string_view::npos) != v6) {
        return loader_.invalid(line_, std::string(type) + " record needs one IPv" + (v6 ? "6" : "4") + " address");
      }
      a = match::action::sinkhole;
    } else {
      return loader_.skipped();  // other local data
    }
    add_trigger(leading_labels(owner_, trigger_labels), wildcard, *a);
  }

  // Emits the rules: one per record, except that "name" and "*.name" with
  // the same action make one rule that covers both (see rpz.hpp).
  void emit() {
    for (const trigger& t : triggers_) {
      const wire::name_view n = t.name.view();
      if (t.exact && t.wildcard && *t.exact == *t.wildcard) {
        loader_.add_rule(n, *t.exact, match::scope::name_and_subdomains);
        continue;
      }
      if (t.exact) loader_.add_rule(n, *t.exact, match::scope::name_only);
      if (t.wildcard) loader_.add_rule(n, *t.wildcard, match::scope::subdomains_only);
    }
  }

 private:
  struct trigger {
    wire::name name;
    std::optional<match::action> exact, wildcard;
    std::size_t exact_line = 0, wildcard_line = 0;
  };

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

  void add_trigger(const wire::name& n, bool wildcard, match::action a) {
    const std::string key(reinterpret_cast<const char*>(n.data()), n.size());
    auto [it, fresh] = index_.try_emplace(key, triggers_.size());
    if (fresh) triggers_.push_back({n, {}, {}, 0, 0});
    trigger& t = triggers_[it->second];
    auto& slot = wildcard ? t.wildcard : t.exact;
    auto& first = wildcard ? t.wildcard_line : t.exact_line;
    if (slot && *slot != a) {
      return loader_.invalid(line_, std::string("conflicting policy for ") + (wildcard ? "*." : "") + n.to_string() +
                                        ": " + match::to_string(a) + " here, " + match::to_string(*slot) +
                                        " on line " + std::to_string(first));
    }
    if (!slot) {
      slot = a;
      first = line_;
    }
    loader_.loaded();
  }

  list_loader& loader_;
  std::size_t line_ = 0;
  wire::name origin_;  // the root until $ORIGIN
  wire::name apex_;
  bool have_apex_ = false;
  wire::name owner_;
  bool have_owner_ = false;
  bool owner_wildcard_ = false;
  std::vector<trigger> triggers_;
  std::unordered_map<std::string, std::size_t> index_;  // lower-cased wire name → triggers_
};

}  // namespace detail

DNSFILTER_DECL result<load_report> load_rpz(std::string_view text, match::catalogue& out,
                                            const load_options& options, diagnostic* failure) {
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

}  // namespace dnsfilter::lists
