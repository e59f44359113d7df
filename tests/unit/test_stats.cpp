// Statistics: calendar months and zones, the recorders and the registry
// (definitions, month rollover, stable slots across reloads, exactness under
// concurrent writers and readers), the statistics file (round trip, atomic
// write, merge on load, hostile files) and the Prometheus and JSON exports.
#include <doctest/doctest.h>

#include <dnsfilter/stats.hpp>
#include <dnsfilter/lists.hpp>

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

namespace {

namespace stats = dnsfilter::stats;
namespace match = dnsfilter::match;
namespace lists = dnsfilter::lists;
using dnsfilter::errc;

match::timestamp at(std::string_view date, int seconds = 0) { return lists::parse_date(date).value() + seconds; }

// A catalogue of `ids` (each its own category "cat-<id>") in source "ops".
match::catalogue catalogue_of(std::initializer_list<const char*> ids) {
  match::catalogue cat;
  const auto source = cat.add_source("ops");
  for (const char* id : ids) {
    match::entry e;
    e.id = id;
    e.category = std::string("cat-") + id;
    e.source = source;
    cat.add_entry(e);
  }
  return cat;
}

// A directory of its own under $TMPDIR, removed with what it holds.
struct temp_dir {
  std::string path;
  temp_dir() {
    const char* base = std::getenv("TMPDIR");
    path = std::string(base != nullptr ? base : "/tmp") + "/dnsfilter-stats-XXXXXX";
    REQUIRE(::mkdtemp(path.data()) != nullptr);
  }
  ~temp_dir() { (void)std::system(("rm -rf '" + path + "'").c_str()); }
};

std::string read_text(const std::string& path) { return lists::read_file(path).value(); }

}  // namespace

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

TEST_CASE("stats: what each outcome counts (opted-out clients only as opted out)") {
  stats::registry reg{1};
  const auto cat = catalogue_of({"XX-1", "XX-2"});
  const auto slots = reg.map(cat);
  auto& rec = reg.at(0);
  const auto t = at("2026-03-10");
  rec.count_passed(t);
  rec.count_passed(t);
  rec.count_opted_out(t);
  rec.count_hit(t, slots.of(0), match::action::sinkhole);
  rec.count_hit(t, slots.of(1), match::action::nxdomain);
  rec.count_hit(t, slots.of(1), match::action::pass);  // an exception: passed, but a hit

  const auto totals = reg.read();
  REQUIRE(totals.months.size() == 1);
  const auto& m = totals.months.at(stats::make_month(2026, 3));
  CHECK(m.opted_out == 1);
  CHECK(m.filtered == 2);
  CHECK(m.passed == 3);
  CHECK(m.queries() == 5);  // the opted-out query is not in the denominator
  CHECK(m.share() == doctest::Approx(0.4));
  CHECK(m.by_action[stats::action_slot(match::action::sinkhole)] == 1);
  CHECK(m.by_action[stats::action_slot(match::action::nxdomain)] == 1);
  CHECK(m.by_action[stats::action_slot(match::action::pass)] == 1);
  CHECK(m.by_entry == stats::month_counts::keyed{{"XX-1", 1}, {"XX-2", 2}});
  CHECK(m.by_category == stats::month_counts::keyed{{"cat-XX-1", 1}, {"cat-XX-2", 2}});
}

TEST_CASE("stats: a recorder crosses months without losing a count (Dec -> Jan, offset zone)") {
  for (const char* zone_text : {"+00:00", "+09:00", "-05:00"}) {
    CAPTURE(zone_text);
    stats::registry_options opt;
    opt.zone = *stats::zone::parse(zone_text);
    stats::registry reg{1, opt};
    auto& rec = reg.at(0);
    const auto jan = stats::make_month(2026, 1), dec = jan - 1;
    const auto boundary = opt.zone.start_of(jan);
    for (int i = 0; i < 10; ++i) rec.count_passed(boundary - 10 + i);  // the last 10 s of December
    auto mid = reg.read();                                              // a read while in December
    CHECK(mid.months.at(dec).passed == 10);
    for (int i = 0; i < 7; ++i) rec.count_passed(boundary + i);  // January
    rec.count_opted_out(boundary + 7);
    rec.count_passed(boundary - 1);  // the clock steps back: December again
    rec.count_passed(boundary + 8);  // ... and forward
    const auto end = reg.read();
    CHECK(end.months.at(dec).passed == 11);
    CHECK(end.months.at(jan).passed == 8);
    CHECK(end.months.at(jan).opted_out == 1);
    CHECK(end.months.size() == 2);
    CHECK(reg.read() == end);  // a read folds, it does not count twice
  }
}

