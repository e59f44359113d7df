// The statistics file: round trip, atomic write, merge on load, hostile files.
#include <doctest/doctest.h>

#include <dnsfilter/lists.hpp>
#include <dnsfilter/stats.hpp>

#include "stats_helpers.hpp"
#include "stats_sample.hpp"

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <set>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <unistd.h>

using namespace dnsfilter_test;
using dnsfilter::errc;
namespace lists = dnsfilter::lists;

TEST_CASE("stats: the file round-trips, and the library writes tests/data/stats/sample.stats") {
  const auto sample = dnsfilter_test::sample_node_totals();
  const std::string text = stats::format_totals(sample);
  CHECK(text == read_text(DNSFILTER_TEST_DATA_DIR "/data/stats/sample.stats"));
  CHECK(text.rfind("dnsfilter-stats 3\nzone +00:00\nnode ns1.example epoch 3 sequence 1440 written 2026-07-01T00:00:00Z\n"
                   "lost 2025-12-14T02:00:00Z 2025-12-14T02:03:00Z\n"
                   "meta XX-20251201-0001 start 2025-12-01T00:00:00Z end - action sinkhole fqdns 2 category "
                   "information%20theft\n", 0) == 0);
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

namespace {

// A statistics file's text that parse_totals must refuse, at `line`, with a
// reason that contains `message`.
struct bad_case {
  std::string text;
  std::size_t line;
  const char* message;  // a part of the reason
};

void check_refused(const bad_case& c) {
  CAPTURE(c.text);
  lists::diagnostic why;
  const auto r = stats::parse_totals(c.text, &why);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error() == errc::bad_stats_file);
  CHECK(why.line == c.line);
  CHECK_MESSAGE(why.message.find(c.message) != std::string::npos, why.message);
}

void check_refused(std::initializer_list<bad_case> cases) {
  for (const auto& c : cases) check_refused(c);
}

}  // namespace

TEST_CASE("stats: a file edited by hand or written by a later version is refused with its line") {
  const std::string head = "dnsfilter-stats 1\nzone +00:00\n";
  const std::string month = "month 2026-01 passed 10 filtered 2 opted-out 1\n";
  const bad_case cases[] = {
      // A later version is refused on its first line, whatever follows.
      {"dnsfilter-stats 4\nzone +09:00\nnode a epoch 1 sequence 2\nend 1\n", 1, "unsupported version '4'"},
      {"dnsfilter-stats 1.1\nzone +00:00\nend 0\n", 1, "unsupported version '1.1'"},
      {"dnsfilter-stats\nzone +00:00\nend 0\n", 1, "unsupported version ''"},
      {"dnsfilter-stats 1 extended\nzone +00:00\nend 0\n", 1, "unsupported version '1'"},
      // Hand edits: a note, a number written for people, a deleted line, a changed count.
      {head + "# checked by hand\n" + month, 3, "unknown record '#'"},
      {head + "month 2026-01 passed 1,000 filtered 2 opted-out 1\n", 3, "expected 'month YYYY-MM"},
      {head + month + "action sinkhole 2\ncategory c 2\nend 3\n", 6, "entries' hits do not add up"},
      {head + "month 2026-01 passed 10 filtered 3 opted-out 1\naction sinkhole 2\nentry e 2\ncategory c 2\nend 4\n", 7,
       "filtered is not the sum"},
      {head + month + "action sinkhole 2\nentry e 2\ncategory c 2\nend 5\n", 7, "announces 5 records, the file has 4"},
      {head + month + "action  sinkhole 2\nentry e 2\ncategory c 2\nend 4\nextra\n", 8, "text after the end line"},
  };
  for (const auto& c : cases) check_refused(c);
  // What an editor may change without changing a count reads the same:
  // Windows line ends, a byte-order mark, blanks between tokens.
  const std::string good = head + month + "action sinkhole 2\nentry e 2\ncategory c 2\nend 4\n";
  std::string crlf;
  for (char ch : good) crlf += ch == '\n' ? std::string("\r\n") : std::string(1, ch);
  const auto plain = stats::parse_totals(good);
  REQUIRE(plain.has_value());
  CHECK(stats::parse_totals(crlf).value() == *plain);
  CHECK(stats::parse_totals("\xEF\xBB\xBF" + good).value() == *plain);
}

