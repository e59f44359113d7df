// load_file, format detection and names, and real-world lists when the
// system has them (Debian: webext-ublock-origin-firefox, publicsuffix).
#include <dnsfilter/lists/file.hpp>

#include "lists_helpers.hpp"

#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <string_view>

using dnsfilter::errc;
using namespace dnsfilter_test;

namespace {

std::string data_path(const char* file) { return std::string(DNSFILTER_TEST_DATA_DIR) + "/data/lists/" + file; }

bool exists(const std::string& path) {
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f != nullptr) std::fclose(f);
  return f != nullptr;
}

}  // namespace
TEST_CASE("file: each sample file is detected and loaded") {
  struct sample {
    const char* file;
    lists::format expected;
    std::vector<std::string> rules;
  };
  const sample samples[] = {
      {"plain.txt", lists::format::plain, {"evil.example sinkhole", "xn--bcher-kva.example sinkhole"}},
      {"blocklist.hosts", lists::format::hosts, {"evil.example sinkhole", "tracker.example sinkhole"}},
      {"adblock.txt", lists::format::adblock, {"evil.example sinkhole", "good.evil.example pass"}},
      {"policy.rpz", lists::format::rpz, {"evil.example nxdomain"}},
      {"operator.tsv",
       lists::format::catalogue,
       {"c2.evil.example sinkhole [XX-20250109-0001]", "backup.evil.example sinkhole [XX-20250109-0001]"}},
  };
  for (const sample& s : samples) {
    CAPTURE(s.file);
    const std::string path = data_path(s.file);
    auto text = lists::read_file(path);
    REQUIRE(text.has_value());
    CHECK(lists::detect_format(path, *text) == s.expected);
    CHECK(lists::detect_format("", *text) == s.expected);  // by content alone
    match::catalogue cat;
    lists::load_options opt;
    opt.strict = true;
    lists::diagnostic why;
    auto r = lists::load_file(path, lists::format::automatic, cat, opt, &why);
    REQUIRE_MESSAGE(r.has_value(), lists::to_string(path, why));
    CHECK(dump(cat) == s.rules);
    CHECK(cat.sources()[0].name == path);
  }
}

TEST_CASE("file: a missing file is an I/O error with a message") {
  match::catalogue cat;
  lists::diagnostic why;
  auto r = lists::load_file("/nonexistent/dnsfilter/list.txt", lists::format::plain, cat, {}, &why);
  REQUIRE_FALSE(r.has_value());
  CHECK(r.error() == errc::io_error);
  CHECK(why.line == 0);
  CHECK(why.message.find("/nonexistent/dnsfilter/list.txt") != std::string::npos);
}

TEST_CASE("file: format names and load() dispatch") {
  CHECK(lists::parse_format("RPZ") == lists::format::rpz);
  CHECK(lists::parse_format("auto") == lists::format::automatic);
  CHECK_FALSE(lists::parse_format("zone").has_value());
  for (auto f : {lists::format::plain, lists::format::hosts, lists::format::adblock, lists::format::rpz,
                 lists::format::catalogue})
    CHECK(lists::parse_format(lists::to_string(f)) == f);
  match::catalogue cat;
  auto r = lists::load("0.0.0.0 a.example\n", lists::format::automatic, cat, {});
  REQUIRE(r.has_value());
  CHECK(dump(cat) == std::vector<std::string>{"a.example sinkhole"});
}