TEST_CASE("stats: counts follow entry keys across reloads that renumber entries") {
  stats::registry reg{2};
  auto& rec = reg.at(1);
  const auto t = at("2026-02-02");
  {
    const auto cat = catalogue_of({"XX-1", "XX-2"});
    const auto slots = reg.map(cat);
    rec.count_hit(t, slots.of(0), match::action::sinkhole);  // XX-1
    rec.count_hit(t, slots.of(1), match::action::sinkhole);  // XX-2
  }
  // The reload drops XX-1, adds three entries and renumbers XX-2; a plain list
  // (entries without identifier) counts under the list's name.
  auto cat = catalogue_of({"XX-3", "XX-4", "XX-2", "XX-5"});
  lists::load_options plain;
  plain.source_name = "blocklist.txt";
  REQUIRE(lists::load_plain("ads.example\n", cat, plain).has_value());
  const auto slots = reg.map(cat);
  REQUIRE(slots.size() == 5);
  CHECK(slots.of(2).key == "XX-2");
  CHECK(slots.of(4).key == "blocklist.txt");
  rec.count_hit(t, slots.of(2), match::action::sinkhole);  // XX-2 again, at a new index
  rec.count_hit(t, slots.of(3), match::action::drop);      // a new slot: the recorder's block grows
  rec.count_hit(t, slots.of(4), match::action::sinkhole);
  const auto totals = reg.read();
  const auto& m = totals.months.at(stats::make_month(2026, 2));
  CHECK(m.by_entry == stats::month_counts::keyed{{"XX-1", 1}, {"XX-2", 2}, {"XX-5", 1}, {"blocklist.txt", 1}});
  CHECK(m.by_category ==
        stats::month_counts::keyed{{"cat-XX-1", 1}, {"cat-XX-2", 2}, {"cat-XX-5", 1}, {"", 1}});
  CHECK(m.filtered == 5);
  // Mapping the same catalogue again gives the same slots.
  const auto again = reg.map(cat);
  for (std::uint32_t i = 0; i < again.size(); ++i) {
    CHECK(again.of(i).entry == slots.of(i).entry);
    CHECK(again.of(i).category == slots.of(i).category);
  }
}

TEST_CASE("stats: exact totals with 4 writers and concurrent readers") {
  constexpr int writers = 4;
  constexpr int per_writer = 1'000'000;
  stats::registry reg{writers};
  const auto cat = catalogue_of({"XX-1", "XX-2", "XX-3"});
  const auto slots = reg.map(cat);
  const auto feb = stats::make_month(2026, 2);
  const auto boundary = reg.zone().start_of(feb);

  std::atomic<int> running{writers};
  std::vector<std::thread> threads;
  for (int w = 0; w < writers; ++w) {
    threads.emplace_back([&, w] {
      auto& rec = reg.at(static_cast<std::size_t>(w));
      for (int i = 0; i < per_writer; ++i) {
        // The first half in January, the second in February: rollover under load.
        const match::timestamp now = boundary + (i < per_writer / 2 ? -1000 : 1000) + i % 7;
        switch (i % 16) {
          case 0: rec.count_opted_out(now); break;
          case 1: rec.count_hit(now, slots.of(static_cast<std::uint32_t>(i / 16 % 3)), match::action::sinkhole); break;
          case 2: rec.count_hit(now, slots.of(2), match::action::pass); break;
          default: rec.count_passed(now);
        }
      }
      running.fetch_sub(1);
    });
  }
  // Readers merge while the writers count: the sums only ever grow.
  std::uint64_t last_seen = 0;
  int reads = 0;
  while (running.load() > 0) {
    const auto t = reg.read();
    std::uint64_t all = 0;
    for (const auto& [month, m] : t.months) all += m.queries() + m.opted_out;
    CHECK(all >= last_seen);
    last_seen = all;
    ++reads;
  }
  for (auto& th : threads) th.join();
  CHECK(reads > 0);

  const auto t = reg.read();
  REQUIRE(t.months.size() == 2);
  std::uint64_t opted_out = 0, filtered = 0, passed = 0, hits = 0;
  for (const auto& [month, m] : t.months) {
    opted_out += m.opted_out;
    filtered += m.filtered;
    passed += m.passed;
    for (const auto& kv : m.by_entry) hits += kv.second;
  }
  constexpr std::uint64_t total = std::uint64_t{writers} * per_writer;
  constexpr std::uint64_t each = total / 16;  // per_writer is a multiple of 16
  CHECK(opted_out == each);
  CHECK(filtered == each);
  CHECK(passed == total - 2 * each);
  CHECK(hits == 2 * each);
  CHECK(t.months.at(feb).queries() + t.months.at(feb).opted_out == total / 2);
  CHECK(t.unrecorded == 0);
}