TEST_CASE("stats: files of versions 1 (before monitored counts) and 2 (before the node line) are still read") {
  for (const char* version : {"1", "2"}) {
    CAPTURE(version);
    // The file as the library wrote it then: the same counts.
    const std::string text = read_text(DNSFILTER_TEST_DATA_DIR "/data/stats/sample-v" + std::string(version) + ".stats");
    REQUIRE(text.rfind("dnsfilter-stats " + std::string(version) + "\n", 0) == 0);
    lists::diagnostic why;
    auto old = stats::parse_totals(text, &why);
    REQUIRE_MESSAGE(old.has_value(), why.message);
    CHECK(*old == dnsfilter_test::sample_totals());
    CHECK_FALSE(old->node.known());
    // Written back, it is version 3, without node line (nothing says who wrote it).
    const std::string back = stats::format_totals(*old);
    CHECK(back == stats::format_totals(dnsfilter_test::sample_totals()));
    CHECK(back.rfind("dnsfilter-stats 3\nzone +00:00\nmonth ", 0) == 0);
  }

  // What an older version cannot hold is refused in it.
  const std::string v1 = "dnsfilter-stats 1\nzone +00:00\n", v2 = "dnsfilter-stats 2\nzone +00:00\n";
  check_refused({
      {v1 + "month 2026-01 passed 1 filtered 0 opted-out 0 monitored 0\n", 3, "expected 'month YYYY-MM"},
      {v1 + "month 2026-01 passed 1 filtered 0 opted-out 0\naction monitor 1\n", 4, "unknown action 'monitor' in version 1"},
      {v1 + "month 2026-01 passed 1 filtered 0 opted-out 0\nmonitored-entry X 1\n", 4,
       "unknown record 'monitored-entry' in version 1"},
      {v2 + "node a epoch 1 sequence 1 written 2026-01-01T00:00:00Z\n", 3, "unknown record 'node' in version 2"},
      {v2 + "lost 2026-01-01T00:00:00Z 2026-01-01T00:01:00Z\n", 3, "unknown record 'lost' in version 2"},
      {v1 + "meta X start - end - action sinkhole fqdns 1 category c\n", 3, "unknown record 'meta' in version 1"},
  });
}

TEST_CASE("stats: version 3's node, lost spans and metadata round-trip, and bad ones are refused") {
  const std::string head = "dnsfilter-stats 3\nzone +09:00\n";
  const std::string node = "node ns%201 epoch 2 sequence 5 written 2026-01-31T10:00:00Z\n";
  const std::string lost = "lost 2026-01-20T03:00:00Z 2026-01-20T03:00:00Z\n";
  const std::string meta = "meta XX-1 start - end 2026-03-01T00:00:00Z action monitor fqdns 3 category -\n";
  const std::string month =
      "month 2026-01 passed 10 filtered 0 opted-out 1 monitored 2\naction monitor 2\nentry XX-1 2\n"
      "monitored-entry XX-1 2\ncategory c 2\n";
  const std::string good = head + node + lost + meta + month + "end 8\n";
  lists::diagnostic why;
  const auto t = stats::parse_totals(good, &why);
  REQUIRE_MESSAGE(t.has_value(), why.message);
  CHECK(t->node == stats::node_identity{"ns 1", 2, 5, at("2026-01-31", 36000), false});
  CHECK(t->lost == std::set<stats::time_span>{{at("2026-01-20", 10800), at("2026-01-20", 10800)}});
  CHECK(t->lost_in(stats::make_month(2026, 1)));
  CHECK_FALSE(t->lost_in(stats::make_month(2026, 2)));
  REQUIRE(t->metadata.size() == 1);
  CHECK(t->metadata.at("XX-1") ==
        stats::entry_metadata{"", match::action::monitor, match::since_always, at("2026-03-01"), 3});
  CHECK(stats::format_totals(*t) == good);
  // The final mark of a clean stop.
  auto final_text = good;
  final_text.replace(final_text.find("\nlost"), 1, " final\n");
  const auto last = stats::parse_totals(final_text);
  REQUIRE(last.has_value());
  CHECK(last->node.final);
  CHECK(stats::format_totals(*last) == final_text);
  // Metadata of keys no month counts is not written; a file without node
  // line has none.
  stats::totals extra = *t;
  extra.metadata["XX-9"] = {};
  extra.node = {};
  CHECK(stats::format_totals(extra) == head + lost + meta + month + "end 7\n");

  const std::string when = "2026-01-31T10:00:00Z";
  const auto node_as = [&](const std::string& fields) { return head + "node " + fields + "\n"; };
  check_refused({
      {head + month + node, 8, "'node' record out of place"},
      {head + node + node, 4, "'node' record out of place"},
      {head + lost + node, 4, "'node' record out of place"},
      {head + meta + lost, 4, "'lost' record out of place"},
      {head + month + meta, 8, "'meta' record out of place"},
      {node_as("- epoch 1 sequence 1 written " + when), 3, "the node has no name"},
      {node_as("a%2 epoch 1 sequence 1 written " + when), 3, "node name: key 'a%2' is not"},
      {node_as("a epoch 0 sequence 1 written " + when), 3, "count from 1"},
      {node_as("a epoch 1 sequence 0 written " + when), 3, "count from 1"},
      {node_as("a epoch 1 sequence 1 written 2026-02-30T10:00:00Z"), 3, "expected 'node NAME epoch N"},
      {node_as("a epoch 1 sequence 1 written 2026-01-31T10:00:00+09:00"), 3, "expected 'node NAME epoch N"},
      {node_as("a epoch 1 sequence 1 written 1769853600"), 3, "expected 'node NAME epoch N"},
      {node_as("a epoch 1 written " + when), 3, "expected 'node NAME epoch N"},
      {node_as("a epoch 1 sequence 1 written " + when + " clean"), 3, "unexpected 'clean'"},
      {node_as("a epoch 1 sequence 1 written " + when + " final x"), 3, "text after 'final'"},
      {head + "lost 2026-01-20T03:00:01Z 2026-01-20T03:00:00Z\n", 3, "ends before it starts"},
      {head + lost + lost, 4, "the same lost span twice"},
      {head + "lost 2026-01-20T03:00:00Z\n", 3, "expected 'lost"},
      {head + "meta XX-1 start - end - action block fqdns 3 category -\n", 3, "unknown action 'block'"},
      {head + "meta XX-1 start - end - action sinkhole fqdns 3\n", 3, "expected 'meta KEY"},
      {head + "meta XX-1 start - end - action sinkhole fqdns -1 category c\n", 3, "expected 'meta KEY"},
      {head + "meta XX-1 start 2026-03-01T00:00:00Z end 2026-02-01T00:00:00Z action sinkhole fqdns 1 category c\n", 3,
       "'XX-1' ends before it starts"},
      {head + meta + meta, 4, "metadata of 'XX-1' twice"},
      {head + "meta XX-2 start - end - action sinkhole fqdns 1 category c\n" + month + "end 6\n", 3,
       "metadata of 'XX-2', which no month counts"},
      {head + node + lost + meta + month + "end 7\n", 11, "announces 7 records, the file has 8"},
  });
}

