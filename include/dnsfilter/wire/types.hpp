// dnsfilter — DNS protocol constants: record types, classes, opcodes, rcodes.
//
// The enumerations are open: any 16-bit (or 4/12-bit) value can be held, so a
// message with a type we do not know survives a parse/write round trip.
#pragma once

#include <cstdint>

namespace dnsfilter::wire {

enum class rr_type : std::uint16_t {
  a = 1,
  ns = 2,
  md = 3,
  mf = 4,
  cname = 5,
  soa = 6,
  mb = 7,
  mg = 8,
  mr = 9,
  ptr = 12,
  hinfo = 13,
  minfo = 14,
  mx = 15,
  txt = 16,
  rp = 17,
  afsdb = 18,
  rt = 21,
  aaaa = 28,
  srv = 33,
  naptr = 35,
  dname = 39,
  opt = 41,
  ds = 43,
  rrsig = 46,
  nsec = 47,
  dnskey = 48,
  svcb = 64,
  https = 65,
  ixfr = 251,
  axfr = 252,
  any = 255,
  caa = 257,
};

enum class rr_class : std::uint16_t {
  in = 1,
  ch = 3,
  hs = 4,
  none = 254,
  any = 255,
};

enum class opcode : std::uint8_t {
  query = 0,
  iquery = 1,
  status = 2,
  notify = 4,
  update = 5,
};

// The full 12-bit response code: the header's four bits plus, when an OPT
// record is present, the eight extended bits it carries (RFC 6891 section 6.1.3).
enum class rcode : std::uint16_t {
  noerror = 0,
  formerr = 1,
  servfail = 2,
  nxdomain = 3,
  notimp = 4,
  refused = 5,
  yxdomain = 6,
  yxrrset = 7,
  nxrrset = 8,
  notauth = 9,
  notzone = 10,
  badvers = 16,
};

// Sections of a message, in wire order.
enum class section : std::uint8_t { question = 0, answer = 1, authority = 2, additional = 3 };

// Mnemonic for a type ("A", "AAAA", ...) or nullptr when the type has none here.
constexpr const char* mnemonic(rr_type t) noexcept {
  switch (t) {
    case rr_type::a: return "A";
    case rr_type::ns: return "NS";
    case rr_type::md: return "MD";
    case rr_type::mf: return "MF";
    case rr_type::cname: return "CNAME";
    case rr_type::soa: return "SOA";
    case rr_type::mb: return "MB";
    case rr_type::mg: return "MG";
    case rr_type::mr: return "MR";
    case rr_type::ptr: return "PTR";
    case rr_type::hinfo: return "HINFO";
    case rr_type::minfo: return "MINFO";
    case rr_type::mx: return "MX";
    case rr_type::txt: return "TXT";
    case rr_type::rp: return "RP";
    case rr_type::afsdb: return "AFSDB";
    case rr_type::rt: return "RT";
    case rr_type::aaaa: return "AAAA";
    case rr_type::srv: return "SRV";
    case rr_type::naptr: return "NAPTR";
    case rr_type::dname: return "DNAME";
    case rr_type::opt: return "OPT";
    case rr_type::ds: return "DS";
    case rr_type::rrsig: return "RRSIG";
    case rr_type::nsec: return "NSEC";
    case rr_type::dnskey: return "DNSKEY";
    case rr_type::svcb: return "SVCB";
    case rr_type::https: return "HTTPS";
    case rr_type::ixfr: return "IXFR";
    case rr_type::axfr: return "AXFR";
    case rr_type::any: return "ANY";
    case rr_type::caa: return "CAA";
  }
  return nullptr;
}

constexpr const char* mnemonic(rr_class c) noexcept {
  switch (c) {
    case rr_class::in: return "IN";
    case rr_class::ch: return "CH";
    case rr_class::hs: return "HS";
    case rr_class::none: return "NONE";
    case rr_class::any: return "ANY";
  }
  return nullptr;
}

constexpr const char* mnemonic(rcode r) noexcept {
  switch (r) {
    case rcode::noerror: return "NOERROR";
    case rcode::formerr: return "FORMERR";
    case rcode::servfail: return "SERVFAIL";
    case rcode::nxdomain: return "NXDOMAIN";
    case rcode::notimp: return "NOTIMP";
    case rcode::refused: return "REFUSED";
    case rcode::yxdomain: return "YXDOMAIN";
    case rcode::yxrrset: return "YXRRSET";
    case rcode::nxrrset: return "NXRRSET";
    case rcode::notauth: return "NOTAUTH";
    case rcode::notzone: return "NOTZONE";
    case rcode::badvers: return "BADVERS";
  }
  return nullptr;
}

constexpr const char* mnemonic(opcode o) noexcept {
  switch (o) {
    case opcode::query: return "QUERY";
    case opcode::iquery: return "IQUERY";
    case opcode::status: return "STATUS";
    case opcode::notify: return "NOTIFY";
    case opcode::update: return "UPDATE";
  }
  return nullptr;
}

}  // namespace dnsfilter::wire
