// dnsfilter-resolver — unpredictable numbers for upstream query ids, source
// ports and 0x20 case randomisation.
//
// Why not std::mt19937: its output is predictable after 624 observations, and
// an attacker who can predict the next query id (and port) can poison the
// cache (Kaminsky, 2008). getrandom(2) reads the kernel's CSPRNG; one call
// fills a 4 KiB buffer that serves ~2000 ids, so the syscall cost per query is
// negligible. One generator per serving thread: no lock, no sharing.
#pragma once

#include <sys/random.h>

#include <array>
#include <cerrno>
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <algorithm>
#include <stdexcept>

namespace resolver {

// The integer whose bytes, most significant first, are b[0 .. sizeof(T)):
// assembled by shifts, so the value does not depend on the host's byte order.
template <class T>
constexpr T from_bytes(const unsigned char* b) noexcept {
  T v = 0;
  for (std::size_t i = 0; i < sizeof(T); ++i) v = static_cast<T>((v << 8) | b[i]);
  return v;
}

class secure_random {
 public:
  std::uint16_t u16() { return take<std::uint16_t>(); }
  std::uint32_t u32() { return take<std::uint32_t>(); }
  std::uint64_t u64() { return take<std::uint64_t>(); }

  // Uniform in [0, n) for n > 0, without modulo bias (rejection sampling).
  std::uint32_t below(std::uint32_t n) {
    const std::uint32_t limit = static_cast<std::uint32_t>(-n) % n;  // 2^32 mod n
    for (;;) {
      const std::uint32_t v = u32();
      if (v >= limit) return v % n;
    }
  }

  void fill(void* out, std::size_t n) {
    auto* p = static_cast<unsigned char*>(out);
    while (n > 0) {
      if (pos_ == buffer_.size()) refill();
      const std::size_t k = std::min(n, buffer_.size() - pos_);
      std::memcpy(p, buffer_.data() + pos_, k);
      // Each byte is used once: wipe it so a later memory disclosure does not
      // reveal ids already handed out.
      std::memset(buffer_.data() + pos_, 0, k);
      pos_ += k;
      p += k;
      n -= k;
    }
  }

 private:
  template <class T>
  T take() {
    unsigned char b[sizeof(T)];
    fill(b, sizeof b);
    return from_bytes<T>(b);
  }

  void refill() {
    std::size_t got = 0;
    while (got < buffer_.size()) {
      const ssize_t n = getrandom(buffer_.data() + got, buffer_.size() - got, 0);
      if (n < 0) {
        if (errno == EINTR) continue;
        // Without a CSPRNG the resolver must not run: predictable ids are a
        // cache-poisoning hole. getrandom only fails like this on kernels
        // older than 3.17.
        throw std::runtime_error("getrandom failed: " + std::string(std::strerror(errno)));
      }
      got += static_cast<std::size_t>(n);
    }
    pos_ = 0;
  }

  std::array<unsigned char, 4096> buffer_{};
  std::size_t pos_ = buffer_.size();
};

}  // namespace resolver