TEST_CASE("stats: monitored counts round-trip apart from filtered, and must add up") {
  stats::totals t;
  auto& m = t.months[stats::make_month(2026, 2)];
  m.passed = 1000;
  dnsfilter_test::add_hits(m, "XX-20260301-0003", "DDoS", match::action::monitor, 9);
  dnsfilter_test::add_hits(m, "XX-20251201-0001", "information theft", match::action::sinkhole, 2);
  CHECK(m.monitored == 9);
  CHECK(m.filtered == 2);
  CHECK(m.queries() == 1011);  // monitored queries were answered: in passed, never in filtered
  const std::string text = stats::format_totals(t);
  CHECK(text.find("month 2026-02 passed 1009 filtered 2 opted-out 0 monitored 9\n") != std::string::npos);
  CHECK(text.find("action monitor 9\n") != std::string::npos);
  CHECK(text.find("monitored-entry XX-20260301-0003 9\n") != std::string::npos);
  auto back = stats::parse_totals(text);
  REQUIRE(back.has_value());
  CHECK(*back == t);
  stats::totals twice = t;
  REQUIRE(twice.merge(t).has_value());
  CHECK(twice.months.begin()->second.monitored == 18);
  CHECK(twice.months.begin()->second.monitored_by_entry.at("XX-20260301-0003") == 18);

  const std::string head = "dnsfilter-stats 2\nzone +00:00\n";
  check_refused({
      {head + "month 2026-01 passed 1 filtered 0 opted-out 0\n", 3, "expected 'month YYYY-MM"},
      {head + "month 2026-01 passed 5 filtered 0 opted-out 0 monitored 2\naction monitor 1\nentry X 1\n"
              "monitored-entry X 1\ncategory c 1\nend 5\n", 8, "monitored is not the monitor action's hits"},
      {head + "month 2026-01 passed 5 filtered 0 opted-out 0 monitored 2\naction monitor 2\nentry X 2\n"
              "monitored-entry X 1\ncategory c 2\nend 5\n", 8, "entries' monitored hits do not add up"},
      {head + "month 2026-01 passed 5 filtered 0 opted-out 0 monitored 2\naction monitor 2\nentry X 1\nentry Y 1\n"
              "monitored-entry X 2\ncategory c 2\nend 6\n", 9, "has more monitored hits than hits"},
      {head + "month 2026-01 passed 1 filtered 0 opted-out 0 monitored 2\naction monitor 2\nentry X 2\n"
              "monitored-entry X 2\ncategory c 2\nend 5\n", 8, "more monitored hits than queries"},
      {head + "month 2026-01 passed 5 filtered 0 opted-out 0 monitored 0\nmonitored-entry X 1 2\n", 4,
       "expected 'monitored-entry KEY N'"},
  });
}

