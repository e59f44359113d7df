// Definitions for wire/rdata.hpp.
#pragma once

#include <dnsfilter/wire/rdata.hpp>

#include <cstring>

namespace dnsfilter::detail {

// Reads (or, with out == nullptr, only checks) a name that must end inside the
// RDATA, advancing pos past it.
inline errc rdata_take_name(std::span<const std::byte> message, std::size_t& pos, std::size_t end, wire::name* out) noexcept {
  auto ext = wire::read_name(message.first(end), pos, out);
  if (!ext) return ext.error() == errc::truncated ? errc::bad_rdata : ext.error();
  pos = ext->end;
  return errc::ok;
}

// The one routine behind decode_rdata and validate_rdata, so the two can never
// disagree on what is valid. `out` is null when only validating.
inline errc rdata_codec(std::span<const std::byte> message, wire::rr_type type, std::size_t offset, std::size_t length,
                  wire::rdata_value* out) noexcept {
  if (offset > message.size() || message.size() - offset < length) return errc::truncated;
  const std::byte* p = message.data() + offset;
  const std::size_t end = offset + length;
  std::size_t pos = offset;
  switch (type) {
    case wire::rr_type::a: {
      if (length != 4) return errc::bad_rdata;
      if (out) {
        wire::rdata::a v;
        std::memcpy(v.address.data(), p, 4);
        *out = v;
      }
      return errc::ok;
    }
    case wire::rr_type::aaaa: {
      if (length != 16) return errc::bad_rdata;
      if (out) {
        wire::rdata::aaaa v;
        std::memcpy(v.address.data(), p, 16);
        *out = v;
      }
      return errc::ok;
    }
    case wire::rr_type::cname:
    case wire::rr_type::ns:
    case wire::rr_type::ptr:
    case wire::rr_type::md:
    case wire::rr_type::mf:
    case wire::rr_type::mb:
    case wire::rr_type::mg:
    case wire::rr_type::mr: {
      wire::name target;
      if (auto e = rdata_take_name(message, pos, end, out ? &target : nullptr); e != errc::ok) return e;
      if (pos != end) return errc::bad_rdata;
      if (out) {
        switch (type) {
          case wire::rr_type::cname: *out = wire::rdata::cname{target}; break;
          case wire::rr_type::ns: *out = wire::rdata::ns{target}; break;
          case wire::rr_type::ptr: *out = wire::rdata::ptr{target}; break;
          case wire::rr_type::md: *out = wire::rdata::md{target}; break;
          case wire::rr_type::mf: *out = wire::rdata::mf{target}; break;
          case wire::rr_type::mb: *out = wire::rdata::mb{target}; break;
          case wire::rr_type::mg: *out = wire::rdata::mg{target}; break;
          default: *out = wire::rdata::mr{target}; break;
        }
      }
      return errc::ok;
    }
    case wire::rr_type::minfo:
    case wire::rr_type::rp: {
      wire::name first, second;
      if (auto e = rdata_take_name(message, pos, end, out ? &first : nullptr); e != errc::ok) return e;
      if (auto e = rdata_take_name(message, pos, end, out ? &second : nullptr); e != errc::ok) return e;
      if (pos != end) return errc::bad_rdata;
      if (out) {
        if (type == wire::rr_type::minfo) *out = wire::rdata::minfo{first, second};
        else *out = wire::rdata::rp{first, second};
      }
      return errc::ok;
    }
    case wire::rr_type::afsdb:
    case wire::rr_type::rt: {
      if (length < 3) return errc::bad_rdata;
      const std::uint16_t number = detail::load_u16(p);
      pos += 2;
      wire::name target;
      if (auto e = rdata_take_name(message, pos, end, out ? &target : nullptr); e != errc::ok) return e;
      if (pos != end) return errc::bad_rdata;
      if (out) {
        if (type == wire::rr_type::afsdb) *out = wire::rdata::afsdb{number, target};
        else *out = wire::rdata::rt{number, target};
      }
      return errc::ok;
    }
    case wire::rr_type::mx: {
      if (length < 3) return errc::bad_rdata;
      wire::rdata::mx v;
      v.preference = detail::load_u16(p);
      pos += 2;
      if (auto e = rdata_take_name(message, pos, end, out ? &v.exchange : nullptr); e != errc::ok) return e;
      if (pos != end) return errc::bad_rdata;
      if (out) *out = v;
      return errc::ok;
    }
    case wire::rr_type::srv: {
      if (length < 7) return errc::bad_rdata;
      wire::rdata::srv v;
      v.priority = detail::load_u16(p);
      v.weight = detail::load_u16(p + 2);
      v.port = detail::load_u16(p + 4);
      pos += 6;
      if (auto e = rdata_take_name(message, pos, end, out ? &v.target : nullptr); e != errc::ok) return e;
      if (pos != end) return errc::bad_rdata;
      if (out) *out = v;
      return errc::ok;
    }
    case wire::rr_type::soa: {
      wire::rdata::soa v;
      if (auto e = rdata_take_name(message, pos, end, out ? &v.mname : nullptr); e != errc::ok) return e;
      if (auto e = rdata_take_name(message, pos, end, out ? &v.rname : nullptr); e != errc::ok) return e;
      if (end - pos != 20) return errc::bad_rdata;
      const std::byte* q = message.data() + pos;
      v.serial = detail::load_u32(q);
      v.refresh = detail::load_u32(q + 4);
      v.retry = detail::load_u32(q + 8);
      v.expire = detail::load_u32(q + 12);
      v.minimum = detail::load_u32(q + 16);
      if (out) *out = v;
      return errc::ok;
    }
    case wire::rr_type::txt: {
      // Empty TXT RDATA is tolerated: RFC 1035 asks for one string, but real
      // servers send none, and rejecting them would break forwarding.
      while (pos < end) {
        const std::size_t len = detail::u8(message.data() + pos);
        if (end - pos - 1 < len) return errc::bad_rdata;
        pos += 1 + len;
      }
      if (out) *out = wire::rdata::txt{{p, length}};
      return errc::ok;
    }
    default:
      if (out) *out = wire::rdata::opaque{{p, length}};
      return errc::ok;
  }
}

}  // namespace dnsfilter::detail

