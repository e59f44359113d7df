// Test helpers for zone transfers: the test zone rpz.example and its SOA.
#pragma once

#include <dnsfilter/wire/name.hpp>
#include <dnsfilter/wire/rdata.hpp>

#include <cstdint>

namespace test_zone {

inline dnsfilter::wire::name dn(const char* text) { return dnsfilter::wire::name::from_text(text).value(); }

inline const dnsfilter::wire::name zone = dn("rpz.example");

// The zone's SOA at `serial` (refresh 3600, retry 600, expire 86400, minimum 60).
inline dnsfilter::wire::rdata::soa soa(std::uint32_t serial) {
  dnsfilter::wire::rdata::soa s;
  s.mname = dn("ns.rpz.example");
  s.rname = dn("hostmaster.rpz.example");
  s.serial = serial;
  s.refresh = 3600;
  s.retry = 600;
  s.expire = 86400;
  s.minimum = 60;
  return s;
}

}  // namespace test_zone
