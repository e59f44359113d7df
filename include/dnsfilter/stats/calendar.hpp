// dnsfilter — calendar months and the zone they are counted in.
//
// Statistics are bucketed by calendar month. A month is a month_index,
// year * 12 + (month - 1), so months sort and subtract as integers (2026-01 is
// 24312, the next one 24313). Years 0001 to 9999 only: the range the text form
// "YYYY-MM" holds; a time outside it counts in the first or the last month.
//
// The zone is a fixed offset from UTC (UTC by default), for an operator who
// publishes months of local time. A fixed offset cannot follow daylight-saving
// rules: an operator in such a zone picks its standard offset, and a query
// near midnight at a DST change lands in the month of standard time. That is
// enough for a monthly share, where one hour moves a few queries among
// billions; a tz database would be a dependency firmware cannot carry.
//
// Everything here is noexcept and allocation-free; the month of a time is
// computed by std::chrono's calendar types (exact, proleptic Gregorian).
#pragma once

#include <dnsfilter/config.hpp>
#include <dnsfilter/match/catalogue.hpp>
#include <dnsfilter/result.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <span>
#include <string_view>

namespace dnsfilter::stats {

// year * 12 + (month - 1).
using month_index = std::int32_t;

constexpr month_index make_month(int year, unsigned month) noexcept {
  return year * 12 + static_cast<month_index>(month) - 1;
}
inline constexpr month_index first_month = make_month(1, 1);
inline constexpr month_index last_month = make_month(9999, 12);

constexpr int year_of(month_index m) noexcept { return m / 12; }
constexpr unsigned month_of_year(month_index m) noexcept { return static_cast<unsigned>(m % 12) + 1; }

// "YYYY-MM" plus a terminating NUL, so .data() can go to printf.
using month_text = std::array<char, 8>;

constexpr month_text to_text(month_index m) noexcept {
  m = std::clamp(m, first_month, last_month);
  const int y = year_of(m);
  const unsigned mo = month_of_year(m);
  return {static_cast<char>('0' + y / 1000), static_cast<char>('0' + y / 100 % 10),
          static_cast<char>('0' + y / 10 % 10), static_cast<char>('0' + y % 10), '-',
          static_cast<char>('0' + mo / 10), static_cast<char>('0' + mo % 10), '\0'};
}

// Exactly "YYYY-MM" with a year from 0001 and a month from 01 to 12;
// errc::bad_date otherwise.
DNSFILTER_DECL result<month_index> parse_month(std::string_view text) noexcept;

// "YYYY-MM-DDTHH:MM:SSZ" (RFC 3339, UTC) plus a terminating NUL; times outside
// years 0001-9999 are clamped to them.
using rfc3339_text = std::array<char, 21>;
DNSFILTER_DECL rfc3339_text format_rfc3339(match::timestamp t) noexcept;
// Exactly that form ("2026-01-15T10:00:00Z") back to seconds since 1970 UTC;
// errc::bad_date for anything else (a date that does not exist, 24:00:00, an
// offset other than Z).
DNSFILTER_DECL result<match::timestamp> parse_rfc3339(std::string_view text) noexcept;

// A fixed offset from UTC in which months are counted.
class zone {
 public:
  // Every zone in use lies within UTC-12:00 .. UTC+14:00; more is refused.
  static constexpr std::int32_t max_offset = 14 * 3600;

  constexpr zone() noexcept = default;  // UTC

  // Seconds east of UTC, a whole number of minutes; errc::out_of_range otherwise.
  static DNSFILTER_DECL result<zone> from_offset(std::int32_t seconds) noexcept;
  // "+09:00", "-03:30", "+00:00" (also "Z" and "UTC"); errc::bad_character otherwise.
  static DNSFILTER_DECL result<zone> parse(std::string_view text) noexcept;

  constexpr std::int32_t offset() const noexcept { return offset_; }
  // "+HH:MM" plus a terminating NUL.
  DNSFILTER_DECL std::array<char, 7> text() const noexcept;

  // The month that time `t` falls in, in this zone.
  constexpr month_index month_of(match::timestamp t) const noexcept {
    using namespace std::chrono;
    constexpr match::timestamp day = 86400;
    t = std::clamp(t, start_of(first_month), start_of(last_month + 1) - 1) + offset_;
    const match::timestamp d = t / day - (t % day < 0 ? 1 : 0);  // floor for times before 1970
    const year_month_day ymd{sys_days{days{d}}};
    return make_month(static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()));
  }

  // The first second of month `m` in this zone, in seconds since 1970 UTC. The
  // month covers [start_of(m), start_of(m + 1)).
  constexpr match::timestamp start_of(month_index m) const noexcept {
    using namespace std::chrono;
    const year_month_day first{year{year_of(m)}, month{month_of_year(m)}, day{1}};
    return static_cast<match::timestamp>(sys_days{first}.time_since_epoch().count()) * 86400 - offset_;
  }

  friend constexpr bool operator==(zone, zone) noexcept = default;

 private:
  std::int32_t offset_ = 0;
};

}  // namespace dnsfilter::stats

#if DNSFILTER_HEADER_ONLY
#include <dnsfilter/stats/impl/calendar.ipp>
#endif
