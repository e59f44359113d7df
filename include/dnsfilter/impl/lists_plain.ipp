// Definitions for lists/plain.hpp.
#pragma once

#include <dnsfilter/lists/plain.hpp>

namespace dnsfilter::lists {

DNSFILTER_DECL result<load_report> load_plain(std::string_view text, match::catalogue& out,
                                              const load_options& options, diagnostic* failure) {
  detail::list_loader loader(options);
  detail::line_reader reader(text);
  std::string_view line;
  bool defective = false;
  std::string message;
  wire::name fqdn;
  while (loader.next_line(reader, line, defective)) {
    if (defective) continue;
    std::string_view rest = detail::trim(detail::strip_hash_comment(line));
    if (rest.empty() || rest.front() == '!' || rest.substr(0, 2) == "//") {
      loader.ignored_line();
      continue;
    }
    std::string_view token = detail::next_token(rest);
    if (!detail::trim(rest).empty()) {
      loader.invalid(reader.number(), "expected one name per line, found more fields after " + detail::quote(token) +
                                          " (a hosts file? load it as one)");
      continue;
    }
    if (token.substr(0, 2) == "*.") token.remove_prefix(2);
    if (!detail::parse_list_name(token, fqdn, message)) {
      loader.invalid(reader.number(), std::move(message));
      continue;
    }
    loader.add_rule(fqdn, options.action);
    loader.loaded();
  }
  return loader.finish(out, failure);
}

}  // namespace dnsfilter::lists
