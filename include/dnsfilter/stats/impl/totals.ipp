// Definitions for stats/totals.hpp.
#pragma once

#include <dnsfilter/stats/detail/common.hpp>
#include <dnsfilter/load.hpp>
#include <dnsfilter/detail/text.hpp>
#include <dnsfilter/stats/totals.hpp>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstdio>
#include <limits>
#include <optional>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

namespace dnsfilter::stats {

namespace detail {

// false on overflow.
inline bool add_checked(std::uint64_t& sum, std::uint64_t v) noexcept {
  if (v > count_max - sum) return false;
  sum += v;
  return true;
}

inline void add_keyed(month_counts::keyed& into, const month_counts::keyed& from) {
  for (const auto& [key, count] : from) add_saturating(into[key], count);
}

// Every action's name, for the file and the exporters.

// A decimal count without sign or leading zero, below 2^64.
inline bool parse_count(std::string_view s, std::uint64_t& out) noexcept {
  if (s.empty() || (s.size() > 1 && s[0] == '0')) return false;
  const auto r = std::from_chars(s.data(), s.data() + s.size(), out);
  return r.ec == std::errc{} && r.ptr == s.data() + s.size();
}

// The invariants of totals.hpp; empty when they hold, the reason otherwise.
inline std::string inconsistency(const month_counts& m) {
  std::uint64_t actions = 0, blocking = 0, entries = 0, categories = 0, monitored = 0, queries = m.passed;
  bool ok = add_checked(queries, m.filtered);
  for (std::size_t a = 0; a < action_count; ++a) {
    ok = ok && add_checked(actions, m.by_action[a]);
    const auto action = static_cast<match::action>(a);
    if (action != match::action::pass && action != match::action::monitor)
      ok = ok && add_checked(blocking, m.by_action[a]);
  }
  for (const auto& kv : m.by_entry) ok = ok && add_checked(entries, kv.second);
  for (const auto& kv : m.by_category) ok = ok && add_checked(categories, kv.second);
  for (const auto& kv : m.monitored_by_entry) ok = ok && add_checked(monitored, kv.second);
  if (!ok) return "a sum of counts overflows 64 bits";
  if (blocking != m.filtered) return "filtered is not the sum of the blocking actions' hits";
  if (entries != actions) return "the entries' hits do not add up to the actions' hits";
  if (categories != actions) return "the categories' hits do not add up to the actions' hits";
  if (m.by_action[action_slot(match::action::monitor)] != m.monitored) return "monitored is not the monitor action's hits";
  if (monitored != m.monitored) return "the entries' monitored hits do not add up to monitored";
  if (m.monitored > queries) return "more monitored hits than queries";
  for (const auto& [key, n] : m.monitored_by_entry) {
    const auto it = m.by_entry.find(key);
    if (it == m.by_entry.end() || it->second < n) return "entry " + dnsfilter::detail::quote(key) + " has more monitored hits than hits";
  }
  return {};
}

// The zone of a zone line's text; the reason it is refused otherwise.
inline std::string read_zone(std::string_view text, const totals_read_options& options, zone& out) {
  const auto& expected = options.expected_zone;
  if (auto fixed = zone::parse(text)) {
    out = *fixed;
  } else if (!zone::valid_name(text)) {
    return "bad zone " + dnsfilter::detail::quote(text) + ": expected +HH:MM within +-14:00 or a time-zone name";
  } else if (expected && expected->name() == text) {
    out = *expected;
  } else if (expected) {
    return "counted in zone " + std::string(text) + ", not " + expected->text();
  } else if (!options.resolve_zone) {
    return "zone " + std::string(text) + " is a time-zone name, and this reader has no time-zone database";
  } else {
    std::string why;
    auto named = options.resolve_zone(text, why);
    if (!named) return "zone " + std::string(text) + ": " + (why.empty() ? to_string(named.error()) : why);
    out = *named;
  }
  if (expected && out != *expected) return "counted in zone " + out.text() + ", not " + expected->text();
  return {};
}

// The slot of the action named `name`; action_count for none.
inline std::size_t action_index(std::string_view name) noexcept {
  std::size_t a = 0;
  while (a < action_count && name != action_name(a)) ++a;
  return a;
}

// Whether some month of `t` counts hits of `key`.
inline bool counts_key(const totals& t, std::string_view key) {
  return std::any_of(t.months.begin(), t.months.end(), [&](const auto& m) { return m.second.by_entry.contains(key); });
}

class totals_parser {
 public:
  static constexpr std::size_t max_line_length = 4096;
  static constexpr std::size_t max_key_length = 1024;

