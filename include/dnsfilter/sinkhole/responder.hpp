// dnsfilter — the sinkhole responder: the answer a resolver sends for a blocked name.
//
// Per packet, the flow is check -> (policy, match) -> respond:
//
//   auto checked = sinkhole::check_query(packet);             // one parse, no allocation
//   if (checked.what == sinkhole::admission::drop) return {};   // too short, or a response
//   if (checked.what == sinkhole::admission::reject)            // FORMERR / NOTIMP / BADVERS
//     return responder.reject(checked, buffer);
//   ... policy and matching on checked.query ...
//   if (hit) return responder.respond(checked.query, sinkhole::hit_answer::of(entry), buffer);
//
// Answers are written into a caller buffer, which may be the one the query
// arrived in (the query is read before the first byte is written; a query_view
// of that buffer is stale afterwards), with no allocation and no exception.
// A hit answers by the entry's action: sinkhole (A/AAAA from the configured
// addresses, NODATA otherwise), nodata, nxdomain, refused, drop (nothing);
// pass is refused, so a caller that forgot to forward cannot make one up.
// Negative answers carry an SOA owned by the query name, so caches keep them
// for its MINIMUM; EDNS queries get an OPT and an RFC 8914 EDE naming the
// entry. Why each header bit, the SOA owner and the size rules are as they
// are: docs/design.md, "Sinkhole answers".
#pragma once

#include <dnsfilter/config.hpp>
#include <dnsfilter/match/catalogue.hpp>
#include <dnsfilter/result.hpp>
#include <dnsfilter/wire/edns.hpp>
#include <dnsfilter/wire/header.hpp>
#include <dnsfilter/wire/name.hpp>
#include <dnsfilter/wire/query.hpp>
#include <dnsfilter/wire/rdata.hpp>
#include <dnsfilter/wire/types.hpp>

#include <array>
#include <cstring>
#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace dnsfilter::sinkhole {

// How the answer leaves: over UDP the client's advertised size bounds it.
enum class transport : std::uint8_t { udp, tcp };

// The largest answer the client accepts for this query (before the caller's
// own buffer limit): 512 over UDP without EDNS, max(512, advertised) with it,
// 65535 over TCP.
inline std::size_t answer_limit(const wire::query_view& query, transport via) noexcept {
  if (via == transport::tcp) return 65535;
  return query.has_edns() ? query.edns().effective_payload_size() : 512;
}

// ---------------------------------------------------------------------------
// The gate: what to do with a packet before any filtering.

enum class admission : std::uint8_t {
  process,  // a well-formed standard query: filter it (query_check::query holds it)
  reject,   // answer at once with query_check::rcode (responder::reject writes it)
  drop,     // send nothing: under 12 octets, or QR set (answering a response
            // invites reflection loops between two servers)
};

struct query_check {
  admission what = admission::drop;
  // For reject: formerr (malformed, QDCOUNT other than 1), notimp (an opcode
  // other than QUERY) or badvers (EDNS version above 0).
  wire::rcode rcode = wire::rcode::noerror;
  // Why query_view::parse refused the packet; errc::ok when it parsed.
  errc error = errc::ok;
  // The parsed query: always for process; for reject when the packet parsed
  // (NOTIMP, BADVERS), so that the answer echoes its question and OPT.
  bool parsed = false;
  wire::query_view query;
  // The packet as given, for answering one that did not parse.
  std::span<const std::byte> packet;
};

// Judges a packet in this order: under 12 octets or QR set -> drop; opcode
// other than QUERY -> reject NOTIMP; not a valid query (query_view::parse) ->
// reject FORMERR; EDNS version above 0 -> reject BADVERS; else process.
DNSFILTER_DECL query_check check_query(std::span<const std::byte> packet) noexcept;

// ---------------------------------------------------------------------------
// Configuration.

// What a hit asks for, taken from the matched entry. The strings are only read
// during the call.
struct hit_answer {
  match::action action = match::action::sinkhole;
  std::string_view id;        // named in the EDE text
  std::string_view category;  // chooses the EDE INFO-CODE

  static hit_answer of(const match::entry& e) noexcept { return {e.action, e.id, e.category}; }
};

