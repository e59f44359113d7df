// dnsfilter — zone transfers: the queries, the reader of AXFR / IXFR streams,
// TSIG signing and verification, TSIG key files, and the feed that applies
// transfers to a serving snapshot.
#pragma once

#include <dnsfilter/xfr/feed.hpp>
#include <dnsfilter/xfr/key_file.hpp>
#include <dnsfilter/xfr/transfer.hpp>
#include <dnsfilter/xfr/tsig.hpp>
