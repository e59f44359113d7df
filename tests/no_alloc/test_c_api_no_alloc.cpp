// The C API's per-packet calls allocate nothing (dnsfilter_process,
// dnsfilter_check_answer and the forwarder's under the counting allocator), and an allocation
// that fails inside the library reaches C as DNSFILTER_E_NOMEM, never as an
// exception. A program of its own: the C API's library is compiled without
// this directory's DNSFILTER_COUNT_PARSE, which test_no_alloc.cpp defines.
#include <doctest/doctest.h>

#include <dnsfilter.h>

#include <array>
#include <cstdint>
#include <cstring>
#include <vector>

#include "counting_new.hpp"
#include "hex.hpp"
#include "packets.hpp"

namespace {

dnsfilter_query query_of(const std::vector<std::byte>& packet, const char* client) {
  dnsfilter_query q{};
  q.packet = packet.data();
  q.size = packet.size();
  REQUIRE(dnsfilter_address_parse(client, &q.client) == DNSFILTER_OK);
  q.now = 1'767'225'600;  // 2026-01-01T00:00:00Z
  return q;
}

// A filter over "example.com" (and every name below), opting 10.0.0.0/8 out.
dnsfilter_filter* make_filter() {
  dnsfilter_catalogue* cat = nullptr;
  dnsfilter_policy* policy = nullptr;
  REQUIRE(dnsfilter_catalogue_create(&cat, nullptr) == DNSFILTER_OK);
  static const char list[] = "example.com\n";
  REQUIRE(dnsfilter_catalogue_load_text(cat, list, sizeof list - 1, "list", DNSFILTER_FORMAT_PLAIN, nullptr, nullptr,
                                        nullptr) == DNSFILTER_OK);
  REQUIRE(dnsfilter_policy_create(&policy, nullptr) == DNSFILTER_OK);
  static const char rules[] = "client 10.0.0.0/8 opt-out\n";
  REQUIRE(dnsfilter_policy_load_text(policy, rules, sizeof rules - 1, nullptr, nullptr, nullptr, nullptr) ==
          DNSFILTER_OK);
  dnsfilter_settings settings;
  dnsfilter_settings_init(&settings);
  settings.has_ipv4 = 1;
  const std::uint8_t sinkhole[4] = {192, 0, 2, 1};
  std::memcpy(settings.ipv4, sinkhole, 4);
  dnsfilter_filter* f = nullptr;
  REQUIRE(dnsfilter_filter_create(&f, &settings, &cat, &policy, nullptr) == DNSFILTER_OK);
  return f;
}

}  // namespace

TEST_CASE("the C API decides and checks packets without allocating") {
  dnsfilter_filter* f = make_filter();
  // www.Example.com A with OPT (a hit); www.example.org A (a miss) and its
  // upstream answer, a CNAME to x.example.com.
  dnsfilter_test::query_spec spec;
  spec.qname = "www.Example.com";
  const auto hit = dnsfilter_test::make_query(spec);
  spec.qname = "www.example.org";
  spec.edns = false;
  const auto miss = dnsfilter_test::make_query(spec);
  const auto answer = dnsfilter_test::hex(
      "beef 8180 0001 0001 0000 0000 03 777777 07 6578616d706c65 03 6f7267 00 0001 0001 c00c 0005 0001 0000012c 000f"
      "01 78 07 6578616d706c65 03 636f6d 00");
  const dnsfilter_query blocked = query_of(hit, "192.0.2.7"), passed = query_of(miss, "192.0.2.7"),
                        opted_out = query_of(miss, "10.1.2.3");
  std::array<std::uint8_t, 1232> out;
  dnsfilter_result r;
  dnsfilter_ticket ticket;
  dnsfilter_check c;
  REQUIRE(dnsfilter_process(f, 0, &blocked, out.data(), out.size(), &r, nullptr) == DNSFILTER_OK);  // the month's counters

  const long before = allocations.load();
  for (int round = 0; round < 100; ++round) {
    REQUIRE(dnsfilter_process(f, 0, &blocked, out.data(), out.size(), &r, nullptr) == DNSFILTER_OK);
    REQUIRE(r.outcome == DNSFILTER_ANSWERED);
    REQUIRE(dnsfilter_process(f, 0, &passed, out.data(), out.size(), &r, &ticket) == DNSFILTER_OK);
    REQUIRE(r.outcome == DNSFILTER_FORWARD);
    REQUIRE(dnsfilter_check_answer(f, 0, &ticket, answer.data(), answer.size(), out.data(), out.size(), &c) ==
            DNSFILTER_OK);
    REQUIRE(c.blocked);
    REQUIRE(dnsfilter_process(f, 0, &opted_out, out.data(), out.size(), &r, &ticket) == DNSFILTER_OK);
    REQUIRE(r.outcome == DNSFILTER_OPTED_OUT);
  }
  CHECK(allocations.load() - before == 0);
  dnsfilter_filter_free(f);
}

