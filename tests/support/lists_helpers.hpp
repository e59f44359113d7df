// Helpers shared by the list loader tests (tests/unit/lists/): a readable dump
// of a catalogue's rules, and a loader call that must succeed.
#pragma once

#include <dnsfilter/lists.hpp>

#include "hex.hpp"

#include <string>
#include <string_view>
#include <vector>

namespace dnsfilter_test {

namespace lists = dnsfilter::lists;
namespace match = dnsfilter::match;

// One line per rule: "name action" plus " exact" for name-only rules, " below"
// for subdomains-only rules and
// " [id]" when the entry has an identifier. Names without the final dot.
inline std::vector<std::string> dump(const match::catalogue& cat) {
  std::vector<std::string> out;
  for (const match::rule& r : cat.rules()) {
    std::string s = cat.name_of(r).to_string();
    s.pop_back();
    s += ' ';
    s += match::to_string(cat.entry_of(r).action);
    if (!r.covers_subdomains()) s += " exact";
    if (!r.covers_name()) s += " below";
    if (!cat.entry_of(r).id.empty()) s += " [" + cat.entry_of(r).id + "]";
    out.push_back(std::move(s));
  }
  return out;
}

using loader_fn = dnsfilter::result<lists::load_report> (*)(std::string_view, match::catalogue&,
                                                             const lists::load_options&, lists::diagnostic*);

// Loads leniently (or with `opt`); the load itself must succeed.
inline lists::load_report load_ok(loader_fn fn, std::string_view text, match::catalogue& cat,
                                  const lists::load_options& opt = {}) {
  lists::diagnostic why;
  auto r = fn(text, cat, opt, &why);
  REQUIRE_MESSAGE(r.has_value(), "load failed: " << lists::to_string("input", why));
  return *r;
}

// A strict load of `text` into a catalogue holding one earlier rule must fail
// with invalid_list_line at `line`, with a message containing `text_part`, and
// leave that catalogue exactly as it was.
inline void expect_strict_failure(loader_fn fn, std::string_view text, std::size_t line, std::string_view text_part) {
  match::catalogue cat;
  lists::load_options earlier;
  earlier.source_name = "earlier";
  REQUIRE(lists::load_plain("earlier.example\n", cat, earlier, nullptr).has_value());
  const auto before = dump(cat);
  lists::load_options opt;
  opt.strict = true;
  lists::diagnostic why;
  auto r = fn(text, cat, opt, &why);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error() == dnsfilter::errc::invalid_list_line);
  CHECK(why.line == line);
  CHECK_MESSAGE(why.message.find(text_part) != std::string::npos, why.message);
  CHECK(dump(cat) == before);
  CHECK(cat.entries().size() == 1);
  CHECK(cat.sources().size() == 1);
}

// The diagnostics as "line: message" strings.
inline std::vector<std::string> notes(const lists::load_report& rep) {
  std::vector<std::string> out;
  for (const auto& d : rep.diagnostics) out.push_back(std::to_string(d.line) + ": " + d.message);
  return out;
}

// Whether some diagnostic is on `line` and contains `text`.
inline bool has_note(const lists::load_report& rep, std::size_t line, std::string_view text) {
  for (const auto& d : rep.diagnostics)
    if (d.line == line && d.message.find(text) != std::string::npos) return true;
  return false;
}

}  // namespace dnsfilter_test
