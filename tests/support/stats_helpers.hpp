// What the statistics tests share: dates, a catalogue of bare entries, a
// scratch directory.
#pragma once

#include <dnsfilter/lists.hpp>
#include <dnsfilter/stats.hpp>

#include <doctest/doctest.h>

#include <cstdlib>
#include <initializer_list>
#include <string>
#include <string_view>

#include <unistd.h>

namespace dnsfilter_test {

namespace stats = dnsfilter::stats;
namespace match = dnsfilter::match;
namespace lists = dnsfilter::lists;
using dnsfilter::errc;

inline match::timestamp at(std::string_view date, int seconds = 0) { return lists::parse_date(date).value() + seconds; }

// A catalogue of `ids` (each its own category "cat-<id>") in source "ops".
inline match::catalogue catalogue_of(std::initializer_list<const char*> ids) {
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

inline std::string read_text(const std::string& path) { return lists::read_file(path).value(); }

}  // namespace dnsfilter_test