TEST_CASE("the C forwarder's per-query calls allocate nothing") {
  dnsfilter_filter* f = make_filter();
  dnsfilter_forwarder_settings settings;
  dnsfilter_forwarder_settings_init(&settings);
  settings.capacity = 4;
  settings.attempts = 2;
  settings.randomize_case = 1;
  settings.port_low = 20000;
  settings.port_high = 29999;
  dnsfilter_endpoint upstreams[2]{};
  REQUIRE(dnsfilter_address_parse("192.0.2.53", &upstreams[0].address) == DNSFILTER_OK);
  REQUIRE(dnsfilter_address_parse("2001:db8::53", &upstreams[1].address) == DNSFILTER_OK);
  upstreams[0].port = upstreams[1].port = 53;
  dnsfilter_forwarder* fw = nullptr;
  REQUIRE(dnsfilter_forwarder_create(&fw, &settings, upstreams, 2, nullptr) == DNSFILTER_OK);

  dnsfilter_test::query_spec spec;
  spec.qname = "www.example.org";
  const auto miss = dnsfilter_test::make_query(spec);
  const dnsfilter_query passed = query_of(miss, "192.0.2.7");
  std::array<std::uint8_t, 1232> out, query, answer;
  dnsfilter_result r;
  dnsfilter_ticket ticket;
  dnsfilter_dispatch d;
  dnsfilter_accept_result a;
  dnsfilter_next_step step;
  dnsfilter_check c;
  std::size_t size = 0, expired = 0;
  REQUIRE(dnsfilter_process(f, 0, &passed, out.data(), out.size(), &r, &ticket) == DNSFILTER_OK);
  REQUIRE(r.outcome == DNSFILTER_FORWARD);

  const long before = allocations.load();
  std::int64_t now = 1000;
  for (int round = 0; round < 100; ++round, now += 10'000) {
    // An answered query: the upstream's answer is its query with QR set.
    REQUIRE(dnsfilter_forwarder_begin(fw, &ticket, now, query.data(), query.size(), &d, nullptr) == DNSFILTER_OK);
    std::memcpy(answer.data(), query.data(), d.query_size);
    answer[2] |= 0x80;
    REQUIRE(dnsfilter_forwarder_accept(fw, d.attempt, answer.data(), d.query_size, &d.to, now + 1, &a, nullptr) ==
            DNSFILTER_OK);
    REQUIRE(a.what == DNSFILTER_ANSWER_ACCEPTED);
    REQUIRE(dnsfilter_check_answer(f, 0, &ticket, answer.data(), d.query_size, out.data(), out.size(), &c) ==
            DNSFILTER_OK);
    // A silent one: a retry (written afresh), then given up by tick.
    REQUIRE(dnsfilter_forwarder_begin(fw, &ticket, now, query.data(), query.size(), &d, nullptr) == DNSFILTER_OK);
    REQUIRE(dnsfilter_forwarder_expire(fw, d.attempt, now + 1000, &step, nullptr) == DNSFILTER_OK);
    REQUIRE(step.what == DNSFILTER_NEXT_RETRY);
    REQUIRE(dnsfilter_forwarder_write_query(fw, step.next.attempt, query.data(), query.size(), &size, nullptr) ==
            DNSFILTER_OK);
    REQUIRE(dnsfilter_forwarder_tick(fw, now + 9000, [](void*, dnsfilter_attempt, const dnsfilter_next_step*) {},
                                     nullptr, &expired) == DNSFILTER_OK);
    REQUIRE(dnsfilter_forwarder_in_flight(fw) == 0);
    REQUIRE(dnsfilter_servfail(f, &ticket, "no upstream answered", out.data(), out.size(), &size) == DNSFILTER_OK);
  }
  CHECK(allocations.load() - before == 0);
  dnsfilter_forwarder_free(fw);
  dnsfilter_filter_free(f);
}

#if defined(__cpp_exceptions)
TEST_CASE("an allocation that fails is DNSFILTER_E_NOMEM, and the handles given are still freed") {
  dnsfilter_error err{};
  dnsfilter_catalogue* cat = nullptr;
  refuse_allocations = true;
  CHECK(dnsfilter_catalogue_create(&cat, &err) == DNSFILTER_E_NOMEM);
  refuse_allocations = false;
  CHECK(cat == nullptr);
  CHECK(err.status == DNSFILTER_E_NOMEM);
  CHECK(std::strcmp(err.message, "out of memory") == 0);

  REQUIRE(dnsfilter_catalogue_create(&cat, nullptr) == DNSFILTER_OK);
  static const char list[] = "example.com\nexample.net\n";
  refuse_allocations = true;
  const dnsfilter_status loaded =
      dnsfilter_catalogue_load_text(cat, list, sizeof list - 1, "list", DNSFILTER_FORMAT_PLAIN, nullptr, nullptr, &err);
  refuse_allocations = false;
  CHECK(loaded == DNSFILTER_E_NOMEM);
  CHECK(dnsfilter_catalogue_rules(cat) == 0);

  // The filter takes the catalogue even when it cannot be made (the handle
  // is freed: a leak would show under the sanitizers).
  dnsfilter_settings settings;
  dnsfilter_settings_init(&settings);
  dnsfilter_filter* f = nullptr;
  refuse_allocations = true;
  const dnsfilter_status made = dnsfilter_filter_create(&f, &settings, &cat, nullptr, &err);
  refuse_allocations = false;
  CHECK(made == DNSFILTER_E_NOMEM);
  CHECK(f == nullptr);
  CHECK(cat == nullptr);
}
#endif
