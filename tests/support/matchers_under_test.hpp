// The matchers the conformance suite (match/test_matcher.cpp) runs. A new matcher
// joins by adding its header here and its type to the list.
#pragma once

#include <dnsfilter/match/hashed.hpp>
#include <dnsfilter/match/trie.hpp>

#include "naive_matcher.hpp"  // tests/support

#define DNSFILTER_MATCHERS_UNDER_TEST                                              \
  dnsfilter::match::suffix_hash_matcher, dnsfilter::match::label_trie, \
      dnsfilter::match::naive_matcher
