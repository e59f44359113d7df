// Statistics months and zones: months as text and numbers, the month of a time at its boundaries.
#include <doctest/doctest.h>

#include <dnsfilter/lists.hpp>
#include <dnsfilter/stats.hpp>

#include "stats_helpers.hpp"
#include "stats_sample.hpp"

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <unistd.h>

using namespace dnsfilter_test;
using dnsfilter::errc;
namespace lists = dnsfilter::lists;

TEST_CASE("stats: months as text and as numbers") {
  CHECK(stats::make_month(2026, 1) == 2026 * 12);
  CHECK(std::string(stats::to_text(stats::make_month(2026, 1)).data()) == "2026-01");
  CHECK(std::string(stats::to_text(stats::make_month(999, 12)).data()) == "0999-12");
  CHECK(stats::parse_month("2026-12").value() == stats::make_month(2026, 12));
  CHECK(stats::parse_month("0001-01").value() == stats::first_month);
  for (const char* bad : {"2026-13", "2026-00", "0000-05", "2026-1", "2026/01", "2026-01-01", "", "+026-01", "２０26-01"})
    CHECK_MESSAGE(stats::parse_month(bad).error() == errc::bad_date, bad);
  CHECK(std::string(stats::format_rfc3339(at("2026-01-15", 3600 * 10 + 62)).data()) == "2026-01-15T10:01:02Z");
  CHECK(std::string(stats::format_rfc3339(-1).data()) == "1969-12-31T23:59:59Z");
}

TEST_CASE("stats: fixed zones are UTC offsets") {
  CHECK(std::string(stats::zone{}.text().data()) == "+00:00");
  CHECK(std::string(stats::zone::parse("+09:00")->text().data()) == "+09:00");
  CHECK(stats::zone::parse("-03:30")->offset_at(0) == -(3 * 3600 + 30 * 60));
  CHECK(stats::zone::parse("Z")->offset_at(0) == 0);
  CHECK(stats::zone::parse("+14:00")->offset_at(at("2026-07-01")) == 14 * 3600);
  CHECK(stats::zone::parse("+14:01").error() == errc::out_of_range);
  CHECK(stats::zone::parse("+09:60").error() == errc::out_of_range);
  CHECK(stats::zone::parse("09:00").error() == errc::bad_character);
  CHECK(stats::zone::parse("+9:00").error() == errc::bad_character);
  CHECK(stats::zone::from_offset(30).error() == errc::out_of_range);  // not whole minutes
}

TEST_CASE("stats: the month of a time, at the boundaries, in UTC and in an offset zone") {
  const stats::zone utc;
  const auto jan = stats::make_month(2026, 1), dec = stats::make_month(2025, 12);
  CHECK(utc.month_of(at("2026-01-01")) == jan);
  CHECK(utc.month_of(at("2026-01-01") - 1) == dec);  // Dec -> Jan
  CHECK(utc.month_of(at("2026-01-31", 86399)) == jan);
  CHECK(utc.start_of(jan) == at("2026-01-01"));
  CHECK(utc.start_of(jan + 1) == at("2026-02-01"));
  CHECK(utc.month_of(at("2024-02-29")) == stats::make_month(2024, 2));
  CHECK(utc.month_of(-1) == stats::make_month(1969, 12));  // before 1970: floor, not truncation

  const stats::zone tokyo = *stats::zone::parse("+09:00");
  CHECK(tokyo.start_of(jan) == at("2025-12-31", 15 * 3600));  // 00:00 in Tokyo is 15:00 UTC the day before
  CHECK(tokyo.month_of(at("2025-12-31", 15 * 3600)) == jan);
  CHECK(tokyo.month_of(at("2025-12-31", 15 * 3600) - 1) == dec);
  const stats::zone sao_paulo = *stats::zone::parse("-03:00");
  CHECK(sao_paulo.month_of(at("2026-01-01", 2 * 3600)) == dec);  // still 23:00 on Dec 31 there

  // Far times clamp to the years the text form holds.
  CHECK(utc.month_of(match::since_always) == stats::first_month);
  CHECK(utc.month_of(match::until_forever) == stats::last_month);
}

namespace {

// A zone at -03:00 that springs forward to -02:00 at local midnight, as
// America/Sao_Paulo did on 2018-11-04 (the midnight never happened), and
// falls back at local 00:30 on 2019-03-01 to 23:30 of February (the half
// hour before that midnight happened twice).
stats::zone gap_and_repeat() {
  const stats::zone::transition changes[] = {
      {0, -3 * 3600},
      {at("2018-11-04", 3 * 3600), -2 * 3600},      // 00:00 -03:00 -> 01:00 -02:00
      {at("2019-03-01", 2 * 3600 + 1800), -3 * 3600},  // 00:30 -02:00 -> 23:30 -03:00
  };
  return stats::zone::from_transitions("Test/Gap_Repeat", changes).value();
}

}  // namespace

