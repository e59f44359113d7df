// The upstream transaction: ids, letter case and ports per attempt; which
// answers are believed; timeouts, retries and failover; capacity.
#include <dnsfilter/forward/transactions.hpp>

#include "forward_helpers.hpp"

#include <doctest/doctest.h>

#include <algorithm>
#include <cstring>
#include <set>
#include <vector>

namespace forward = dnsfilter::forward;
namespace wire = dnsfilter::wire;
using dnsfilter::errc;
using dnsfilter_test::answer_spec;
using dnsfilter_test::answer_to;
using dnsfilter_test::client_echo;
using dnsfilter_test::forwarder_under_test;
using dnsfilter_test::query_spec;
using dnsfilter_test::upstream_a;
using dnsfilter_test::upstream_b;
using accepted = forward::accept_result::kind;
using step = forward::next_step::kind;

namespace {

std::string name_of(std::span<const std::byte> message) {
  const auto q = wire::query_view::parse(message);
  REQUIRE(q);
  // Without the root octet, so that the tests can write names as string literals.
  return std::string(reinterpret_cast<const char*>(q->qname().data()), q->qname().size() - 1);
}

}  // namespace

TEST_CASE("the upstream query: our id, RD, the client's CD and DO, nothing else of the client's") {
  forwarder_under_test f;
  query_spec spec;
  spec.qname = "WwW.Example.COM";
  spec.id = 0xbeef;
  spec.rd = false;
  spec.cd = true;
  spec.dnssec_ok = true;
  spec.payload = 4096;
  const auto d = f.table.begin(client_echo(spec), 0);
  REQUIRE(d);
  CHECK(d->upstream == 0);
  CHECK(d->source_port == 0);  // no range: the caller binds port 0
  const auto bytes = f.query(d->which);
  const auto q = wire::query_view::parse(bytes);
  REQUIRE(q);
  CHECK(q->header().id != 0xbeef);  // 2^-16 with this seed: it is not
  CHECK(q->header().rd);
  CHECK(q->header().cd);
  CHECK_FALSE(q->header().ad);
  CHECK(q->qname() == wire::name::from_text("www.example.com").value());
  CHECK(name_of(bytes) == "\3WwW\7Example\3COM");  // 0x20 is off: the client's case
  REQUIRE(q->has_edns());
  CHECK(q->edns().dnssec_ok);
  CHECK(q->edns().udp_payload_size == 1232);  // ours, below the client's 4096
  CHECK(q->edns().options_data.empty());      // no cookie, no ECS
}

TEST_CASE("EDNS upstream: as the client by default, always when asked") {
  query_spec plain;
  plain.edns = false;
  query_spec small;
  small.payload = 512;
  SUBCASE("as_client") {
    forwarder_under_test f;
    const auto without = f.table.begin(client_echo(plain), 0);
    REQUIRE(without);
    CHECK_FALSE(wire::query_view::parse(f.query(without->which))->has_edns());
    const auto with = f.table.begin(client_echo(small), 0);
    REQUIRE(with);
    CHECK(wire::query_view::parse(f.query(with->which))->edns().udp_payload_size == 512);
  }
  SUBCASE("always") {
    forward::table_settings s;
    s.edns = forward::upstream_edns::always;
    s.payload = 1400;
    forwarder_under_test f{s};
    const auto d = f.table.begin(client_echo(plain), 0);
    REQUIRE(d);
    const auto q = wire::query_view::parse(f.query(d->which));
    REQUIRE(q->has_edns());
    CHECK(q->edns().udp_payload_size == 1400);
  }
}

TEST_CASE("the id is the first two random octets, most significant first, on any byte order") {
  dnsfilter_test::scripted_random script{{0x12, 0x34}};
  auto upstreams = forward::upstream_set::make(std::span(&upstream_a, 1)).value();
  forward::mismatch_alarm alarm;
  forward::transaction_table table{{}, upstreams, alarm, script};
  const auto d = table.begin(client_echo(), 0);
  REQUIRE(d);
  std::array<std::byte, 512> buf;
  const auto q = table.write_query(d->which, buf);
  REQUIRE(q.size() > 12);
  CHECK(q[0] == std::byte{0x12});
  CHECK(q[1] == std::byte{0x34});
  // The source is spent: the next query is refused, not sent with a guessable id.
  CHECK(table.begin(client_echo(), 0).error() == errc::no_randomness);
  CHECK(table.in_flight() == 1);
}

