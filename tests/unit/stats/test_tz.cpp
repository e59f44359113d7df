// Named zones from the system's tz database (stats/tz.hpp): Asia/Tokyo,
// daylight saving in Europe/Berlin and America/New_York, the 2018 gap of
// America/Sao_Paulo, unknown names, the statistics file's zone line, and the
// tables checked against the C library's reading of the same database.
// Built only where the date/tz library is (tests/CMakeLists.txt).
#include <doctest/doctest.h>

#include <dnsfilter/lists.hpp>
#include <dnsfilter/stats.hpp>
#include <dnsfilter/stats/tz.hpp>

#include "stats_helpers.hpp"
#include "stats_sample.hpp"

#include <cstdlib>
#include <ctime>
#include <string>

using namespace dnsfilter_test;
namespace tz = dnsfilter::stats::tz;

namespace {

stats::zone named(const char* name) {
  std::string why;
  auto z = tz::locate_zone(name, &why);
  REQUIRE_MESSAGE(z.has_value(), why);
  return *z;
}

}  // namespace

TEST_CASE("tz: Asia/Tokyo months begin at 15:00 UTC the day before") {
  const stats::zone tokyo = named("Asia/Tokyo");
  CHECK(tokyo.named());
  CHECK(tokyo.text() == "Asia/Tokyo");
  const auto jan = stats::make_month(2026, 1);
  CHECK(tokyo.start_of(jan) == at("2025-12-31", 15 * 3600));
  CHECK(tokyo.month_of(at("2025-12-31", 15 * 3600)) == jan);
  CHECK(tokyo.month_of(at("2025-12-31", 15 * 3600) - 1) == jan - 1);
  CHECK(tokyo.offset_at(at("2026-07-01")) == 9 * 3600);
  // The same months as the fixed offset, but another zone (another zone line).
  const stats::zone fixed = *stats::zone::parse("+09:00");
  for (auto m = stats::make_month(1970, 1); m <= stats::make_month(2100, 12); ++m) CHECK(tokyo.start_of(m) == fixed.start_of(m));
  CHECK(tokyo != fixed);
  // A link of the database ("Japan") is a zone of its own name, with the same months.
  const stats::zone japan = named("Japan");
  CHECK(japan.text() == "Japan");
  CHECK(japan.start_of(jan) == tokyo.start_of(jan));
  CHECK(japan != tokyo);
}

TEST_CASE("tz: Europe/Berlin across its daylight-saving changes") {
  const stats::zone berlin = named("Europe/Berlin");
  // 2026-03-29 01:00 UTC: 02:00 CET becomes 03:00 CEST.
  const auto spring = at("2026-03-29", 3600);
  CHECK(berlin.offset_at(spring - 1) == 3600);
  CHECK(berlin.offset_at(spring) == 7200);
  CHECK(berlin.to_local(spring - 1) == at("2026-03-29", 2 * 3600 - 1));
  CHECK(berlin.to_local(spring) == at("2026-03-29", 3 * 3600));
  // Months in winter begin at 23:00 UTC, in summer at 22:00 UTC.
  CHECK(berlin.start_of(stats::make_month(2026, 1)) == at("2025-12-31", 23 * 3600));
  CHECK(berlin.start_of(stats::make_month(2026, 4)) == at("2026-03-31", 22 * 3600));
  CHECK(berlin.start_of(stats::make_month(2026, 11)) == at("2026-10-31", 23 * 3600));
  const auto april = stats::make_month(2026, 4);
  CHECK(berlin.month_of(at("2026-03-31", 22 * 3600) - 1) == april - 1);
  CHECK(berlin.month_of(at("2026-03-31", 22 * 3600)) == april);
  CHECK(berlin.month_of(spring) == april - 1);
  // 2026-10-25 01:00 UTC: 03:00 CEST becomes 02:00 CET.
  const auto autumn = at("2026-10-25", 3600);
  CHECK(berlin.to_local(autumn - 1) == at("2026-10-25", 3 * 3600 - 1));
  CHECK(berlin.to_local(autumn) == at("2026-10-25", 2 * 3600));
  CHECK(berlin.month_of(autumn) == stats::make_month(2026, 10));

  // A catalogue entry that starts on the spring day starts at that day's
  // local midnight (still CET) and ends at the next one (CEST).
  match::catalogue cat;
  lists::load_options options;
  options.time_zone = berlin;
  REQUIRE(lists::load_catalogue("DE-1\tbackdoor\t2026-03-29\t2026-03-30\tc2.example\n", cat, options));
  CHECK(cat.entries()[0].start == at("2026-03-28", 23 * 3600));
  CHECK(cat.entries()[0].end == at("2026-03-29", 22 * 3600));
  CHECK(lists::format_date(cat.entries()[0].start, berlin) == "2026-03-29");
  CHECK(lists::format_date(cat.entries()[0].end - 1, berlin) == "2026-03-29");
  CHECK(lists::format_date(cat.entries()[0].start) == "2026-03-28");  // the UTC date
}

