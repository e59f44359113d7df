// Definitions for lists/plain.hpp.
#pragma once

#include <dnsfilter/lists/plain.hpp>

#include <algorithm>

namespace dnsfilter::lists {

DNSFILTER_DECL result<load_report> load_plain(std::string_view text, match::catalogue& out,
                                              const load_options& options, diagnostic* failure) {
  detail::list_loader loader(options);
  // Every array grown once: a line holds at most one rule, of a name whose
  // wire form is at most one octet longer than the line with its terminator
  // (length octets stand for the dots, plus the root label). That is exact
  // for a list of bare names, so shrink_to_fit has nothing to copy; IDNA
  // A-labels can be longer, and then the names grow as usual. Counting the
  // lines costs a pass over the text, far less than a copy of every array.
  //   The rules are reserved for lines of at least 16 octets (block lists
  // average about 20): a line-per-rule bound would let a hostile file of
  // blank lines reserve about 8 times its size, which on a router with
  // little memory and no swap can fail outright. Lists of shorter names
  // grow their arrays a few times instead; the worst case reserves about
  // 2 times the text (tests/no_alloc/test_no_alloc.cpp checks it).
  const auto newlines = static_cast<std::size_t>(std::count(text.begin(), text.end(), '\n'));
  const std::size_t lines = newlines + (text.empty() || text.back() == '\n' ? 0 : 1);
  const std::size_t rules = std::min(lines, text.size() / 16 + 1);
  loader.reserve(rules, text.size() + rules + (lines > newlines ? 1 : 0));
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