TEST_CASE("stats: the file round-trips, and the library writes tests/data/stats/sample.stats") {
  const auto sample = dnsfilter_test::sample_totals();
  const std::string text = stats::format_totals(sample);
  CHECK(text == read_text(DNSFILTER_TEST_DATA_DIR "/data/stats/sample.stats"));
  auto back = stats::parse_totals(text);
  REQUIRE(back.has_value());
  CHECK(*back == sample);
  CHECK(stats::format_totals(*back) == text);

  // Keys with every kind of byte survive; an offset zone too.
  stats::totals odd;
  odd.zone = *stats::zone::parse("-03:30");
  auto& m = odd.months[stats::make_month(2026, 7)];
  dnsfilter_test::add_hits(m, std::string("a b\t%\"\\\n\x01\xff\xc3\xa9-", 13), "-", match::action::refused, 3);
  dnsfilter_test::add_hits(m, "", "", match::action::drop, 1);
  const std::string odd_text = stats::format_totals(odd);
  CHECK(odd_text.find("entry a%20b%09%25\"\\%0A%01%FF%C3%A9- 3\n") != std::string::npos);
  CHECK(odd_text.find("category %2D 3\n") != std::string::npos);
  CHECK(odd_text.find("entry - 1\n") != std::string::npos);
  auto odd_back = stats::parse_totals(odd_text);
  REQUIRE(odd_back.has_value());
  CHECK(*odd_back == odd);
}

TEST_CASE("stats: written atomically, read back, merged on load") {
  temp_dir dir;
  const std::string path = dir.path + "/stats";
  CHECK(stats::read_totals(path).error() == errc::io_error);

  // First run: count, persist.
  {
    stats::registry reg{1};
    const auto cat = catalogue_of({"XX-1"});
    const auto slots = reg.map(cat);
    reg.at(0).count_passed(at("2026-01-05"));
    reg.at(0).count_hit(at("2026-01-05"), slots.of(0), match::action::sinkhole);
    REQUIRE(stats::write_totals(path, reg.read()).has_value());
    reg.at(0).count_passed(at("2026-01-06"));  // after the last flush: lost at restart
  }
  // Second run: load and merge, count more, persist over the old file.
  {
    stats::registry reg{1};
    lists::diagnostic why;
    auto previous = stats::read_totals(path, &why);
    REQUIRE_MESSAGE(previous.has_value(), why.message);
    REQUIRE(reg.merge(*previous).has_value());
    const auto cat = catalogue_of({"XX-0", "XX-1"});  // renumbered
    const auto slots = reg.map(cat);
    reg.at(0).count_hit(at("2026-01-20"), slots.of(1), match::action::sinkhole);
    reg.at(0).count_opted_out(at("2026-02-01"));
    REQUIRE(stats::write_totals(path, reg.read()).has_value());
  }
  const auto t = stats::read_totals(path).value();
  const auto& jan = t.months.at(stats::make_month(2026, 1));
  CHECK(jan.passed == 1);
  CHECK(jan.filtered == 2);
  CHECK(jan.by_entry == stats::month_counts::keyed{{"XX-1", 2}});
  CHECK(t.months.at(stats::make_month(2026, 2)).opted_out == 1);

  // No temporary file is left behind.
  std::error_code ec;
  std::vector<std::string> files;
  for (const auto& f : std::filesystem::directory_iterator(dir.path, ec)) files.push_back(f.path().filename());
  CHECK(files == std::vector<std::string>{"stats"});

  // Months of another zone cannot be merged.
  stats::registry_options tokyo;
  tokyo.zone = *stats::zone::parse("+09:00");
  stats::registry other{1, tokyo};
  CHECK(other.merge(t).error() == errc::out_of_range);
  CHECK(other.read().months.empty());

  // A directory that does not exist: an error, nothing written.
  CHECK(stats::write_totals(dir.path + "/missing/stats", t).error() == errc::write_failed);
}

