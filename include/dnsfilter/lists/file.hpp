// dnsfilter — list formats by name, format detection, and loading from files.
//
//   lists::load_options opt;                 // source_name defaults to the path
//   lists::diagnostic why;
//   auto r = lists::load_file("blocklist.txt", lists::format::automatic, cat, opt, &why);
//   if (!r) std::fprintf(stderr, "%s\n", lists::to_string("blocklist.txt", why).c_str());
#pragma once

#include <dnsfilter/lists/adblock.hpp>
#include <dnsfilter/lists/catalogue.hpp>
#include <dnsfilter/lists/common.hpp>
#include <dnsfilter/lists/hosts.hpp>
#include <dnsfilter/lists/plain.hpp>
#include <dnsfilter/lists/rpz.hpp>

#include <cstddef>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

namespace dnsfilter::lists {

enum class format : std::uint8_t { automatic, plain, hosts, adblock, rpz, catalogue };

constexpr const char* to_string(format f) noexcept {
  switch (f) {
    case format::automatic: return "automatic";
    case format::plain: return "plain";
    case format::hosts: return "hosts";
    case format::adblock: return "adblock";
    case format::rpz: return "rpz";
    case format::catalogue: return "catalogue";
  }
  return "unknown";
}

// "plain", "hosts", "adblock", "rpz", "catalogue" (and "auto"/"automatic").
DNSFILTER_DECL std::optional<format> parse_format(std::string_view text) noexcept;

// Guesses the format: by extension first (.rpz .zone .db → rpz, .tsv .csv →
// catalogue, a file named "hosts" or "*.hosts" → hosts), then by the first
// 200 meaningful lines of `text` (an "[Adblock" header, "! Title:" or
// "! Expires:" metadata, "||" or "@@" rules → adblock;
// a ";" or "$" line, an SOA or CNAME field → rpz; an IP address then a name → hosts; a row with
// a tab or comma and a YYYY-MM-DD date → catalogue); plain otherwise.
DNSFILTER_DECL format detect_format(std::string_view path, std::string_view text) noexcept;

// Loads `text` in format `f` (automatic: detect_format with an empty path).
DNSFILTER_DECL result<load_report> load(std::string_view text, format f, match::catalogue& out,
                                        const load_options& options, diagnostic* failure = nullptr);

// Reads the file (std::FILE*, binary mode) and loads it; options.source_name
// defaults to `path`. errc::io_error (and a line-0 diagnostic) when it cannot
// be read.
DNSFILTER_DECL result<load_report> load_file(const std::string& path, format f, match::catalogue& out,
                                             const load_options& options, diagnostic* failure = nullptr);

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

}  // namespace dnsfilter::lists

#if DNSFILTER_HEADER_ONLY
#include <dnsfilter/impl/lists_file.ipp>
#endif