TEST_CASE("tz: America/New_York falls back after its month began") {
  const stats::zone new_york = named("America/New_York");
  // 2026-11-01 06:00 UTC: 02:00 EDT becomes 01:00 EST; the month began at
  // midnight EDT, 04:00 UTC.
  const auto november = stats::make_month(2026, 11);
  CHECK(new_york.start_of(november) == at("2026-11-01", 4 * 3600));
  CHECK(new_york.start_of(november + 1) == at("2026-12-01", 5 * 3600));
  CHECK(new_york.month_of(at("2026-11-01", 6 * 3600)) == november);
  CHECK(new_york.offset_at(at("2026-11-01", 6 * 3600) - 1) == -4 * 3600);
  CHECK(new_york.offset_at(at("2026-11-01", 6 * 3600)) == -5 * 3600);
}

TEST_CASE("tz: America/Sao_Paulo's 2018-11-04 began at 01:00, when the clocks jumped") {
  const stats::zone sao_paulo = named("America/Sao_Paulo");
  CHECK(sao_paulo.to_utc(at("2018-11-04")) == at("2018-11-04", 3 * 3600));
  CHECK(sao_paulo.to_local(at("2018-11-04", 3 * 3600)) == at("2018-11-04", 3600));
  match::catalogue cat;
  lists::load_options options;
  options.time_zone = sao_paulo;
  REQUIRE(lists::load_catalogue("BR-1\tbackdoor\t2018-11-04\t\tc2.example\n", cat, options));
  CHECK(cat.entries()[0].start == at("2018-11-04", 3 * 3600));
}

TEST_CASE("tz: names the database does not have are refused with the reason") {
  for (const char* bad : {"Asia/Atlantis", "Foo", "Asia/../../etc/passwd", "", "/etc/localtime", "Asia/Tokyo\n"}) {
    CAPTURE(bad);
    std::string why;
    CHECK(tz::locate_zone(bad, &why).error() == errc::unknown_time_zone);
    CHECK(why.find("'") != std::string::npos);
    CHECK(tz::parse_zone(bad, &why).error() == errc::unknown_time_zone);
  }
  std::string why;
  CHECK_FALSE(tz::parse_zone("Asia/Atlantis", &why));
  CHECK(why.find("unknown time zone 'Asia/Atlantis'") == 0);
  CHECK_FALSE(tz::parse_zone("+15:00", &why));
  CHECK(why.find("neither +HH:MM") != std::string::npos);
  CHECK(tz::parse_zone("+09:00").value() == *stats::zone::parse("+09:00"));
  CHECK(tz::parse_zone("UTC").value() == stats::zone{});
  CHECK(tz::parse_zone("Z").value() == stats::zone{});
  CHECK(tz::parse_zone("Asia/Tokyo").value() == named("Asia/Tokyo"));
  CHECK(tz::parse_zone("Etc/UTC").value().named());
}

TEST_CASE("tz: a statistics file counted in Asia/Tokyo round-trips through the database") {
  stats::totals t = sample_totals();
  t.zone = named("Asia/Tokyo");
  const std::string text = stats::format_totals(t);
  CHECK(text.find("\nzone Asia/Tokyo\n") != std::string::npos);
  lists::diagnostic why;
  auto back = stats::parse_totals(text, &why, {.resolve_zone = tz::resolver()});
  REQUIRE_MESSAGE(back.has_value(), why.message);
  CHECK(*back == t);
  const std::string unknown = "dnsfilter-stats 2\nzone Asia/Atlantis\nend 0\n";
  CHECK(stats::parse_totals(unknown, &why, {.resolve_zone = tz::resolver()}).error() == errc::bad_stats_file);
  CHECK(why.line == 2);
  CHECK(why.message.find("zone Asia/Atlantis: unknown time zone 'Asia/Atlantis'") == 0);
}

TEST_CASE("tz: the tables agree with the C library's reading of the database") {
  // Every 6 hours from 1970 to 2037 (where both read the files' transitions).
  const char* saved = std::getenv("TZ");
  const std::string previous = saved != nullptr ? saved : "";
  for (const char* name : {"Europe/Berlin", "America/New_York", "America/Sao_Paulo", "Australia/Sydney",
                           "Australia/Lord_Howe", "Europe/Dublin", "Asia/Tokyo", "Africa/Casablanca", "Pacific/Apia"}) {
    CAPTURE(name);
    const stats::zone z = named(name);
    ::setenv("TZ", name, 1);
    ::tzset();
    int mismatches = 0;
    for (std::time_t t = at("1970-01-01"); t < at("2037-12-31"); t += 6 * 3600) {
      std::tm local{};
      ::localtime_r(&t, &local);
      if (local.tm_gmtoff != z.offset_at(t) && ++mismatches < 5) CHECK(local.tm_gmtoff == z.offset_at(t));
    }
    CHECK(mismatches == 0);
  }
  if (saved != nullptr) ::setenv("TZ", previous.c_str(), 1);
  else ::unsetenv("TZ");
  ::tzset();
}
