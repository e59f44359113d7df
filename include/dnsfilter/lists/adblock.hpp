// dnsfilter — adblock-style filter lists, domain rules only.
//
//   [Adblock Plus 2.0]          header: ignored, like "! comment" lines
//   ||evil.example^             block evil.example and its subdomains
//   @@||good.evil.example^      exception: an entry of the list with action::pass
//   ||ads.example^$important    accepted: the option does not narrow the rule
//   ||ads.example^$third-party  skipped: see below
//   example.com##.banner        skipped: cosmetic, paths, regexes, plain patterns
//
// A record is one line. Only domain-anchored rules whose pattern ends at the
// domain ("||name^", optionally followed by "|") can be decided by a DNS
// filter; every other rule kind is counted as skipped, not as an error.
//
// Options: a DNS filter sees every request for a name, so a rule may be
// enforced at the DNS level only when its options do not restrict it to some
// requests. Accepted: $important (a priority among browser rules; our
// exceptions still win, as the matcher's precedence decides), $all, $document
// and $doc (block the whole site). Everything else is skipped, including
// $third-party/$3p (blocking such a name at DNS level would also block it
// as a first-party site, the false positive an ISP filter must avoid),
// $domain=, $denyallow=, $popup, resource types, $badfilter and the DNS-only
// modifiers of other products ($dnstype, $client, $ctag, $dnsrewrite).
// "||name" without '^' is skipped too: it is a prefix pattern
// (it also matches name.evil.net). IPv4 literals ("||192.0.2.1^") are skipped.
// A domain rule whose name is malformed (empty label, label over 63 octets,
// invalid UTF-8) is invalid.
#pragma once

#include <dnsfilter/lists/common.hpp>

namespace dnsfilter::lists {

DNSFILTER_DECL result<load_report> load_adblock(std::string_view text, match::catalogue& out,
                                                const load_options& options, diagnostic* failure = nullptr);

}  // namespace dnsfilter::lists

#if DNSFILTER_HEADER_ONLY
#include <dnsfilter/lists/impl/adblock.ipp>
#endif
