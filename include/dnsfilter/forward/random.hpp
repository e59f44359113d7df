// dnsfilter — unpredictable bytes for upstream query ids, source ports and
// 0x20 letter case (forward/transactions.hpp).
//
// system_random reads the kernel's CSPRNG: getrandom(2), or /dev/urandom
// where getrandom is missing (ENOSYS: a kernel before 3.17, a seccomp filter,
// a libc without it). One system call fills a 512-octet buffer, enough for
// dozens of queries; each octet is handed out once and wiped. A pseudo-random
// generator (std::mt19937, say) is no substitute: its output is predictable
// from a few hundred observed values, and a predictable id and port is what a
// cache-poisoning attack needs. One source per thread: no lock.
//
// random_ref refers to any source with `bool fill(std::span<std::byte>) noexcept`
// through one function pointer, so the transaction table is not a template
// and tests pass a deterministic source.
#pragma once

#include <dnsfilter/config.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <span>
#include <type_traits>

namespace dnsfilter::forward {

class system_random {
 public:
  enum class method : std::uint8_t {
    automatic,    // getrandom(2), /dev/urandom when the kernel has no getrandom
    dev_urandom,  // /dev/urandom only (the fallback path, chosen on purpose)
  };

  explicit system_random(method m = method::automatic) noexcept : method_(m) {}
  system_random(const system_random&) = delete;
  system_random& operator=(const system_random&) = delete;
  DNSFILTER_DECL ~system_random();

  // Fills `out` with random octets; false if the kernel gave none (then
  // nothing predictable must be sent: the transaction table refuses the query
  // with errc::no_randomness).
  DNSFILTER_DECL bool fill(std::span<std::byte> out) noexcept;

 private:
  DNSFILTER_DECL bool refill() noexcept;
  DNSFILTER_DECL bool read_kernel(std::byte* out, std::size_t size) noexcept;

  std::array<std::byte, 512> buffer_;
  std::size_t position_ = buffer_.size();
  int urandom_ = -1;  // opened on first use of the fallback, kept open
  method method_;
};

class random_ref {
 public:
  template <class Source>
    requires(!std::is_same_v<std::remove_cv_t<Source>, random_ref>)
  random_ref(Source& source) noexcept  // NOLINT: implicit on purpose, as a reference is
      : source_(&source), fill_([](void* s, std::span<std::byte> out) noexcept {
          return static_cast<Source*>(s)->fill(out);
        }) {}

  bool fill(std::span<std::byte> out) const noexcept { return fill_(source_, out); }

 private:
  void* source_;
  bool (*fill_)(void*, std::span<std::byte>) noexcept;
};

}  // namespace dnsfilter::forward

#if DNSFILTER_HEADER_ONLY
#include <dnsfilter/forward/impl/random.ipp>
#endif
