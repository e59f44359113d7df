// Definitions for wire/query.hpp.
#pragma once

#include <dnsfilter/wire/message.hpp>
#include <dnsfilter/wire/query.hpp>

namespace dnsfilter::wire {

DNSFILTER_DECL result<query_view> query_view::parse(std::span<const std::byte> packet) noexcept {
  DNSFILTER_COUNT_PARSE(query);
  const std::byte* const p = packet.data();
  const std::size_t size = packet.size();
  if (DNSFILTER_UNLIKELY(size < header_size + 5)) {
    return size < header_size ? errc::truncated
                              : (detail::load_u16(p + 4) != 1 ? errc::bad_question_count : errc::truncated);
  }
  query_view q;
  q.packet_ = packet;
  q.header_ = header::decode(p);
  if (DNSFILTER_UNLIKELY(q.header_.qdcount != 1)) return errc::bad_question_count;

  // The question name: uncompressed, since nothing precedes it to point at.
  std::size_t pos = header_size, labels = 0;
  for (;;) {
    const std::uint8_t len = detail::u8(p + pos);
    if (len == 0) break;
    if (DNSFILTER_UNLIKELY(len > max_label_length)) {
      if ((len & 0xC0) != 0xC0) return errc::reserved_label_type;
      return size - pos < 2 ? errc::truncated : errc::bad_pointer;  // as read_name judges it
    }
    pos += 1 + std::size_t{len};
    ++labels;
    if (DNSFILTER_UNLIKELY(pos + 1 - header_size > max_name_length)) return errc::name_too_long;
    if (DNSFILTER_UNLIKELY(pos >= size)) return errc::truncated;
  }
  ++pos;
  q.qname_size_ = static_cast<std::uint8_t>(pos - header_size);
  q.qname_labels_ = static_cast<std::uint8_t>(labels);
  if (DNSFILTER_UNLIKELY(size - pos < 4)) return errc::truncated;
  q.qtype_ = static_cast<rr_type>(detail::load_u16(p + pos));
  q.qclass_ = static_cast<rr_class>(detail::load_u16(p + pos + 2));
  pos += 4;
  q.question_end_ = pos;

  const auto& h = q.header_;
  // The usual query: nothing but one OPT, owned by the root, ending the packet.
  if (h.ancount == 0 && h.nscount == 0 && h.arcount == 1 && size - pos >= 11 && detail::u8(p + pos) == 0 &&
      detail::load_u16(p + pos + 1) == static_cast<std::uint16_t>(rr_type::opt)) {
    const std::size_t rdlength = detail::load_u16(p + pos + 9);
    if (size - pos - 11 != rdlength) return size - pos - 11 < rdlength ? errc::truncated : errc::trailing_data;
    auto e = edns::decode(detail::load_u16(p + pos + 3), detail::load_u32(p + pos + 5), packet.subspan(pos + 11));
    if (!e) return e.error();
    q.edns_ = *e;
    q.has_edns_ = true;
    return q;
  }
  if (h.ancount | h.nscount | h.arcount) {
    if (size - pos < (std::size_t{h.ancount} + h.nscount + h.arcount) * 11) return errc::truncated;
    auto end = detail::walk_records(packet, pos, {h.ancount, h.nscount, h.arcount}, q.edns_, q.has_edns_, nullptr);
    if (!end) return end.error();
    pos = *end;
  }
  if (DNSFILTER_UNLIKELY(pos != size)) return errc::trailing_data;
  return q;
}

}  // namespace dnsfilter::wire
