// Definitions for stats/calendar.hpp.
#pragma once

#include <dnsfilter/stats/calendar.hpp>

#include <algorithm>
#include <iterator>

namespace dnsfilter::stats {

namespace detail {

// The decimal number of text[at, at + len), all digits; -1 otherwise.
inline int fixed_digits(std::string_view text, std::size_t at, std::size_t len) noexcept {
  int v = 0;
  for (std::size_t i = at; i < at + len; ++i) {
    if (text[i] < '0' || text[i] > '9') return -1;
    v = v * 10 + (text[i] - '0');
  }
  return v;
}

inline void put_digits(char* out, unsigned value, int width) noexcept {
  for (int i = width - 1; i >= 0; --i, value /= 10) out[i] = static_cast<char>('0' + value % 10);
}

}  // namespace detail

DNSFILTER_DECL result<month_index> parse_month(std::string_view text) noexcept {
  if (text.size() != 7 || text[4] != '-') return errc::bad_date;
  const int y = detail::fixed_digits(text, 0, 4), m = detail::fixed_digits(text, 5, 2);
  if (y < 1 || m < 1 || m > 12) return errc::bad_date;
  return make_month(y, static_cast<unsigned>(m));
}

DNSFILTER_DECL rfc3339_text format_rfc3339(match::timestamp t) noexcept {
  using namespace std::chrono;
  t = std::clamp(t, detail::utc_start_of(first_month), detail::utc_start_of(last_month + 1) - 1);
  const match::timestamp d = t / 86400 - (t % 86400 < 0 ? 1 : 0);
  const auto s = static_cast<unsigned>(t - d * 86400);
  const year_month_day ymd{sys_days{days{d}}};
  rfc3339_text out{};
  char* p = out.data();
  detail::put_digits(p, static_cast<unsigned>(static_cast<int>(ymd.year())), 4);
  p[4] = '-';
  detail::put_digits(p + 5, static_cast<unsigned>(ymd.month()), 2);
  p[7] = '-';
  detail::put_digits(p + 8, static_cast<unsigned>(ymd.day()), 2);
  p[10] = 'T';
  detail::put_digits(p + 11, s / 3600, 2);
  p[13] = ':';
  detail::put_digits(p + 14, s / 60 % 60, 2);
  p[16] = ':';
  detail::put_digits(p + 17, s % 60, 2);
  p[19] = 'Z';
  return out;
}

DNSFILTER_DECL result<match::timestamp> parse_rfc3339(std::string_view text) noexcept {
  using namespace std::chrono;
  if (text.size() != 20 || text[4] != '-' || text[7] != '-' || text[10] != 'T' || text[13] != ':' ||
      text[16] != ':' || text[19] != 'Z')
    return errc::bad_date;
  const int y = detail::fixed_digits(text, 0, 4), mo = detail::fixed_digits(text, 5, 2),
            d = detail::fixed_digits(text, 8, 2), h = detail::fixed_digits(text, 11, 2),
            mi = detail::fixed_digits(text, 14, 2), s = detail::fixed_digits(text, 17, 2);
  if (y < 1 || mo < 1 || d < 1 || h < 0 || h > 23 || mi < 0 || mi > 59 || s < 0 || s > 59) return errc::bad_date;
  const year_month_day ymd{year{y}, month{static_cast<unsigned>(mo)}, day{static_cast<unsigned>(d)}};
  if (!ymd.ok()) return errc::bad_date;
  return static_cast<match::timestamp>(sys_days{ymd}.time_since_epoch().count()) * 86400 + h * 3600 + mi * 60 + s;
}

DNSFILTER_DECL result<zone> zone::from_offset(std::int32_t seconds) noexcept {
  if (seconds < -max_offset || seconds > max_offset || seconds % 60 != 0) return errc::out_of_range;
  zone z;
  z.offset_ = seconds;
  return z;
}

DNSFILTER_DECL result<zone> zone::parse(std::string_view text) noexcept {
  if (text == "Z" || text == "UTC") return zone{};
  if (text.size() != 6 || (text[0] != '+' && text[0] != '-') || text[3] != ':') return errc::bad_character;
  const int h = detail::fixed_digits(text, 1, 2), m = detail::fixed_digits(text, 4, 2);
  if (h < 0 || m < 0) return errc::bad_character;
  if (m > 59) return errc::out_of_range;
  const std::int32_t magnitude = (h * 60 + m) * 60;
  return from_offset(text[0] == '-' ? -magnitude : magnitude);
}

DNSFILTER_DECL result<zone> zone::from_transitions(std::string_view name, std::span<const transition> changes) {
  if (!valid_name(name) || changes.empty()) return errc::invalid_argument;
  for (std::size_t i = 0; i < changes.size(); ++i) {
    if (i > 0 && changes[i].at <= changes[i - 1].at) return errc::invalid_argument;
    if (changes[i].offset < -max_table_offset || changes[i].offset > max_table_offset) return errc::out_of_range;
  }
  auto table = std::make_shared<detail::zone_table>();
  table->name = name;
  for (const transition& c : changes)
    if (table->changes.empty() || table->changes.back().offset != c.offset) table->changes.push_back(c);
  zone z;
  z.table_ = std::move(table);
  return z;
}

DNSFILTER_DECL bool zone::valid_name(std::string_view text) noexcept {
  const auto letter = [](char c) { return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z'); };
  if (text.empty() || text.size() > 255 || !letter(text[0]) || parse(text)) return false;
  std::size_t part = 0;  // the current part's first byte
  for (std::size_t i = 0; i <= text.size(); ++i) {
    if (i == text.size() || text[i] == '/') {
      const std::string_view p = text.substr(part, i - part);
      if (p.empty() || p == "." || p == "..") return false;
      part = i + 1;
      continue;
    }
    const char c = text[i];
    if (!letter(c) && !(c >= '0' && c <= '9') && c != '_' && c != '-' && c != '+' && c != '.') return false;
  }
  return true;
}

DNSFILTER_DECL std::int32_t zone::offset_at(match::timestamp t) const noexcept {
  if (!named()) return offset_;
  const auto& changes = table_->changes;
  const auto after = std::upper_bound(changes.begin(), changes.end(), t,
                                      [](match::timestamp v, const transition& c) { return v < c.at; });
  return after == changes.begin() ? changes.front().offset : std::prev(after)->offset;
}

namespace detail {

// Keeps t +- a day of offset inside the timestamp's range; the open bounds stay as they are.
inline match::timestamp clamp_for_offset(match::timestamp t) noexcept {
  constexpr match::timestamp margin = 2 * 86400;
  if (t == match::since_always || t == match::until_forever) return t;
  return std::clamp(t, match::since_always + margin, match::until_forever - margin);
}

}  // namespace detail

DNSFILTER_DECL match::timestamp zone::to_local(match::timestamp t) const noexcept {
  t = detail::clamp_for_offset(t);
  if (t == match::since_always || t == match::until_forever) return t;
  return t + offset_at(t);
}

DNSFILTER_DECL match::timestamp zone::to_utc(match::timestamp local) const noexcept {
  local = detail::clamp_for_offset(local);
  if (local == match::since_always || local == match::until_forever) return local;
  if (!named()) return local - offset_;
  // The answer lies in [local - a day, local + a day]: walk the stretches of
  // one offset from the one holding the earliest candidate; in each, the
  // first qualifying second is max(its start, local - its offset).
  const auto& changes = table_->changes;
  const match::timestamp earliest = local - max_table_offset;
  std::size_t i = static_cast<std::size_t>(
      std::upper_bound(changes.begin(), changes.end(), earliest,
                       [](match::timestamp v, const transition& c) { return v < c.at; }) -
      changes.begin());
  // Stretch i runs from changes[i - 1].at (or the beginning of time) to changes[i].at (or the end).
  for (;; ++i) {
    const std::int32_t offset = changes[i == 0 ? 0 : i - 1].offset;
    const match::timestamp start = i == 0 ? match::since_always : changes[i - 1].at;
    const match::timestamp candidate = std::max(start, local - offset);
    if (i == changes.size() || candidate < changes[i].at) return candidate;
  }
}

DNSFILTER_DECL month_index zone::month_of(match::timestamp t) const noexcept {
  t = std::clamp(t, start_of(first_month), start_of(last_month + 1) - 1);
  month_index m = detail::utc_month_of(to_local(t));
  // After a month began, a clock set back over its first midnight reads the
  // month before for a while: the month has begun all the same.
  if (m < last_month && t >= start_of(m + 1)) ++m;
  return m;
}

DNSFILTER_DECL std::string zone::text() const {
  if (named()) return table_->name;
  return offset_text(offset_).data();
}

DNSFILTER_DECL std::array<char, 10> zone::offset_text(std::int32_t seconds) noexcept {
  std::array<char, 10> out{};
  const auto magnitude = static_cast<unsigned>(seconds < 0 ? -static_cast<std::int64_t>(seconds) : seconds);
  out[0] = seconds < 0 ? '-' : '+';
  detail::put_digits(out.data() + 1, magnitude / 3600 % 100, 2);
  out[3] = ':';
  detail::put_digits(out.data() + 4, magnitude / 60 % 60, 2);
  if (magnitude % 60 != 0) {
    out[6] = ':';
    detail::put_digits(out.data() + 7, magnitude % 60, 2);
  }
  return out;
}

DNSFILTER_DECL bool operator==(const zone& a, const zone& b) noexcept {
  if (a.table_ == b.table_) return a.offset_ == b.offset_;
  if (!a.named() || !b.named()) return false;
  return a.table_->name == b.table_->name && a.table_->changes == b.table_->changes;
}

}  // namespace dnsfilter::stats
