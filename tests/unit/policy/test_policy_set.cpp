// The opt-out policy set: identity extraction (subscriber option, ECS from
// trusted forwarders only), the order of the rules, explanations and run-time
// swaps.
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
