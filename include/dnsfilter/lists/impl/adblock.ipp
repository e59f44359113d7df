// Definitions for lists/adblock.hpp.
#pragma once

#include <dnsfilter/lists/adblock.hpp>

namespace dnsfilter::lists {

namespace detail {

// Whether every option of "$a,b,c" leaves the rule unrestricted (see adblock.hpp).
inline bool adblock_options_unrestricted(std::string_view options) noexcept {
  while (true) {
    const std::size_t comma = options.find(',');
    const std::string_view option = trim(options.substr(0, comma));
    if (!(iequals(option, "important") || iequals(option, "all") || iequals(option, "document") ||
          iequals(option, "doc"))) {
      return false;
    }
    if (comma == std::string_view::npos) return true;
    options.remove_prefix(comma + 1);
  }
}

// A wildcard, URL or path character: the rule is a pattern, not a domain.
inline bool has_pattern_character(std::string_view s) noexcept {
  return s.find_first_of("*/:?=&%|[]()^$@") != std::string_view::npos;
}

inline bool is_ipv4_literal(std::string_view s) noexcept {
  if (s.empty()) return false;
  for (char c : s)
    if (!(c == '.' || (c >= '0' && c <= '9'))) return false;
  return true;
}

}  // namespace detail

DNSFILTER_DECL result<load_report> load_adblock(std::string_view text, match::catalogue& out,
                                                const load_options& options, diagnostic* failure) {
  detail::list_loader loader(options);
  detail::line_reader reader(text);
  std::string_view line;
  bool defective = false;
  std::string message;
  wire::name fqdn;
  while (loader.next_line(reader, line, defective)) {
    if (defective) continue;
    std::string_view rule = detail::trim(line);
    // Comments: "! ...", headers "[Adblock Plus 2.0]", and "# ..." (but "##"
    // and "#@#" and the like start cosmetic rules, which are skipped below).
    if (rule.empty() || rule.front() == '!' || (rule.front() == '[' && rule.back() == ']') ||
        (rule.front() == '#' && (rule.size() == 1 || detail::is_blank(rule[1])))) {
      loader.ignored_line();
      continue;
    }
    const bool exception = rule.substr(0, 2) == "@@";
    if (exception) rule.remove_prefix(2);
    if (rule.substr(0, 2) != "||") {
      loader.skipped();
      continue;
    }
    rule.remove_prefix(2);
    const std::size_t caret = rule.find('^');
    if (caret == std::string_view::npos) {
      loader.skipped();
      continue;
    }
    const std::string_view domain = rule.substr(0, caret);
    std::string_view after = rule.substr(caret + 1);
    if (!after.empty() && after.front() == '|') after.remove_prefix(1);
    if (!after.empty() && (after.front() != '$' || !detail::adblock_options_unrestricted(after.substr(1)))) {
      loader.skipped();
      continue;
    }
    if (detail::has_pattern_character(domain) || detail::is_ipv4_literal(domain)) {
      loader.skipped();
      continue;
    }
    if (!detail::parse_list_name(domain, fqdn, message)) {
      loader.invalid(reader.number(), std::move(message));
      continue;
    }
    loader.add_rule(fqdn, exception ? match::action::pass : options.action);
    loader.loaded();
  }
  return loader.finish(out, failure);
}

}  // namespace dnsfilter::lists
