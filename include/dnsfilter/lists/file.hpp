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

// A list as a program's argument names it: "[FORMAT:]FILE".
struct list_argument {
  lists::format format = lists::format::automatic;
  std::string path;
};

// Parses "[FORMAT:]FILE", the one form every program's list argument takes.
// Text before the first ':' is a FORMAT (parse_format's names) when it is two
// or more ASCII letters; anything else leaves the whole text a path, so
// "C:\lists\x.txt" and "./a:b" are paths. errc::invalid_argument, with
// `failure->message` saying why (line 0), for an unknown FORMAT ("xyz:f")
// or an empty FILE.
DNSFILTER_DECL result<list_argument> parse_list_argument(std::string_view text, diagnostic* failure = nullptr);

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

}  // namespace dnsfilter::lists

#if DNSFILTER_HEADER_ONLY
#include <dnsfilter/lists/impl/file.ipp>
#endif
