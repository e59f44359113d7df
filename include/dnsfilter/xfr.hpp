// dnsfilter — zone transfers: the queries and the reader of AXFR / IXFR
// streams, TSIG signing and verification, TSIG key files.
#pragma once

#include <dnsfilter/xfr/key_file.hpp>
#include <dnsfilter/xfr/transfer.hpp>
#include <dnsfilter/xfr/tsig.hpp>
