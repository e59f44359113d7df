// The memory budget of a load (load_options::memory_budget): a list that would
// make the policy larger than the budget is refused whole and changes nothing,
// in every format; a huge list is stopped early, not read to its end; and the
// figure the budget is held against is what the policy really takes.
#include <dnsfilter/lists.hpp>
#include <dnsfilter/match/compiled.hpp>
#include <dnsfilter/match/hashed.hpp>

#include "lists_helpers.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>

using namespace dnsfilter_test;
using dnsfilter::errc;

namespace {

struct format_case {
  const char* name;
  loader_fn fn;
  const char* before;
  const char* after;
};

constexpr format_case formats[] = {
    {"plain", lists::load_plain, "", ""},
    {"hosts", lists::load_hosts, "0.0.0.0 ", ""},
    {"adblock", lists::load_adblock, "||", "^"},
    {"rpz", lists::load_rpz, "", ". CNAME ."},
    {"catalogue", lists::load_catalogue, "", ""},
};

std::string list_of(const format_case& f, std::size_t n, std::string_view stem) {
  std::string text;
  for (std::size_t i = 0; i < n; ++i) {
    const std::string name = std::string(stem) + std::to_string(i) + ".example";
    if (f.fn == lists::load_catalogue)
      text += "G-" + std::to_string(i) + "\tbehaviour\t2025-01-09\t\t" + name + "\n";  // an entry per row
    else
      text += f.before + name + f.after + "\n";
  }
  return text;
}

// A catalogue holding one earlier list, as a second load finds it.
match::catalogue with_earlier_list() {
  match::catalogue cat;
  lists::load_options earlier;
  earlier.source_name = "earlier";
  REQUIRE(lists::load_plain("earlier.example\nolder.example\n", cat, earlier, nullptr).has_value());
  return cat;
}

}  // namespace

TEST_CASE("memory budget: the policy's size decides, to the octet, in every format") {
  for (const format_case& f : formats) {
    CAPTURE(std::string(f.name));
    const std::string text = list_of(f, 3000, "host-");
    // What the policy takes with the list: the budget that just holds it.
    match::catalogue fits = with_earlier_list();
    load_ok(f.fn, text, fits);
    const std::size_t needed = match::policy_bytes(fits);

    lists::load_options opt;
    opt.memory_budget = needed;
    match::catalogue exact = with_earlier_list();
    load_ok(f.fn, text, exact, opt);
    CHECK(exact.rules().size() == fits.rules().size());

    opt.memory_budget = needed - 1;
    match::catalogue over = with_earlier_list();
    const auto before = dump(over);
    lists::diagnostic why;
    auto r = f.fn(text, over, opt, &why);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error() == errc::over_budget);
    CHECK_MESSAGE(why.message.find("over the memory budget of " + std::to_string(needed - 1)) != std::string::npos,
                  why.message);
    CHECK(dump(over) == before);  // the earlier list is untouched
    CHECK(over.sources().size() == 1);
    CHECK(match::policy_bytes(over) < needed);
  }
}

TEST_CASE("memory budget: a list far over the budget is stopped early, not read to its end") {
  for (const format_case& f : formats) {
    CAPTURE(std::string(f.name));
    const std::string text = list_of(f, 100000, "a-rather-long-label-of-a-host-");
    lists::load_options opt;
    opt.memory_budget = 64 * 1024;
    match::catalogue cat = with_earlier_list();
    lists::diagnostic why;
    auto r = f.fn(text, cat, opt, &why);
    REQUIRE_FALSE(r.has_value());
    CHECK(r.error() == errc::over_budget);
    CHECK(cat.rules().size() == 2);
    // An RPZ file's rules are made once its records are read (links between
    // them come in any order): it is refused whole after the reading.
    if (f.fn == lists::load_rpz) continue;
    CHECK_MESSAGE(why.message.find("stopped") != std::string::npos, why.message);
    // 64 KiB hold about 1,500 such names: reading ends within a check's 1,024 lines of that.
    CHECK(why.line > 1000);
    CHECK(why.line < 4096);
  }
}

TEST_CASE("memory budget: policy_bytes is what a built matcher and a shrunk catalogue hold") {
  match::catalogue cat;
  load_ok(lists::load_plain, list_of(formats[0], 20000, "h"), cat);
  cat.shrink_to_fit();
  const std::size_t rules = cat.rules().size();
  auto compiled = match::make_compiled<match::suffix_hash_matcher>(std::move(cat));
  const auto& m = compiled->matcher();
  CHECK(m.memory_bytes() == match::suffix_hash_matcher::bytes_for(rules));
  const auto& c = compiled->source();
  // The catalogue's arrays: names, rules, the entries (no heap strings here).
  CHECK(c.compact_bytes() == c.name_arena().size() + rules * sizeof(match::rule) +
                                 c.entries().size() * sizeof(match::entry) +
                                 c.sources().size() * sizeof(match::source_info));
  CHECK(match::policy_bytes(c) == c.compact_bytes() + m.memory_bytes());
  // 8 octets per rule and 5 of table: the layout docs/design.md states.
  CHECK(sizeof(match::rule) == 8);
  CHECK(match::suffix_hash_matcher::bytes_for(1000000) == 1250001 * 4 + 187500 * 8);
}

TEST_CASE("release_read_text: the text read goes back to the kernel, and the load is the same") {
  for (const format_case& f : formats) {
    CAPTURE(std::string(f.name));
    std::string text = list_of(f, 300000, "a-host-with-a-longer-name-");  // 12-16 MiB
    match::catalogue plain_load, releasing;
    load_ok(f.fn, text, plain_load);
    lists::load_options opt;
    opt.release_read_text = true;
    load_ok(f.fn, text, releasing, opt);
    CHECK(dump(releasing) == dump(plain_load));
    // The first whole 2 MiB unit of the text was given back (it reads as
    // zeros now), except for RPZ, whose loader keeps its text.
    const auto first = reinterpret_cast<std::uintptr_t>(text.data());
    const std::size_t unit = std::size_t{2} << 20;
    const std::size_t at = ((first + unit - 1) & ~(unit - 1)) - first;
    REQUIRE(at + unit < text.size());
#if defined(__linux__)
    const bool zeros = std::all_of(text.begin() + static_cast<std::ptrdiff_t>(at),
                                   text.begin() + static_cast<std::ptrdiff_t>(at + unit), [](char c) { return c == 0; });
    CHECK(zeros == (f.fn != lists::load_rpz));
#endif
  }
}