TEST_CASE("stats: a bad file is refused with its line and reason") {
  const std::string head = "dnsfilter-stats 1\nzone +00:00\n";
  const std::string month = "month 2026-01 passed 10 filtered 2 opted-out 1\n";
  const std::string hits = "action sinkhole 2\nentry XX-1 2\ncategory c 2\n";
  struct bad_case {
    std::string text;
    std::size_t line;
    const char* message;  // a part of the reason
  };
  const bad_case cases[] = {
      {"", 0, "empty file"},
      {"dnsfilter-statistics 1\n", 1, "not a dnsfilter statistics file"},
      {"dnsfilter-stats 2\nzone +00:00\nend 0\n", 1, "unsupported version '2'"},
      {"dnsfilter-stats 1\nmonth 2026-01 passed 1 filtered 0 opted-out 0\n", 2, "expected 'zone"},
      {"dnsfilter-stats 1\nzone +15:00\nend 0\n", 2, "bad zone"},
      {head + month + hits, 6, "ends without its 'end' line"},
      {head + month + hits + "end 3\n", 7, "announces 3 records, the file has 4"},
      {head + month + hits + "end 4\nmonth 2026-02 passed 1 filtered 0 opted-out 0\n", 8, "text after the end line"},
      {head + "action sinkhole 1\nend 1\n", 3, "before the first month line"},
      {head + "month 2026-13 passed 1 filtered 0 opted-out 0\n", 3, "bad month '2026-13'"},
      {head + "month 2026-01 passed 1 filtered 0\n", 3, "expected 'month YYYY-MM"},
      {head + "month 2026-01 passed 01 filtered 0 opted-out 0\n", 3, "expected 'month YYYY-MM"},
      {head + "month 2026-01 passed -1 filtered 0 opted-out 0\n", 3, "expected 'month YYYY-MM"},
      {head + "month 2026-01 passed 18446744073709551616 filtered 0 opted-out 0\n", 3, "expected 'month YYYY-MM"},
      {head + month + hits + month, 7, "does not come after 2026-01"},
      {head + "month 2026-02 passed 1 filtered 0 opted-out 0\nmonth 2026-01 passed 1 filtered 0 opted-out 0\n", 4,
       "does not come after 2026-02"},
      {head + month + "action sinkhole 1\naction sinkhole 1\n", 5, "action sinkhole twice"},
      {head + month + "action sinkhole 0\naction sinkhole 2\n", 5, "action sinkhole twice"},
      {head + month + "action redirect 2\n", 4, "unknown action 'redirect'"},
      {head + month + "action sinkhole 2\nentry XX-1 1\nentry XX-1 1\n", 6, "entry 'XX-1' twice"},
      {head + month + "entry XX%2 2\n", 4, "is not percent-encoded"},
      {head + month + "entry XX%zz 2\n", 4, "is not percent-encoded"},
      {head + month + "entry XX-1\n", 4, "expected 'entry KEY N'"},
      {head + month + "entry " + std::string(1025, 'k') + " 2\n", 4, "key longer than 1024 bytes"},
      {head + month + "frobnicate x 1\n", 4, "unknown record 'frobnicate'"},
      {head + month + "\n", 4, "unknown record ''"},
      {head + month + "entry XX-1 2\x01\n", 4, "control byte 0x01"},
      {head + month + "entry " + std::string(5000, 'k') + " 2\n", 4, "exceeds the limit of 4096"},
      // Counts that do not add up.
      {head + month + "action sinkhole 1\nentry XX-1 1\ncategory c 1\nend 4\n", 7, "filtered is not the sum"},
      {head + month + "action sinkhole 2\nentry XX-1 1\ncategory c 2\nend 4\n", 7, "entries' hits do not add up"},
      {head + month + "action sinkhole 2\nentry XX-1 2\nend 3\n", 6, "categories' hits do not add up"},
      {head + "month 2026-01 passed 18446744073709551615 filtered 1 opted-out 0\nend 1\n", 4, "overflows"},
      {head + month + hits + "month 2026-02 passed 1 filtered 1 opted-out 0\nend 5\n", 8, "month 2026-02 do not add up"},
  };
  for (const auto& c : cases) {
    CAPTURE(c.text);
    lists::diagnostic why;
    const auto r = stats::parse_totals(c.text, &why);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error() == errc::bad_stats_file);
    CHECK(why.line == c.line);
    CHECK_MESSAGE(why.message.find(c.message) != std::string::npos, why.message);
  }
  CHECK(stats::parse_totals(head + month + hits + "end 4\n").has_value());
  CHECK(stats::parse_totals(head + month + hits + "end 4").has_value());      // no final newline
  CHECK(stats::parse_totals(head + month + hits + "end 4\n\n").has_value());  // blank lines after the end

  // Every truncation of a valid file is refused (never a crash).
  const std::string full = stats::format_totals(dnsfilter_test::sample_totals());
  for (std::size_t n = 0; n + 1 < full.size(); ++n) {  // without the final newline it is complete
    CAPTURE(n);
    CHECK_FALSE(stats::parse_totals(std::string_view(full).substr(0, n)).has_value());
  }
}

