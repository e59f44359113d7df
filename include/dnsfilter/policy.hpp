// dnsfilter — opt-out policies: IP addresses and prefixes, the client-prefix
// table, client identity and the policy set, and the policy file.
#pragma once

#include <dnsfilter/policy/address.hpp>
#include <dnsfilter/policy/file.hpp>
#include <dnsfilter/policy/policy_set.hpp>
#include <dnsfilter/policy/prefix_table.hpp>
