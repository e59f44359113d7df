// adblock-style lists: domain rules and exceptions; every other rule kind is
// skipped, not an error; options are accepted only when they do not restrict.
#include <dnsfilter/lists/adblock.hpp>

#include "lists_helpers.hpp"

using namespace dnsfilter_test;

TEST_CASE("adblock: domain rules, exceptions, accepted options") {
  match::catalogue cat;
  lists::load_options opt;
  opt.id = "EASY";
  const auto rep = load_ok(lists::load_adblock,
                           "[Adblock Plus 2.0]\n"
                           "! Title: test list\n"
                           "||evil.example^\n"
                           "@@||good.evil.example^\n"
                           "||Important.example^$important\n"
                           "||all.example^$all\n"
                           "||doc.example^$document,important\n"
                           "||pipe.example^|\n"
                           "@@||free.example^$document\n"
                           "  ||spaced.example^  \n"
                           "||bücher.example^\n",
                           cat, opt);
  CHECK(dump(cat) == std::vector<std::string>{
                         "evil.example sinkhole [EASY]", "good.evil.example pass [EASY]",
                         "important.example sinkhole [EASY]", "all.example sinkhole [EASY]",
                         "doc.example sinkhole [EASY]", "pipe.example sinkhole [EASY]", "free.example pass [EASY]",
                         "spaced.example sinkhole [EASY]", "xn--bcher-kva.example sinkhole [EASY]"});
  CHECK(rep.loaded == 9);
  CHECK(rep.ignored_lines == 2);
  CHECK(rep.entries == 2);  // the block entry and the exception entry
  REQUIRE(cat.entries().size() == 2);
  CHECK(cat.entries()[1].is_exception());
}

TEST_CASE("adblock: other rule kinds are skipped, not errors") {
  match::catalogue cat;
  const auto rep = load_ok(lists::load_adblock,
                           "example.com##.banner\n"
                           "##.ad-box\n"
                           "example.org#@#.sponsor\n"
                           "example.net#?#div:has(> a)\n"
                           "||ads.example/path/*\n"
                           "||ads.example^/banner\n"
                           "/banner[0-9]+\\.gif/\n"
                           "|https://evil.example/\n"
                           "||third.example^$third-party\n"
                           "||popup.example^$popup\n"
                           "||d.example^$domain=a.example\n"
                           "||prefix.example\n"
                           "||*.wild.example^\n"
                           "||192.0.2.1^\n"
                           "1.2.3.4\n"
                           "plain.example\n"
                           "@@||x.example^$generichide\n"
                           "||bf.example^$badfilter\n",
                           cat);
  CHECK(rep.skipped == 18);
  CHECK(rep.loaded == 0);
  CHECK(rep.invalid == 0);
  CHECK(cat.rules().empty());
}

TEST_CASE("adblock: malformed domain rules are invalid, with line numbers") {
  match::catalogue cat;
  const auto rep = load_ok(lists::load_adblock,
                           "||ok.example^\n"
                           "||bad..example^\n"
                           "||" + std::string(64, 'a') + ".example^\n"
                           "||^\n"
                           "||sp ace.example^\n",
                           cat);
  CHECK(rep.loaded == 1);
  CHECK(rep.invalid == 4);
  CHECK(has_note(rep, 2, "empty label"));
  CHECK(has_note(rep, 3, "longer than 63"));
  CHECK(has_note(rep, 5, "unexpected character"));
}
