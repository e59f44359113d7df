// dnsfilter — the 12-octet DNS message header (RFC 1035 section 4.1.1).
#pragma once

#include <dnsfilter/detail/bytes.hpp>
#include <dnsfilter/wire/types.hpp>

#include <cstddef>
#include <cstdint>

namespace dnsfilter::wire {

inline constexpr std::size_t header_size = 12;

struct header {
  std::uint16_t id = 0;
  bool qr = false;  // response
  wire::opcode opcode = wire::opcode::query;
  bool aa = false;  // authoritative answer
  bool tc = false;  // truncated
  bool rd = false;  // recursion desired
  bool ra = false;  // recursion available
  bool z = false;   // reserved, must be zero; kept so a round trip is exact
  bool ad = false;  // authentic data
  bool cd = false;  // checking disabled
  // Read: the header's four bits only (message_view::rcode() adds the OPT's).
  // Written by message_writer: values above 15 are split into header and OPT.
  std::uint8_t rcode = 0;
  std::uint16_t qdcount = 0;
  std::uint16_t ancount = 0;
  std::uint16_t nscount = 0;
  std::uint16_t arcount = 0;

  // Reads the header from the first 12 octets at p (the caller checks the size).
  static header decode(const std::byte* p) noexcept {
    header h;
    h.id = detail::load_u16(p);
    const std::uint8_t b2 = detail::u8(p + 2), b3 = detail::u8(p + 3);
    h.qr = (b2 & 0x80) != 0;
    h.opcode = static_cast<wire::opcode>((b2 >> 3) & 0x0F);
    h.aa = (b2 & 0x04) != 0;
    h.tc = (b2 & 0x02) != 0;
    h.rd = (b2 & 0x01) != 0;
    h.ra = (b3 & 0x80) != 0;
    h.z = (b3 & 0x40) != 0;
    h.ad = (b3 & 0x20) != 0;
    h.cd = (b3 & 0x10) != 0;
    h.rcode = b3 & 0x0F;
    h.qdcount = detail::load_u16(p + 4);
    h.ancount = detail::load_u16(p + 6);
    h.nscount = detail::load_u16(p + 8);
    h.arcount = detail::load_u16(p + 10);
    return h;
  }

  // Writes the header into the 12 octets at p.
  void encode(std::byte* p) const noexcept {
    detail::store_u16(p, id);
    p[2] = static_cast<std::byte>((qr ? 0x80 : 0) | ((static_cast<unsigned>(opcode) & 0x0F) << 3) | (aa ? 0x04 : 0) |
                                  (tc ? 0x02 : 0) | (rd ? 0x01 : 0));
    p[3] = static_cast<std::byte>((ra ? 0x80 : 0) | (z ? 0x40 : 0) | (ad ? 0x20 : 0) | (cd ? 0x10 : 0) |
                                  (rcode & 0x0F));
    detail::store_u16(p + 4, qdcount);
    detail::store_u16(p + 6, ancount);
    detail::store_u16(p + 8, nscount);
    detail::store_u16(p + 10, arcount);
  }

  std::uint16_t count(section s) const noexcept {
    switch (s) {
      case section::question: return qdcount;
      case section::answer: return ancount;
      case section::authority: return nscount;
      case section::additional: return arcount;
    }
    return 0;
  }

  friend bool operator==(const header&, const header&) = default;
};

}  // namespace dnsfilter::wire
