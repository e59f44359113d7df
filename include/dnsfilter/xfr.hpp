// dnsfilter — zone transfers: the queries, the reader of AXFR / IXFR streams,
// and the feed that applies them to a serving snapshot.
#pragma once

#include <dnsfilter/xfr/feed.hpp>
#include <dnsfilter/xfr/transfer.hpp>