TEST_CASE("stats: a named zone from its transitions: offsets, text, equality, copies") {
  const stats::zone z = gap_and_repeat();
  CHECK(z.named());
  CHECK(z.name() == "Test/Gap_Repeat");
  CHECK(z.text() == "Test/Gap_Repeat");
  CHECK(z.transitions().size() == 3);
  CHECK(z.offset_at(-1000000000) == -3 * 3600);  // before the table: its first offset
  CHECK(z.offset_at(at("2018-11-04", 3 * 3600) - 1) == -3 * 3600);
  CHECK(z.offset_at(at("2018-11-04", 3 * 3600)) == -2 * 3600);
  CHECK(z.offset_at(at("2100-01-01")) == -3 * 3600);  // after it: its last offset

  const stats::zone copy = z;  // shares the table
  CHECK(copy == z);
  CHECK(copy.transitions().data() == z.transitions().data());
  // Built twice, equal by name and table; another name or table is another zone.
  CHECK(gap_and_repeat() == z);
  const stats::zone::transition one[] = {{0, -3 * 3600}};
  CHECK(stats::zone::from_transitions("Test/Gap_Repeat", one).value() != z);
  CHECK(stats::zone::from_transitions("Test/Other", one).value() != stats::zone::from_transitions("Test/Fixed", one).value());
  CHECK(stats::zone::from_transitions("Test/Fixed", one).value() != *stats::zone::parse("-03:00"));
  CHECK(stats::zone{} == *stats::zone::parse("UTC"));

  // Changes that keep the offset are dropped.
  const stats::zone::transition same[] = {{0, 3600}, {100, 3600}, {200, 7200}};
  CHECK(stats::zone::from_transitions("Test/Same", same)->transitions().size() == 2);

  CHECK(std::string(stats::zone::offset_text(9 * 3600).data()) == "+09:00");
  CHECK(std::string(stats::zone::offset_text(-(44 * 60 + 30)).data()) == "-00:44:30");  // Monrovia until 1972
}

TEST_CASE("stats: bad tables and names are refused") {
  const stats::zone::transition ok[] = {{0, 0}};
  const stats::zone::transition unordered[] = {{100, 0}, {100, 3600}};
  const stats::zone::transition too_far[] = {{0, 24 * 3600}};
  CHECK(stats::zone::from_transitions("Test/Empty", {}).error() == errc::invalid_argument);
  CHECK(stats::zone::from_transitions("Test/Unordered", unordered).error() == errc::invalid_argument);
  CHECK(stats::zone::from_transitions("Test/Far", too_far).error() == errc::out_of_range);
  for (const char* bad : {"", "UTC", "Z", "+09:00", "/etc/passwd", "Asia/../../etc/passwd", "Asia//Tokyo", "Asia/",
                          "Asia/Tokyo ", "9Asia", "Asia/Tōkyō", "Asia\\Tokyo", "../Asia"}) {
    CAPTURE(bad);
    CHECK_FALSE(stats::zone::valid_name(bad));
    CHECK(stats::zone::from_transitions(bad, ok).error() == errc::invalid_argument);
  }
  for (const char* good : {"Asia/Tokyo", "America/Argentina/Buenos_Aires", "Etc/GMT+9", "Etc/GMT-14", "EST5EDT",
                           "America/Port-au-Prince", "Etc/UTC", "GMT"})
    CHECK_MESSAGE(stats::zone::valid_name(good), good);
  CHECK(stats::zone::parse("Asia/Tokyo").error() == errc::bad_character);  // names are tz.hpp's
}

