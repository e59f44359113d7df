// The opt-out policy set: identity extraction (subscriber option, ECS from
// trusted forwarders only), the order of the rules, explanations, the policy
// file and run-time swaps.
#include <dnsfilter/policy.hpp>
#include <dnsfilter/wire/writer.hpp>

#include <doctest/doctest.h>

#include "packets.hpp"

#include <array>
#include <optional>
#include <string>
#include <vector>

using namespace dnsfilter;
using namespace dnsfilter::policy;

namespace {

constexpr std::uint16_t subscriber_code = 65001;

ip_address addr(const char* text) { return *ip_address::parse(text); }
ip_prefix pfx(const char* text) { return *ip_prefix::parse(text); }

// A query for www.example.com A with EDNS, carrying the subscriber id (when
// not empty) and an ECS option (when given); without EDNS when `edns` is false.
dnsfilter_test::query_packet query_with(bool edns, std::string_view subscriber = {},
                                        std::optional<wire::client_subnet> ecs = {}) {
  if (subscriber.empty()) return dnsfilter_test::query_packet("www.example.com", wire::rr_type::a, edns, {}, ecs);
  return dnsfilter_test::query_packet("www.example.com", wire::rr_type::a, edns, {{subscriber_code, subscriber}}, ecs);
}

wire::client_subnet ecs_v4(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t prefix) {
  wire::client_subnet s;
  s.family = wire::client_subnet::family_ipv4;
  s.source_prefix = prefix;
  s.address[0] = std::byte{a};
  s.address[1] = std::byte{b};
  s.address[2] = std::byte{c};
  return s;
}

policy_set make(policy_config c) {
  auto p = policy_set::build(std::move(c));
  REQUIRE(p);
  return std::move(*p);
}

policy_config sample_config() {
  policy_config c;
  c.listeners = {listener_mode::per_client, listener_mode::unfiltered};
  c.client_prefixes = {
      {pfx("10.0.0.0/8"), treatment::opt_out},       // rule 0
      {pfx("10.1.0.0/16"), treatment::filter},       // rule 1: opted back in
      {pfx("2001:db8:42::/48"), treatment::opt_out}, // rule 2
      {pfx("198.51.100.0/24"), treatment::opt_out},  // rule 3: a customer behind the forwarder
  };
  c.subscribers = {{"alice", treatment::opt_out}, {"bob", treatment::filter}};
  c.trusted_forwarders = {{pfx("192.0.2.0/24"), trust::trusted}, {pfx("192.0.2.128/25"), trust::untrusted}};
  c.subscriber_option = subscriber_code;
  return c;
}

}  // namespace

TEST_CASE("policy_set: empty policy filters everyone") {
  policy_set p;
  auto q = query_with(true, "alice");
  const ruling v = p.decide(q.view, 3, addr("10.0.0.1"));
  CHECK(v.value == treatment::filter);
  CHECK(v.decided_by == basis::none);
  CHECK(v.rule == ruling::npos);
  CHECK(p.explain(v) == "filter: no rule applies (default)");
}

TEST_CASE("policy_set: listener, subscriber, client prefix, default — in that order") {
  const policy_set p = make(sample_config());
  const ip_address forwarder = addr("192.0.2.1");

  SUBCASE("an unfiltered listener opts out whatever else applies") {
    auto q = query_with(true, "bob");
    const ruling v = p.decide(q.view, 1, forwarder);
    CHECK(v == ruling{treatment::opt_out, basis::listener, 1, false});
    CHECK(p.explain(v) == "opt-out: listener 1 is unfiltered");
  }
  SUBCASE("listener indices past the table are per-client") {
    auto q = query_with(false);
    CHECK(p.decide(q.view, 7, addr("203.0.113.9")).decided_by == basis::none);
  }
  SUBCASE("a subscriber id from a trusted forwarder decides before the prefix") {
    auto q = query_with(true, "alice", ecs_v4(10, 1, 2, 24));  // prefix says filter
    const ruling v = p.decide(q.view, 0, forwarder);
    CHECK(v == ruling{treatment::opt_out, basis::subscriber, 0, false});
    CHECK(p.explain(v) == "opt-out: subscriber alice (rule 0)");
  }
  SUBCASE("a subscriber can opt back in inside an opted-out prefix") {
    auto q = query_with(true, "bob", ecs_v4(10, 9, 9, 24));
    const ruling v = p.decide(q.view, 0, forwarder);
    CHECK(v == ruling{treatment::filter, basis::subscriber, 1, false});
  }
  SUBCASE("an unknown subscriber falls through to the prefix") {
    auto q = query_with(true, "mallory", ecs_v4(10, 9, 9, 24));
    const ruling v = p.decide(q.view, 0, forwarder);
    CHECK(v == ruling{treatment::opt_out, basis::client_prefix, 0, true});
    CHECK(p.explain(v) == "opt-out: client prefix 10.0.0.0/8 (rule 0, via ECS)");
  }
  SUBCASE("nested opt-in inside an opted-out range") {
    auto q = query_with(false);
    CHECK(p.decide(q.view, 0, addr("10.1.2.3")) == ruling{treatment::filter, basis::client_prefix, 1, false});
    CHECK(p.decide(q.view, 0, addr("10.2.2.3")) == ruling{treatment::opt_out, basis::client_prefix, 0, false});
    CHECK(p.decide(q.view, 0, addr("2001:db8:42:1::5")) == ruling{treatment::opt_out, basis::client_prefix, 2, false});
    CHECK(p.decide(q.view, 0, addr("::ffff:10.3.0.1")).value == treatment::opt_out);
    CHECK(p.decide(q.view, 0, addr("11.0.0.1")).decided_by == basis::none);
  }
}

