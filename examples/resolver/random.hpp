// dnsfilter-resolver — random numbers outside forwarding (zone-transfer query
// ids, the query log's hashing key), from the library's kernel CSPRNG
// (dnsfilter/forward/random.hpp). Forwarding takes the library source itself.
#pragma once

#include <dnsfilter/detail/bytes.hpp>
#include <dnsfilter/forward/random.hpp>

#include <cstddef>
#include <cstdint>
#include <span>
#include <stdexcept>

namespace resolver {

class secure_random {
 public:
  std::uint16_t u16() {
    std::byte b[2];
    fill(b, sizeof b);
    return dnsfilter::detail::load_u16(b);
  }

  // Without a CSPRNG the resolver must not go on: predictable ids and keys
  // are holes (getrandom fails only on kernels before 3.17, and then
  // /dev/urandom is read).
  void fill(void* out, std::size_t n) {
    if (!source_.fill({static_cast<std::byte*>(out), n})) throw std::runtime_error("no random bytes from the kernel");
  }

 private:
  dnsfilter::forward::system_random source_;
};

}  // namespace resolver
