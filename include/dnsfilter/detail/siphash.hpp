// SipHash-2-4 (Aumasson and Bernstein, 2012): a keyed pseudo-random function
// with a 128-bit key and a 64-bit output. The query log uses it to pseudonymise
// client addresses: unlike a plain hash (xxHash included), its output cannot
// be computed, nor inverted by trying every address, without the key. Written
// from the paper's description; the tests check the paper's vectors.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>

namespace dnsfilter::detail {

constexpr std::uint64_t siphash_load_le(const std::uint8_t* p) noexcept {
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

constexpr std::uint64_t siphash24(const std::array<std::uint8_t, 16>& key, std::span<const std::uint8_t> message) noexcept {
  const std::uint64_t k0 = siphash_load_le(key.data()), k1 = siphash_load_le(key.data() + 8);
  std::uint64_t v0 = k0 ^ 0x736f6d6570736575ULL, v1 = k1 ^ 0x646f72616e646f6dULL;
  std::uint64_t v2 = k0 ^ 0x6c7967656e657261ULL, v3 = k1 ^ 0x7465646279746573ULL;
  const auto rotl = [](std::uint64_t x, int b) { return (x << b) | (x >> (64 - b)); };
  const auto sip_round = [&] {
    v0 += v1; v1 = rotl(v1, 13); v1 ^= v0; v0 = rotl(v0, 32);
    v2 += v3; v3 = rotl(v3, 16); v3 ^= v2;
    v0 += v3; v3 = rotl(v3, 21); v3 ^= v0;
    v2 += v1; v1 = rotl(v1, 17); v1 ^= v2; v2 = rotl(v2, 32);
  };
  const auto compress = [&](std::uint64_t m) {
    v3 ^= m;
    sip_round();  // c = 2 rounds per message word
    sip_round();
    v0 ^= m;
  };
  const std::size_t n = message.size();
  std::size_t i = 0;
  for (; n - i >= 8; i += 8) compress(siphash_load_le(message.data() + i));
  // The last word: the remaining bytes, and the length modulo 256 on top.
  std::uint64_t last = static_cast<std::uint64_t>(n & 0xFF) << 56;
  for (std::size_t j = 0; i + j < n; ++j) last |= static_cast<std::uint64_t>(message[i + j]) << (8 * j);
  compress(last);
  v2 ^= 0xFF;
  for (int r = 0; r < 4; ++r) sip_round();  // d = 4 finalization rounds
  return v0 ^ v1 ^ v2 ^ v3;
}

}  // namespace dnsfilter::detail
