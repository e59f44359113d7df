// libFuzzer target: IP address and prefix text (policy/address.hpp).
//
// Whatever parses must print (to_text) and parse back to the same value, the
// printed text must be stable, and a short buffer must be refused. Addresses
// are also checked against the C library's inet_pton: both must accept the
// same IPv4 text (inet_pton refuses leading zeros too) and the same IPv6 text
// (except zone ids, which neither accepts), with equal bytes. A prefix must
// have no host bits and contain its own address. Any disagreement aborts.
#include "fuzz_check.hpp"

#include <dnsfilter/policy/address.hpp>

#include <arpa/inet.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

namespace {

using namespace dnsfilter;
using namespace dnsfilter::policy;

using dnsfilter_fuzz::check;

template <class T>
void check_round_trip(const T& value) {
  std::array<char, T::max_text_length> buf;
  auto n = value.to_text(buf);
  check(n.has_value(), "to_text failed");
  const std::string_view text{buf.data(), *n};
  auto back = T::parse(text);
  check(back.has_value(), "parse rejects to_text output");
  check(*back == value, "round trip changed the value");
  check(back->to_string() == text, "to_text is not stable");
  if (*n > 0) check(value.to_text(std::span<char>(buf.data(), *n - 1)).error() == errc::no_space, "short buffer");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text{reinterpret_cast<const char*>(data), size};

  auto a = ip_address::parse(text);
  if (a) {
    check_round_trip(*a);
    if (a->is_v4()) check(a->mapped().is_v4_mapped() && a->mapped().unmapped() == *a, "mapped() does not invert");
    if (a->is_v4_mapped()) check(a->unmapped().mapped() == *a, "unmapped() does not invert");
  }
  // Oracle: inet_pton on a NUL-terminated copy (text with a NUL is refused by both).
  if (size < 256 && std::memchr(data, 0, size) == nullptr) {
    const std::string z(text);
    const bool v6 = text.find(':') != std::string_view::npos;
    unsigned char raw[16];
    const int ok = inet_pton(v6 ? AF_INET6 : AF_INET, z.c_str(), raw);
    check((ok == 1) == a.has_value(), "parse and inet_pton disagree on acceptance");
    if (ok == 1) check(std::memcmp(raw, a->bytes().data(), v6 ? 16 : 4) == 0, "parse and inet_pton disagree on bytes");
  }

  auto p = ip_prefix::parse(text);
  if (p) {
    check_round_trip(*p);
    check(p->contains(p->address()), "a prefix does not contain its address");
    auto m = ip_prefix::masked(p->address(), p->length());
    check(m.has_value() && *m == *p, "a parsed prefix has host bits");
  }
  return 0;
}
