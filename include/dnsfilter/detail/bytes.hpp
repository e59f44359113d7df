// Internal helpers for reading and writing big-endian integers in byte spans.
// They use byte-wise access, so they are correct for any host endianness and any
// alignment (firmware targets include big-endian MIPS and strict-alignment ARM).
#pragma once

#include <cstddef>
#include <cstdint>

namespace dnsfilter::detail {

inline std::uint8_t u8(const std::byte* p) noexcept { return static_cast<std::uint8_t>(*p); }

inline std::uint16_t load_u16(const std::byte* p) noexcept {
  return static_cast<std::uint16_t>((u8(p) << 8) | u8(p + 1));
}

inline std::uint32_t load_u32(const std::byte* p) noexcept {
  return (std::uint32_t{u8(p)} << 24) | (std::uint32_t{u8(p + 1)} << 16) |
         (std::uint32_t{u8(p + 2)} << 8) | std::uint32_t{u8(p + 3)};
}

inline void store_u16(std::byte* p, std::uint16_t v) noexcept {
  p[0] = static_cast<std::byte>(v >> 8);
  p[1] = static_cast<std::byte>(v);
}

inline void store_u32(std::byte* p, std::uint32_t v) noexcept {
  p[0] = static_cast<std::byte>(v >> 24);
  p[1] = static_cast<std::byte>(v >> 16);
  p[2] = static_cast<std::byte>(v >> 8);
  p[3] = static_cast<std::byte>(v);
}

// ASCII-only case folding, as DNS requires (RFC 4343): bytes outside A-Z are kept.
inline std::uint8_t ascii_lower(std::uint8_t c) noexcept {
  return static_cast<std::uint8_t>(static_cast<unsigned>(c - 'A') < 26u ? c | 0x20u : c);
}

inline std::byte ascii_lower(std::byte c) noexcept {
  return static_cast<std::byte>(ascii_lower(static_cast<std::uint8_t>(c)));
}

}  // namespace dnsfilter::detail
