// dnsfilter — zone transfers: the queries and the reader of AXFR / IXFR streams.
#pragma once

#include <dnsfilter/xfr/transfer.hpp>
