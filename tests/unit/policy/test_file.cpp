// The policy file: the documented format, bad lines with their numbers,
// strict mode, hostile input.
#include <dnsfilter/policy.hpp>

#include <doctest/doctest.h>

#include "addresses.hpp"

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

using namespace dnsfilter;
using namespace dnsfilter::policy;
using dnsfilter_test::pfx;

TEST_CASE("load_policy: the documented format") {
  const std::string_view text =
      "\xEF\xBB\xBF# opt-out policy\r\n"
      "listener 1 unfiltered\n"
      "client 10.0.0.0/8 opt-out   # the whole range\n"
      "client 10.1.0.0/16 FILTER\n"
      "client 2001:db8:42::/48 opt-out\n"
      "subscriber-option 65001\n"
      "subscriber-trust any\n"
      "subscriber alice opt-out\n"
      "subscriber hex:00a1B2 filter\n"
      "trusted-forwarder 192.0.2.0/24\n"
      "untrusted-forwarder 192.0.2.128/25\n"
      "\n";
  policy_config c;
  auto r = load_policy(text, c);
  REQUIRE(r);
  CHECK(r->invalid == 0);
  CHECK(r->directives == 10);
  CHECK(r->lines == 12);
  REQUIRE(c.listeners.size() == 2);
  CHECK(c.listeners[0] == listener_mode::per_client);
  CHECK(c.listeners[1] == listener_mode::unfiltered);
  REQUIRE(c.client_prefixes.size() == 3);
  CHECK(c.client_prefixes[1].prefix == pfx("10.1.0.0/16"));
  CHECK(c.client_prefixes[1].value == treatment::filter);
  CHECK(c.subscriber_option == 65001);
  CHECK_FALSE(c.subscriber_from_trusted_only);
  REQUIRE(c.subscribers.size() == 2);
  CHECK(c.subscribers[1].id == std::string("\x00\xa1\xb2", 3));
  CHECK(c.subscribers[1].value == treatment::filter);
  REQUIRE(c.trusted_forwarders.size() == 2);
  CHECK(c.trusted_forwarders[1].value == trust::untrusted);
  CHECK(policy_set::build(c));
}

TEST_CASE("load_policy: bad lines are reported with their number and cost only themselves") {
  const std::string_view text =
      "client 10.0.0.0/8 opt-out\n"          // 1 good
      "client 10.1.2.3/8 opt-out\n"          // 2 host bits set
      "client 10.0.0.0/8\n"                  // 3 missing value
      "client 10.0.0.0/8 maybe\n"            // 4 bad decision
      "listener 99999 unfiltered\n"          // 5 index too large
      "listener -1 unfiltered\n"             // 6
      "listener 0 sometimes\n"               // 7
      "subscriber hex:abc opt-out\n"         // 8 odd hex
      "subscriber hex:zz opt-out\n"          // 9
      "subscriber-option 0\n"                // 10
      "subscriber-option 65536\n"            // 11
      "subscriber-trust perhaps\n"           // 12
      "frobnicate 1\n"                       // 13
      "client 10.0.0.0/8 opt-out extra\n"    // 14
      "trusted-forwarder 192.0.2.1\n"        // 15 bare address
      "subscriber-option 65001 65002\n"      // 16
      "client 192.168.0.0/16 opt-out\n";     // 17 good
  policy_config c;
  auto r = load_policy(text, c);
  REQUIRE(r);
  CHECK(r->directives == 2);
  CHECK(r->invalid == 15);
  REQUIRE(r->diagnostics.size() == 15);
  for (std::size_t i = 0; i < 15; ++i) CHECK(r->diagnostics[i].line == i + 2);
  CHECK(r->diagnostics[0].message.find("bad prefix '10.1.2.3/8'") != std::string::npos);
  CHECK(r->diagnostics[1].message.find("missing a value") != std::string::npos);
  CHECK(r->diagnostics[11].message.find("unknown directive 'frobnicate'") != std::string::npos);
  CHECK(r->diagnostics[12].message.find("unexpected 'extra'") != std::string::npos);
  REQUIRE(c.client_prefixes.size() == 2);
  CHECK(c.client_prefixes[1].prefix == pfx("192.168.0.0/16"));
}

TEST_CASE("load_policy: strict mode fails at the first bad line and changes nothing") {
  policy_config c;
  c.subscriber_option = 7;
  c.client_prefixes.push_back({pfx("172.16.0.0/12"), treatment::opt_out});
  dnsfilter::diagnostic failure;
  auto r = load_policy("subscriber-option 9\nclient 10.0.0.0/8 opt-out\nbogus\n", c, {.strict = true}, &failure);
  REQUIRE_FALSE(r);
  CHECK(r.error() == errc::invalid_list_line);
  CHECK(failure.line == 3);
  CHECK(c.subscriber_option == 7);
  CHECK(c.client_prefixes.size() == 1);
}

TEST_CASE("load_policy: hostile input") {
  policy_config c;
  SUBCASE("binary junk") {
    const std::string junk("\x00\x01\xff\xfe client 10.0.0.0/8 opt-out\n\x7f\x80", 34);
    auto r = load_policy(junk, c);
    REQUIRE(r);
    CHECK(r->invalid == 2);
    CHECK(c.client_prefixes.empty());
  }
  SUBCASE("a 10 MB line") {
    std::string big(10u << 20, 'a');
    big += "\nclient 10.0.0.0/8 opt-out\n";
    auto r = load_policy(big, c);
    REQUIRE(r);
    CHECK(r->invalid == 1);
    CHECK(c.client_prefixes.size() == 1);
  }
  SUBCASE("empty") {
    auto r = load_policy("", c);
    REQUIRE(r);
    CHECK(r->lines == 0);
  }
  SUBCASE("a listener table cannot be made huge") {
    auto r = load_policy("listener 1023 unfiltered\nlistener 1024 unfiltered\n", c);
    REQUIRE(r);
    CHECK(r->invalid == 1);
    CHECK(c.listeners.size() == 1024);
  }
}
