// dnsfilter — opt-out policies: IP addresses and prefixes, the client-prefix table.
#pragma once

#include <dnsfilter/policy/address.hpp>
#include <dnsfilter/policy/prefix_table.hpp>