TEST_CASE("a valid answer is accepted: the client's id, RD and letter case restored, parsed once") {
  for (const bool randomize : {false, true}) {
    CAPTURE(randomize);
    forward::table_settings s;
    s.randomize_case = randomize;
    forwarder_under_test f{s};
    query_spec spec;
    spec.qname = "WwW.Example.COM";
    spec.rd = false;
    const auto d = f.table.begin(client_echo(spec), 100);
    REQUIRE(d);
    const auto q = f.query(d->which);
    auto answer = answer_to(q);
    const auto r = f.table.accept(d->which, answer, upstream_a, 150);
    REQUIRE(r.what == accepted::accepted);
    CHECK(r.why == forward::reject::none);
    REQUIRE(r.message);
    CHECK(r.message->header().id == 0xbeef);
    CHECK_FALSE(r.message->header().rd);
    CHECK(name_of(answer) == "\3WwW\7Example\3COM");
    CHECK(r.message->header().ancount == 1);
    CHECK(f.table.in_flight() == 0);
    // The same answer again is late: the transaction is over.
    auto again = answer_to(q);
    const auto late = f.table.accept(d->which, again, upstream_a, 160);
    CHECK(late.what == accepted::rejected);
    CHECK(late.why == forward::reject::late);
  }
}

TEST_CASE("0x20: the query's letters get random case, and only the exact case is believed") {
  forward::table_settings s;
  s.randomize_case = true;
  forwarder_under_test f{s};
  query_spec spec;
  spec.qname = "abcdefghijklmnopqrstuvwxyz.example.com";
  std::set<std::string> cases;
  for (int i = 0; i < 8; ++i) {
    const auto d = f.table.begin(client_echo(spec), 0);
    REQUIRE(d);
    const auto q = f.query(d->which);
    const std::string sent = name_of(q);
    cases.insert(sent);
    // Only the letters changed.
    std::string folded = sent;
    std::transform(folded.begin(), folded.end(), folded.begin(), [](char c) {
      return static_cast<char>(c >= 'A' && c <= 'Z' ? c | 0x20 : c);
    });
    CHECK(folded == "\32abcdefghijklmnopqrstuvwxyz\7example\3com");
    // The name in another case (every letter flipped) is another question.
    std::string flipped = sent;
    for (char& c : flipped)
      if ((c | 0x20) >= 'a' && (c | 0x20) <= 'z') c = static_cast<char>(c ^ 0x20);
    auto forged = answer_to(q);
    std::memcpy(forged.data() + 12, flipped.data(), flipped.size());
    const auto r = f.table.accept(d->which, forged, upstream_a, 0);
    CHECK(r.what == accepted::rejected);
    CHECK(r.why == forward::reject::question);
    auto genuine = answer_to(q);
    CHECK(f.table.accept(d->which, genuine, upstream_a, 0).what == accepted::accepted);
  }
  CHECK(cases.size() == 8);  // 44 random bits each: no two alike
}

TEST_CASE("without 0x20 the name is compared without regard to case") {
  forwarder_under_test f;
  const auto d = f.table.begin(client_echo(), 0);
  REQUIRE(d);
  answer_spec s;
  s.qname = "C2.EVIL.EXAMPLE";
  auto answer = answer_to(f.query(d->which), s);
  const auto r = f.table.accept(d->which, answer, upstream_a, 0);
  CHECK(r.what == accepted::accepted);
  CHECK(name_of(answer) == "\2c2\4eViL\7Example");  // the client's case, not the upstream's
}

