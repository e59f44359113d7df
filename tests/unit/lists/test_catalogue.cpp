// The operator's catalogue (TSV/CSV): rows to entries, header detection and
// column mapping, CSV quoting, dates, invalid rows; parse_date/format_date.
#include <dnsfilter/lists/catalogue.hpp>
#include <dnsfilter/lists/file.hpp>
#include <dnsfilter/match/hashed.hpp>

#include "lists_helpers.hpp"

using dnsfilter::errc;
using namespace dnsfilter_test;

TEST_CASE("dates: parse and format") {
  CHECK(lists::parse_date("1970-01-01").value() == 0);
  CHECK(lists::parse_date("2025-01-09").value() == 1736380800);
  CHECK(lists::parse_date("2000-02-29").value() == 951782400);
  CHECK(lists::parse_date("1969-12-31").value() == -86400);
  CHECK(lists::parse_date("0001-01-01").has_value());
  CHECK(lists::parse_date("9999-12-31").has_value());
  // The seeds' form, YYYY/MM/DD, reads as the ISO form; one separator throughout.
  CHECK(lists::parse_date("2025/01/09").value() == 1736380800);
  CHECK(lists::parse_date("2000/02/29").value() == 951782400);
  for (std::string_view bad : {"2025/01-09", "2025-01/09", "2025/1/09", "2025/02/30", "2025.01.09", "2025/01/09 "}) {
    CHECK_MESSAGE(lists::parse_date(bad).error() == errc::bad_date, bad);
  }
  for (std::string_view bad : {"", "2025-1-09", "2025-01-9", "2025/13/01", "2025-13-01", "2025-00-10", "2025-01-00",
                               "2025-02-29", "1900-02-29", "2025-04-31", "0000-01-01", "20250109", "2025-01-09T00",
                               " 2025-01-09", "2025-0a-09"}) {
    CHECK_MESSAGE(lists::parse_date(bad).error() == errc::bad_date, bad);
  }
  CHECK(lists::format_date(0) == "1970-01-01");
  CHECK(lists::format_date(1736380800) == "2025-01-09");
  CHECK(lists::format_date(1736380800 + 86399) == "2025-01-09");
  CHECK(lists::format_date(-1) == "1969-12-31");
  CHECK(lists::format_date(match::until_forever).empty());
  CHECK(lists::format_date(match::since_always).empty());
  // Round trip over four centuries of days, leap rules included.
  for (std::int64_t day = -200000; day < 200000; day += 7) {
    const std::string s = lists::format_date(day * 86400);
    REQUIRE(lists::parse_date(s).value() == day * 86400);
  }
}

TEST_CASE("catalogue: TSV with a header") {
  match::catalogue cat;
  lists::load_options opt;
  opt.source_name = "operator.tsv";
  const auto rep = load_ok(lists::load_catalogue,
                           "identifier\tbehaviour\tstart\tend\tFQDNs\n"
                           "XX-20250109-0001\tinformation theft\t2025-01-09\t\tc2.evil.example;Backup.Evil.Example\n"
                           "XX-20250110-0002\tbackdoor\t2025-01-10\t2025-03-01\ta.example b.example|c.example\n",
                           cat, opt);
  CHECK(rep.loaded == 2);
  CHECK(rep.ignored_lines == 1);
  CHECK(rep.entries == 2);
  CHECK(rep.rules == 5);
  CHECK(dump(cat) == std::vector<std::string>{
                         "c2.evil.example sinkhole [XX-20250109-0001]", "backup.evil.example sinkhole [XX-20250109-0001]",
                         "a.example sinkhole [XX-20250110-0002]", "b.example sinkhole [XX-20250110-0002]",
                         "c.example sinkhole [XX-20250110-0002]"});
  const auto& e0 = cat.entries()[0];
  const auto& e1 = cat.entries()[1];
  CHECK(e0.category == "information theft");
  CHECK(e0.start == lists::parse_date("2025-01-09").value());
  CHECK(e0.end == match::until_forever);
  CHECK(e1.end == lists::parse_date("2025-03-01").value());
  CHECK(cat.sources()[0].name == "operator.tsv");
}

