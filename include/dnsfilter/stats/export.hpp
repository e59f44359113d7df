// dnsfilter — the counters for monitoring systems: Prometheus text exposition
// (format 0.0.4) and JSON. Both are made from a totals value (registry::read()
// or a statistics file), allocate freely and are meant for a metrics endpoint
// or a timer, not the per-packet path.
//
// Prometheus: one counter family per quantity, each sample labelled with the
// month ("2026-01") it counts; entry, category and action hits carry the key,
// the category or the action as a second label. Every family has its HELP and
// TYPE lines and its samples together; label values are escaped as the format
// asks ('\\', '"', newline) and invalid UTF-8 becomes U+FFFD. Zero hits are
// not listed (a month lists only the entries that were hit). Samples carry no
// timestamp: the month label says when.
//
//   # HELP dnsfilter_queries_total Queries answered, opted-out clients excluded (passed + filtered), by month.
//   # TYPE dnsfilter_queries_total counter
//   dnsfilter_queries_total{month="2026-01"} 1000000000
//   ...
//   dnsfilter_entry_hits_total{month="2026-01",entry="XX-20250109-0001"} 100
//
// JSON: {"format":"dnsfilter-stats","version":1,"zone":"+00:00","unrecorded":0,
// "months":[{"month":"2026-01","queries":…,"passed":…,"filtered":…,"opted_out":…,
// "share":1e-07,"actions":{…},"entries":{…},"categories":{…}}]} — share is
// filtered / queries as the shortest decimal that reads back to the same
// double, or null for a month without queries.
#pragma once

#include <dnsfilter/config.hpp>
#include <dnsfilter/stats/totals.hpp>

#include <string>

namespace dnsfilter::stats {

DNSFILTER_DECL std::string to_prometheus(const totals& t);
DNSFILTER_DECL std::string to_json(const totals& t);

}  // namespace dnsfilter::stats

#if DNSFILTER_HEADER_ONLY
#include <dnsfilter/stats/impl/export.ipp>
#endif
