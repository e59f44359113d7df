// dnsfilter — statistics: exact per-thread counters bucketed by calendar month,
// the statistics file, a fleet's files added up, Prometheus and JSON exports,
// and the query log.
#pragma once

#include <dnsfilter/stats/calendar.hpp>
#include <dnsfilter/stats/export.hpp>
#include <dnsfilter/stats/fleet.hpp>
#include <dnsfilter/stats/query_log.hpp>
#include <dnsfilter/stats/registry.hpp>
#include <dnsfilter/stats/totals.hpp>