TEST_CASE("catalogue: the seeds' YYYY/MM/DD dates; the end date is the first day lifted") {
  match::catalogue cat;
  load_ok(lists::load_catalogue,
          "identifier\tbehaviour\tstart\tend\tfqdns\n"
          "XX-20250110-0002\tbackdoor\t2025/01/10\t2025/03/01\ta.example\n"
          "XX-20250111-0003\tDDoS\t2025-01-11\t2025/02/01\tb.example\n",
          cat, {});
  REQUIRE(cat.entries().size() == 2);
  const auto& e = cat.entries()[0];
  CHECK(e.start == lists::parse_date("2025-01-10").value());
  CHECK(e.end == lists::parse_date("2025-03-01").value());
  CHECK(cat.entries()[1].end == lists::parse_date("2025-02-01").value());
  // Filtering applies in [start, end): the first second of the start day is
  // filtered, the last second before the end day too, the end day is not.
  const match::suffix_hash_matcher m(cat);
  const auto name = dnsfilter::wire::name::from_text("www.a.example").value();
  const auto hit = [&](match::timestamp t) { return m.lookup(name, t).entry == 0; };
  CHECK_FALSE(hit(e.start - 1));
  CHECK(hit(e.start));
  CHECK(hit(e.end - 1));  // 2025-02-28T23:59:59Z
  CHECK_FALSE(hit(e.end));  // 2025-03-01T00:00:00Z
  CHECK(lists::format_utc_time(e.end - 1) == "2025-02-28T23:59:59Z");
}

TEST_CASE("catalogue: CSV without a header, quoting, CRLF") {
  match::catalogue cat;
  const auto rep = load_ok(lists::load_catalogue,
                           "XX-1,\"backdoor, remote shell\",2025-01-10,-,\"a.example, b.example\"\r\n"
                           "XX-2,\"say \"\"hi\"\"\",2025-01-11,,c.example\r\n",
                           cat);
  CHECK(rep.loaded == 2);
  REQUIRE(cat.entries().size() == 2);
  CHECK(cat.entries()[0].category == "backdoor, remote shell");
  CHECK(cat.entries()[1].category == "say \"hi\"");
  CHECK(cat.rules().size() == 3);
}

TEST_CASE("catalogue: header columns in another order") {
  match::catalogue cat;
  const auto rep = load_ok(lists::load_catalogue,
                           "FQDN,ID,Start date,End date,Behavior,notes\n"
                           "x.example,XX-9,2025-02-01,2025-02-02,ddos,whatever\n",
                           cat);
  CHECK(rep.loaded == 1);
  CHECK(dump(cat) == std::vector<std::string>{"x.example sinkhole [XX-9]"});
  CHECK(cat.entries()[0].category == "ddos");
}

TEST_CASE("catalogue: invalid rows, warnings, line numbers") {
  match::catalogue cat;
  const auto rep = load_ok(lists::load_catalogue,
                           "id\tbehaviour\tstart\tend\tfqdns\n"
                           "A-1\ttheft\t2025-01-09\t\tgood.example\n"
                           "A-2\ttheft\t2025-13-09\t\tx.example\n"
                           "A-3\ttheft\t2025-01-09\t2025-01-09\tx.example\n"
                           "A-4\ttheft\t2025-01-09\t\t\n"
                           "\ttheft\t2025-01-09\t\tx.example\n"
                           "A-1\ttheft\t2025-01-09\t\tdup.example\n"
                           "A-7\ttheft\t2025-01-09\n"
                           "A-8\ttheft\t2025-01-09\t\tbad..example ok8.example\n"
                           "# a comment\n"
                           "A-9\ttheft\t2025-01-09\tsoon\tx.example\n",
                           cat);
  CHECK(rep.loaded == 2);
  CHECK(rep.invalid == 7);
  CHECK(rep.warnings == 1);
  CHECK(has_note(rep, 3, "start date '2025-13-09'"));
  CHECK(has_note(rep, 4, "not after start"));
  CHECK(has_note(rep, 5, "no valid FQDN"));
  CHECK(has_note(rep, 6, "missing identifier"));
  CHECK(has_note(rep, 7, "appears twice"));
  CHECK(has_note(rep, 8, "expected 5 fields, found 3"));
  CHECK(has_note(rep, 9, "'bad..example'"));
  CHECK(has_note(rep, 11, "end date 'soon'"));
  CHECK(dump(cat) == std::vector<std::string>{"good.example sinkhole [A-1]", "ok8.example sinkhole [A-8]"});
}