TEST_CASE("stats: Prometheus text exposition (golden)") {
  stats::totals t;
  t.zone = *stats::zone::parse("+09:00");
  auto& jan = t.months[stats::make_month(2026, 1)];
  jan.passed = 999;
  jan.opted_out = 7;
  dnsfilter_test::add_hits(jan, "XX-1", "back\\door \"x\"\nline", match::action::sinkhole, 1);
  dnsfilter_test::add_hits(jan, "bad\xff", "caf\xc3\xa9", match::action::pass, 2);
  t.months[stats::make_month(2026, 2)].passed = 5;
  t.unrecorded = 3;
  const std::string expected =
      "# HELP dnsfilter_queries_total Queries answered, opted-out clients excluded (passed + filtered), by calendar month.\n"
      "# TYPE dnsfilter_queries_total counter\n"
      "dnsfilter_queries_total{month=\"2026-01\"} 1002\n"
      "dnsfilter_queries_total{month=\"2026-02\"} 5\n"
      "# HELP dnsfilter_filtered_total Queries whose answer a blocking entry changed, by calendar month.\n"
      "# TYPE dnsfilter_filtered_total counter\n"
      "dnsfilter_filtered_total{month=\"2026-01\"} 1\n"
      "dnsfilter_filtered_total{month=\"2026-02\"} 0\n"
      "# HELP dnsfilter_opted_out_total Queries of opted-out clients, counted here and nowhere else, by calendar month.\n"
      "# TYPE dnsfilter_opted_out_total counter\n"
      "dnsfilter_opted_out_total{month=\"2026-01\"} 7\n"
      "dnsfilter_opted_out_total{month=\"2026-02\"} 0\n"
      "# HELP dnsfilter_action_hits_total Catalogue hits by the action taken (pass: an exception entry), by calendar month.\n"
      "# TYPE dnsfilter_action_hits_total counter\n"
      "dnsfilter_action_hits_total{month=\"2026-01\",action=\"sinkhole\"} 1\n"
      "dnsfilter_action_hits_total{month=\"2026-01\",action=\"pass\"} 2\n"
      "# HELP dnsfilter_entry_hits_total Catalogue hits by entry identifier (a list's name for entries without one), by calendar month.\n"
      "# TYPE dnsfilter_entry_hits_total counter\n"
      "dnsfilter_entry_hits_total{month=\"2026-01\",entry=\"XX-1\"} 1\n"
      "dnsfilter_entry_hits_total{month=\"2026-01\",entry=\"bad\xef\xbf\xbd\"} 2\n"
      "# HELP dnsfilter_category_hits_total Catalogue hits by entry category, by calendar month.\n"
      "# TYPE dnsfilter_category_hits_total counter\n"
      "dnsfilter_category_hits_total{month=\"2026-01\",category=\"back\\\\door \\\"x\\\"\\nline\"} 1\n"
      "dnsfilter_category_hits_total{month=\"2026-01\",category=\"caf\xc3\xa9\"} 2\n"
      "# HELP dnsfilter_stats_unrecorded_total Queries not counted because a recorder could not allocate its month's counters.\n"
      "# TYPE dnsfilter_stats_unrecorded_total counter\n"
      "dnsfilter_stats_unrecorded_total 3\n"
      "# HELP dnsfilter_stats_zone_offset_seconds Offset from UTC of the zone whose months are counted.\n"
      "# TYPE dnsfilter_stats_zone_offset_seconds gauge\n"
      "dnsfilter_stats_zone_offset_seconds 32400\n";
  CHECK(stats::to_prometheus(t) == expected);
}

