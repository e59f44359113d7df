// dnsfilter — FQDN matching: the catalogue and the matchers.
// The naive baseline (match/naive.hpp) is left out: it exists for benchmarks.
#pragma once

#include <dnsfilter/match/catalogue.hpp>
#include <dnsfilter/match/compiled.hpp>
#include <dnsfilter/match/hashed.hpp>
#include <dnsfilter/match/matcher.hpp>
#include <dnsfilter/match/trie.hpp>
