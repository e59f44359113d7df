// dnsfilter — Response Policy Zone files (QNAME triggers only).
//
//   $TTL 300
//   $ORIGIN rpz.example.
//   @            SOA ns.example. admin.example. ( 1 3600 600 86400 300 ) ; skipped
//                NS  ns.example.                                         ; skipped
//   evil.example        CNAME .              ; NXDOMAIN   (trigger evil.example)
//   *.evil.example      CNAME .              ; subdomains of evil.example
//   nodata.example  300 IN CNAME *.          ; NODATA
//   good.evil.example   CNAME rpz-passthru.  ; exception (action::pass)
//   drop.example        CNAME rpz-drop.      ; drop
//   sink.example        A 192.0.2.1          ; local data: sinkhole
//   tcp.example         CNAME rpz-tcp-only.  ; skipped
//
// A record is one resource record (parentheses may span lines). The trigger is
// the owner name minus the zone apex (the owner of the first SOA record, or the
// $ORIGIN in force before it); owners are relative to $ORIGIN unless they end
// in '.', '@' is $ORIGIN, and a record whose owner is blank repeats the
// previous owner. TTLs and class IN are optional in either order; $TTL is read
// and ignored. Records that cannot be policies are skipped: SOA and NS, other
// record types of local data (TXT, MX, ...), CNAME rpz-tcp-only., owners at
// the apex, and the non-QNAME triggers (rpz-ip, rpz-nsdname, rpz-nsip,
// rpz-client-ip). $INCLUDE and other directives are invalid: a file that
// needs them cannot be loaded faithfully alone.
//
// Actions: CNAME . → nxdomain, CNAME *. → nodata, CNAME rpz-passthru. →
// pass, CNAME rpz-drop. → drop, A/AAAA local data and CNAME to any other name
// (a walled garden) → sinkhole. The addresses and the CNAME target of local
// data are not kept: the resolver answers with its own configured sinkhole.
// One entry per action is made for the file (options.action is not used).
//
// Wildcards, exactly as RPZ means them: "name" covers that name alone (a
// name_only rule) and "*.name" only the names below it (subdomains_only);
// "name" and "*.name" with the same action make one rule that covers both;
// with different actions each keeps its side. Two records for one trigger
// with different actions: the second is invalid. A wildcard at the apex ("*")
// would cover every name and is invalid.
#pragma once

#include <dnsfilter/lists/common.hpp>

namespace dnsfilter::lists {

DNSFILTER_DECL result<load_report> load_rpz(std::string_view text, match::catalogue& out,
                                            const load_options& options, diagnostic* failure = nullptr);

}  // namespace dnsfilter::lists

#if DNSFILTER_HEADER_ONLY
#include <dnsfilter/lists/impl/rpz.ipp>
#endif
