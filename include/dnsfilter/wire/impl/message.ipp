// Definitions for wire/message.hpp.
#pragma once

#include <dnsfilter/wire/message.hpp>

namespace dnsfilter::detail {

DNSFILTER_DECL result<std::size_t> walk_records(std::span<const std::byte> message, std::size_t pos,
                                                        const std::array<std::uint16_t, 3>& count, wire::edns& edns,
                                                        bool& has_edns, std::size_t* starts) noexcept {
  has_edns = false;
  const std::byte* const msg = message.data();
  for (std::size_t s = 0; s < 3; ++s) {
    if (starts && s > 0) starts[s - 1] = pos;
    for (std::size_t i = 0; i < count[s]; ++i) {
      auto owner = wire::skip_name(message, pos);
      if (!owner) return owner.error();
      pos = owner->end;
      if (message.size() - pos < 10) return errc::truncated;
      const auto type = static_cast<wire::rr_type>(load_u16(msg + pos));
      const std::uint16_t klass = load_u16(msg + pos + 2);
      const std::uint32_t ttl = load_u32(msg + pos + 4);
      const std::size_t rdlength = load_u16(msg + pos + 8);
      pos += 10;
      if (message.size() - pos < rdlength) return errc::truncated;
      if (type == wire::rr_type::opt) {
        if (s != 2 || owner->labels != 0) return errc::misplaced_opt;
        if (has_edns) return errc::duplicate_opt;
        auto e = wire::edns::decode(klass, ttl, message.subspan(pos, rdlength));
        if (!e) return e.error();
        edns = *e;
        has_edns = true;
      } else if (wire::has_typed_rdata(type)) {
        if (auto ok = wire::validate_rdata(message, type, pos, rdlength); !ok) return ok.error();
      }
      pos += rdlength;
    }
  }
  return pos;
}

}  // namespace dnsfilter::detail

namespace dnsfilter::wire {


DNSFILTER_DECL result<message_view> message_view::parse(std::span<const std::byte> message) noexcept {
  DNSFILTER_COUNT_PARSE(message);
  if (message.size() < header_size) return errc::truncated;
  message_view v;
  v.bytes_ = message;
  v.header_ = header::decode(message.data());
  const auto& h = v.header_;
  // Every question takes at least 5 octets and every record 11: a cheap bound
  // that rejects absurd counts before any work.
  const std::size_t min_size = header_size + std::size_t{h.qdcount} * 5 +
                               (std::size_t{h.ancount} + h.nscount + h.arcount) * 11;
  if (message.size() < min_size) return errc::truncated;
  std::size_t pos = header_size;
  v.section_start_[0] = pos;
  for (std::size_t i = 0; i < h.qdcount; ++i) {
    auto qn = skip_name(message, pos);
    if (!qn) return qn.error();
    pos = qn->end;
    if (message.size() - pos < 4) return errc::truncated;
    pos += 4;
  }
  v.section_start_[1] = pos;
  auto end = detail::walk_records(message, pos, {h.ancount, h.nscount, h.arcount}, v.edns_, v.has_edns_,
                                  &v.section_start_[2]);
  if (!end) return end.error();
  if (*end != message.size()) return errc::trailing_data;
  return v;
}

DNSFILTER_DECL question_view message_view::question(std::size_t i) const noexcept {
  std::size_t pos = section_start_[0];
  question_view q;
  if (i >= header_.qdcount) return q;
  for (std::size_t k = 0;; ++k) {
    auto ext = skip_name(bytes_, pos);
    q.name_offset = pos;
    pos = ext ? ext->end : bytes_.size();
    if (k == i) break;
    pos += 4;
  }
  q.type = static_cast<rr_type>(dnsfilter::detail::load_u16(bytes_.data() + pos));
  q.klass = static_cast<rr_class>(dnsfilter::detail::load_u16(bytes_.data() + pos + 2));
  q.end = pos + 4;
  return q;
}

DNSFILTER_DECL void message_view::record_iterator::load() noexcept {
  if (left_ == 0) return;
  const auto msg = bytes_;
  auto owner = skip_name(msg, pos_);  // validated by parse
  const std::size_t p = owner ? owner->end : pos_;
  current_.owner_offset = pos_;
  current_.section = s_;
  current_.type = static_cast<rr_type>(dnsfilter::detail::load_u16(msg.data() + p));
  current_.klass = dnsfilter::detail::load_u16(msg.data() + p + 2);
  current_.ttl = dnsfilter::detail::load_u32(msg.data() + p + 4);
  current_.rdata_length = dnsfilter::detail::load_u16(msg.data() + p + 8);
  current_.rdata_offset = p + 10;
}

}  // namespace dnsfilter::wire