namespace dnsfilter::wire {

DNSFILTER_DECL result<rdata_value> decode_rdata(std::span<const std::byte> message, rr_type type, std::size_t offset,
                                                std::size_t length) noexcept {
  rdata_value v;
  if (auto e = detail::rdata_codec(message, type, offset, length, &v); e != errc::ok) return e;
  return v;
}

DNSFILTER_DECL result<void> validate_rdata(std::span<const std::byte> message, rr_type type, std::size_t offset,
                                           std::size_t length) noexcept {
  if (auto e = detail::rdata_codec(message, type, offset, length, nullptr); e != errc::ok) return e;
  return {};
}

DNSFILTER_DECL rr_type type_of(const rdata_value& value, rr_type fallback) noexcept {
  switch (value.index()) {
    case 1: return rr_type::a;
    case 2: return rr_type::aaaa;
    case 3: return rr_type::cname;
    case 4: return rr_type::ns;
    case 5: return rr_type::ptr;
    case 6: return rr_type::mx;
    case 7: return rr_type::txt;
    case 8: return rr_type::soa;
    case 9: return rr_type::srv;
    case 10: return rr_type::md;
    case 11: return rr_type::mf;
    case 12: return rr_type::mb;
    case 13: return rr_type::mg;
    case 14: return rr_type::mr;
    case 15: return rr_type::minfo;
    case 16: return rr_type::rp;
    case 17: return rr_type::afsdb;
    case 18: return rr_type::rt;
    default: return fallback;
  }
}

}  // namespace dnsfilter::wire
