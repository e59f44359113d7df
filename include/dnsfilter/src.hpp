// dnsfilter — separate compilation.
//
// Define DNSFILTER_SEPARATE_COMPILATION for the whole program and include this
// header in exactly one source file: it holds the definitions that the headers
// then only declare. The CMake option DNSFILTER_SEPARATE_COMPILATION does both.
#pragma once

#if !defined(DNSFILTER_SEPARATE_COMPILATION)
#error "Define DNSFILTER_SEPARATE_COMPILATION to build dnsfilter's separate-compilation unit."
#endif

#include <dnsfilter/dnsfilter.hpp>

#include <dnsfilter/impl/error.ipp>
#include <dnsfilter/impl/load.ipp>
#include <dnsfilter/detail/impl/text.ipp>
#include <dnsfilter/forward/impl/mismatch.ipp>
#include <dnsfilter/forward/impl/random.ipp>
#include <dnsfilter/forward/impl/transactions.ipp>
#include <dnsfilter/forward/impl/upstreams.ipp>
#include <dnsfilter/lists/impl/adblock.ipp>
#include <dnsfilter/lists/impl/catalogue.ipp>
#include <dnsfilter/lists/impl/common.ipp>
#include <dnsfilter/lists/impl/file.ipp>
#include <dnsfilter/lists/impl/hosts.ipp>
#include <dnsfilter/lists/impl/idna.ipp>
#include <dnsfilter/lists/impl/plain.ipp>
#include <dnsfilter/lists/impl/rpz.ipp>
#include <dnsfilter/match/impl/image.ipp>
#include <dnsfilter/policy/impl/address.ipp>
#include <dnsfilter/policy/impl/file.ipp>
#include <dnsfilter/policy/impl/policy_set.ipp>
#include <dnsfilter/sinkhole/impl/responder.ipp>
#include <dnsfilter/stats/impl/calendar.ipp>
#include <dnsfilter/stats/impl/export.ipp>
#include <dnsfilter/stats/impl/fleet.ipp>
#include <dnsfilter/stats/impl/query_log.ipp>
#include <dnsfilter/stats/impl/registry.ipp>
#include <dnsfilter/stats/impl/totals.ipp>
#include <dnsfilter/wire/impl/edns.ipp>
#include <dnsfilter/wire/impl/message.ipp>
#include <dnsfilter/wire/impl/name.ipp>
#include <dnsfilter/wire/impl/query.ipp>
#include <dnsfilter/wire/impl/rdata.ipp>
#include <dnsfilter/wire/impl/writer.ipp>
#include <dnsfilter/xfr/impl/feed.ipp>
#include <dnsfilter/xfr/impl/key_file.ipp>
#include <dnsfilter/xfr/impl/transfer.ipp>
#include <dnsfilter/xfr/impl/tsig.ipp>