TEST_CASE("stats: a bad file is refused with its line and reason") {
  const std::string head = "dnsfilter-stats 1\nzone +00:00\n";
  const std::string month = "month 2026-01 passed 10 filtered 2 opted-out 1\n";
  const std::string hits = "action sinkhole 2\nentry XX-1 2\ncategory c 2\n";
  check_refused({
      {"", 0, "empty file"},
      {"dnsfilter-statistics 1\n", 1, "not a dnsfilter statistics file"},
      {"dnsfilter-stats 4\nzone +00:00\nend 0\n", 1, "unsupported version '4'"},
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
  });
  CHECK(stats::parse_totals(head + month + hits + "end 4\n").has_value());
  CHECK(stats::parse_totals(head + month + hits + "end 4").has_value());      // no final newline
  CHECK(stats::parse_totals(head + month + hits + "end 4\n\n").has_value());  // blank lines after the end

  // Every truncation of a valid file is refused (never a crash).
  const std::string full = stats::format_totals(dnsfilter_test::sample_node_totals());
  for (std::size_t n = 0; n + 1 < full.size(); ++n) {  // without the final newline it is complete
    CAPTURE(n);
    CHECK_FALSE(stats::parse_totals(std::string_view(full).substr(0, n)).has_value());
  }
}

TEST_CASE("stats: the zone line holds a fixed offset or a time-zone name, resolved by the caller") {
  const stats::zone::transition changes[] = {{0, 3600}, {at("2026-03-29", 3600), 7200}, {at("2026-10-25", 3600), 3600}};
  const stats::zone berlin = stats::zone::from_transitions("Europe/Berlin", changes).value();
  stats::totals t;
  t.zone = berlin;
  dnsfilter_test::add_hits(t.months[stats::make_month(2026, 7)], "XX-1", "c", match::action::sinkhole, 2);
  const std::string text = stats::format_totals(t);
  CHECK(text.find("\nzone Europe/Berlin\n") != std::string::npos);

  // The name goes to the caller's resolver (stats::tz::resolver() reads the tz database).
  std::string asked;
  stats::totals_read_options options;
  options.resolve_zone = [&](std::string_view name, std::string&) -> dnsfilter::result<stats::zone> {
    asked = name;
    return berlin;
  };
  auto back = stats::parse_totals(text, nullptr, options);
  REQUIRE(back.has_value());
  CHECK(asked == "Europe/Berlin");
  CHECK(*back == t);

  // A reader that expects the zone needs no resolver; one that expects
  // another zone refuses the file on its zone line, naming both.
  stats::totals_read_options expecting;
  expecting.expected_zone = berlin;
  CHECK(stats::parse_totals(text, nullptr, expecting).value() == t);
  lists::diagnostic why;
  expecting.expected_zone = *stats::zone::parse("+09:00");
  CHECK(stats::parse_totals(text, &why, expecting).error() == errc::bad_stats_file);
  CHECK(why.line == 2);
  CHECK(why.message == "counted in zone Europe/Berlin, not +09:00");
  expecting.expected_zone = berlin;
  CHECK(stats::parse_totals("dnsfilter-stats 2\nzone +01:00\nend 0\n", &why, expecting).error() == errc::bad_stats_file);
  CHECK(why.message == "counted in zone +01:00, not Europe/Berlin");
  options.expected_zone = stats::zone{};
  CHECK_FALSE(stats::parse_totals(text, &why, options).has_value());
  CHECK(why.message == "counted in zone Europe/Berlin, not +00:00");
  CHECK(stats::parse_totals("dnsfilter-stats 2\nzone Z\nend 0\n", nullptr, options).has_value());

  // Without a resolver, or with one that does not know the name: refused with the reason.
  check_refused({
      {text, 2, "zone Europe/Berlin is a time-zone name, and this reader has no time-zone database"},
      {"dnsfilter-stats 2\nzone Asia/../../etc\nend 0\n", 2, "bad zone 'Asia/../../etc'"},
      {"dnsfilter-stats 2\nzone Asia/Tokyo extra\nend 0\n", 2, "expected 'zone +HH:MM' or 'zone NAME'"},
  });
  options = {};
  options.resolve_zone = [](std::string_view, std::string& reason) -> dnsfilter::result<stats::zone> {
    reason = "not in this database";
    return errc::unknown_time_zone;
  };
  CHECK_FALSE(stats::parse_totals(text, &why, options).has_value());
  CHECK(why.line == 2);
  CHECK(why.message == "zone Europe/Berlin: not in this database");

  // Months of a named zone merge with the same zone only.
  stats::totals same;
  same.zone = stats::zone::from_transitions("Europe/Berlin", changes).value();
  CHECK(same.merge(t).has_value());
  stats::totals fixed;
  fixed.zone = *stats::zone::parse("+01:00");
  CHECK(fixed.merge(t).error() == errc::out_of_range);
}
