// dnsfilter — plain domain lists: one name per line.
//
//   # comment                  (also "! comment" and "// comment" lines, as in
//   evil.example               adblock headers and the Public Suffix List)
//   *.tracker.example          the same as tracker.example: every rule covers
//   Bücher.example.            subdomains anyway; UTF-8 becomes an A-label
//   bad.example  # trailing comment
//
// Each name becomes a rule of one list-wide entry with options.action (and the
// options' id, category and window). A line with two fields ("0.0.0.0 x") is
// invalid: it is a hosts file, load it as one.
#pragma once

#include <dnsfilter/lists/common.hpp>

namespace dnsfilter::lists {

DNSFILTER_DECL result<load_report> load_plain(std::string_view text, match::catalogue& out,
                                              const load_options& options, diagnostic* failure = nullptr);

}  // namespace dnsfilter::lists

#if DNSFILTER_HEADER_ONLY
#include <dnsfilter/lists/impl/plain.ipp>
#endif
