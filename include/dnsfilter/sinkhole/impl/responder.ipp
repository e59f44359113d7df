// Definitions for sinkhole/responder.hpp.
#pragma once

#include <dnsfilter/sinkhole/responder.hpp>
#include <dnsfilter/wire/writer.hpp>

#include <cstring>
#include <initializer_list>
#include <utility>

namespace dnsfilter::sinkhole {

// What follows the question.
struct responder::content {
  wire::rcode rcode = wire::rcode::noerror;
  wire::rr_type address_type{};
  std::span<const std::byte> address;  // the answer record's RDATA; empty: no answer record
  bool soa = false;
  bool has_ede = false;
  std::uint16_t info_code = 0;
  std::string_view ede_text;
};

DNSFILTER_DECL responder::responder(sinkhole::settings s) : settings_(std::move(s)) {
  const auto& soa = settings_.soa;
  std::byte* p = soa_rdata_.data();
  std::memcpy(p, soa.mname.data(), soa.mname.size());
  p += soa.mname.size();
  std::memcpy(p, soa.rname.data(), soa.rname.size());
  p += soa.rname.size();
  for (std::uint32_t field : {soa.serial, soa.refresh, soa.retry, soa.expire, soa.minimum}) {
    detail::store_u32(p, field);
    p += 4;
  }
  soa_rdata_size_ = static_cast<std::size_t>(p - soa_rdata_.data());
}

DNSFILTER_DECL std::span<const std::byte> responder::write(const query_echo& from, const content& what,
                                                           std::span<std::byte> out) const noexcept {
  wire::message_writer w{out, from.limit};
  auto& h = w.header();
  h.id = from.id;
  h.qr = true;
  h.opcode = from.opcode;
  h.rd = from.rd;
  h.ra = true;
  h.cd = from.cd;
  h.rcode = static_cast<std::uint8_t>(what.rcode);  // above 15, finish() moves the high bits into the OPT
  // Root owner, TYPE, CLASS, TTL and RDLENGTH: the OPT record before any option.
  constexpr std::size_t opt_record_size = 11;
  if (from.has_edns) w.reserve(opt_record_size);

  const auto qname = from.qname();
  // Records only behind a question that fitted, and the SOA only behind an
  // answer that fitted: a record without what precedes it answers nothing.
  if (from.has_question && w.add_question(qname, from.qtype, from.qclass)) {
    const auto klass = from.record_class();
    bool fitted = true;
    if (!what.address.empty()) {
      fitted = static_cast<bool>(w.add_raw_record(wire::section::answer, qname, what.address_type,
                                                  static_cast<std::uint16_t>(klass), settings_.answer_ttl,
                                                  what.address));
    }
    if (fitted && what.soa) {
      (void)w.add_raw_record(wire::section::authority, qname, wire::rr_type::soa, static_cast<std::uint16_t>(klass),
                             settings_.soa.minimum, std::span<const std::byte>(soa_rdata_.data(), soa_rdata_size_));
    }
  }
  if (from.has_edns) {
    wire::edns opt;
    opt.udp_payload_size = settings_.udp_payload_size;
    opt.dnssec_ok = from.dnssec_ok;
    // The EDE is optional: when it alone does not fit, the answer goes without it.
    if (w.add_opt(opt) && what.has_ede) (void)w.add_extended_error(what.info_code, what.ede_text);
  }
  return w.finish();
}

DNSFILTER_DECL result<std::span<const std::byte>> responder::respond(const query_echo& from, const hit_answer& hit,
                                                                      std::span<std::byte> out) const noexcept {
  if (hit.action == match::action::pass || hit.action == match::action::monitor) return errc::out_of_range;
  if (hit.action == match::action::drop) return std::span<const std::byte>{};
  if (out.size() < wire::header_size) return errc::no_space;

  content what;
  switch (hit.action) {
    case match::action::sinkhole:
      if (from.qclass == wire::rr_class::in || from.qclass == wire::rr_class::any) {
        if (from.qtype == wire::rr_type::a && settings_.ipv4) {
          what.address_type = wire::rr_type::a;
          what.address = settings_.ipv4->address;
        } else if (from.qtype == wire::rr_type::aaaa && settings_.ipv6) {
          what.address_type = wire::rr_type::aaaa;
          what.address = settings_.ipv6->address;
        }
      }
      what.soa = what.address.empty() && settings_.soa.enabled;  // NODATA otherwise
      break;
    case match::action::nodata:
      what.soa = settings_.soa.enabled;
      break;
    case match::action::nxdomain:
      what.rcode = wire::rcode::nxdomain;
      what.soa = settings_.soa.enabled;
      break;
    case match::action::refused:
      what.rcode = wire::rcode::refused;
      break;
    case match::action::drop:
    case match::action::pass:
    case match::action::monitor:
      break;  // handled above
  }
  std::array<char, max_ede_text> text;
  if (from.has_edns && settings_.extended_errors) {
    what.has_ede = true;
    what.info_code = info_code_for(hit.category);
    what.ede_text = ede_text(hit.id, text);
  }
  return write(from, what, out);
}

DNSFILTER_DECL result<std::span<const std::byte>> responder::error_answer(
    const query_echo& from, wire::rcode rcode, std::span<std::byte> out,
    std::optional<wire::extended_error> ede) const noexcept {
  // The writer carries 4 rcode bits in the header and 4 more in the OPT.
  const auto code = static_cast<std::uint16_t>(rcode);
  if (code > 0xFF || (code > 0x0F && !from.has_edns)) return errc::out_of_range;
  if (out.size() < wire::header_size) return errc::no_space;

  content what;
  what.rcode = rcode;
  if (ede && from.has_edns && settings_.extended_errors) {
    what.has_ede = true;
    what.info_code = ede->info_code;
    what.ede_text = ede->text;
  }
  return write(from, what, out);
}

DNSFILTER_DECL result<std::span<const std::byte>> responder::reject(const query_check& checked,
                                                                     std::span<std::byte> out,
                                                                     transport via) const noexcept {
  if (checked.what != admission::reject) return errc::out_of_range;
  if (checked.parsed) return error_answer(checked.query, checked.rcode, out, std::nullopt, via);
  // Unparsed: no OPT to carry high rcode bits, and a header to read.
  const auto packet = checked.packet;
  if (static_cast<std::uint16_t>(checked.rcode) > 0x0F || packet.size() < wire::header_size) {
    return errc::out_of_range;
  }
  if (out.size() < wire::header_size) return errc::no_space;

  query_echo from;
  const auto h = wire::header::decode(packet.data());
  from.set_header(h);
  from.limit = via == transport::tcp ? 65535 : 512;  // the client's EDNS size is unknown
  // The question is echoed only when it reads cleanly on its own: a valid
  // uncompressed name (the first name of a message has nothing to point at)
  // followed by QTYPE and QCLASS.
  if (h.qdcount == 1) {
    const auto rest = packet.subspan(wire::header_size);
    if (auto qname = wire::name_view::from_wire(rest); qname && rest.size() - qname->size() >= 4) {
      const std::byte* p = rest.data() + qname->size();
      from.set_question(*qname, static_cast<wire::rr_type>(detail::load_u16(p)),
                        static_cast<wire::rr_class>(detail::load_u16(p + 2)));
    }
  }
  content what;
  what.rcode = checked.rcode;
  return write(from, what, out);
}

DNSFILTER_DECL std::uint16_t responder::info_code_for(std::string_view category) const noexcept {
  for (const auto& c : settings_.info_codes) {
    if (c.category == category) return c.info_code;
  }
  return settings_.default_info_code;
}

DNSFILTER_DECL std::string_view responder::ede_text(std::string_view id,
                                                    std::span<char, max_ede_text> buffer) const noexcept {
  std::size_t size = 0;
  bool cut = false;
  // Appends as much of `part` as fits, never splitting a UTF-8 sequence:
  // the cut backs off over continuation octets (10xxxxxx).
  auto append = [&](std::string_view part) noexcept {
    if (cut) return;
    std::size_t n = part.size();
    if (n > buffer.size() - size) {
      cut = true;
      n = buffer.size() - size;
      while (n > 0 && (static_cast<unsigned char>(part[n]) & 0xC0) == 0x80) --n;
    }
    std::memcpy(buffer.data() + size, part.data(), n);
    size += n;
  };
  if (id.empty()) {
    append(settings_.ede_text_without_id);
  } else {
    append(settings_.ede_text_prefix);
    append(id);
  }
  return {buffer.data(), size};
}

DNSFILTER_DECL query_check check_query(std::span<const std::byte> packet) noexcept {
  if (packet.size() < wire::header_size) return {admission::drop, {}, {}, false, {}, packet};  // nothing to answer with
  const std::uint8_t flags = detail::u8(packet.data() + 2);
  if ((flags & 0x80) != 0) return {admission::drop, {}, {}, false, {}, packet};  // QR: never answer a response
  const bool standard = ((flags >> 3) & 0x0F) == static_cast<unsigned>(wire::opcode::query);
  auto query = wire::query_view::parse(packet);
  if (!query) {
    return {admission::reject, standard ? wire::rcode::formerr : wire::rcode::notimp, query.error(), false, {}, packet};
  }
  if (!standard) return {admission::reject, wire::rcode::notimp, errc::ok, true, *query, packet};
  // We speak EDNS version 0 only (RFC 6891 section 6.1.3).
  if (query->has_edns() && query->edns().version != 0) {
    return {admission::reject, wire::rcode::badvers, errc::ok, true, *query, packet};
  }
  return {admission::process, wire::rcode::noerror, errc::ok, true, *query, packet};
}

}  // namespace dnsfilter::sinkhole
