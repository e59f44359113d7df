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

#include <dnsfilter/impl/edns.ipp>
#include <dnsfilter/impl/error.ipp>
#include <dnsfilter/impl/lists_adblock.ipp>
#include <dnsfilter/impl/lists_catalogue.ipp>
#include <dnsfilter/impl/lists_common.ipp>
#include <dnsfilter/impl/lists_file.ipp>
#include <dnsfilter/impl/lists_hosts.ipp>
#include <dnsfilter/impl/lists_idna.ipp>
#include <dnsfilter/impl/lists_plain.ipp>
#include <dnsfilter/impl/lists_rpz.ipp>
#include <dnsfilter/impl/message.ipp>
#include <dnsfilter/impl/name.ipp>
#include <dnsfilter/impl/policy_address.ipp>
#include <dnsfilter/impl/policy_file.ipp>
#include <dnsfilter/impl/policy_set.ipp>
#include <dnsfilter/impl/query.ipp>
#include <dnsfilter/impl/rdata.ipp>
#include <dnsfilter/impl/sinkhole.ipp>
#include <dnsfilter/impl/stats_calendar.ipp>
#include <dnsfilter/impl/stats_export.ipp>
#include <dnsfilter/impl/stats_query_log.ipp>
#include <dnsfilter/impl/stats_registry.ipp>
#include <dnsfilter/impl/stats_totals.ipp>
#include <dnsfilter/impl/writer.ipp>
