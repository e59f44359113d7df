// dnsfilter-compile: loads lists, compiles the production matcher and writes
// one image that a device maps read-only and serves from (match/image.hpp) —
// how a vendor builds policy once and ships it to every device.
//
//   dnsfilter-compile [--strict] [--time-zone ZONE] [--byte-order native|little|big] -o IMAGE [FORMAT:]LIST...
//   dnsfilter-compile --check IMAGE
//
// --time-zone: the zone of the catalogue's dates (and RPZ entry metadata's), as
// the resolver's --time-zone: a date begins at local midnight there (UTC by
// default). The image stores instants, so it serves the same everywhere.
// Every LIST is [FORMAT:]FILE, as dnsfilter-match takes it. --byte-order
// writes for the target's byte order (a big-endian MIPS router from an
// x86-64 build host, say); a host maps only images of its own order.
// --check maps an image, checks it as a device would and prints what it
// holds and how long the mapping and the checks took.
//
// Exit status: 0 on success, 1 when a list or the image failed, 2 on a usage error.
#include <dnsfilter/dnsfilter.hpp>
#include <dnsfilter/match/image.hpp>

#include "time_zone_option.hpp"

#include <chrono>
#include <sys/resource.h>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

namespace {

namespace lists = dnsfilter::lists;
namespace match = dnsfilter::match;

int usage() {
  std::fputs("usage: dnsfilter-compile [--strict] [--time-zone ZONE] [--byte-order native|little|big] -o IMAGE "
             "[FORMAT:]LIST...\n"
             "       dnsfilter-compile --check IMAGE\n"
             "FORMAT: plain, hosts, adblock, rpz, catalogue or auto (the default)\n",
             stderr);
  return 2;
}

// CPU time of this process (user and system), in milliseconds.
double cpu_ms() {
  rusage u{};
  ::getrusage(RUSAGE_SELF, &u);
  return (u.ru_utime.tv_sec + u.ru_stime.tv_sec) * 1e3 + (u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e3;
}

int check(const std::string& path) {
  const auto start = std::chrono::steady_clock::now();
  const double cpu_start = cpu_ms();
  dnsfilter::diagnostic why;
  auto image = match::map_image(path, &why);
  const double cpu = cpu_ms() - cpu_start;
  const double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
  if (!image) return std::fprintf(stderr, "dnsfilter-compile: %s: %s\n", path.c_str(), why.message.c_str()), 1;
  const auto& cat = (*image)->source();
  std::printf("%s: %zu rules, %zu entries, %zu lists, %zu name octets; mapped and checked in %.2f ms (%.2f ms of CPU)\n",
              path.c_str(), cat.rules().size(), cat.entries().size(), cat.sources().size(), cat.name_arena().size(),
              ms, cpu);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  bool strict = false;
  dnsfilter::stats::zone time_zone;  // UTC
  std::string output;
  match::image_options options;
  std::vector<lists::list_argument> files;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg.empty() || arg[0] != '-') {  // a list
      lists::diagnostic why;
      auto list = lists::parse_list_argument(arg, &why);
      if (!list) return std::fprintf(stderr, "dnsfilter-compile: %s\n", why.message.c_str()), 2;
      files.push_back(std::move(*list));
    } else if (arg == "--strict") {
      strict = true;
    } else if (arg == "--time-zone" && has_value) {
      std::string why;
      auto z = examples::parse_time_zone(argv[++i], why);
      if (!z) return std::fprintf(stderr, "dnsfilter-compile: --time-zone: %s\n", why.c_str()), 2;
      time_zone = std::move(*z);
    } else if ((arg == "-o" || arg == "--output") && has_value) {
      output = argv[++i];
    } else if (arg == "--check" && has_value) {
      return check(argv[++i]);
    } else if (arg == "--byte-order" && has_value) {
      const std::string_view order = argv[++i];
      if (order == "native") options.order = match::byte_order::native;
      else if (order == "little") options.order = match::byte_order::little;
      else if (order == "big") options.order = match::byte_order::big;
      else return usage();
    } else {
      return arg == "-h" || arg == "--help" ? (usage(), 0) : usage();
    }
  }
  if (files.empty() || output.empty()) return usage();

  match::catalogue cat;
  for (const auto& [format, path] : files) {
    lists::load_options load;
    load.strict = strict;
    load.time_zone = time_zone;
    lists::diagnostic why;
    auto report = lists::load_file(path, format, cat, load, &why);
    if (!report) return std::fprintf(stderr, "%s\n", lists::to_string(path, why).c_str()), 1;
    std::fprintf(stderr, "%s: %zu loaded, %zu skipped, %zu invalid (%zu rules)\n", path.c_str(), report->loaded,
                 report->skipped, report->invalid, report->rules);
  }
  cat.shrink_to_fit();
  const auto compiled = match::make_compiled<match::suffix_hash_matcher>(std::move(cat));
  if (auto r = match::write_image(output, *compiled, options); !r)
    return std::fprintf(stderr, "dnsfilter-compile: cannot write %s: %s\n", output.c_str(),
                        r.error_code().message().c_str()), 1;
  std::fprintf(stderr, "%s: %zu rules, %zu entries\n", output.c_str(), compiled->source().rules().size(),
               compiled->source().entries().size());
  return 0;
}