// The SOA of negative answers. The names sit under .invalid (RFC 6761), which
// never resolves, so nobody mistakes the synthesised zone for a real one.
struct soa_settings {
  bool enabled = true;  // false: negative answers carry no SOA (and so are not cached by RFC 2308 rules)
  wire::name mname = wire::name::from_text("sinkhole.invalid").value();
  wire::name rname = wire::name::from_text("hostmaster.sinkhole.invalid").value();
  std::uint32_t serial = 1;
  std::uint32_t refresh = 3600;
  std::uint32_t retry = 600;
  std::uint32_t expire = 86400;
  // The negative-caching TTL; also the SOA record's own TTL.
  std::uint32_t minimum = 60;
};

// Entries of this category get this EDE INFO-CODE (exact, case-sensitive match).
struct category_code {
  std::string category;
  std::uint16_t info_code = wire::ede_code::blocked;
};

struct settings {
  // The sinkhole server's addresses; a type whose address is not set gets NODATA.
  std::optional<wire::rdata::a> ipv4;
  std::optional<wire::rdata::aaaa> ipv6;
  // TTL of the sinkhole address records: short, so that a lifted entry stops
  // steering clients within a minute.
  std::uint32_t answer_ttl = 60;
  soa_settings soa;
  // The payload size we advertise in our OPT record: 1232 fits any path
  // without fragmentation (DNS Flag Day 2020).
  std::uint16_t udp_payload_size = 1232;
  // Extended DNS Errors for EDNS clients: on by default.
  bool extended_errors = true;
  std::uint16_t default_info_code = wire::ede_code::blocked;
  // Exceptions to default_info_code; looked up by a linear scan on each hit
  // (hits are rare, and the table is a handful of categories).
  std::vector<category_code> info_codes;
  // EDE text: ede_text_prefix followed by the entry id, or ede_text_without_id
  // for an entry without one (plain block lists). Cut at max_ede_text octets.
  std::string ede_text_prefix = "blocked by entry ";
  std::string ede_text_without_id = "blocked by a filtering list";
};

// The longest EDE text the responder writes, in octets.
inline constexpr std::size_t max_ede_text = 255;

// What an answer copies from its query: the header's id and flags, whether it
// spoke EDNS, the size limit, and the question as asked (0x20 case kept). A
// copy, so that an answer may be written over the query, and so that a query
// gone upstream can be answered later without its packet.
struct query_echo {
  std::uint16_t id = 0;
  wire::opcode opcode = wire::opcode::query;
  bool rd = false;
  bool cd = false;
  bool has_edns = false;
  bool dnssec_ok = false;
  bool has_question = false;
  wire::rr_type qtype{};
  wire::rr_class qclass{};
  std::size_t limit = 512;
  std::uint8_t qname_size = 1;
  std::uint8_t qname_labels = 0;
  std::array<std::byte, wire::max_name_length> qname_bytes;  // only qname_size octets are set

  void set_header(const wire::header& h) noexcept {
    id = h.id;
    opcode = h.opcode;
    rd = h.rd;
    cd = h.cd;
  }

  void set_question(wire::name_view name, wire::rr_type type, wire::rr_class klass) noexcept {
    std::memcpy(qname_bytes.data(), name.data(), name.size());
    qname_size = static_cast<std::uint8_t>(name.size());
    qname_labels = static_cast<std::uint8_t>(name.label_count());
    qtype = type;
    qclass = klass;
    has_question = true;
  }

  static query_echo of(const wire::query_view& query, transport via) noexcept {
    query_echo e;
    e.assign(query, via);
    return e;
  }
  void assign(const wire::query_view& query, transport via) noexcept {
    set_header(query.header());
    has_edns = query.has_edns();
    dnssec_ok = has_edns && query.edns().dnssec_ok;
    limit = answer_limit(query, via);
    set_question(query.qname(), query.qtype(), query.qclass());
  }

  wire::name_view qname() const noexcept {
    return wire::name_view::from_trusted(qname_bytes.data(), qname_size, qname_labels);
  }
  // Answer records take the query's class; a QCLASS of ANY is answered in IN.
  wire::rr_class record_class() const noexcept { return qclass == wire::rr_class::any ? wire::rr_class::in : qclass; }
};

