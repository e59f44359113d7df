// dnsfilter-resolver — cache lifetimes and client answers.
#include "dns.hpp"

#include <dnsfilter/detail/bytes.hpp>

#include <algorithm>
#include <cstring>
#include <limits>
#include <variant>

namespace resolver {

namespace {

using dnsfilter::detail::ascii_lower;
using dnsfilter::detail::load_u32;
using dnsfilter::detail::store_u16;
using dnsfilter::detail::store_u32;

constexpr std::size_t opt_fixed_size = 11;  // root owner, type, class, TTL, RDLENGTH

}  // namespace

response_info analyze_response(const wire::message_view& m, const cache_policy& policy) {
  response_info info;
  const auto bytes = m.bytes();
  info.layout.size = static_cast<std::uint16_t>(bytes.size());
  info.layout.additional_offset = static_cast<std::uint16_t>(bytes.size());
  std::uint32_t min_ttl = std::numeric_limits<std::uint32_t>::max();
  bool any_record = false;
  std::optional<std::uint32_t> soa_ttl;
  for (wire::section s : {wire::section::answer, wire::section::authority, wire::section::additional}) {
    bool first = true;
    for (const wire::record_view& rr : m.records(s)) {
      if (first && s == wire::section::additional)
        info.layout.additional_offset = static_cast<std::uint16_t>(rr.owner_offset);
      first = false;
      if (rr.type == wire::rr_type::opt) {
        info.layout.has_opt = true;
        info.layout.opt_offset = static_cast<std::uint16_t>(rr.owner_offset);
        info.layout.opt_last = rr.end() == bytes.size();
        continue;
      }
      info.ttl_offsets.push_back(static_cast<std::uint16_t>(rr.rdata_offset - 6));
      min_ttl = std::min(min_ttl, rr.ttl);
      any_record = true;
      if (s == wire::section::answer && rr.type == wire::rr_type::cname) info.layout.has_cname = true;
      if (s == wire::section::authority && rr.type == wire::rr_type::soa && !soa_ttl) {
        if (auto data = m.rdata(rr)) {
          if (const auto* soa = std::get_if<wire::rdata::soa>(&*data))
            soa_ttl = std::min(rr.ttl, soa->minimum);  // RFC 2308 section 5
        }
      }
    }
  }
  const wire::header& h = m.header();
  const wire::rcode rc = m.rcode();
  std::uint32_t ttl = 0;
  if (h.tc) {
    ttl = 0;  // never cache a truncated answer: the TCP one is the real one
  } else if (rc == wire::rcode::nxdomain || (rc == wire::rcode::noerror && h.ancount == 0)) {
    info.negative = true;
    // Without an SOA a negative answer says nothing about its lifetime:
    // RFC 2308 section 5 says not to cache it.
    ttl = soa_ttl ? std::min(*soa_ttl, policy.negative_ttl) : 0;
  } else if (rc == wire::rcode::noerror && any_record) {
    ttl = min_ttl;
  }
  if (ttl != 0) ttl = std::clamp(ttl, policy.min_ttl, std::max(policy.min_ttl, policy.max_ttl));
  info.cache_ttl = ttl;
  return info;
}

client_echo client_echo::of(const wire::query_view& q) noexcept {
  client_echo c;
  c.id = q.header().id;
  c.qname = q.qname();
  c.qtype = q.qtype();
  c.qclass = q.qclass();
  c.rd = q.header().rd;
  c.cd = q.header().cd;
  c.has_edns = q.has_edns();
  c.dnssec_ok = q.has_edns() && q.edns().dnssec_ok;
  return c;
}

client_echo client_echo::of(const dnsfilter::sinkhole::query_echo& e) noexcept {
  client_echo c;
  c.id = e.id;
  c.qname = e.qname();
  c.qtype = e.qtype;
  c.qclass = e.qclass;
  c.rd = e.rd;
  c.cd = e.cd;
  c.has_edns = e.has_edns;
  c.dnssec_ok = e.dnssec_ok;
  return c;
}

std::span<const std::byte> shape_answer(std::span<const std::byte> response, const response_layout& layout,
                                        const client_echo& client, std::uint16_t our_payload, std::size_t limit,
                                        std::span<std::byte> out) noexcept {
  if (response.size() < wire::header_size) return {};
  const wire::header upstream = wire::header::decode(response.data());
  // The size of the answer once the OPT record is fixed up.
  std::size_t size = response.size();
  std::uint16_t arcount = upstream.arcount;
  bool append_opt = false;
  if (layout.has_opt && !client.has_edns) {
    if (layout.opt_last) {
      size = layout.opt_offset;
      arcount = static_cast<std::uint16_t>(arcount - 1);
    } else {
      // An OPT in the middle (legal, rare): keep the answer and authority
      // sections whole and drop the additional section, which is optional.
      size = layout.additional_offset;
      arcount = 0;
    }
  } else if (!layout.has_opt && client.has_edns) {
    append_opt = true;
    size += opt_fixed_size;
    arcount = static_cast<std::uint16_t>(arcount + 1);
  }
  limit = std::min(limit, out.size());

  if (size > limit) {
    // Too big for the client's UDP size: TC and the question, so it comes
    // back over TCP (RFC 7766). Only the header was needed from `response`,
    // and it is read: `out` may be `response`.
    return write_truncated_answer(client, upstream.rcode, our_payload, limit, out);
  }

  std::byte* p = out.data();
  const std::size_t copy = std::min(size, response.size());
  if (p != response.data()) std::memmove(p, response.data(), copy);
  store_u16(p, client.id);
  // RD and CD as the client sent them; RA set: we are a recursive service.
  p[2] = (p[2] & std::byte{0xFE}) | (client.rd ? std::byte{0x01} : std::byte{0});
  p[3] = (p[3] & std::byte{0xEF}) | std::byte{0x80} | (client.cd ? std::byte{0x10} : std::byte{0});
  // The question in the client's case: the same name, so the same length,
  // and every compression pointer to it now shows the client's case too.
  std::memcpy(p + wire::header_size, client.qname.data(), client.qname.size());
  store_u16(p + 10, arcount);
  if (layout.has_opt && client.has_edns) {
    store_u16(p + layout.opt_offset + 3, our_payload);  // the OPT's CLASS: our payload size
  } else if (append_opt) {
    std::byte* o = p + response.size();
    o[0] = std::byte{0};
    store_u16(o + 1, static_cast<std::uint16_t>(wire::rr_type::opt));
    store_u16(o + 3, our_payload);
    store_u32(o + 5, 0);
    store_u16(o + 9, 0);
  }
  return {p, size};
}

std::span<const std::byte> write_truncated_answer(const client_echo& client, std::uint8_t rcode,
                                                  std::uint16_t our_payload, std::size_t limit,
                                                  std::span<std::byte> out) noexcept {
  wire::message_writer w{out, limit};
  wire::header& h = w.header();
  h.id = client.id;
  h.qr = true;
  h.opcode = wire::opcode::query;
  h.rd = client.rd;
  h.ra = true;
  h.cd = client.cd;
  h.tc = true;
  h.rcode = rcode & 0x0F;
  if (!w.add_question(client.qname, client.qtype, client.qclass)) return {};
  if (client.has_edns) {
    wire::edns e;
    e.udp_payload_size = our_payload;
    e.dnssec_ok = client.dnssec_ok;
    (void)w.add_opt(e);
  }
  return w.finish();
}

void age_ttls(std::span<std::byte> message, std::span<const std::uint16_t> ttl_offsets,
              std::uint32_t elapsed) noexcept {
  if (elapsed == 0) return;
  for (std::uint16_t at : ttl_offsets) {
    if (at + 4u > message.size()) continue;
    const std::uint32_t ttl = load_u32(message.data() + at);
    store_u32(message.data() + at, ttl > elapsed ? ttl - elapsed : 0);
  }
}

cache_key make_cache_key(wire::name_view qname, wire::rr_type qtype, wire::rr_class qclass, bool dnssec_ok,
                         bool checking_disabled) noexcept {
  cache_key k;
  const auto bytes = qname.wire();
  for (std::size_t i = 0; i < bytes.size(); ++i) k.bytes[i] = static_cast<char>(ascii_lower(bytes[i]));
  std::size_t n = bytes.size();
  const auto t = static_cast<std::uint16_t>(qtype), c = static_cast<std::uint16_t>(qclass);
  k.bytes[n++] = static_cast<char>(t >> 8);
  k.bytes[n++] = static_cast<char>(t);
  k.bytes[n++] = static_cast<char>(c >> 8);
  k.bytes[n++] = static_cast<char>(c);
  k.bytes[n++] = static_cast<char>((dnssec_ok ? 1 : 0) | (checking_disabled ? 2 : 0));
  k.size = n;
  return k;
}

}  // namespace resolver
