// dnsfilter-match: loads lists into a catalogue, compiles the production
// matcher, and prints the decision for each name — the library's loaders and
// matcher in one screen, for list maintainers and researchers.
//
//   dnsfilter-match [--strict] [--at YYYY-MM-DD] LIST... -- NAME...
//
// Every LIST is loaded in the format detected from its name and content
// (plain, hosts, adblock, RPZ or the operator's TSV/CSV catalogue); a report
// line per list goes to standard error. Each NAME then gets one line:
//
//   www.evil.example.   sinkhole  XX-20250109-0001  backdoor  (rule evil.example.)
//   www.example.org.    pass      -                           (no rule)
//
// Exit status: 0 when everything loaded, 1 when a list failed (--strict turns
// any invalid line into a failure), 2 on a usage error.
#include <dnsfilter/dnsfilter.hpp>

#include <cstdio>
#include <ctime>
#include <string>
#include <string_view>
#include <vector>

namespace {

namespace lists = dnsfilter::lists;
namespace match = dnsfilter::match;

int usage() {
  std::fputs("usage: dnsfilter-match [--strict] [--at YYYY-MM-DD] LIST... -- NAME...\n", stderr);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  bool strict = false;
  match::timestamp at = static_cast<match::timestamp>(std::time(nullptr));
  std::vector<std::string> files, names;
  bool in_names = false;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    if (in_names) {
      names.emplace_back(arg);
    } else if (arg == "--") {
      in_names = true;
    } else if (arg == "--strict") {
      strict = true;
    } else if (arg == "--at" && i + 1 < argc) {
      auto t = lists::parse_date(argv[++i]);
      if (!t) return std::fprintf(stderr, "dnsfilter-match: bad date %s\n", argv[i]), 2;
      at = *t;
    } else if (arg == "-h" || arg == "--help") {
      return usage(), 0;
    } else if (!arg.empty() && arg[0] == '-') {
      return usage();
    } else {
      files.emplace_back(arg);
    }
  }
  if (files.empty()) return usage();

  match::catalogue cat;
  int status = 0;
  for (const auto& path : files) {
    lists::load_options options;
    options.strict = strict;
    lists::diagnostic why;
    auto report = lists::load_file(path, lists::format::automatic, cat, options, &why);
    if (!report) {
      std::fprintf(stderr, "%s\n", lists::to_string(path, why).c_str());
      status = 1;
      continue;
    }
    std::fprintf(stderr, "%s: %zu loaded, %zu skipped, %zu invalid (%zu rules)\n", path.c_str(), report->loaded,
                 report->skipped, report->invalid, report->rules);
    for (const auto& d : report->diagnostics) std::fprintf(stderr, "  %s\n", lists::to_string(path, d).c_str());
  }
  cat.shrink_to_fit();
  const auto compiled = match::make_compiled<match::suffix_hash_matcher>(std::move(cat));

  for (const auto& text : names) {
    auto name = lists::name_from_utf8(text);  // accepts IDN as well as ASCII
    if (!name) {
      std::printf("%s\tinvalid name: %s\n", text.c_str(), dnsfilter::to_string(name.error()));
      continue;
    }
    const auto decision = compiled->lookup(*name, at);
    if (!decision) {
      std::printf("%s\tpass\t-\t\t(no rule)\n", name->to_string().c_str());
      continue;
    }
    const auto& e = compiled->entry_of(decision);
    const auto& rule = compiled->source().rules()[decision.rule];
    std::printf("%s\t%s\t%s\t%s\t(rule %s%s)\n", name->to_string().c_str(), match::to_string(e.action),
                e.id.empty() ? "-" : e.id.c_str(), e.category.c_str(), compiled->source().name_of(rule).to_string().c_str(),
                rule.covers_subdomains() ? "" : ", exact");
  }
  return status;
}
