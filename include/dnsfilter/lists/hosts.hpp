// dnsfilter — hosts files used as block lists.
//
//   0.0.0.0 evil.example  www.evil.example   # several names per line
//   127.0.0.1 tracker.example
//   ::1 evil6.example
//   127.0.0.1 localhost                      # skipped, see below
//
// A record is one name. Names after a null or loopback address (0.0.0.0,
// 127.0.0.0/8, ::, ::1) become rules of one list-wide entry with
// options.action; names after any other valid address are real host mappings,
// not blocks, and are skipped. The machine's own names (localhost,
// localhost.localdomain, localhost4/6[.localdomain4/6], broadcasthost, local,
// ip6-*, and "0.0.0.0" written as a name) are skipped. A line whose first field
// is not an IP address, or that has no name, is one invalid record.
// '#' starts a comment anywhere (hosts(5)).
#pragma once

#include <dnsfilter/lists/common.hpp>

#include <array>
#include <cstdint>

namespace dnsfilter::lists {

DNSFILTER_DECL result<load_report> load_hosts(std::string_view text, match::catalogue& out,
                                              const load_options& options, diagnostic* failure = nullptr);

namespace detail {

// An IPv4 dotted quad or an IPv6 address (RFC 4291 text forms, an embedded
// IPv4 tail included; no zone index) into 16 octets (IPv4 as ::ffff:a.b.c.d).
DNSFILTER_DECL bool parse_ip(std::string_view text, std::array<std::uint8_t, 16>& out) noexcept;
// 0.0.0.0, 127.0.0.0/8, :: and ::1: the addresses block lists point names at.
DNSFILTER_DECL bool is_null_or_loopback(const std::array<std::uint8_t, 16>& ip) noexcept;

}  // namespace detail
}  // namespace dnsfilter::lists

#if DNSFILTER_HEADER_ONLY
#include <dnsfilter/lists/impl/hosts.ipp>
#endif
