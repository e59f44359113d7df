// The random numbers of zone-transfer ids and the query log key.
#include "random.hpp"

#include <doctest/doctest.h>

#include <array>
#include <cstdint>

using resolver::secure_random;

TEST_CASE("secure_random draws use every bit of the value") {
  secure_random random;
  std::uint16_t or16 = 0;
  for (int i = 0; i < 256; ++i) or16 |= random.u16();
  // 256 draws leave a bit never set with probability 16 * 2^-256.
  CHECK(or16 == 0xffffu);
  std::array<unsigned char, 64> a{}, b{};
  random.fill(a.data(), a.size());
  random.fill(b.data(), b.size());
  CHECK(a != b);
}
