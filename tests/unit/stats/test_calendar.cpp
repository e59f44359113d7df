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

TEST_CASE("stats: zones are fixed UTC offsets") {
  CHECK(std::string(stats::zone{}.text().data()) == "+00:00");
  CHECK(std::string(stats::zone::parse("+09:00")->text().data()) == "+09:00");
  CHECK(stats::zone::parse("-03:30")->offset() == -(3 * 3600 + 30 * 60));
  CHECK(stats::zone::parse("Z")->offset() == 0);
  CHECK(stats::zone::parse("+14:00")->offset() == 14 * 3600);
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
