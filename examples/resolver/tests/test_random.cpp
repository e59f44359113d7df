// The upstream id and port source: byte order, range and termination.
#include "random.hpp"

#include <doctest/doctest.h>

#include <cstdint>

using resolver::from_bytes;
using resolver::secure_random;

TEST_CASE("from_bytes reads the first byte as the most significant on any host") {
  static constexpr unsigned char b[8] = {0x12, 0x34, 0x56, 0x78, 0x9a, 0xbc, 0xde, 0xf0};
  CHECK(from_bytes<std::uint16_t>(b) == 0x1234u);
  CHECK(from_bytes<std::uint32_t>(b) == 0x12345678u);
  CHECK(from_bytes<std::uint64_t>(b) == 0x123456789abcdef0u);
  // A value in the last byte alone is not lost (a uint64_t filled through
  // memcpy and narrowed reads it as 0 on one byte order or the other).
  const unsigned char low[8] = {0, 0, 0, 0, 0, 0, 0, 1};
  CHECK(from_bytes<std::uint16_t>(low + 6) == 1u);
  CHECK(from_bytes<std::uint32_t>(low + 4) == 1u);
  CHECK(from_bytes<std::uint64_t>(low) == 1u);
  static_assert(from_bytes<std::uint16_t>(b) == 0x1234u);
}

TEST_CASE("secure_random draws use every byte of the value") {
  secure_random random;
  std::uint16_t or16 = 0;
  std::uint32_t or32 = 0;
  std::uint64_t or64 = 0;
  for (int i = 0; i < 256; ++i) {
    or16 |= random.u16();
    or32 |= random.u32();
    or64 |= random.u64();
  }
  // 256 draws leave a bit never set with probability 256 * 2^-256 at most.
  CHECK(or16 == 0xffffu);
  CHECK(or32 == 0xffffffffu);
  CHECK(or64 == ~std::uint64_t{0});
}

TEST_CASE("secure_random::below terminates and stays in range") {
  secure_random random;
  for (const std::uint32_t n : {1u, 2u, 3u, 1000u, 65535u, 0x80000001u, 0xffffffffu}) {
    bool above_half = false;
    for (int i = 0; i < 200; ++i) {
      const std::uint32_t v = random.below(n);
      REQUIRE(v < n);
      above_half = above_half || v >= n / 2;
    }
    CHECK(above_half);  // the upper half of the range is reached (2^-200 to miss)
  }
}
