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
//
// Entry metadata (docs/rpz.md): under the label _dnsfilter just below the
// apex, which other RPZ consumers take for local data of names no client asks
// for,
//
//   xx-20250109-0001.entry._dnsfilter TXT "id=XX-20250109-0001" "category=backdoor" "start=2025-01-09"
//   evil.example.link._dnsfilter      TXT "xx-20250109-0001"    ; ties "evil.example"
//   *.evil.example.link._dnsfilter    TXT "xx-20250109-0001"    ; ties "*.evil.example"
//
// a linked trigger's rule gets the entry's id, category and [start, end);
// one entry per (key, action). Triggers without a link make the file's entry
// for their action, as above. A link to an unknown key, a second entry
// record for a key, two links for one trigger and a malformed TXT are
// invalid; other names and types under _dnsfilter are skipped.
#pragma once

#include <dnsfilter/lists/common.hpp>
#include <dnsfilter/wire/message.hpp>
#include <dnsfilter/wire/types.hpp>

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace dnsfilter::lists {

DNSFILTER_DECL result<load_report> load_rpz(std::string_view text, match::catalogue& out,
                                            const load_options& options, diagnostic* failure = nullptr);

// What one record of a response policy zone means (docs/rpz.md).
struct rpz_item {
  enum class kind : std::uint8_t { trigger, entry, link, skipped };
  kind what = kind::skipped;
  // trigger, link: the trigger (owner minus apex, minus "*." and, for a link,
  // minus "link._dnsfilter"); entry: the key as a one-label name.
  wire::name name;
  bool wildcard = false;                           // trigger, link: the owner began with "*."
  match::action action = match::action::sinkhole;  // trigger
  std::string key;                                 // link, entry: the entry key (lower-cased)
  match::entry meta;                               // entry: id, category, start, end (action unused)
};

// The parts of RDATA the interpretation needs, decoded by the caller from text or wire.
struct rpz_rdata {
  const wire::name* cname_target = nullptr;  // CNAME: its target (absolute)
  bool well_formed_address = true;           // A/AAAA: the address parsed
  std::span<const std::string_view> texts;   // TXT: its character-strings, unescaped
};

// Interprets one record of the zone at `apex`. An error (invalid_list_line)
// with the reason in `why`. Entry dates without a time begin at midnight in
// `time_zone`.
DNSFILTER_DECL result<rpz_item> interpret_rpz(wire::name_view owner, wire::name_view apex, wire::rr_type type,
                                              const rpz_rdata& rdata, std::string& why,
                                              const stats::zone& time_zone = {});

// Decodes `rr` of `message` (from a zone transfer; names may be compressed)
// into the parts above and interprets it. `scratch` keeps what rdata points into.
struct rpz_scratch {
  wire::name target;
  std::vector<std::string> strings;
  std::vector<std::string_view> views;
};
DNSFILTER_DECL result<rpz_item> interpret_rpz(const wire::message_view& message, const wire::record_view& rr,
                                              wire::name_view apex, rpz_scratch& scratch, std::string& why,
                                              const stats::zone& time_zone = {});

// Writing a catalogue as a response policy zone (dnsfilter-rpz).
struct rpz_write_options {
  wire::name origin = wire::name::from_text("rpz.example.").value();  // the apex
  std::uint32_t serial = 1;
  wire::name ns = wire::name::from_text("localhost.").value();  // the NS, and the SOA's MNAME
  std::uint32_t ttl = 300;                                      // of every record, and the SOA minimum
  // Local data for sinkhole entries (a consumer such as dnsfilter answers
  // with its own sinkhole instead); an empty IPv6 address writes no AAAA.
  std::string sinkhole_ipv4 = "0.0.0.0";
  std::string sinkhole_ipv6 = "::";
};

struct rpz_write_report {
  std::size_t entries = 0;   // entry records (TXT) written
  std::size_t triggers = 0;  // trigger records written (sinkhole: A and AAAA count once)
  std::size_t links = 0;
  // What the zone cannot say: a refused entry, a trigger claimed by two
  // entries (the exception, else the first entry, is written), a name too
  // long under the apex. Each is one line.
  std::vector<std::string> notes;
};

// Writes `cat` as a complete zone file (SOA, NS, entries, links, triggers;
// docs/rpz.md) into `out`, sorted, so that the same catalogue gives the same
// bytes. A rule covering a name and its subdomains becomes "name" and
// "*.name"; exceptions become rpz-passthru. errc::invalid_argument for a
// sinkhole address that does not parse.
DNSFILTER_DECL result<rpz_write_report> write_rpz(const match::catalogue& cat, const rpz_write_options& options,
                                                  std::string& out);

}  // namespace dnsfilter::lists

#if DNSFILTER_HEADER_ONLY
#include <dnsfilter/lists/impl/rpz.ipp>
#endif
