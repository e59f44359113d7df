// dnsfilter — what every loader of outside files shares (list loaders, the
// policy file, the statistics file): reading a whole file, and the load
// report with its line-numbered diagnostics.
#pragma once

#include <dnsfilter/config.hpp>
#include <dnsfilter/result.hpp>

#include <cstddef>
#include <limits>
#include <string>
#include <string_view>
#include <vector>

namespace dnsfilter {

// One note about one line (1-based; 0 for the file as a whole).
struct diagnostic {
  std::size_t line = 0;
  std::string message;
};

// "file:line: message", the form compilers use, so editors can jump to it.
DNSFILTER_DECL std::string to_string(std::string_view file, const diagnostic& d);

struct load_report {
  // At most this many diagnostics are kept; the counts stay exact.
  static constexpr std::size_t max_diagnostics = 100;

  std::size_t loaded = 0;         // records that became rules or entries
  std::size_t skipped = 0;        // valid records that a DNS filter ignores
  std::size_t invalid = 0;        // records rejected, each with a diagnostic
  std::size_t warnings = 0;       // problems inside a loaded record (a bad FQDN of a catalogue row)
  std::size_t lines = 0;          // physical lines read
  std::size_t ignored_lines = 0;  // blank lines, comments, headers
  std::size_t entries = 0;        // entries appended to the catalogue
  std::size_t rules = 0;          // rules appended to the catalogue
  std::vector<diagnostic> diagnostics;

  std::size_t records() const noexcept { return loaded + skipped + invalid; }
};

// What read_file accepts beyond "it can be read".
struct read_limits {
  // A file longer than this is refused with errc::out_of_range (what grows
  // without end, such as /dev/zero, is no list and no config).
  std::size_t max_size = std::numeric_limits<std::size_t>::max();
  // Refuse a pipe, a directory or a device with errc::not_regular_file.
  bool regular_only = false;
};

// The whole file as bytes; errc::io_error (errno says why) when it cannot be
// opened or read.
DNSFILTER_DECL result<std::string> read_file(const std::string& path, const read_limits& limits = {});

}  // namespace dnsfilter

#if DNSFILTER_HEADER_ONLY
#include <dnsfilter/impl/load.ipp>
#endif