TEST_CASE("file: list arguments are [FORMAT:]FILE") {
  struct good {
    const char* text;
    lists::format format;
    const char* path;
  };
  const good goods[] = {
      {"rpz:/x/zone", lists::format::rpz, "/x/zone"},
      {"HOSTS:list", lists::format::hosts, "list"},
      {"auto:a.txt", lists::format::automatic, "a.txt"},
      {"/y/hosts.txt", lists::format::automatic, "/y/hosts.txt"},
      {"plain:dir/a:b.txt", lists::format::plain, "dir/a:b.txt"},  // only the first ':' splits
      {"./weird:name", lists::format::automatic, "./weird:name"},  // no format before a path's ':'
      {"C:\\lists\\x.txt", lists::format::automatic, "C:\\lists\\x.txt"},  // a drive letter is no format
      {"C:", lists::format::automatic, "C:"},
      {"list-2024:01.txt", lists::format::automatic, "list-2024:01.txt"},  // not letters alone
  };
  for (const good& g : goods) {
    CAPTURE(g.text);
    const auto a = lists::parse_list_argument(g.text);
    REQUIRE(a.has_value());
    CHECK(a->format == g.format);
    CHECK(a->path == g.path);
  }

  lists::diagnostic why;
  auto bad = lists::parse_list_argument("zone:/x/zone", &why);
  REQUIRE_FALSE(bad.has_value());
  CHECK(bad.error() == errc::invalid_argument);
  CHECK(why.line == 0);
  CHECK(why.message.find("unknown list format 'zone'") == 0);
  for (const char* empty : {"", "rpz:", "auto:"}) {
    CAPTURE(empty);
    bad = lists::parse_list_argument(empty, &why);
    REQUIRE_FALSE(bad.has_value());
    CHECK(bad.error() == errc::invalid_argument);
    CHECK(why.message == "empty path in '" + std::string(empty) + "'");
  }
  // Hostile text is quoted, never copied raw into the message.
  CHECK_FALSE(lists::parse_list_argument(std::string_view("abc:\x1b\0x", 7), &why).has_value());
  CHECK(why.message.find('\x1b') == std::string::npos);
  CHECK(why.message.find('\0') == std::string::npos);
}

// Real-world lists, when installed. Debian: apt-get install --no-install-recommends
// webext-ublock-origin-firefox publicsuffix.
namespace {
// DNSFILTER_UBLOCK_ASSETS may point at an unpacked copy of the package's assets/ directory.
std::string ublock_assets() {
  const char* env = std::getenv("DNSFILTER_UBLOCK_ASSETS");
  if (env != nullptr && *env != 0) return std::string(env) + "/";
  return "/usr/share/mozilla/extensions/{ec8030f7-c20a-464f-9b0e-13a3a9e97384}/uBlock0@raymondhill.net/assets/";
}
}

TEST_CASE("real world: EasyList and the URLhaus malware list (adblock syntax)") {
  for (const char* rel : {"thirdparties/easylist/easylist.txt", "thirdparties/urlhaus-filter/urlhaus-filter-online.txt"}) {
    const std::string path = ublock_assets() + rel;
    if (!exists(path)) {
      MESSAGE("skipped: " << path << " not found (Debian package webext-ublock-origin-firefox)");
      continue;
    }
    CAPTURE(path);
    match::catalogue cat;
    auto r = lists::load_file(path, lists::format::automatic, cat, {});
    REQUIRE(r.has_value());
    MESSAGE(path << ": loaded " << r->loaded << ", skipped " << r->skipped << ", invalid " << r->invalid
                 << ", comment lines " << r->ignored_lines);
    // EasyList has tens of thousands of "||domain^" rules; URLhaus lists URLs
    // ("||host/path^$all"), which are skipped: only whole-domain rules load.
    CHECK(r->records() > 1000);
    CHECK(r->skipped > 0);
    if (std::string_view(rel).find("easylist") != std::string_view::npos) CHECK(r->loaded > 10000);
    CHECK(r->invalid * 1000 <= r->records());  // real lists are almost entirely well formed
    for (const auto& d : r->diagnostics) MESSAGE(lists::to_string(path, d));
    CHECK(r->records() + r->ignored_lines == r->lines);
  }
}

TEST_CASE("real world: the Public Suffix List (UTF-8 names) as a plain list") {
  const std::string path = "/usr/share/publicsuffix/public_suffix_list.dat";
  if (!exists(path)) {
    MESSAGE("skipped: " << path << " not found (Debian package publicsuffix)");
    return;
  }
  match::catalogue cat;
  lists::diagnostic why;
  // "!name" exception lines are comments to the plain loader; every other line
  // is a suffix, often in UTF-8, possibly "*.name": all must load.
  lists::load_options opt;
  opt.strict = true;
  auto r = lists::load_file(path, lists::format::plain, cat, opt, &why);
  REQUIRE_MESSAGE(r.has_value(), lists::to_string(path, why));
  CHECK(r->loaded > 5000);
  std::size_t a_labels = 0;
  for (const auto& rule : cat.rules()) a_labels += cat.name_of(rule).to_string().find("xn--") != std::string::npos;
  CHECK(a_labels > 100);
  MESSAGE(path << ": " << r->loaded << " names, " << a_labels << " with A-labels");
}
