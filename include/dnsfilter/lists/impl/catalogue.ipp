// Definitions for lists/catalogue.hpp.
#pragma once

#include <dnsfilter/lists/catalogue.hpp>

#include <algorithm>
#include <optional>
#include <utility>
#include <cstdio>
#include <string>
#include <unordered_set>
#include <vector>

namespace dnsfilter::lists {

namespace detail {

inline constexpr std::int64_t seconds_per_day = 86400;

// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
constexpr std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) noexcept {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const auto yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

struct civil_date {
  std::int64_t year;
  unsigned month, day;
};

constexpr civil_date civil_from_days(std::int64_t z) noexcept {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const auto doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return {static_cast<std::int64_t>(yoe) + era * 400 + (m <= 2), m, d};
}

// Splits one row into fields; false (with `error`) on a malformed quote.
inline bool split_row(std::string_view line, char delimiter, std::vector<std::string>& fields, std::string& error) {
  fields.clear();
  std::size_t i = 0;
  while (true) {
    std::string field;
    while (i < line.size() && is_blank(line[i]) && line[i] != delimiter) ++i;
    if (i < line.size() && line[i] == '"') {
      ++i;
      while (true) {
        if (i >= line.size()) {
          error = "unterminated quoted field (a field cannot span lines)";
          return false;
        }
        if (line[i] == '"') {
          if (i + 1 < line.size() && line[i + 1] == '"') {
            field += '"';
            i += 2;
            continue;
          }
          ++i;
          break;
        }
        field += line[i++];
      }
      while (i < line.size() && is_blank(line[i]) && line[i] != delimiter) ++i;
      if (i < line.size() && line[i] != delimiter) {
        error = "text after a closing quote in field " + std::to_string(fields.size() + 1);
        return false;
      }
    } else {
      const std::size_t end = std::min(line.find(delimiter, i), line.size());
      field.assign(trim(line.substr(i, end - i)));
      i = end;
    }
    fields.push_back(std::move(field));
    if (i >= line.size()) return true;
    ++i;  // the delimiter
  }
}

struct catalogue_columns {
  static constexpr std::size_t none = static_cast<std::size_t>(-1);
  std::size_t id = 0, category = 1, start = 2, end = 3, fqdns = 4, action = none;
  std::size_t needed() const noexcept {
    std::size_t n = 0;
    for (std::size_t c : {id, category, start, end, fqdns, action})
      if (c != none && c + 1 > n) n = c + 1;
    return n;
  }
};

inline bool contains_word(std::string_view field, std::string_view word) noexcept {
  for (std::size_t i = 0; i + word.size() <= field.size(); ++i)
    if (iequals(field.substr(i, word.size()), word)) return true;
  return false;
}

// Recognizes a header row and maps its columns.
inline bool read_header(const std::vector<std::string>& fields, catalogue_columns& cols) {
  catalogue_columns c;
  c.id = c.category = c.start = c.end = c.fqdns = c.action = catalogue_columns::none;
  for (std::size_t i = 0; i < fields.size(); ++i) {
    const std::string_view f = fields[i];
    std::size_t* slot = nullptr;
    if (contains_word(f, "fqdn") || contains_word(f, "domain")) slot = &c.fqdns;
    else if (contains_word(f, "action")) slot = &c.action;
    else if (contains_word(f, "start")) slot = &c.start;
    else if (contains_word(f, "end") || contains_word(f, "until")) slot = &c.end;
    else if (contains_word(f, "behav") || contains_word(f, "categ")) slot = &c.category;
    else if (contains_word(f, "id")) slot = &c.id;
    if (slot != nullptr && *slot == catalogue_columns::none) *slot = i;
  }
  if (c.id == catalogue_columns::none || c.start == catalogue_columns::none || c.fqdns == catalogue_columns::none)
    return false;
  cols = c;
  return true;
}

// An action by its name (match::to_string).
inline std::optional<match::action> action_named(std::string_view text) noexcept {
  for (auto a : {match::action::sinkhole, match::action::nxdomain, match::action::nodata, match::action::refused,
                 match::action::drop, match::action::pass, match::action::monitor})
    if (iequals(text, match::to_string(a))) return a;
  return std::nullopt;
}

}  // namespace detail

DNSFILTER_DECL result<match::timestamp> parse_date(std::string_view text) noexcept {
  // "2025-01-09" (ISO 8601) or "2025/01/09" (how Japanese operators write it),
  // one separator throughout.
  if (text.size() != 10 || (text[4] != '-' && text[4] != '/') || text[7] != text[4]) return errc::bad_date;
  auto number = [&](std::size_t at, std::size_t len, unsigned& out) {
    out = 0;
    for (std::size_t i = at; i < at + len; ++i) {
      if (text[i] < '0' || text[i] > '9') return false;
      out = out * 10 + static_cast<unsigned>(text[i] - '0');
    }
    return true;
  };
  unsigned y, m, d;
  if (!number(0, 4, y) || !number(5, 2, m) || !number(8, 2, d)) return errc::bad_date;
  if (y == 0 || m < 1 || m > 12 || d < 1) return errc::bad_date;
  constexpr unsigned days_in[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  if (d > days_in[m - 1] + (m == 2 && leap ? 1u : 0u)) return errc::bad_date;
  return detail::days_from_civil(y, m, d) * detail::seconds_per_day;
}

DNSFILTER_DECL std::string format_date(match::timestamp t, const stats::zone& time_zone) {
  if (t == match::since_always || t == match::until_forever) return {};
  t = time_zone.to_local(t);
  std::int64_t days = t / detail::seconds_per_day;
  if (t % detail::seconds_per_day < 0) --days;  // floor, for times before 1970
  const auto c = detail::civil_from_days(days);
  char buf[48];
  std::snprintf(buf, sizeof buf, "%04lld-%02u-%02u", static_cast<long long>(c.year), c.month, c.day);
  return buf;
}

DNSFILTER_DECL result<match::timestamp> parse_utc_time(std::string_view text) noexcept {
  auto day = parse_date(text.substr(0, 10));
  if (!day || text.size() == 10) return day;
  if (text[4] != '-') return errc::bad_date;  // a time of day goes with the ISO date form only
  if (text.size() != 20 || text[10] != 'T' || text[13] != ':' || text[16] != ':' || text[19] != 'Z')
    return errc::bad_date;
  int fields[3];
  for (int k = 0; k < 3; ++k) {
    const char hi = text[11 + 3 * k], lo = text[12 + 3 * k];
    if (hi < '0' || hi > '9' || lo < '0' || lo > '9') return errc::bad_date;
    fields[k] = (hi - '0') * 10 + (lo - '0');
  }
  if (fields[0] > 23 || fields[1] > 59 || fields[2] > 59) return errc::bad_date;
  return *day + fields[0] * 3600 + fields[1] * 60 + fields[2];
}

DNSFILTER_DECL std::string format_utc_time(match::timestamp t) {
  std::string out = format_date(t);
  const std::int64_t seconds = ((t % detail::seconds_per_day) + detail::seconds_per_day) % detail::seconds_per_day;
  if (out.empty() || seconds == 0) return out;
  char buf[16];
  std::snprintf(buf, sizeof buf, "T%02d:%02d:%02dZ", static_cast<int>(seconds / 3600),
                static_cast<int>(seconds / 60 % 60), static_cast<int>(seconds % 60));
  return out + buf;
}

DNSFILTER_DECL result<load_report> load_catalogue(std::string_view text, match::catalogue& out,
                                                  const load_options& options, diagnostic* failure) {
  detail::list_loader loader(options);
  detail::line_reader reader(text);
  detail::catalogue_columns cols;
  std::unordered_set<std::string> seen_ids;
  std::vector<std::string> fields;
  std::string error, message;
  char delimiter = 0;  // chosen on the first row
  wire::name fqdn;
  std::string_view line;
  bool defective = false;
  while (loader.next_line(reader, line, defective)) {
    if (defective) continue;
    // Not trimmed: leading and trailing tabs are empty TSV fields.
    const std::string_view row = line;
    const std::string_view content = detail::trim(line);
    if (content.empty() || content.front() == '#') {
      loader.ignored_line();
      continue;
    }
    const bool first_row = delimiter == 0;
    if (first_row) delimiter = row.find('\t') != std::string_view::npos ? '\t' : ',';
    const std::size_t at = reader.number();
    if (!detail::split_row(row, delimiter, fields, error)) {
      loader.invalid(at, std::move(error));
      continue;
    }
    if (first_row && fields.size() > cols.start && !parse_date(fields[cols.start]) && detail::read_header(fields, cols)) {
      loader.ignored_line();
      continue;
    }
    if (fields.size() < cols.needed()) {
      loader.invalid(at, "expected " + std::to_string(cols.needed()) + " fields, found " +
                             std::to_string(fields.size()));
      continue;
    }
    match::entry e;
    e.id = fields[cols.id];
    if (cols.category != detail::catalogue_columns::none) e.category = fields[cols.category];
    e.action = options.action;
    if (e.id.empty()) {
      loader.invalid(at, "missing identifier");
      continue;
    }
    if (cols.action != detail::catalogue_columns::none && !fields[cols.action].empty()) {
      const auto a = detail::action_named(fields[cols.action]);
      if (!a) {
        loader.invalid(at, "entry " + detail::quote(e.id) + ": unknown action " + detail::quote(fields[cols.action]));
        continue;
      }
      e.action = *a;
    }
    auto start = parse_date(fields[cols.start]);
    if (!start) {
      loader.invalid(at, "entry " + detail::quote(e.id) + ": start date " + detail::quote(fields[cols.start]) +
                             " is not YYYY-MM-DD or YYYY/MM/DD");
      continue;
    }
    e.start = options.time_zone.to_utc(*start);
    if (cols.end != detail::catalogue_columns::none && !fields[cols.end].empty() && fields[cols.end] != "-") {
      auto end = parse_date(fields[cols.end]);
      if (!end) {
        loader.invalid(at, "entry " + detail::quote(e.id) + ": end date " + detail::quote(fields[cols.end]) +
                               " is not YYYY-MM-DD or YYYY/MM/DD");
        continue;
      }
      if (*end <= *start) {
        loader.invalid(at, "entry " + detail::quote(e.id) + ": end date " + fields[cols.end] +
                               " is not after start date " + fields[cols.start]);
        continue;
      }
      e.end = options.time_zone.to_utc(*end);
    }
    // The names, before the entry exists, so a row without one adds nothing.
    std::vector<std::pair<wire::name, match::scope>> names;
    std::vector<std::string> bad;
    std::string_view list = fields[cols.fqdns];
    while (!list.empty()) {
      const std::size_t sep = list.find_first_of(" \t;|,");
      std::string_view token = list.substr(0, sep);
      list.remove_prefix(sep == std::string_view::npos ? list.size() : sep + 1);
      if (token.empty()) continue;
      auto scope = match::scope::name_and_subdomains;
      if (token.substr(0, 2) == "*.") {
        token.remove_prefix(2);
        scope = match::scope::subdomains_only;
      } else if (token.front() == '=') {
        token.remove_prefix(1);
        scope = match::scope::name_only;
      }
      if (detail::parse_list_name(token, fqdn, message)) {
        names.emplace_back(fqdn, scope);
      } else {
        bad.push_back(std::move(message));
      }
    }
    if (names.empty()) {
      loader.invalid(at, "entry " + detail::quote(e.id) + ": no valid FQDN" + (bad.empty() ? "" : " (" + bad[0] + ")"));
      continue;
    }
    if (!seen_ids.insert(e.id).second) {
      loader.invalid(at, "entry " + detail::quote(e.id) + " appears twice");
      continue;
    }
    for (std::string& b : bad) loader.warning(at, "entry " + detail::quote(e.id) + ": " + b + " (entry loaded without it)");
    const std::uint32_t index = loader.add_entry(std::move(e));
    for (const auto& [n, scope] : names) loader.add_rule_to(n, index, scope);
    loader.loaded();
  }
  return loader.finish(out, failure);
}

}  // namespace dnsfilter::lists