TEST_CASE("catalogue: unterminated quotes; strict mode fails on a warning too") {
  match::catalogue cat;
  auto rep = load_ok(lists::load_catalogue, "X,\"open,2025-01-01,,a.example\nY,b,2025-01-01,,b.example\n", cat);
  CHECK(rep.invalid == 1);
  CHECK(rep.loaded == 1);
  CHECK(has_note(rep, 1, "unterminated"));

  expect_strict_failure(lists::load_catalogue, "X,b,2025-01-01,,a.example bad..x\n", 1, "'bad..x'");
}

TEST_CASE("times: UTC date or date and time") {
  CHECK(lists::parse_utc_time("2025-01-09").value() == 1736380800);
  CHECK(lists::parse_utc_time("2025-01-09T00:00:00Z").value() == 1736380800);
  CHECK(lists::parse_utc_time("2025-01-09T23:59:59Z").value() == 1736380800 + 86399);
  CHECK(lists::parse_utc_time("2025/01/09").value() == 1736380800);
  for (std::string_view bad : {"2025/01/09T00:00:00Z", "2025-01-09T24:00:00Z", "2025-01-09T12:60:00Z", "2025-01-09T12:00:60Z",
                               "2025-01-09T12:00:00", "2025-01-09 12:00:00Z", "2025-01-09T1:00:00Z",
                               "2025-01-09T12:00:00+09:00", "2025-02-30T00:00:00Z", "2025-01-09Z"}) {
    CHECK_MESSAGE(lists::parse_utc_time(bad).error() == errc::bad_date, bad);
  }
  CHECK(lists::format_utc_time(1736380800) == "2025-01-09");
  CHECK(lists::format_utc_time(1736380800 + 3723) == "2025-01-09T01:02:03Z");
  CHECK(lists::format_utc_time(-1) == "1969-12-31T23:59:59Z");
  CHECK(lists::format_utc_time(match::until_forever).empty());
  for (match::timestamp t : {0LL, -86400LL, 1736380800LL + 45296, -12345LL})
    CHECK(lists::parse_utc_time(lists::format_utc_time(t)).value() == t);
}

TEST_CASE("catalogue: name-only and subdomains-only names, an action column") {
  match::catalogue cat;
  const auto rep = load_ok(lists::load_catalogue,
                           "id\tcategory\tstart\tend\tfqdns\taction\n"
                           "XX-1\tbackdoor\t2025-01-09\t\tc2.example =exact.example *.wild.example\t\n"
                           "XX-2\tallowed\t2025-01-09\t\tok.c2.example\tpass\n"
                           "XX-3\tddos\t2025-01-09\t\tnx.example\tNXDOMAIN\n"
                           "XX-4\tddos\t2025-01-09\t\tbad.example\tblock\n"
                           "XX-5\tddos\t2025-01-09\t\tnew.example\tmonitor\n",
                           cat);
  CHECK(dump(cat) == std::vector<std::string>{"c2.example sinkhole [XX-1]", "exact.example sinkhole exact [XX-1]",
                                              "wild.example sinkhole below [XX-1]", "ok.c2.example pass [XX-2]",
                                              "nx.example nxdomain [XX-3]", "new.example monitor [XX-5]"});
  CHECK(rep.invalid == 1);
  CHECK(has_note(rep, 5, "unknown action 'block'"));
  CHECK(cat.entries().back().is_monitored());
  CHECK_FALSE(cat.entries().back().blocks());

  // A list loaded with the action monitor: every entry monitored.
  match::catalogue watched;
  lists::load_options monitor;
  monitor.action = match::action::monitor;
  REQUIRE(lists::load_catalogue("XX-6\tddos\t2025-01-09\t\ta.example\n", watched, monitor).has_value());
  REQUIRE(watched.entries().size() == 1);
  CHECK(watched.entries()[0].action == match::action::monitor);
  // And a plain list, whose loader keeps one entry per action.
  REQUIRE(lists::load("fresh.example\nnew.example\n", lists::format::plain, watched, monitor).has_value());
  REQUIRE(watched.entries().size() == 2);
  CHECK(watched.entries()[1].action == match::action::monitor);
  CHECK(watched.rules().size() == 3);
}
