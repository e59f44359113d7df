// dnsfilter-match: loads lists into a catalogue, compiles the production
// matcher, and prints the decision for each name — the library's loaders and
// matcher in one screen, for list maintainers and researchers.
//
//   dnsfilter-match [--strict] [--at YYYY-MM-DD] LIST... -- NAME...
//
// Every LIST is [FORMAT:]FILE (lists::parse_list_argument): FILE is loaded
// in FORMAT, or in the format detected from its name and content (plain,
// hosts, adblock, RPZ or the operator's TSV/CSV catalogue); a report line per
// list goes to standard error. Each NAME then gets one line:
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
  std::fputs("usage: dnsfilter-match [--strict] [--at YYYY-MM-DD] [FORMAT:]LIST... -- NAME...\n"
             "FORMAT: plain, hosts, adblock, rpz, catalogue or auto (the default)\n",
             stderr);
  return 2;
}

}  // namespace

int main(int argc, char** argv) {
  bool strict = false;
  match::timestamp at = static_cast<match::timestamp>(std::time(nullptr));
  std::vector<lists::list_argument> files;
  std::vector<std::string> names;
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
      lists::diagnostic why;
      auto list = lists::parse_list_argument(arg, &why);
      if (!list) return std::fprintf(stderr, "dnsfilter-match: %s\n", why.message.c_str()), 2;
      files.push_back(std::move(*list));
    }
  }
  if (files.empty()) return usage();

  match::catalogue cat;
  int status = 0;
  for (const auto& [format, path] : files) {
    lists::load_options options;
    options.strict = strict;
    lists::diagnostic why;
    auto report = lists::load_file(path, format, cat, options, &why);
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
