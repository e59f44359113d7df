// dnsfilter — FQDN matching: the catalogue and the matchers.
// The naive baseline is not part of the library: it lives in tests/support/, for tests and benchmarks.
#pragma once

#include <dnsfilter/match/catalogue.hpp>
#include <dnsfilter/match/compiled.hpp>
#include <dnsfilter/match/hashed.hpp>
#include <dnsfilter/match/image.hpp>
#include <dnsfilter/match/layered.hpp>
#include <dnsfilter/match/matcher.hpp>
#include <dnsfilter/match/trie.hpp>
