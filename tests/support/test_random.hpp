// Random sources for tests of forward/: reproducible, so a failure replays.
#pragma once

#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace dnsfilter_test {

// SplitMix64 from a seed: statistically fine, fully predictable (tests only).
struct seeded_random {
  std::uint64_t state = 0x9e3779b97f4a7c15u;
  bool fill(std::span<std::byte> out) noexcept {
    for (std::byte& b : out) {
      if (left == 0) {
        std::uint64_t z = (state += 0x9e3779b97f4a7c15u);
        z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9u;
        z = (z ^ (z >> 27)) * 0x94d049bb133111ebu;
        word = z ^ (z >> 31);
        left = 8;
      }
      b = static_cast<std::byte>(word);
      word >>= 8;
      --left;
    }
    return true;
  }
  std::uint64_t word = 0;
  unsigned left = 0;
};

// Hands out the given octets in order, then fails (or repeats the last
// octet, with `repeat_last`): tests that need to know each drawn value.
struct scripted_random {
  std::vector<std::uint8_t> bytes;
  std::size_t position = 0;
  bool repeat_last = false;
  bool fill(std::span<std::byte> out) noexcept {
    for (std::byte& b : out) {
      if (position < bytes.size()) b = static_cast<std::byte>(bytes[position++]);
      else if (repeat_last && !bytes.empty()) b = static_cast<std::byte>(bytes.back());
      else return false;
    }
    return true;
  }
};

}  // namespace dnsfilter_test