TEST_CASE("stats: a midnight that a DST jump skips begins its day when the clocks jump") {
  const stats::zone z = gap_and_repeat();
  // 2018-11-04 00:00 never happened there: the day begins at the jump,
  // 03:00 UTC, when the clocks went from 23:59:59 to 01:00.
  const auto jump = at("2018-11-04", 3 * 3600);
  CHECK(z.to_utc(at("2018-11-04")) == jump);
  CHECK(z.to_utc(at("2018-11-04", 1800)) == jump);        // 00:30 did not happen either
  CHECK(z.to_utc(at("2018-11-04", 3600)) == jump);        // 01:00 is the jump
  CHECK(z.to_utc(at("2018-11-04", 3600 + 1)) == jump + 1);
  CHECK(z.to_local(jump - 1) == at("2018-11-04") - 1);    // 23:59:59 on the 3rd
  CHECK(z.to_local(jump) == at("2018-11-04", 3600));      // 01:00 on the 4th
  // A catalogue entry starting that day starts at the jump.
  match::catalogue cat;
  lists::load_options options;
  options.time_zone = z;
  REQUIRE(lists::load_catalogue("XX-1\tbackdoor\t2018-11-04\t2018-11-05\tgap.example\n", cat, options));
  CHECK(cat.entries()[0].start == jump);
  CHECK(cat.entries()[0].end == at("2018-11-05", 2 * 3600));
  CHECK(lists::format_date(jump, z) == "2018-11-04");
  CHECK(lists::format_date(jump - 1, z) == "2018-11-03");
}

TEST_CASE("stats: a midnight that occurs twice begins its day, and its month, at the first") {
  const stats::zone z = gap_and_repeat();
  const auto march = stats::make_month(2019, 3), february = stats::make_month(2019, 2);
  // 00:00 -02:00 on March 1st is 02:00 UTC; half an hour later the clocks go
  // back to 23:30 of February 28th, and the month stays March.
  const auto first = at("2019-03-01", 2 * 3600), back = at("2019-03-01", 2 * 3600 + 1800);
  CHECK(z.start_of(march) == first);
  CHECK(z.month_of(first - 1) == february);
  CHECK(z.month_of(first) == march);
  CHECK(z.to_local(back) == at("2019-02-28", 23 * 3600 + 1800));  // February on the clock again
  CHECK(z.month_of(back) == march);                                // but March has begun
  CHECK(z.month_of(back + 1800) == march);
  CHECK(z.start_of(march + 1) == at("2019-04-01", 3 * 3600));
  CHECK(z.start_of(february) == at("2019-02-01", 2 * 3600));
  // Months are consistent with start_of over the whole table.
  for (auto m = stats::make_month(2018, 1); m <= stats::make_month(2020, 1); ++m) {
    CAPTURE(m);
    CHECK(z.month_of(z.start_of(m)) == m);
    CHECK(z.month_of(z.start_of(m) - 1) == m - 1);
    CHECK(z.start_of(m) < z.start_of(m + 1));
  }
}

TEST_CASE("stats: zones keep the open bounds and far times") {
  const stats::zone z = gap_and_repeat();
  for (const stats::zone& each : {z, *stats::zone::parse("+14:00"), stats::zone{}}) {
    CHECK(each.to_utc(match::since_always) == match::since_always);
    CHECK(each.to_utc(match::until_forever) == match::until_forever);
    CHECK(each.to_local(match::until_forever) == match::until_forever);
    CHECK(each.month_of(match::since_always) == stats::first_month);
    CHECK(each.month_of(match::until_forever) == stats::last_month);
    CHECK(each.month_of(match::until_forever - 1) == stats::last_month);
    CHECK(each.month_of(match::since_always + 1) == stats::first_month);
  }
}

TEST_CASE("stats: RFC 3339 times read back what format_rfc3339 writes, and nothing else") {
  for (const match::timestamp t : {match::timestamp{0}, at("2026-01-15", 36000), at("2024-02-29", 86399),
                                   at("0001-01-01"), at("9999-12-31", 86399), match::timestamp{-1}}) {
    CAPTURE(t);
    CHECK(stats::parse_rfc3339(stats::format_rfc3339(t).data()).value() == t);
  }
  CHECK(stats::parse_rfc3339("2026-01-15T10:00:00Z").value() == at("2026-01-15", 36000));
  for (const char* bad : {"", "2026-01-15", "2026-01-15T10:00:00", "2026-01-15T10:00:00+09:00", "2026-01-15 10:00:00Z",
                          "2026-02-29T00:00:00Z", "2026-13-01T00:00:00Z", "2026-01-00T00:00:00Z", "0000-01-01T00:00:00Z",
                          "2026-01-15T24:00:00Z", "2026-01-15T10:60:00Z", "2026-01-15T10:00:60Z", "2026-01-15t10:00:00z",
                          "+026-01-15T10:00:00Z", "2026-01-15T1a:00:00Z", "2026-01-15T10:00:00ZZ"}) {
    CAPTURE(bad);
    CHECK(stats::parse_rfc3339(bad).error() == errc::bad_date);
  }
}