TEST_CASE("answers that are not ours are refused with their reason, counted, and the wait goes on") {
  forwarder_under_test f;
  const auto d = f.table.begin(client_echo(), 0);
  REQUIRE(d);
  const auto q = f.query(d->which);
  const std::uint16_t our_id = wire::header::decode(q.data()).id;

  struct forged {
    const char* what;
    forward::endpoint from;
    answer_spec spec;
    forward::reject why;
  };
  answer_spec other_id;
  other_id.id = static_cast<std::uint16_t>(our_id + 1);
  answer_spec other_name;
  other_name.qname = "c2.evil.example.net";
  answer_spec other_type;
  other_type.qtype = wire::rr_type::aaaa;
  answer_spec other_class;
  other_class.qclass = wire::rr_class::ch;
  answer_spec a_query;
  a_query.qr = false;
  answer_spec no_question;
  no_question.qdcount = 0;
  answer_spec two_questions;
  two_questions.qdcount = 2;
  const forward::endpoint other_port{upstream_a.address, 5353};
  const forward::endpoint other_address{dnsfilter::policy::ip_address::v4(192, 0, 2, 54), 53};
  const forged cases[] = {
      {"another port", other_port, {}, forward::reject::source},
      {"another address", other_address, {}, forward::reject::source},
      {"the other upstream", upstream_b, {}, forward::reject::source},
      {"another id", upstream_a, other_id, forward::reject::id},
      {"another name", upstream_a, other_name, forward::reject::question},
      {"another type", upstream_a, other_type, forward::reject::question},
      {"another class", upstream_a, other_class, forward::reject::question},
      {"a query, not a response", upstream_a, a_query, forward::reject::not_response},
      {"no question", upstream_a, no_question, forward::reject::question},
      {"two questions", upstream_a, two_questions, forward::reject::question},
  };
  for (const forged& c : cases) {
    CAPTURE(c.what);
    auto answer = answer_to(q, c.spec);
    const auto before = answer;
    const auto r = f.table.accept(d->which, answer, c.from, 10);
    CHECK(r.what == accepted::rejected);
    CHECK(r.why == c.why);
    CHECK_FALSE(r.message);
    CHECK(answer == before);  // a refused answer is left as it came
  }
  CHECK(f.alarm.total(forward::reject::source) == 3);
  CHECK(f.alarm.total(forward::reject::id) == 1);
  CHECK(f.alarm.total(forward::reject::question) == 5);
  CHECK(f.alarm.total(forward::reject::not_response) == 1);
  CHECK(f.alarm.in_window(10) == 10);
  // The genuine answer still gets through after all of them.
  auto genuine = answer_to(q);
  CHECK(f.table.accept(d->which, genuine, upstream_a, 20).what == accepted::accepted);
}

TEST_CASE("an IPv4-mapped source equals the IPv4 upstream") {
  forwarder_under_test f;
  const auto d = f.table.begin(client_echo(), 0);
  REQUIRE(d);
  auto answer = answer_to(f.query(d->which));
  const forward::endpoint mapped{upstream_a.address.mapped(), upstream_a.port};
  CHECK(f.table.accept(d->which, answer, mapped, 0).what == accepted::accepted);
}

TEST_CASE("malformed answers are refused without harm") {
  forwarder_under_test f;
  const auto d = f.table.begin(client_echo(), 0);
  REQUIRE(d);
  const auto q = f.query(d->which);
  const auto good = answer_to(q);
  auto refuse = [&](std::vector<std::byte> bytes, forward::reject why) {
    const auto before = bytes;
    const auto r = f.table.accept(d->which, bytes, upstream_a, 0);
    CHECK(r.what == accepted::rejected);
    CHECK(r.why == why);
    CHECK(bytes == before);  // left as it came, even when only the full parse refused it
  };
  refuse({}, forward::reject::malformed);
  refuse({good.begin(), good.begin() + 11}, forward::reject::malformed);  // not even a header
  refuse({good.begin(), good.begin() + 20}, forward::reject::malformed);  // the question cut short
  // The answer record cut in the middle: the header and question pass, the parse does not.
  refuse({good.begin(), good.end() - 3}, forward::reject::malformed);
  // Trailing garbage.
  auto trailing = good;
  trailing.push_back(std::byte{0});
  refuse(trailing, forward::reject::malformed);
  // An answer record whose owner is a compression pointer to itself (a loop).
  auto loop = std::vector<std::byte>(good.begin(), good.begin() + 12 + (q.size() - 12));
  {
    const auto question_end = 12 + wire::query_view::parse(q)->qname().size() + 4;
    loop.resize(question_end);
    const auto at = static_cast<std::uint16_t>(loop.size());
    const std::uint8_t record[] = {static_cast<std::uint8_t>(0xC0 | (at >> 8)), static_cast<std::uint8_t>(at), 0, 1, 0, 1,
                                   0, 0, 0, 60, 0, 4, 192, 0, 2, 1};
    for (std::uint8_t b : record) loop.push_back(std::byte{b});
    loop[6] = std::byte{0};
    loop[7] = std::byte{1};   // ANCOUNT 1
    loop[10] = std::byte{0};
    loop[11] = std::byte{0};  // no OPT
  }
  refuse(loop, forward::reject::malformed);
  CHECK(f.alarm.total(forward::reject::malformed) == 6);
  CHECK(f.table.in_flight() == 1);
  auto genuine = good;
  CHECK(f.table.accept(d->which, genuine, upstream_a, 0).what == accepted::accepted);
}