TEST_CASE("policy_set: ECS and subscriber ids are believed only from trusted forwarders") {
  const policy_set p = make(sample_config());
  auto with_ecs = query_with(true, {}, ecs_v4(198, 51, 100, 24));
  auto with_id = query_with(true, "alice");

  SUBCASE("trusted forwarder: the ECS address is the client") {
    const client_identity who = p.identify(with_ecs.view, 0, addr("192.0.2.10"));
    CHECK(who.has_ecs);
    CHECK(who.ecs == addr("198.51.100.0"));
    CHECK(who.client() == addr("198.51.100.0"));
    CHECK(p.evaluate(who) == ruling{treatment::opt_out, basis::client_prefix, 3, true});
  }
  SUBCASE("an untrusted hole inside the trusted range") {
    const client_identity who = p.identify(with_ecs.view, 0, addr("192.0.2.200"));
    CHECK_FALSE(who.has_ecs);
    CHECK(p.evaluate(who).decided_by == basis::none);
    CHECK(p.identify(with_id.view, 0, addr("192.0.2.200")).subscriber.empty());
  }
  SUBCASE("any other source: ECS and subscriber ignored") {
    const client_identity who = p.identify(with_ecs.view, 0, addr("203.0.113.5"));
    CHECK_FALSE(who.has_ecs);
    CHECK(who.client() == addr("203.0.113.5"));
    CHECK(p.identify(with_id.view, 0, addr("203.0.113.5")).subscriber.empty());
    CHECK(p.decide(with_id.view, 0, addr("203.0.113.5")).decided_by == basis::none);
  }
  SUBCASE("subscriber-trust any believes the id from everyone, ECS still not") {
    policy_config c = sample_config();
    c.subscriber_from_trusted_only = false;
    const policy_set q = make(c);
    CHECK(q.decide(with_id.view, 0, addr("203.0.113.5")) == ruling{treatment::opt_out, basis::subscriber, 0, false});
    CHECK_FALSE(q.identify(with_ecs.view, 0, addr("203.0.113.5")).has_ecs);
  }
  SUBCASE("ECS with source prefix 0 means no address") {
    auto zero = query_with(true, {}, ecs_v4(0, 0, 0, 0));
    CHECK_FALSE(p.identify(zero.view, 0, addr("192.0.2.10")).has_ecs);
  }
  SUBCASE("IPv6 ECS") {
    wire::client_subnet s;
    s.family = wire::client_subnet::family_ipv6;
    s.source_prefix = 56;
    const std::array<std::uint8_t, 7> net{0x20, 0x01, 0x0d, 0xb8, 0x00, 0x42, 0x01};
    for (std::size_t i = 0; i < net.size(); ++i) s.address[i] = std::byte{net[i]};
    auto q = query_with(true, {}, s);
    const client_identity who = p.identify(q.view, 0, addr("192.0.2.10"));
    CHECK(who.has_ecs);
    CHECK(who.ecs == addr("2001:db8:42:100::"));
    CHECK(p.evaluate(who) == ruling{treatment::opt_out, basis::client_prefix, 2, true});
  }
  SUBCASE("binary subscriber ids") {
    policy_config c = sample_config();
    c.subscribers.push_back({std::string("\x00\xff\x01", 3), treatment::opt_out});
    const policy_set q = make(c);
    auto bin = query_with(true, std::string_view("\x00\xff\x01", 3));
    const ruling v = q.decide(bin.view, 0, addr("192.0.2.1"));
    CHECK(v == ruling{treatment::opt_out, basis::subscriber, 2, false});
    CHECK(q.explain(v) == "opt-out: subscriber 0x00ff01 (rule 2)");
  }
}

TEST_CASE("policy_set: duplicates — the later rule wins and is counted") {
  policy_config c;
  c.client_prefixes = {{pfx("10.0.0.0/8"), treatment::opt_out}, {pfx("10.0.0.0/8"), treatment::filter}};
  c.subscribers = {{"x", treatment::opt_out}, {"x", treatment::filter}};
  c.subscriber_option = subscriber_code;
  c.subscriber_from_trusted_only = false;
  const policy_set p = make(c);
  CHECK(p.shadowed() == 2);
  auto q = query_with(true, "x");
  CHECK(p.decide(q.view, 0, addr("10.0.0.1")) == ruling{treatment::filter, basis::subscriber, 1, false});
  auto plain = query_with(false);
  CHECK(p.decide(plain.view, 0, addr("10.0.0.1")) == ruling{treatment::filter, basis::client_prefix, 1, false});
}

TEST_CASE("policy_set: swapped at run time through a handle") {
  policy_set_handle handle(std::make_shared<const policy_set>());
  policy_set_reader reader(handle);
  auto q = query_with(false);
  CHECK(reader.get().decide(q.view, 0, addr("10.0.0.1")).value == treatment::filter);
  handle.store(std::make_shared<const policy_set>(make(sample_config())));
  CHECK(reader.get().decide(q.view, 0, addr("10.0.0.1")).value == treatment::opt_out);
}

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
