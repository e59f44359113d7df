// dnsfilter — named time zones ("Asia/Tokyo", "Europe/Berlin") from the
// system's tz database, through Howard Hinnant's date/tz library (Debian:
// libhowardhinnant-date-dev, which reads /usr/share/zoneinfo from tzdata;
// CMake: find_package(date CONFIG), target date::date-tz).
//
//   auto z = stats::tz::parse_zone("Asia/Tokyo", &why);   // or "+09:00", "UTC"
//   stats::registry reg{threads, {.zone = *z}};
//   auto t = stats::read_totals(path, &d, {.resolve_zone = stats::tz::resolver()});
//
// Not part of the core and included by no umbrella header: a program that
// includes it links date::date-tz and builds with exceptions (the library
// throws; nothing escapes from here). The zone's table covers
// table_first_year to table_end_year (docs/design.md, "Months and time zones").
#pragma once

#if !defined(__cpp_exceptions)
#error "dnsfilter/stats/tz.hpp needs exceptions: the tz library throws (the core does not need it)"
#endif

#include <dnsfilter/error.hpp>
#include <dnsfilter/result.hpp>
#include <dnsfilter/stats/calendar.hpp>
#include <dnsfilter/stats/totals.hpp>

#include <date/tz.h>

#include <chrono>
#include <exception>
#include <string>
#include <string_view>
#include <vector>

namespace dnsfilter::stats::tz {

// The offsets in effect from table_first_year-01-01 to table_end_year-01-01
// (UTC) are in the table; before it the first one holds, after it the last.
inline constexpr int table_first_year = 1970;
inline constexpr int table_end_year = 2100;

// The zone `name` of the tz database, by that name (a link such as "Japan" is
// a zone of its own name, whose months are Asia/Tokyo's). errc::unknown_time_zone, with the reason in
// `*why` when given, for a name the database does not have or that is not a
// zone name (zone::valid_name), and when the database cannot be read.
inline result<zone> locate_zone(std::string_view name, std::string* why = nullptr) {
  const auto refuse = [&](const std::string& reason) -> result<zone> {
    if (why != nullptr) *why = reason;
    return errc::unknown_time_zone;
  };
  if (!zone::valid_name(name)) return refuse("'" + std::string(name) + "' is not a time-zone name");
  try {
    const date::time_zone* found = date::locate_zone(std::string(name));
    const date::sys_seconds end{date::sys_days{date::year{table_end_year} / 1 / 1}};
    date::sys_seconds at{date::sys_days{date::year{table_first_year} / 1 / 1}};
    std::vector<zone::transition> changes;
    for (;;) {
      const date::sys_info info = found->get_info(at);
      changes.push_back({at.time_since_epoch().count(), static_cast<std::int32_t>(info.offset.count())});
      if (info.end >= end) break;
      at = info.end;
    }
    auto made = zone::from_transitions(name, changes);
    if (!made) return refuse("time zone " + std::string(name) + ": " + to_string(made.error()));
    return made;
  } catch (const std::exception& e) {
    return refuse("unknown time zone '" + std::string(name) + "' (" + e.what() + ")");
  }
}

// "+09:00", "-03:30", "Z" or "UTC" (zone::parse), else a name (locate_zone).
inline result<zone> parse_zone(std::string_view text, std::string* why = nullptr) {
  if (auto fixed = zone::parse(text)) return fixed;
  if (!zone::valid_name(text)) {
    if (why != nullptr) *why = "'" + std::string(text) + "' is neither +HH:MM (within +-14:00), Z, UTC nor a time-zone name";
    return errc::unknown_time_zone;
  }
  return locate_zone(text, why);
}

// For totals_read_options::resolve_zone: names through locate_zone.
inline zone_resolver resolver() {
  return [](std::string_view name, std::string& why) { return locate_zone(name, &why); };
}

}  // namespace dnsfilter::stats::tz
