// Test helpers shared by the unit tests: wire bytes written as hex strings, and
// readable doctest output for dnsfilter::errc.
//
//   auto packet = hex("abcd 0100 0001 0000 0000 0000");  // spaces are ignored
//
// Whitespace (spaces, tabs, newlines) between digits is ignored so vectors can be
// grouped by field. A malformed string (an odd number of digits, a non-hex
// character) is a bug in the test itself: it fails the running test case.
#pragma once

#include <dnsfilter/detail/text.hpp>
#include <dnsfilter/error.hpp>

#include <doctest/doctest.h>

#include <cstddef>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace dnsfilter_test {

// "0a 0B" -> {0x0a, 0x0b}.
inline std::vector<std::byte> hex(std::string_view text) {
  std::vector<std::byte> out;
  int high = -1;
  for (char c : text) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') continue;
    const int d = dnsfilter::detail::hex_value(c);
    if (d < 0) FAIL("bad hex digit in test vector: '" << c << "'");
    if (high < 0) {
      high = d;
    } else {
      out.push_back(static_cast<std::byte>(high << 4 | d));
      high = -1;
    }
  }
  if (high >= 0) FAIL("odd number of hex digits in test vector");
  return out;
}

// {0x0a, 0x0b} -> "0a0b", for comparing and printing wire bytes.
inline std::string to_hex(std::span<const std::byte> bytes) {
  std::string out;
  out.reserve(bytes.size() * 2);
  for (std::byte b : bytes) {
    out += dnsfilter::detail::hex_digits[static_cast<unsigned>(b) >> 4];
    out += dnsfilter::detail::hex_digits[static_cast<unsigned>(b) & 0xF];
  }
  return out;
}

// Bytes of a string literal, for names and TXT payloads written as text.
inline std::span<const std::byte> as_bytes(std::string_view text) noexcept {
  return {reinterpret_cast<const std::byte*>(text.data()), text.size()};
}

}  // namespace dnsfilter_test

// Failed CHECKs print "bad_pointer (compression pointer ...)" instead of a number.
template <>
struct doctest::StringMaker<dnsfilter::errc> {
  static doctest::String convert(dnsfilter::errc code) {
    return doctest::String(dnsfilter::to_string(code));
  }
};
