// dnsfilter-resolver — counts the library's parses of whole packets, so that a
// test can show a forwarded query is parsed once and its answer once
// (metric dnsfilter_resolver_wire_parses_total). Built in only with the CMake
// option DNSFILTER_RESOLVER_COUNT_PARSES, which force-includes this header in
// every file of the resolver, before any dnsfilter header: the library's
// inline parsers must see the same definition everywhere.
#pragma once

#include <atomic>

namespace resolver::parse_counts {
inline std::atomic<unsigned long long> query{0}, message{0};  // query_view::parse, message_view::parse
}  // namespace resolver::parse_counts

#define DNSFILTER_COUNT_PARSE(kind) (void)::resolver::parse_counts::kind.fetch_add(1, std::memory_order_relaxed)
