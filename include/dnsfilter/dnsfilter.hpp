// dnsfilter — an embeddable C++20 library for DNS filtering.
// This umbrella header includes every public part of the library.
#pragma once

#include <dnsfilter/config.hpp>
#include <dnsfilter/error.hpp>
#include <dnsfilter/filter.hpp>
#include <dnsfilter/forward.hpp>
#include <dnsfilter/lists.hpp>
#include <dnsfilter/load.hpp>
#include <dnsfilter/match.hpp>
#include <dnsfilter/policy.hpp>
#include <dnsfilter/result.hpp>
#include <dnsfilter/sinkhole.hpp>
#include <dnsfilter/snapshot.hpp>
#include <dnsfilter/stats.hpp>
#include <dnsfilter/wire.hpp>
#include <dnsfilter/xfr.hpp>