TEST_CASE("a truncated answer is ours but unparsed; the TCP retry has its own id") {
  forwarder_under_test f;
  const auto d = f.table.begin(client_echo(), 0);
  REQUIRE(d);
  answer_spec tc;
  tc.tc = true;
  const auto udp_query = f.query(d->which);
  auto answer = answer_to(udp_query, tc);
  const auto r = f.table.accept(d->which, answer, upstream_a, 0);
  REQUIRE(r.what == accepted::accepted);
  CHECK(r.truncated);
  CHECK_FALSE(r.message);
  CHECK(f.table.in_flight() == 0);
  const auto t = f.table.begin_tcp(client_echo(), d->upstream, 10);
  REQUIRE(t);
  CHECK(t->upstream == d->upstream);
  CHECK(t->source_port == 0);
  const auto q = f.query(t->which);
  CHECK(wire::header::decode(q.data()).id != wire::header::decode(udp_query.data()).id);
  auto full = answer_to(q);
  CHECK(f.table.accept(t->which, full, upstream_a, 20).what == accepted::accepted);
  // Over TCP there is one attempt and no health report.
  const auto t2 = f.table.begin_tcp(client_echo(), 1, 0);
  REQUIRE(t2);
  CHECK(f.table.next_deadline() == 3000);
  const auto s = f.table.expire(t2->which, 3000);
  CHECK(s.what == step::fail);
  CHECK(s.health.what == forward::health_change::kind::none);
  CHECK(f.table.begin_tcp(client_echo(), 2, 0).error() == errc::invalid_argument);
}

TEST_CASE("a timeout retries on the next upstream with a new id; the last one fails") {
  forward::table_settings s;
  s.attempts = 3;
  s.timeout_ms = 500;
  forwarder_under_test f{s};
  const auto d = f.table.begin(client_echo(), 1000);
  REQUIRE(d);
  CHECK(f.table.next_deadline() == 1500);
  const auto first = f.query(d->which);
  CHECK(f.table.tick(1499, [](forward::attempt, const forward::next_step&) { FAIL("nothing is due"); }) == 0);

  std::vector<forward::next_step> steps;
  CHECK(f.table.tick(1500, [&](forward::attempt a, const forward::next_step& st) {
    CHECK(a == d->which);
    steps.push_back(st);
  }) == 1);
  REQUIRE(steps.size() == 1);
  REQUIRE(steps[0].what == step::retry);
  const forward::dispatch second = steps[0].next;
  CHECK(second.upstream == 1);  // the untried one
  CHECK_FALSE(second.which == d->which);
  const auto q2 = f.query(second.which);
  CHECK(wire::header::decode(q2.data()).id != wire::header::decode(first.data()).id);
  CHECK(f.table.next_deadline() == 2000);
  // A late answer to the first attempt is refused.
  auto late = answer_to(first);
  CHECK(f.table.accept(d->which, late, upstream_a, 1600).why == forward::reject::late);
  CHECK(f.alarm.in_window(1600) == 0);  // late answers are no evidence of spoofing

  const auto third = f.table.expire(second.which, 2000);
  REQUIRE(third.what == step::retry);
  CHECK(third.next.upstream == 0);  // every upstream tried: round again
  const auto over = f.table.expire(third.next.which, 2500);
  CHECK(over.what == step::fail);
  CHECK(f.table.in_flight() == 0);
  CHECK(f.table.expire(third.next.which, 2600).what == step::none);  // stale
  CHECK(f.table.next_deadline() == std::numeric_limits<std::int64_t>::max());
}

TEST_CASE("REFUSED moves the query to the next upstream; on the last attempt it fails") {
  forward::table_settings s;
  s.attempts = 2;
  forwarder_under_test f{s};
  const auto d = f.table.begin(client_echo(), 0);
  REQUIRE(d);
  answer_spec refused;
  refused.rcode = wire::rcode::refused;
  auto a1 = answer_to(f.query(d->which), refused);
  const auto r1 = f.table.accept(d->which, a1, upstream_a, 10);
  REQUIRE(r1.what == accepted::refused);
  REQUIRE(r1.next.what == step::retry);
  CHECK(r1.next.next.upstream == 1);
  auto a2 = answer_to(f.query(r1.next.next.which), refused);
  const auto r2 = f.table.accept(r1.next.next.which, a2, upstream_b, 20);
  CHECK(r2.what == accepted::refused);
  CHECK(r2.next.what == step::fail);
  CHECK(f.table.in_flight() == 0);
}