  totals_parser(std::string_view text, diagnostic* why, const totals_read_options& options)
      : reader_(text), why_(why), options_(options) {}

  result<totals> run();

 private:
  // Where a record may stand: each kind after the ones before it.
  enum class place { start, node, lost, metadata, months };

  result<totals> fail_at(std::size_t line, std::string message) {
    if (why_ != nullptr) *why_ = {line, std::move(message)};
    return errc::bad_stats_file;
  }
  result<totals> fail(std::string message) { return fail_at(reader_.number(), std::move(message)); }
  // The next line, its first token in `kind` and the rest in rest_; false at the end.
  bool next(std::string_view& kind) {
    std::string_view line;
    if (!reader_.next(line)) return false;
    defect_ = dnsfilter::detail::line_defect(line, max_line_length);
    rest_ = line;
    kind = dnsfilter::detail::next_token(rest_);
    return true;
  }
  std::string_view token() { return dnsfilter::detail::next_token(rest_); }
  bool at_end() const { return dnsfilter::detail::trim(rest_).empty(); }
  bool count(std::uint64_t& out) { return parse_count(token(), out); }
  // A key token, decoded into `out`; the reason when it is not one.
  std::string decode_key(std::string_view token, std::string& out) {
    if (!percent_decode(token, out)) return "key " + dnsfilter::detail::quote(token) + " is not percent-encoded";
    if (out.size() > max_key_length) return "key longer than " + std::to_string(max_key_length) + " bytes";
    return {};
  }
  // An RFC 3339 time, or "-" for `open` (an entry's bound without a date).
  bool time_token(match::timestamp& out, std::optional<match::timestamp> open = {}) {
    const std::string_view text = token();
    if (open && text == "-") return out = *open, true;
    const auto t = parse_rfc3339(text);
    return t && (out = *t, true);
  }
  std::string month_name() const { return to_text(month_).data(); }

  // The month line's "passed N filtered N opted-out N" (version 2: then "monitored N").
  bool month_fields(month_counts& m) {
    return token() == "passed" && count(m.passed) && token() == "filtered" && count(m.filtered) &&
           token() == "opted-out" && count(m.opted_out) &&
           (version_ < 2 || (token() == "monitored" && count(m.monitored))) && at_end();
  }
  // Each record of version 3 before the months, into `t`: the reason when it is bad.
  std::string node_line(totals& t);
  std::string lost_line(totals& t);
  std::string metadata_line(totals& t);
  // Every metadata record describes a key some month counts: the line of one
  // that does not (its reason in `why`), or 0.
  std::size_t check_metadata(const totals& t, std::string& why);

