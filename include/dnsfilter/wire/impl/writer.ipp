// Definitions for wire/writer.hpp.
#pragma once

#include <dnsfilter/wire/writer.hpp>

#include <variant>

namespace dnsfilter::wire {

DNSFILTER_DECL bool message_writer::name_matches(std::size_t at, name_view suffix) const noexcept {
  // Walks the name already written at `at` (following our own pointers, which
  // are valid by construction) beside `suffix`, label by label.
  const std::byte* out = buf_.data();
  const std::byte* s = suffix.data();
  for (;;) {
    std::uint8_t len = detail::u8(out + at);
    while ((len & 0xC0) == 0xC0) {
      at = detail::load_u16(out + at) & 0x3FFFu;
      len = detail::u8(out + at);
    }
    if (len != detail::u8(s)) return false;
    if (len == 0) return true;
    for (std::size_t i = 1; i <= len; ++i) {
      if (detail::ascii_lower(out[at + i]) != detail::ascii_lower(s[i])) return false;
    }
    at += 1 + std::size_t{len};
    s += 1 + std::size_t{len};
  }
}

DNSFILTER_DECL errc message_writer::write_name(name_view n, bool compress, std::size_t limit) noexcept {
  std::array<std::uint8_t, max_label_count> offs;
  const std::size_t count = n.label_offsets(offs);
  std::size_t literal = count;  // labels written out before a pointer (all: no pointer)
  std::size_t target = 0;
  if (compress) {
    for (std::size_t i = 0; i < count && literal == count; ++i) {
      const auto suffix = name_view::from_trusted(n.data() + offs[i], n.size() - offs[i], count - i);
      for (std::size_t e = 0; e < name_count_; ++e) {
        if (names_[e].size == suffix.size() && name_matches(names_[e].offset, suffix)) {
          literal = i;
          target = names_[e].offset;
          break;
        }
      }
    }
  }
  const std::size_t literal_size = literal == count ? n.size() : offs[literal];
  if (!put(n.data(), literal_size, limit)) return errc::no_space;
  if (literal != count && !put_u16(static_cast<std::uint16_t>(0xC000u | target), limit)) return errc::no_space;
  // Remember where the literal labels landed, for later names to point at.
  const std::size_t base = pos_ - literal_size - (literal != count ? 2 : 0);
  for (std::size_t i = 0; i < literal && name_count_ < max_compression_names; ++i) {
    const std::size_t at = base + offs[i];
    if (at > 0x3FFF) break;
    names_[name_count_++] = {static_cast<std::uint16_t>(at), static_cast<std::uint8_t>(n.size() - offs[i])};
  }
  return errc::ok;
}

DNSFILTER_DECL result<void> message_writer::fail(section s, saved_state at) noexcept {
  restore(at);
  dropped_ = true;
  if (s != section::additional) header_.tc = true;
  return errc::no_space;
}

DNSFILTER_DECL result<void> message_writer::add_question(name_view qname, rr_type type, rr_class klass) noexcept {
  if (limit_ < header_size) return errc::no_space;
  if (current_ != section::question) return errc::out_of_range;
  const auto at = save();
  const std::size_t limit = record_limit();
  if (write_name(qname, true, limit) != errc::ok || !put_u16(static_cast<std::uint16_t>(type), limit) ||
      !put_u16(static_cast<std::uint16_t>(klass), limit)) {
    return fail(section::question, at);
  }
  ++counts_[0];
  opt_rdlength_at_ = 0;
  return {};
}

namespace detail_writer {
// The name of an MD, MF, MB, MG or MR rdata, or null for any other.
inline const name* single_name_of(const rdata_value& data) noexcept {
  if (auto* v = std::get_if<rdata::md>(&data)) return &v->target;
  if (auto* v = std::get_if<rdata::mf>(&data)) return &v->target;
  if (auto* v = std::get_if<rdata::mb>(&data)) return &v->target;
  if (auto* v = std::get_if<rdata::mg>(&data)) return &v->target;
  if (auto* v = std::get_if<rdata::mr>(&data)) return &v->target;
  return nullptr;
}
}  // namespace detail_writer

DNSFILTER_DECL errc message_writer::begin_record(section s, name_view owner, rr_type type, std::uint16_t klass,
                                                 std::uint32_t ttl, std::size_t limit) noexcept {
  if (limit_ < header_size) return errc::no_space;
  if (s < current_ || s == section::question) return errc::out_of_range;
  if (write_name(owner, true, limit) != errc::ok || !put_u16(static_cast<std::uint16_t>(type), limit) ||
      !put_u16(klass, limit) || !put_u32(ttl, limit) || !put_u16(0, limit)) {
    return errc::no_space;
  }
  return errc::ok;
}

DNSFILTER_DECL result<void> message_writer::add_record(section s, name_view owner, rr_type type, rr_class klass,
                                                       std::uint32_t ttl, const rdata_value& data) noexcept {
  if (type_of(data, type) != type || type == rr_type::opt) return errc::out_of_range;
  const auto at = save();
  const std::size_t limit = record_limit();
  if (auto e = begin_record(s, owner, type, static_cast<std::uint16_t>(klass), ttl, limit); e != errc::ok) {
    return e == errc::no_space ? fail(s, at) : result<void>{e};
  }
  const std::size_t rdata_start = pos_;
  bool ok = true;
  if (auto* v = std::get_if<rdata::a>(&data)) {
    ok = put(v->address.data(), 4, limit);
  } else if (auto* v6 = std::get_if<rdata::aaaa>(&data)) {
    ok = put(v6->address.data(), 16, limit);
  } else if (auto* c = std::get_if<rdata::cname>(&data)) {
    ok = write_name(c->target, true, limit) == errc::ok;
  } else if (auto* ns = std::get_if<rdata::ns>(&data)) {
    ok = write_name(ns->target, true, limit) == errc::ok;
  } else if (auto* p = std::get_if<rdata::ptr>(&data)) {
    ok = write_name(p->target, true, limit) == errc::ok;
  } else if (const name* one = detail_writer::single_name_of(data)) {
    ok = write_name(*one, true, limit) == errc::ok;  // MD, MF, MB, MG, MR: RFC 1035 types, compressible
  } else if (auto* mi = std::get_if<rdata::minfo>(&data)) {
    ok = write_name(mi->first, true, limit) == errc::ok && write_name(mi->second, true, limit) == errc::ok;
  } else if (auto* rp = std::get_if<rdata::rp>(&data)) {
    // RP, AFSDB, RT are not RFC 1035 types: their names are never compressed (RFC 3597 section 4).
    ok = write_name(rp->first, false, limit) == errc::ok && write_name(rp->second, false, limit) == errc::ok;
  } else if (auto* af = std::get_if<rdata::afsdb>(&data)) {
    ok = put_u16(af->number, limit) && write_name(af->target, false, limit) == errc::ok;
  } else if (auto* rt = std::get_if<rdata::rt>(&data)) {
    ok = put_u16(rt->number, limit) && write_name(rt->target, false, limit) == errc::ok;
  } else if (auto* mx = std::get_if<rdata::mx>(&data)) {
    ok = put_u16(mx->preference, limit) && write_name(mx->exchange, true, limit) == errc::ok;
  } else if (auto* soa = std::get_if<rdata::soa>(&data)) {
    ok = write_name(soa->mname, true, limit) == errc::ok && write_name(soa->rname, true, limit) == errc::ok &&
         put_u32(soa->serial, limit) && put_u32(soa->refresh, limit) && put_u32(soa->retry, limit) &&
         put_u32(soa->expire, limit) && put_u32(soa->minimum, limit);
  } else if (auto* srv = std::get_if<rdata::srv>(&data)) {
    ok = put_u16(srv->priority, limit) && put_u16(srv->weight, limit) && put_u16(srv->port, limit) &&
         write_name(srv->target, false, limit) == errc::ok;
  } else if (auto* txt = std::get_if<rdata::txt>(&data)) {
    ok = txt->data.size() <= 0xFFFF && put(txt->data.data(), txt->data.size(), limit);
  } else if (auto* raw = std::get_if<rdata::opaque>(&data)) {
    ok = raw->data.size() <= 0xFFFF && put(raw->data.data(), raw->data.size(), limit);
  }
  if (!ok) return fail(s, at);
  detail::store_u16(buf_.data() + rdata_start - 2, static_cast<std::uint16_t>(pos_ - rdata_start));
  current_ = s;
  ++counts_[static_cast<std::size_t>(s)];
  opt_rdlength_at_ = 0;
  return {};
}

DNSFILTER_DECL result<void> message_writer::add_raw_record(section s, name_view owner, rr_type type,
                                                           std::uint16_t klass, std::uint32_t ttl,
                                                           std::span<const std::byte> rdata) noexcept {
  if (rdata.size() > 0xFFFF) return errc::out_of_range;
  // At most one OPT, in the additional section, owned by the root (RFC 6891).
  if (type == rr_type::opt && (has_opt_ || s != section::additional || !owner.is_root())) return errc::out_of_range;
  const auto at = save();
  const std::size_t limit = record_limit();
  if (auto e = begin_record(s, owner, type, klass, ttl, limit); e != errc::ok) {
    return e == errc::no_space ? fail(s, at) : result<void>{e};
  }
  if (!put(rdata.data(), rdata.size(), limit)) return fail(s, at);
  detail::store_u16(buf_.data() + pos_ - rdata.size() - 2, static_cast<std::uint16_t>(rdata.size()));
  current_ = s;
  ++counts_[static_cast<std::size_t>(s)];
  opt_rdlength_at_ = 0;
  if (type == rr_type::opt) {
    has_opt_ = true;
    opt_rdlength_at_ = pos_ - rdata.size() - 2;
    opt_ttl_at_ = opt_rdlength_at_ - 4;
  }
  return {};
}

DNSFILTER_DECL result<void> message_writer::add_opt(const edns& e) noexcept {
  if (has_opt_) return errc::out_of_range;  // at most one OPT (RFC 6891 section 6.1.1)
  reserved_ = 0;
  return add_raw_record(section::additional, name_view{}, rr_type::opt, e.udp_payload_size, e.encode_ttl(),
                        e.options_data);
}

DNSFILTER_DECL result<void> message_writer::add_option(std::uint16_t code, std::span<const std::byte> data) noexcept {
  if (opt_rdlength_at_ == 0) return errc::out_of_range;  // the OPT record must be the last thing written
  const std::size_t rdlength = detail::load_u16(buf_.data() + opt_rdlength_at_);
  if (data.size() > 0xFFFF || rdlength + 4 + data.size() > 0xFFFF) return errc::out_of_range;
  const auto at = save();
  if (!put_u16(code, limit_) || !put_u16(static_cast<std::uint16_t>(data.size()), limit_) ||
      !put(data.data(), data.size(), limit_)) {
    restore(at);
    dropped_ = true;
    return errc::no_space;
  }
  detail::store_u16(buf_.data() + opt_rdlength_at_, static_cast<std::uint16_t>(rdlength + 4 + data.size()));
  return {};
}

DNSFILTER_DECL result<void> message_writer::add_extended_error(std::uint16_t info_code,
                                                               std::string_view text) noexcept {
  // Assembled in place: the option header, the code, then the text.
  if (text.size() > 0xFFFF - 2) return errc::out_of_range;
  std::byte code[2];
  detail::store_u16(code, info_code);
  if (opt_rdlength_at_ == 0) return errc::out_of_range;
  const auto at = save();
  const std::size_t rdlength = detail::load_u16(buf_.data() + opt_rdlength_at_);
  const std::size_t len = 2 + text.size();
  if (rdlength + 4 + len > 0xFFFF) return errc::out_of_range;
  if (!put_u16(option_code::extended_error, limit_) || !put_u16(static_cast<std::uint16_t>(len), limit_) ||
      !put(code, 2, limit_) || !put(text.data(), text.size(), limit_)) {
    restore(at);
    dropped_ = true;
    return errc::no_space;
  }
  detail::store_u16(buf_.data() + opt_rdlength_at_, static_cast<std::uint16_t>(rdlength + 4 + len));
  return {};
}

DNSFILTER_DECL result<void> message_writer::add_client_subnet(const client_subnet& subnet) noexcept {
  std::array<std::byte, 20> data;
  auto n = subnet.encode(data);
  if (!n) return n.error();
  return add_option(option_code::client_subnet, std::span<const std::byte>(data.data(), *n));
}

DNSFILTER_DECL std::span<const std::byte> message_writer::finish() noexcept {
  if (limit_ < header_size) return {};
  header_.qdcount = counts_[0];
  header_.ancount = counts_[1];
  header_.nscount = counts_[2];
  header_.arcount = counts_[3];
  header_.encode(buf_.data());  // the low four bits of the rcode
  // Bits 4-11 of an extended rcode (BADVERS is 16) travel in the OPT TTL's
  // first octet (RFC 6891 section 6.1.3).
  if (has_opt_ && header_.rcode > 0x0F) buf_[opt_ttl_at_] = static_cast<std::byte>(header_.rcode >> 4);
  return {buf_.data(), pos_};
}

}  // namespace dnsfilter::wire
