// The one way a fuzz target reports a broken property: print it and abort(),
// so libFuzzer keeps the input that broke it. And the framing of inputs that
// hold a stream of DNS messages.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>

namespace dnsfilter_fuzz {

inline void check(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "fuzz check failed: %s\n", what);
    std::abort();
  }
}

// Calls f(message) for each message of data[pos, size), each behind a
// 2-octet big-endian length as on TCP; stops at a length past the end.
template <class F>
void for_each_framed(const std::uint8_t* data, std::size_t size, std::size_t pos, F&& f) {
  while (pos + 2 <= size) {
    const std::size_t length = std::size_t{data[pos]} << 8 | data[pos + 1];
    pos += 2;
    if (length > size - pos) break;
    f(std::span<const std::byte>(reinterpret_cast<const std::byte*>(data) + pos, length));
    pos += length;
  }
}

}  // namespace dnsfilter_fuzz
