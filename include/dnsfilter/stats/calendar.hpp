// dnsfilter — calendar months and the zone they are counted in.
//
// Statistics are bucketed by calendar month. A month is a month_index,
// year * 12 + (month - 1), so months sort and subtract as integers (2026-01 is
// 24312, the next one 24313). Years 0001 to 9999 only: the range the text form
// "YYYY-MM" holds; a time outside it counts in the first or the last month.
//
// A zone is UTC (the default), a fixed offset from UTC, or a named zone with
// daylight-saving changes (a table built off the per-packet path; the tz
// database is read by stats/tz.hpp, which the core does not include). How
// months, gaps and repeated midnights work: docs/design.md, "Months and time
// zones". Calendar arithmetic is std::chrono's (exact, proleptic Gregorian).
#pragma once

#include <dnsfilter/config.hpp>
#include <dnsfilter/match/catalogue.hpp>
#include <dnsfilter/result.hpp>

#include <algorithm>
#include <array>
#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

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

// A change of a named zone's offset: from UTC second `at` on, local time is
// UTC + `offset` seconds (until the next change).
struct zone_transition {
  match::timestamp at = 0;
  std::int32_t offset = 0;
  friend constexpr bool operator==(const zone_transition&, const zone_transition&) noexcept = default;
};

namespace detail {

// A named zone's name and offsets, shared by every copy of the zone.
struct zone_table {
  std::string name;
  std::vector<zone_transition> changes;  // by `at`, strictly increasing; never empty
};

// The first second of month `m` on a clock at UTC (or any local clock).
constexpr match::timestamp utc_start_of(month_index m) noexcept {
  using namespace std::chrono;
  const year_month_day first{year{year_of(m)}, month{month_of_year(m)}, day{1}};
  return static_cast<match::timestamp>(sys_days{first}.time_since_epoch().count()) * 86400;
}

// The month of second `t` of a clock at UTC, clamped to first_month .. last_month.
constexpr month_index utc_month_of(match::timestamp t) noexcept {
  using namespace std::chrono;
  constexpr match::timestamp day = 86400;
  t = std::clamp(t, utc_start_of(first_month), utc_start_of(last_month + 1) - 1);
  const match::timestamp d = t / day - (t % day < 0 ? 1 : 0);  // floor for times before 1970
  const year_month_day ymd{sys_days{days{d}}};
  return make_month(static_cast<int>(ymd.year()), static_cast<unsigned>(ymd.month()));
}

}  // namespace detail

// The zone in which months (and catalogue dates) are counted: UTC, a fixed
// offset from UTC, or a named zone that follows a table of offset changes
// (made by stats/tz.hpp from the system's time-zone database, or by
// from_transitions). A day and a month begin at the first instant at which
// the local clock reads their first second or later: a midnight skipped by a
// daylight-saving jump begins its day when the clocks jump, a midnight that
// occurs twice begins it at its first occurrence (docs/design.md, "Months
// and time zones"). Copies share the table; comparing and copying never
// allocate, and month_of / start_of are noexcept and allocation-free.
class zone {
 public:
  using transition = zone_transition;

  // Every zone in use lies within UTC-12:00 .. UTC+14:00; more is refused.
  static constexpr std::int32_t max_offset = 14 * 3600;
  // A named zone's offsets lie strictly within a day of UTC (historic ones
  // need not be whole minutes).
  static constexpr std::int32_t max_table_offset = 24 * 3600 - 1;

  zone() noexcept = default;  // UTC

  // Seconds east of UTC, a whole number of minutes; errc::out_of_range otherwise.
  static DNSFILTER_DECL result<zone> from_offset(std::int32_t seconds) noexcept;
  // "+09:00", "-03:30", "+00:00" (also "Z" and "UTC"); errc::bad_character
  // otherwise (a zone name included: stats/tz.hpp parses those).
  static DNSFILTER_DECL result<zone> parse(std::string_view text) noexcept;

  // A named zone: changes[i].offset holds from changes[i].at to the next
  // change; the first one's offset also holds before it and the last one's
  // after it. errc::invalid_argument for a name that is not valid_name(), no
  // change or instants not strictly increasing; errc::out_of_range for an
  // offset beyond max_table_offset. Changes that keep the offset are dropped.
  static DNSFILTER_DECL result<zone> from_transitions(std::string_view name, std::span<const transition> changes);

  // A time-zone name as the tz database spells them ("Asia/Tokyo",
  // "America/Argentina/Buenos_Aires", "Etc/GMT+9"): 1 to 255 bytes of letters,
  // digits and "/_-+.", starting with a letter, no empty, "." or ".." part.
  static DNSFILTER_DECL bool valid_name(std::string_view text) noexcept;

  bool named() const noexcept { return table_ != nullptr; }
  // The name of a named zone; "" for a fixed offset.
  std::string_view name() const noexcept { return named() ? std::string_view(table_->name) : std::string_view(); }
  // A named zone's changes; empty for a fixed offset.
  std::span<const transition> transitions() const noexcept {
    return named() ? std::span<const transition>(table_->changes) : std::span<const transition>();
  }

  // Seconds east of UTC in effect at UTC second `t`.
  DNSFILTER_DECL std::int32_t offset_at(match::timestamp t) const noexcept;

  // The statistics file's zone: "+HH:MM" for a fixed offset, the name of a named zone.
  DNSFILTER_DECL std::string text() const;
  // `seconds` east of UTC as "+HH:MM", or "+HH:MM:SS" when not whole minutes; NUL-terminated.
  static DNSFILTER_DECL std::array<char, 10> offset_text(std::int32_t seconds) noexcept;

  // The local time of UTC second `t` (seconds since 1970 of the local clock;
  // the open bounds and times near them as to_utc has them).
  DNSFILTER_DECL match::timestamp to_local(match::timestamp t) const noexcept;
  // The first UTC second at which the local clock reads `local` or later
  // (the rule above). since_always and until_forever stay as they are; times
  // within two days of them are clamped so that nothing overflows.
  DNSFILTER_DECL match::timestamp to_utc(match::timestamp local) const noexcept;

  // The month that time `t` falls in, in this zone: the last month whose
  // start_of is at or before `t`.
  DNSFILTER_DECL month_index month_of(match::timestamp t) const noexcept;

  // The first second of month `m` in this zone, in seconds since 1970 UTC. The
  // month covers [start_of(m), start_of(m + 1)).
  match::timestamp start_of(month_index m) const noexcept { return to_utc(detail::utc_start_of(m)); }

  // Equal: the same fixed offset, or the same name with the same changes.
  friend DNSFILTER_DECL bool operator==(const zone& a, const zone& b) noexcept;

 private:
  std::int32_t offset_ = 0;                       // a fixed zone's offset
  std::shared_ptr<const detail::zone_table> table_;  // a named zone's changes
};

}  // namespace dnsfilter::stats

#if DNSFILTER_HEADER_ONLY
#include <dnsfilter/stats/impl/calendar.ipp>
#endif
