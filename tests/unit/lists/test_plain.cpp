// Plain domain lists and what every loader shares: counts, line numbers,
// strict mode and its rollback, the report's diagnostics cap.
#include <dnsfilter/lists/plain.hpp>

#include "lists_helpers.hpp"

using dnsfilter::errc;
using namespace dnsfilter_test;

TEST_CASE("plain: names, comments, wildcards, trailing dots, case, IDN") {
  match::catalogue cat;
  lists::load_options opt;
  opt.source_name = "malware.txt";
  opt.category = "malware";
  opt.id = "LIST-1";
  opt.action = match::action::nxdomain;
  const auto rep = load_ok(lists::load_plain,
                           "# a comment\n"
                           "\n"
                           "Evil.Example\n"
                           "  *.tracker.example  # trailing comment\n"
                           "trailing.dot.example.\n"
                           "! adblock-style comment\n"
                           "// psl-style comment\n"
                           "bücher.example\n",
                           cat, opt);
  CHECK(rep.loaded == 4);
  CHECK(rep.skipped == 0);
  CHECK(rep.invalid == 0);
  CHECK(rep.lines == 8);
  CHECK(rep.ignored_lines == 4);
  CHECK(rep.entries == 1);
  CHECK(rep.rules == 4);
  CHECK(dump(cat) == std::vector<std::string>{"evil.example nxdomain [LIST-1]", "tracker.example nxdomain [LIST-1]",
                                              "trailing.dot.example nxdomain [LIST-1]",
                                              "xn--bcher-kva.example nxdomain [LIST-1]"});
  REQUIRE(cat.sources().size() == 1);
  CHECK(cat.sources()[0].name == "malware.txt");
  CHECK(cat.entries()[0].category == "malware");
}

TEST_CASE("plain: bad lines are counted with their line numbers; good ones around them load") {
  match::catalogue cat;
  const auto rep = load_ok(lists::load_plain,
                           "good1.example\n"
                           "bad..example\n"
                           "0.0.0.0 hosts.example\n"
                           "good2.example\n"
                           ".\n"
                           "bad/path.example\n"
                           "good3.example",  // no final newline
                           cat);
  CHECK(rep.loaded == 3);
  CHECK(rep.invalid == 4);
  CHECK(rep.records() + rep.ignored_lines == rep.lines);
  CHECK(has_note(rep, 2, "empty label"));
  CHECK(has_note(rep, 3, "hosts file"));
  CHECK(has_note(rep, 5, "root"));
  CHECK(has_note(rep, 6, "'bad/path.example'"));
  CHECK(dump(cat).size() == 3);
  CHECK(lists::to_string("list.txt", rep.diagnostics[0]) == "list.txt:2: invalid name 'bad..example': empty label");
}

TEST_CASE("plain: strict mode fails on the first invalid line and leaves the catalogue unchanged") {
  expect_strict_failure(lists::load_plain, "a.example\nb.example\nnot a name\nc.example\n", 3,
                        "expected one name per line");
  match::catalogue cat;
  load_ok(lists::load_plain, "before.example\n", cat);
  lists::load_options opt;
  opt.strict = true;
  lists::diagnostic why;
  // A clean file loads in strict mode.
  auto ok = lists::load_plain("a.example\n# c\nb.example\n", cat, opt, &why);
  REQUIRE(ok.has_value());
  CHECK(ok->loaded == 2);
  CHECK(cat.rules().size() == 3);
}

TEST_CASE("plain: an empty file, only comments, only a BOM change nothing") {
  for (std::string_view text : {std::string_view{}, std::string_view{"\n\n"}, std::string_view{"# x\r\n"},
                                std::string_view{"\xEF\xBB\xBF"}}) {
    match::catalogue cat;
    const auto rep = load_ok(lists::load_plain, text, cat);
    CHECK(rep.records() == 0);
    CHECK(cat.entries().empty());
    CHECK(cat.sources().empty());
  }
}

TEST_CASE("plain: diagnostics are capped, counts stay exact") {
  std::string text;
  for (int i = 0; i < 1000; ++i) text += "bad..name\ngood" + std::to_string(i) + ".example\n";
  match::catalogue cat;
  const auto rep = load_ok(lists::load_plain, text, cat);
  CHECK(rep.invalid == 1000);
  CHECK(rep.loaded == 1000);
  CHECK(rep.diagnostics.size() == lists::load_report::max_diagnostics);
  CHECK(rep.diagnostics.back().line == 2 * lists::load_report::max_diagnostics - 1);
}

TEST_CASE("plain: two loads append, each with its own source and entry") {
  match::catalogue cat;
  lists::load_options a, b;
  a.source_name = "a";
  b.source_name = "b";
  load_ok(lists::load_plain, "one.example\n", cat, a);
  load_ok(lists::load_plain, "two.example\n", cat, b);
  REQUIRE(cat.rules().size() == 2);
  CHECK(cat.entry_of(cat.rules()[1]).source == 1);
  CHECK(cat.sources()[1].name == "b");
}