  dnsfilter::detail::line_reader reader_;
  diagnostic* why_;
  const totals_read_options& options_;
  std::string defect_;
  std::string_view rest_;
  month_index month_ = 0;
  int version_ = stats_file_version;
  std::map<std::string, std::size_t, std::less<>> metadata_lines_;
};

inline std::string totals_parser::node_line(totals& t) {
  node_identity& n = t.node;
  std::string name;
  if (std::string why = decode_key(token(), name); !why.empty()) return "node name: " + why;
  if (name.empty()) return "the node has no name";
  n.name = std::move(name);
  if (!(token() == "epoch" && count(n.epoch) && token() == "sequence" && count(n.sequence) && token() == "written" &&
        time_token(n.written)))
    return "expected 'node NAME epoch N sequence N written YYYY-MM-DDTHH:MM:SSZ [final]'";
  const std::string_view flag = token();
  n.final = flag == "final";
  if (!flag.empty() && !n.final)
    return "unexpected " + dnsfilter::detail::quote(flag) + " on the node line (only 'final' may follow the time)";
  if (!at_end()) return "text after 'final' on the node line";
  if (n.epoch == 0 || n.sequence == 0) return "the node's epoch and sequence count from 1";
  return {};
}

inline std::string totals_parser::lost_line(totals& t) {
  time_span span;
  if (!time_token(span.from) || !time_token(span.to) || !at_end())
    return "expected 'lost YYYY-MM-DDTHH:MM:SSZ YYYY-MM-DDTHH:MM:SSZ'";
  if (span.to < span.from) return "the lost span ends before it starts";
  if (!t.lost.insert(span).second) return "the same lost span twice";
  return {};
}

inline std::string totals_parser::metadata_line(totals& t) {
  std::string k;
  if (std::string why = decode_key(token(), k); !why.empty()) return why;
  entry_metadata m;
  const std::string_view expected =
      "expected 'meta KEY start TIME|- end TIME|- action ACTION fqdns N category CATEGORY'";
  if (!(token() == "start" && time_token(m.start, match::since_always) && token() == "end" &&
        time_token(m.end, match::until_forever) && token() == "action"))
    return std::string(expected);
  const std::string_view action = token();
  const std::size_t a = action_index(action);
  if (a == action_count) return "unknown action " + dnsfilter::detail::quote(action);
  m.action = static_cast<match::action>(a);
  if (!(token() == "fqdns" && count(m.fqdns) && token() == "category")) return std::string(expected);
  if (std::string why = decode_key(token(), m.category); !why.empty()) return "category: " + why;
  if (!at_end()) return std::string(expected);
  if (m.end != match::until_forever && m.start != match::since_always && m.end < m.start)
    return "entry " + dnsfilter::detail::quote(k) + " ends before it starts";
  if (t.metadata.contains(k)) return "metadata of " + dnsfilter::detail::quote(k) + " twice";
  metadata_lines_.emplace(k, reader_.number());
  t.metadata.emplace(std::move(k), std::move(m));
  return {};
}

inline std::size_t totals_parser::check_metadata(const totals& t, std::string& why) {
  for (const auto& [k, line] : metadata_lines_) {
    if (!counts_key(t, k)) {
      why = "metadata of " + dnsfilter::detail::quote(k) + ", which no month counts";
      return line;
    }
  }
  return 0;
}

inline result<totals> totals_parser::run() {
  totals t;
  std::string_view kind;
  if (!next(kind)) return fail("empty file: expected 'dnsfilter-stats 3'");
  if (!defect_.empty()) return fail(defect_);
  if (kind != "dnsfilter-stats") return fail("not a dnsfilter statistics file: expected 'dnsfilter-stats 3'");
  const std::string_view version = token();
  if ((version != "1" && version != "2" && version != "3") || !at_end())
    return fail("unsupported version " + dnsfilter::detail::quote(version) + " (this build reads versions 1 to 3)");
  version_ = version[0] - '0';
  if (!next(kind) || kind != "zone" || !defect_.empty()) return fail("expected 'zone +HH:MM' or 'zone NAME' on line 2");
  const std::string_view zone_text = token();
  if (!at_end()) return fail("expected 'zone +HH:MM' or 'zone NAME' on line 2");
  if (std::string bad = read_zone(zone_text, options_, t.zone); !bad.empty()) return fail(bad);

  month_counts* m = nullptr;
  std::size_t records = 0;
  unsigned actions_seen = 0;  // a bit per action, for the current month
  place at = place::start;
  std::string decoded;
  auto check_month = [&]() -> std::string {
    if (m == nullptr) return {};
    std::string why = inconsistency(*m);
    return why.empty() ? why : "counts of month " + month_name() + " do not add up: " + why;
  };
  while (next(kind)) {
    if (!defect_.empty()) return fail(defect_);
    if (kind == "end") {
      if (std::string why = check_month(); !why.empty()) return fail(why);
      std::uint64_t announced;
      if (!count(announced) || !at_end()) return fail("expected 'end N'");
      if (announced != records)
        return fail("the end line announces " + std::to_string(announced) + " records, the file has " +
                    std::to_string(records));
      std::string why;
      if (const std::size_t line = check_metadata(t, why); line != 0) return fail_at(line, why);
      std::string_view after;
      while (next(after)) {
        if (!after.empty()) return fail("text after the end line");
      }
      return t;
    }
    ++records;
    // Version 3's records before the months: the node, the lost spans, the entries' metadata.
    const place record_place = kind == "node" ? place::node : kind == "lost" ? place::lost
                               : kind == "meta" ? place::metadata : place::months;
    if (record_place != place::months) {
      if (version_ < 3) return fail("unknown record " + dnsfilter::detail::quote(kind) + " in version " + std::string(version));
      if (record_place < at || (record_place == place::node && at == place::node))
        return fail(dnsfilter::detail::quote(kind) + " record out of place: the node line comes right after the zone "
                    "line, then the lost spans, then the metadata, then the months");
      at = record_place;
      const std::string why = record_place == place::node   ? node_line(t)
                              : record_place == place::lost ? lost_line(t)
                                                            : metadata_line(t);
      if (!why.empty()) return fail(why);
      continue;
    }
    at = place::months;
    if (kind == "month") {
      if (std::string why = check_month(); !why.empty()) return fail(why);
      const std::string_view text = token();
      const auto parsed = parse_month(text);
      if (!parsed) return fail("bad month " + dnsfilter::detail::quote(text) + ": expected YYYY-MM");
      if (m != nullptr && *parsed <= month_)
        return fail("month " + std::string(text) + " does not come after " + month_name());
      month_ = *parsed;
      m = &t.months[month_];
      actions_seen = 0;
      if (!month_fields(*m))
        return fail(version_ < 2 ? "expected 'month YYYY-MM passed N filtered N opted-out N' (N below 2^64)"
                                 : "expected 'month YYYY-MM passed N filtered N opted-out N monitored N' (N below 2^64)");
      continue;
    }
    if (kind != "action" && kind != "entry" && kind != "category" && (version_ < 2 || kind != "monitored-entry"))
      return fail("unknown record " + dnsfilter::detail::quote(kind) +
                  (kind == "monitored-entry" ? " in version 1" : ""));
    if (m == nullptr) return fail(dnsfilter::detail::quote(kind) + " record before the first month line");
    const std::string_view name = token();
    std::uint64_t n;
    if (!count(n) || !at_end()) return fail("expected '" + std::string(kind) + " KEY N' (N below 2^64)");
    if (kind == "action") {
      const std::size_t a = action_index(name);
      if (a == action_count || (version_ < 2 && static_cast<match::action>(a) == match::action::monitor))
        return fail("unknown action " + dnsfilter::detail::quote(name) + (a == action_count ? "" : " in version 1"));
      if ((actions_seen >> a & 1u) != 0) return fail("action " + std::string(name) + " twice in month " + month_name());
      actions_seen |= 1u << a;
      m->by_action[a] = n;
      continue;
    }
    month_counts::keyed& keyed =
        kind == "entry" ? m->by_entry : kind == "category" ? m->by_category : m->monitored_by_entry;
    if (std::string why = decode_key(name, decoded); !why.empty()) return fail(why);
    if (!keyed.emplace(decoded, n).second)
      return fail(std::string(kind) + " " + dnsfilter::detail::quote(decoded) + " twice in month " + month_name());
  }
  return fail("the file ends without its 'end' line (truncated?)");
}

inline void put_keyed(std::string& out, std::string_view kind, const month_counts::keyed& counts) {
  string_out o{out};
  for (const auto& [key, n] : counts) {
    out += kind;
    out += ' ';
    put_percent_encoded(out, key);
    out += ' ';
    put_uint(o, n);
    out += '\n';
  }
}


}  // namespace detail

DNSFILTER_DECL void month_counts::add(const month_counts& other) {
  detail::add_saturating(passed, other.passed);
  detail::add_saturating(filtered, other.filtered);
  detail::add_saturating(opted_out, other.opted_out);
  detail::add_saturating(monitored, other.monitored);
  for (std::size_t a = 0; a < action_count; ++a) detail::add_saturating(by_action[a], other.by_action[a]);
  detail::add_keyed(by_entry, other.by_entry);
  detail::add_keyed(by_category, other.by_category);
  detail::add_keyed(monitored_by_entry, other.monitored_by_entry);
}

DNSFILTER_DECL result<void> totals::merge(const totals& other) {
  if (other.zone != zone) return errc::out_of_range;
  for (const auto& [m, counts] : other.months) months[m].add(counts);
  detail::add_saturating(unrecorded, other.unrecorded);
  lost.insert(other.lost.begin(), other.lost.end());
  for (const auto& [key, m] : other.metadata) metadata.insert_or_assign(key, m);
  return {};
}

DNSFILTER_DECL bool totals::lost_in(month_index m) const noexcept {
  for (const time_span& span : lost)
    if (span.first_month_in(zone) <= m && m <= span.last_month_in(zone)) return true;
  return false;
}

DNSFILTER_DECL std::string format_totals(const totals& t) {
  std::string out = "dnsfilter-stats " + std::to_string(stats_file_version) + "\nzone ";
  out += t.zone.text().data();
  out += '\n';
  const std::size_t records_from = out.size();
  detail::string_out o{out};
  const auto put_time = [&](match::timestamp v) {
    out += ' ';
    out += format_rfc3339(v).data();
  };
  if (t.node.known()) {
    out += "node ";
    detail::put_percent_encoded(out, t.node.name);
    out += " epoch ";
    detail::put_uint(o, t.node.epoch);
    out += " sequence ";
    detail::put_uint(o, t.node.sequence);
    out += " written";
    put_time(t.node.written);
    out += t.node.final ? " final\n" : "\n";
  }
  for (const time_span& span : t.lost) {
    out += "lost";
    put_time(span.from);
    put_time(span.to);
    out += '\n';
  }
  for (const auto& [key, m] : t.metadata) {
    // Only the entries the file counts: the rest describes nothing in it.
    if (!detail::counts_key(t, key)) continue;
    out += "meta ";
    detail::put_percent_encoded(out, key);
    out += " start";
    if (m.start == match::since_always) out += " -";
    else put_time(m.start);
    out += " end";
    if (m.end == match::until_forever) out += " -";
    else put_time(m.end);
    out += " action ";
    out += match::to_string(m.action);
    out += " fqdns ";
    detail::put_uint(o, m.fqdns);
    out += " category ";
    detail::put_percent_encoded(out, m.category);
    out += '\n';
  }
  for (const auto& [month, m] : t.months) {
    out += "month ";
    out += to_text(month).data();
    for (auto [label, n] : {std::pair{" passed ", m.passed}, {" filtered ", m.filtered}, {" opted-out ", m.opted_out},
                            {" monitored ", m.monitored}}) {
      out += label;
      detail::put_uint(o, n);
    }
    out += '\n';
    for (std::size_t a = 0; a < action_count; ++a) {
      if (m.by_action[a] == 0) continue;
      out += "action ";
      out += detail::action_name(a);
      out += ' ';
      detail::put_uint(o, m.by_action[a]);
      out += '\n';
    }
    detail::put_keyed(out, "entry", m.by_entry);
    detail::put_keyed(out, "monitored-entry", m.monitored_by_entry);
    detail::put_keyed(out, "category", m.by_category);
  }
  const auto records = static_cast<std::size_t>(std::count(out.begin() + static_cast<std::ptrdiff_t>(records_from), out.end(), '\n'));
  out += "end ";
  detail::put_uint(o, records);
  out += '\n';
  return out;
}

DNSFILTER_DECL result<totals> parse_totals(std::string_view text, diagnostic* why, const totals_read_options& options) {
  return detail::totals_parser(text, why, options).run();
}

DNSFILTER_DECL result<totals> read_totals(const std::string& path, diagnostic* why, const totals_read_options& options) {
  auto text = read_file(path);
  if (!text) {
    if (why != nullptr) *why = {0, "cannot read " + path};
    return text.error();
  }
  return parse_totals(*text, why, options);
}

DNSFILTER_DECL result<void> write_totals(const std::string& path, const totals& t) {
  const std::string text = format_totals(t);
  // 0644: the counts are aggregates, not personal data, and a report tool
  // running as another user should read them.
  if (!dnsfilter::detail::replace_file(path, text)) return errc::write_failed;
  return {};
}

}  // namespace dnsfilter::stats
