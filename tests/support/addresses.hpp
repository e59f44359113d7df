// Addresses and prefixes from text, for tests: a bad one fails the test.
#pragma once

#include <dnsfilter/policy/address.hpp>

#include <doctest/doctest.h>

#include <string>
#include <string_view>

namespace dnsfilter_test {

inline dnsfilter::policy::ip_address addr(std::string_view text) {
  auto a = dnsfilter::policy::ip_address::parse(text);
  REQUIRE_MESSAGE(a.has_value(), std::string(text));
  return *a;
}

inline dnsfilter::policy::ip_prefix pfx(std::string_view text) {
  auto p = dnsfilter::policy::ip_prefix::parse(text);
  REQUIRE_MESSAGE(p.has_value(), std::string(text));
  return *p;
}

}  // namespace dnsfilter_test
