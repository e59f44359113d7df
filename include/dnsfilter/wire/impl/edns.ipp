// Definitions for wire/edns.hpp.
#pragma once

#include <dnsfilter/wire/edns.hpp>

#include <cstring>

namespace dnsfilter::wire {

DNSFILTER_DECL result<void> validate_options(std::span<const std::byte> rdata) noexcept {
  std::size_t pos = 0;
  while (pos < rdata.size()) {
    if (rdata.size() - pos < 4) return errc::bad_option;
    const std::uint16_t code = detail::load_u16(rdata.data() + pos);
    const std::size_t len = detail::load_u16(rdata.data() + pos + 2);
    if (rdata.size() - pos - 4 < len) return errc::bad_option;
    if (code == option_code::client_subnet) {
      if (!client_subnet::decode(rdata.subspan(pos + 4, len))) return errc::bad_option;
    }
    pos += 4 + len;
  }
  return {};
}

DNSFILTER_DECL result<client_subnet> client_subnet::decode(std::span<const std::byte> data) noexcept {
  if (data.size() < 4) return errc::bad_option;
  client_subnet s;
  s.family = detail::load_u16(data.data());
  s.source_prefix = detail::u8(data.data() + 2);
  s.scope_prefix = detail::u8(data.data() + 3);
  if (s.family != family_ipv4 && s.family != family_ipv6) return errc::bad_option;
  if (s.source_prefix > s.address_bits() || s.scope_prefix > s.address_bits()) return errc::bad_option;
  const std::size_t n = data.size() - 4;
  if (n != s.wire_address_size()) return errc::bad_option;
  std::memcpy(s.address.data(), data.data() + 4, n);
  // Bits past the source prefix in the last octet must be zero (RFC 7871 section 6).
  if (s.source_prefix % 8 != 0) {
    const auto mask = static_cast<std::uint8_t>(0xFFu >> (s.source_prefix % 8));
    if ((detail::u8(s.address.data() + n - 1) & mask) != 0) return errc::bad_option;
  }
  return s;
}

DNSFILTER_DECL result<std::size_t> client_subnet::encode(std::span<std::byte> out) const noexcept {
  if (family != family_ipv4 && family != family_ipv6) return errc::out_of_range;
  if (source_prefix > address_bits() || scope_prefix > address_bits()) return errc::out_of_range;
  const std::size_t n = wire_address_size();
  if (out.size() < 4 + n) return errc::no_space;
  detail::store_u16(out.data(), family);
  out[2] = static_cast<std::byte>(source_prefix);
  out[3] = static_cast<std::byte>(scope_prefix);
  std::memcpy(out.data() + 4, address.data(), n);
  if (source_prefix % 8 != 0) {
    const auto keep = static_cast<std::uint8_t>(0xFFu << (8 - source_prefix % 8));
    out[4 + n - 1] &= static_cast<std::byte>(keep);
  }
  return 4 + n;
}

}  // namespace dnsfilter::wire