TEST_CASE("failover: an upstream that keeps timing out is marked down and skipped, then probed") {
  forward::table_settings s;
  s.attempts = 1;
  s.timeout_ms = 100;
  forward::health_settings h;
  h.down_after = 2;
  h.retry_after_ms = 1000;
  forwarder_under_test f{s, h};
  std::int64_t now = 0;
  auto time_out = [&](std::size_t expected_upstream) {
    const auto d = f.table.begin(client_echo(), now);
    REQUIRE(d);
    CHECK(d->upstream == expected_upstream);
    return f.table.expire(d->which, now += 100);
  };
  CHECK(time_out(0).health.what == forward::health_change::kind::none);
  const auto down = time_out(0);
  CHECK(down.health.what == forward::health_change::kind::down);
  CHECK(down.health.failures == 2);
  CHECK(down.health.retry_in_ms == 1000);
  CHECK_FALSE(f.upstreams.is_up(0));
  // Now the second upstream gets the queries, and its answers keep it up.
  const auto d = f.table.begin(client_echo(), now);
  REQUIRE(d);
  CHECK(d->upstream == 1);
  auto answer = answer_to(f.query(d->which));
  CHECK(f.table.accept(d->which, answer, upstream_b, now).what == accepted::accepted);
  // Once the probe is due, one query goes to the first upstream again; its
  // failure doubles the wait, its answer marks it up.
  now = 1200;
  const auto probe_failed = time_out(0);
  CHECK(probe_failed.health.what == forward::health_change::kind::still_down);
  CHECK(probe_failed.health.retry_in_ms == 2000);
  now = 3300;
  const auto probe = f.table.begin(client_echo(), now);
  REQUIRE(probe);
  CHECK(probe->upstream == 0);
  auto good = answer_to(f.query(probe->which));
  const auto up = f.table.accept(probe->which, good, upstream_a, now);
  CHECK(up.health.what == forward::health_change::kind::up);
  CHECK(f.upstreams.is_up(0));
}

TEST_CASE("capacity: a full table refuses clearly, and a finished transaction frees its slot") {
  forward::table_settings s;
  s.capacity = 3;
  forwarder_under_test f{s};
  std::vector<forward::dispatch> live;
  for (int i = 0; i < 3; ++i) {
    const auto d = f.table.begin(client_echo(), 0);
    REQUIRE(d);
    live.push_back(*d);
  }
  CHECK(f.table.in_flight() == 3);
  CHECK(f.table.begin(client_echo(), 0).error() == errc::table_full);
  auto answer = answer_to(f.query(live[1].which));
  CHECK(f.table.accept(live[1].which, answer, upstream_a, 0).what == accepted::accepted);
  const auto reused = f.table.begin(client_echo(), 0);
  REQUIRE(reused);
  CHECK(reused->which.slot == live[1].which.slot);
  CHECK_FALSE(reused->which == live[1].which);  // a new generation: the old handle is stale
  f.table.cancel(live[0].which);
  f.table.cancel(live[0].which);  // twice is harmless
  CHECK(f.table.in_flight() == 2);
  CHECK(f.table.write_query(live[0].which, std::span<std::byte>{}).empty());
  CHECK(f.table.client(live[0].which) == nullptr);
  REQUIRE(f.table.client(live[2].which) != nullptr);
  CHECK(f.table.client(live[2].which)->id == 0xbeef);
}

TEST_CASE("a table of capacity 0 refuses everything; an echo without a question is refused") {
  forward::table_settings s;
  s.capacity = 0;
  forwarder_under_test f{s};
  CHECK(f.table.begin(client_echo(), 0).error() == errc::table_full);
  forwarder_under_test g;
  CHECK(g.table.begin(dnsfilter::sinkhole::query_echo{}, 0).error() == errc::invalid_argument);
}

TEST_CASE("source ports from a range spread over it") {
  forward::table_settings s;
  s.port_low = 20000;
  s.port_high = 20999;
  forwarder_under_test f{s};
  std::set<std::uint16_t> ports;
  for (int i = 0; i < 2000; ++i) {
    const auto d = f.table.begin(client_echo(), 0);
    REQUIRE(d);
    REQUIRE(d->source_port >= 20000);
    REQUIRE(d->source_port <= 20999);
    ports.insert(d->source_port);
    f.table.cancel(d->which);
    const std::uint16_t again = f.table.draw_port();
    REQUIRE(again >= 20000);
    REQUIRE(again <= 20999);
  }
  // 2000 uniform draws over 1000 ports leave about 135 unused (13.5 %).
  CHECK(ports.size() > 800);
  CHECK(*ports.begin() < 20010);
  CHECK(*ports.rbegin() > 20989);
}

TEST_CASE("a reversed or missing port range means the kernel's choice") {
  forward::table_settings s;
  s.port_low = 30000;
  s.port_high = 20000;
  forwarder_under_test f{s};
  const auto d = f.table.begin(client_echo(), 0);
  REQUIRE(d);
  CHECK(d->source_port == 0);
  CHECK(f.table.draw_port() == 0);
}