TEST_CASE("prometheus_writer: gauges, labels escaped, and a histogram with cumulative buckets") {
  std::string text;
  stats::prometheus_writer w(text);
  w.single("x_open", "gauge", "Open now.", 3);
  w.family("x_up", "gauge", "1 when up.");
  w.sample("x_up", {{"upstream", "a\"b\\c\nd"}, {"kind", "udp"}}, std::uint64_t{1});
  w.sample("x_delta", {}, std::int64_t{-5});
  w.sample("x_ratio", {}, 0.123456789012);
  w.family("x_latency_seconds", "histogram", "Latency.");
  const double bounds[] = {0.0005, 1.0, 2.5};
  const std::uint64_t counts[] = {1, 2, 0, 4};
  w.histogram("x_latency_seconds", {{"upstream", "u"}}, bounds, counts, 1.5);
  CHECK(text ==
        "# HELP x_open Open now.\n# TYPE x_open gauge\nx_open 3\n"
        "# HELP x_up 1 when up.\n# TYPE x_up gauge\n"
        "x_up{upstream=\"a\\\"b\\\\c\\nd\",kind=\"udp\"} 1\n"
        "x_delta -5\n"
        "x_ratio 0.123456789\n"
        "# HELP x_latency_seconds Latency.\n# TYPE x_latency_seconds histogram\n"
        "x_latency_seconds_bucket{upstream=\"u\",le=\"0.0005\"} 1\n"
        "x_latency_seconds_bucket{upstream=\"u\",le=\"1\"} 3\n"
        "x_latency_seconds_bucket{upstream=\"u\",le=\"2.5\"} 3\n"
        "x_latency_seconds_bucket{upstream=\"u\",le=\"+Inf\"} 7\n"
        "x_latency_seconds_sum{upstream=\"u\"} 1.5\n"
        "x_latency_seconds_count{upstream=\"u\"} 7\n");
}

TEST_CASE("stats: JSON export (golden)") {
  stats::totals t;
  auto& jan = t.months[stats::make_month(2026, 1)];
  jan.passed = 9'999'999;
  jan.opted_out = 4;
  dnsfilter_test::add_hits(jan, "XX-\"1\"", "tab\there\x01", match::action::nxdomain, 1);
  t.months[stats::make_month(2026, 2)].opted_out = 2;
  CHECK(stats::to_json(t) ==
        R"({"format":"dnsfilter-stats","version":1,"zone":"+00:00","unrecorded":0,"months":[)"
        R"({"month":"2026-01","queries":10000000,"passed":9999999,"filtered":1,"opted_out":4,"share":1e-07,)"
        R"("actions":{"nxdomain":1},"entries":{"XX-\"1\"":1},"categories":{"tab\there\u0001":1}},)"
        R"({"month":"2026-02","queries":0,"passed":0,"filtered":0,"opted_out":2,"share":null,)"
        R"("actions":{},"entries":{},"categories":{}}]})"
        "\n");
}