// ---------------------------------------------------------------------------
// The responder.

// Writes answers by the settings it was built with. Building copies the
// settings (and may allocate); the answer functions are const, allocation-free
// and safe to call from many threads at once. Each returns the answer, an
// empty span for "send nothing", or an error: errc::no_space when `out` is
// under 12 octets, errc::out_of_range for a call that has no answer (see each).
class responder {
 public:
  responder() : responder(settings{}) {}
  explicit DNSFILTER_DECL responder(settings s);

  const sinkhole::settings& config() const noexcept { return settings_; }

  // The answer to `query` for a hit on an entry (the table of answers per
  // action: docs/design.md). action::drop gives an empty span; action::pass and
  // action::monitor (nothing to answer from the catalogue) are errc::out_of_range. `out` may be the buffer `query` views.
  result<std::span<const std::byte>> respond(const wire::query_view& query, const hit_answer& hit,
                                             std::span<std::byte> out, transport via = transport::udp) const noexcept {
    return respond(query_echo::of(query, via), hit, out);
  }
  // The same for a query known by its echo (a query answered after it went upstream).
  DNSFILTER_DECL result<std::span<const std::byte>> respond(const query_echo& query, const hit_answer& hit,
                                                             std::span<std::byte> out) const noexcept;

  // A bare answer with this rcode: the question, and for an EDNS query our OPT
  // with the EDE if one is given — REFUSED with EDE 18 (Prohibited) for a
  // client outside the ACL, SERVFAIL with EDE 23 (Network Error) when the
  // upstream failed. An rcode above 15 needs the OPT to carry its high bits,
  // so without EDNS it is errc::out_of_range. The EDE text must not point
  // into `out`.
  result<std::span<const std::byte>> error_answer(const wire::query_view& query, wire::rcode rcode,
                                                  std::span<std::byte> out,
                                                  std::optional<wire::extended_error> ede = std::nullopt,
                                                  transport via = transport::udp) const noexcept {
    return error_answer(query_echo::of(query, via), rcode, out, ede);
  }
  DNSFILTER_DECL result<std::span<const std::byte>> error_answer(
      const query_echo& query, wire::rcode rcode, std::span<std::byte> out,
      std::optional<wire::extended_error> ede = std::nullopt) const noexcept;

  // The answer to a packet check_query rejected. One that parsed (NOTIMP,
  // BADVERS) is answered by error_answer, with its question and OPT. One that
  // did not (FORMERR, or NOTIMP for a malformed packet) gets its header's id,
  // opcode, RD and CD, and its question only when QDCOUNT is 1 and the
  // question reads as a valid uncompressed name plus type and class; never an
  // OPT, since we could not read the client's. A check whose admission is not
  // reject is errc::out_of_range. `out` may be the packet's buffer.
  DNSFILTER_DECL result<std::span<const std::byte>> reject(const query_check& checked, std::span<std::byte> out,
                                                            transport via = transport::udp) const noexcept;

  // The EDE INFO-CODE for entries of this category.
  DNSFILTER_DECL std::uint16_t info_code_for(std::string_view category) const noexcept;

  // The EDE text for an entry id, written into `buffer` (cut at a UTF-8
  // character boundary when it does not fit); a view of `buffer`.
  DNSFILTER_DECL std::string_view ede_text(std::string_view id, std::span<char, max_ede_text> buffer) const noexcept;

 private:
  struct content;
  DNSFILTER_DECL std::span<const std::byte> write(const query_echo& from, const content& what,
                                                  std::span<std::byte> out) const noexcept;

  sinkhole::settings settings_;
  // The SOA RDATA in wire form, built once: each negative answer copies it in
  // one piece. Its names are written in full (compression is optional), which
  // costs a few octets and saves the per-answer compression search.
  std::array<std::byte, 2 * wire::max_name_length + 20> soa_rdata_;
  std::size_t soa_rdata_size_ = 0;
};

}  // namespace dnsfilter::sinkhole

#if DNSFILTER_HEADER_ONLY
#include <dnsfilter/sinkhole/impl/responder.ipp>
#endif
