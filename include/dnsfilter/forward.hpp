// dnsfilter — forwarding to upstream resolvers, transport-agnostic: random
// ids, case and source ports per query, answer validation, retries and
// failover, and the mismatch alarm (docs/forwarding.md).
#pragma once

#include <dnsfilter/forward/mismatch.hpp>
#include <dnsfilter/forward/random.hpp>
#include <dnsfilter/forward/transactions.hpp>
#include <dnsfilter/forward/upstreams.hpp>
