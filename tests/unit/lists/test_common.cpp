// Hostile input for every list format: binary junk, a 10 MB line, names over
// 255 octets, empty files, CRLF, a BOM, IDN. Nothing may crash, hang or cost
// the good line next to a bad one.
#include <dnsfilter/lists.hpp>

#include "lists_helpers.hpp"

#include <cstdint>

using namespace dnsfilter_test;

namespace {

struct format_case {
  std::string name;
  loader_fn fn;
  std::string before, after;  // a record of this format is before + name + after

  std::string record(std::string_view fqdn) const { return before + std::string(fqdn) + after; }
  std::string good() const { return record("good.example"); }
};

std::vector<format_case> formats() {
  return {
      {"plain", lists::load_plain, "", ""},
      {"hosts", lists::load_hosts, "0.0.0.0 ", ""},
      {"adblock", lists::load_adblock, "||", "^"},
      {"rpz", lists::load_rpz, "", ". CNAME ."},
      {"catalogue", lists::load_catalogue, "G-1\tbehaviour\t2025-01-09\t\t", ""},
  };
}

bool has_good(const match::catalogue& cat) {
  for (const auto& r : cat.rules())
    if (cat.name_of(r).to_string() == "good.example.") return true;
  return false;
}

std::string too_long_name() {
  std::string n;
  for (int i = 0; i < 5; ++i) n += std::string(60, 'a' + i) + ".";
  return n + "example";  // 5 * 61 + 8 + 1 > 255 octets
}

}  // namespace

TEST_CASE("hostile: a good line survives next to each kind of bad one, in every format") {
  // Bad names are given in each format's own record shape.
  std::string junk;
  for (int i = 0; i < 256; ++i) junk += static_cast<char>(i == '\n' ? 'x' : i);
  const std::string ten_mb(10 * 1024 * 1024, 'a');
  for (const auto& f : formats()) {
    CAPTURE(f.name);
    const std::string bad_lines[] = {junk, ten_mb, f.record(std::string_view("a\0b.example", 11)),
                                     f.record(too_long_name()), f.record("bad..example")};
    for (const std::string& bad : bad_lines) {
      const std::string text = "\xEF\xBB\xBF" + bad + "\r\n" + f.good() + "\r\n" + bad;
      match::catalogue cat;
      const auto rep = load_ok(f.fn, text, cat);
      CHECK(has_good(cat));
      CHECK(rep.loaded == 1);
      CHECK(rep.invalid >= 1);
      CHECK(rep.lines == 3);
      REQUIRE(!rep.diagnostics.empty());
      CHECK(rep.diagnostics[0].line == 1);
      for (const auto& d : rep.diagnostics) CHECK(d.message.size() < 300);  // junk is quoted, not copied
      for (const auto& r : cat.rules()) {
        for (std::byte b : cat.name_of(r).wire()) {
          const auto c = static_cast<unsigned>(b);
          CHECK_FALSE((c >= 'A' && c <= 'Z'));
        }
      }
    }
  }
}

TEST_CASE("hostile: the over-long line is reported by size, with the limit from the options") {
  match::catalogue cat;
  lists::load_options opt;
  opt.max_line_length = 20;
  const auto rep = load_ok(lists::load_plain, "short.example\nthis-line-is-way-too-long.example\n", cat, opt);
  CHECK(rep.loaded == 1);
  CHECK(rep.invalid == 1);
  CHECK(has_note(rep, 2, "line of 33 octets exceeds the limit of 20"));
}

TEST_CASE("hostile: binary lines are named as such") {
  match::catalogue cat;
  const auto rep = load_ok(lists::load_plain, std::string("ok.example\n\x01\x02\x03\n", 15), cat);
  CHECK(has_note(rep, 2, "control byte 0x01 at column 1"));
}

TEST_CASE("hostile: empty input, a lone BOM, lone terminators") {
  for (const auto& f : formats()) {
    CAPTURE(f.name);
    for (std::string_view text : {"", "\xEF\xBB\xBF", "\n", "\r\n", "\r\n\r\n\r\n"}) {
      match::catalogue cat;
      const auto rep = load_ok(f.fn, text, cat);
      CHECK(rep.records() == 0);
      CHECK(cat.entries().empty());
    }
  }
}

TEST_CASE("hostile: CRLF and a BOM give the same catalogue as LF") {
  for (const auto& f : formats()) {
    CAPTURE(f.name);
    match::catalogue lf, crlf;
    load_ok(f.fn, f.good() + "\n", lf);
    load_ok(f.fn, "\xEF\xBB\xBF" + f.good() + "\r\n", crlf);
    CHECK(dump(lf) == dump(crlf));
    CHECK(dump(lf).size() == 1);
  }
}

TEST_CASE("hostile: IDN in UTF-8 converts; broken UTF-8 is rejected clearly") {
  match::catalogue cat;
  const auto rep = load_ok(lists::load_plain, "münchen.de\nm\xFCnchen.de\n", cat);  // the second is Latin-1
  CHECK(dump(cat) == std::vector<std::string>{"xn--mnchen-3ya.de sinkhole"});
  CHECK(has_note(rep, 2, "invalid UTF-8"));
  CHECK(has_note(rep, 2, "'m\\xFCnchen.de'"));
}
