// dnsfilter-rpz: turns the operator's catalogue (TSV/CSV, lists/catalogue.hpp)
// into a response policy zone carrying each entry's id, category and window
// (docs/rpz.md), ready for a primary (Knot DNS, BIND) to serve to the fleet.
//
//   dnsfilter-rpz [--strict] [--origin rpz.example] [--serial N] [--ns NAME] [--ttl N]
//                 [--action nxdomain|sinkhole|nodata|drop] CATALOGUE.tsv|csv > zone
//
// --action is the action of rows without an "action" column (default
// nxdomain); the catalogue's report and what the zone cannot say go to
// standard error. The zone is sorted: the same catalogue gives the same file.
//
// Exit status: 0 when the zone was written, 1 when the catalogue could not be
// loaded (--strict: any invalid row), 2 on a usage error.
#include <dnsfilter/dnsfilter.hpp>

#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

namespace {

namespace lists = dnsfilter::lists;
namespace match = dnsfilter::match;
namespace wire = dnsfilter::wire;

int usage() {
  std::fputs("usage: dnsfilter-rpz [--strict] [--origin NAME] [--serial N] [--ns NAME] [--ttl N]\n"
             "                     [--action nxdomain|sinkhole|nodata|drop] CATALOGUE.tsv|csv > ZONE\n",
             stderr);
  return 2;
}

bool parse_u32(std::string_view text, std::uint32_t& out) {
  if (text.empty() || text.size() > 10) return false;
  std::uint64_t v = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    v = v * 10 + static_cast<std::uint64_t>(c - '0');
  }
  if (v > 0xFFFFFFFFu) return false;
  out = static_cast<std::uint32_t>(v);
  return true;
}

}  // namespace

int main(int argc, char** argv) {
  lists::rpz_write_options options;
  lists::load_options load;
  load.action = match::action::nxdomain;
  std::string path;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "--strict") {
      load.strict = true;
    } else if ((arg == "--origin" || arg == "--ns") && has_value) {
      auto n = lists::name_from_utf8(argv[++i]);
      if (!n || n->is_root())
        return std::fprintf(stderr, "dnsfilter-rpz: bad name for %s: %s\n", argv[i - 1], argv[i]), 2;
      (arg == "--origin" ? options.origin : options.ns) = *n;
    } else if ((arg == "--serial" || arg == "--ttl") && has_value) {
      if (!parse_u32(argv[++i], arg == "--serial" ? options.serial : options.ttl))
        return std::fprintf(stderr, "dnsfilter-rpz: %s needs a number below 2^32: %s\n", argv[i - 1], argv[i]), 2;
    } else if (arg == "--action" && has_value) {
      const std::string_view a = argv[++i];
      if (a == "nxdomain") load.action = match::action::nxdomain;
      else if (a == "sinkhole") load.action = match::action::sinkhole;
      else if (a == "nodata") load.action = match::action::nodata;
      else if (a == "drop") load.action = match::action::drop;
      else return std::fprintf(stderr, "dnsfilter-rpz: unknown action %s\n", argv[i]), 2;
    } else if (arg == "-h" || arg == "--help") {
      return usage(), 0;
    } else if ((!arg.empty() && arg[0] == '-') || !path.empty()) {
      return usage();
    } else {
      path = arg;
    }
  }
  if (path.empty()) return usage();

  match::catalogue cat;
  lists::diagnostic why;
  auto report = lists::load_file(path, lists::format::catalogue, cat, load, &why);
  if (!report) {
    std::fprintf(stderr, "%s\n", lists::to_string(path, why).c_str());
    return 1;
  }
  std::fprintf(stderr, "%s: %zu loaded, %zu skipped, %zu invalid (%zu rules)\n", path.c_str(), report->loaded,
               report->skipped, report->invalid, report->rules);
  for (const auto& d : report->diagnostics) std::fprintf(stderr, "  %s\n", lists::to_string(path, d).c_str());

  std::string zone;
  auto written = lists::write_rpz(cat, options, zone);
  if (!written) {
    std::fprintf(stderr, "dnsfilter-rpz: %s\n", dnsfilter::to_string(written.error()));
    return 1;
  }
  for (const auto& note : written->notes) std::fprintf(stderr, "dnsfilter-rpz: %s\n", note.c_str());
  std::fprintf(stderr, "dnsfilter-rpz: %zu entries, %zu triggers, %zu links under %s\n", written->entries,
               written->triggers, written->links, options.origin.to_string().c_str());
  if (std::fwrite(zone.data(), 1, zone.size(), stdout) != zone.size() || std::fflush(stdout) != 0) {
    std::perror("dnsfilter-rpz: standard output");
    return 1;
  }
  return 0;
}
