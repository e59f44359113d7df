// The per-packet path allocates nothing: parsing a query, reading its EDNS and
// writing an answer with an EDE must not reach operator new. This test binary
// replaces the global allocation functions with counting ones to prove it
// (support/counting_new.hpp), and counts the library's parses of whole
// packets (DNSFILTER_COUNT_PARSE).
#include <doctest/doctest.h>

#include <atomic>

namespace parse_counts {
inline std::atomic<long> query{0}, message{0};  // parses of each kind
}  // namespace parse_counts
#define DNSFILTER_COUNT_PARSE(kind) (void)::parse_counts::kind.fetch_add(1, std::memory_order_relaxed)

#include <dnsfilter/dnsfilter.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdlib>
#include <new>
#include <string>

#include "counting_new.hpp"
#include "hex.hpp"

TEST_CASE("parsing a query and writing a sinkhole answer allocate nothing") {
  namespace wire = dnsfilter::wire;
  // www.Example.com A with OPT (payload 1232) carrying an ECS option 192.0.2.0/24.
  const auto packet = dnsfilter_test::hex(
      "c0de 0120 0001 0000 0000 0001"
      "03 777777 07 4578616d706c65 03 636f6d 00 0001 0001"
      "00 0029 04d0 00000000 000b"
      "0008 0007 0001 18 00 c00002");
  const auto blocked = wire::name::from_text("example.com").value();
  std::array<std::byte, 512> out;

  const long before = allocations.load();
  for (int round = 0; round < 100; ++round) {
    auto q = wire::query_view::parse(packet);
    REQUIRE(q.has_value());
    REQUIRE(q->qname().is_subdomain_of(blocked));
    wire::edns_option ecs_option;
    REQUIRE(q->edns().find(wire::option_code::client_subnet, ecs_option));
    REQUIRE(wire::client_subnet::decode(ecs_option.data).has_value());

    wire::message_writer w{out, q->edns().effective_payload_size()};
    w.header().id = q->header().id;
    w.header().qr = true;
    w.reserve(64);
    REQUIRE(w.add_question(q->qname(), q->qtype()).has_value());
    REQUIRE(w.add_record(wire::section::answer, q->qname(), wire::rr_type::a, wire::rr_class::in, 60,
                         wire::rdata::a{{std::byte{192}, std::byte{0}, std::byte{2}, std::byte{1}}})
                .has_value());
    wire::edns opt;
    opt.udp_payload_size = 1232;
    REQUIRE(w.add_opt(opt).has_value());
    REQUIRE(w.add_extended_error(wire::ede_code::blocked, "XX-20250109-0001").has_value());
    REQUIRE(wire::message_view::parse(w.finish()).has_value());
  }
  CHECK(allocations.load() - before == 0);
}

TEST_CASE("an upstream transaction allocates nothing: begin, write, refuse a forgery, time out, retry, accept") {
  namespace forward = dnsfilter::forward;
  namespace wire = dnsfilter::wire;
  const auto packet = dnsfilter_test::hex(
      "c0de 0120 0001 0000 0000 0001"
      "03 777777 07 4578616d706c65 03 636f6d 00 0001 0001"
      "00 0029 04d0 00000000 0000");
  const auto client = dnsfilter::sinkhole::query_echo::of(wire::query_view::parse(packet).value(),
                                                          dnsfilter::sinkhole::transport::udp);
  const forward::endpoint upstreams_given[] = {{dnsfilter::policy::ip_address::v4(192, 0, 2, 53), 53},
                                               {dnsfilter::policy::ip_address::v4(192, 0, 2, 54), 53}};
  auto upstreams = forward::upstream_set::make(upstreams_given).value();
  forward::mismatch_alarm alarm;
  forward::system_random random;
  forward::table_settings settings;
  settings.capacity = 8;
  settings.randomize_case = true;
  settings.port_low = 20000;
  settings.port_high = 29999;
  forward::transaction_table table{settings, upstreams, alarm, random};
  std::array<std::byte, 512> query, answer;

  const long before = allocations.load();
  for (int round = 0; round < 100; ++round) {
    const auto d = table.begin(client, round);
    REQUIRE(d);
    // The first attempt times out; the retry goes to the other upstream.
    std::size_t expired = table.tick(round + settings.timeout_ms, [&](forward::attempt, const forward::next_step& s) {
      REQUIRE(s.what == forward::next_step::kind::retry);
      const auto q = table.write_query(s.next.which, query);
      REQUIRE(q.size() > 12);
      // Its answer: the query itself with QR set (a NODATA), after a forgery from another port.
      std::copy(q.begin(), q.end(), answer.begin());
      answer[2] |= std::byte{0x80};
      const std::span<std::byte> bytes{answer.data(), q.size()};
      const forward::endpoint from = upstreams.at(s.next.upstream);
      REQUIRE(table.accept(s.next.which, bytes, {from.address, 5353}, round).what == forward::accept_result::kind::rejected);
      REQUIRE(table.accept(s.next.which, bytes, from, round).what == forward::accept_result::kind::accepted);
    });
    REQUIRE(expired == 1);
  }
  CHECK(allocations.load() - before == 0);
  CHECK(table.in_flight() == 0);
}

TEST_CASE("the allocation counter sees allocations (so the test above can fail)") {
  const long before = allocations.load();
  auto* p = new int(7);
  CHECK(allocations.load() - before == 1);
  delete p;
}

TEST_CASE("the sinkhole responder allocates nothing per packet") {
  namespace wire = dnsfilter::wire;
  namespace sinkhole = dnsfilter::sinkhole;
  // Built once (settings may allocate); then only const calls per packet.
  sinkhole::settings s;
  s.ipv4 = wire::rdata::a{{std::byte{192}, std::byte{0}, std::byte{2}, std::byte{53}}};
  s.info_codes = {{"a category name too long for any small-string buffer", wire::ede_code::filtered}};
  const sinkhole::responder responder{s};
  // c2.eViL.Example A with OPT (payload 1232) and a cookie; then the same as EDNS version 1.
  const auto packet = dnsfilter_test::hex(
      "beef 0120 0001 0000 0000 0001 02 6332 04 6556694c 07 4578616d706c65 00 0001 0001"
      "00 0029 04d0 00000000 000c 000a 0008 0123456789abcdef");
  auto badvers = packet;
  badvers[packet.size() - 17] = std::byte{1};
  const std::string id = "XX-20250109-0001 with a long tail to defeat small-string storage";
  std::array<std::byte, 512> buf;

  const long before = allocations.load();
  for (int round = 0; round < 100; ++round) {
    for (auto act : {dnsfilter::match::action::sinkhole, dnsfilter::match::action::nxdomain}) {
      auto checked = sinkhole::check_query(packet);
      REQUIRE(checked.what == sinkhole::admission::process);
      auto answer = responder.respond(checked.query, {act, id, "a category name too long for any small-string buffer"},
                                      buf);
      REQUIRE(answer.has_value());
      REQUIRE(wire::message_view::parse(*answer).has_value());
    }
    // In place, in the query's own buffer.
    std::copy(packet.begin(), packet.end(), buf.begin());
    auto in_place = sinkhole::check_query(std::span<const std::byte>(buf).first(packet.size()));
    REQUIRE(responder.respond(in_place.query, {dnsfilter::match::action::sinkhole, id, ""}, buf).has_value());
    auto rejected = sinkhole::check_query(badvers);
    REQUIRE(rejected.what == sinkhole::admission::reject);
    REQUIRE(responder.reject(rejected, buf).has_value());
    auto refused = responder.error_answer(sinkhole::check_query(packet).query, wire::rcode::refused, buf,
                                          wire::extended_error{wire::ede_code::prohibited, "not our client"});
    REQUIRE(refused.has_value());
  }
  CHECK(allocations.load() - before == 0);
}

TEST_CASE("stats: recording a query allocates nothing; a recorder allocates once when the month changes") {
  namespace stats = dnsfilter::stats;
  namespace match = dnsfilter::match;
  match::catalogue cat;
  match::entry e;
  e.id = "XX-20250109-0001 with a long tail to defeat small-string storage";
  e.category = "information theft";
  cat.add_entry(e);
  // A sink that formats each record (into its stack buffer) and drops it.
  struct formatting_sink final : stats::query_log_sink {
    std::size_t bytes = 0;
    void write(const stats::query_record& r) noexcept override {
      std::array<char, stats::max_jsonl_length> line;
      bytes += stats::format_jsonl(r, {}, line).value_or(0);
    }
  } sink;
  stats::registry reg{1};
  const auto slots = reg.map(cat);
  auto& rec = reg.at(0);
  const auto name = dnsfilter::wire::name::from_text("c2.evil.example").value();
  const stats::query_record record{0, dnsfilter::policy::ip_address::v4(0xC0000207), name, dnsfilter::wire::rr_type::a,
                                   "XX-20250109-0001", match::action::sinkhole};
  const match::timestamp jan = 1767225600;  // 2026-01-01T00:00:00Z
  rec.count_passed(jan);                    // the first query of the month makes its block

  long before = allocations.load();
  for (int i = 0; i < 10000; ++i) {
    rec.count_passed(jan + i);
    rec.count_opted_out(jan + i);
    if (i % 100 == 0) {
      rec.count_hit(jan + i, slots.of(0), match::action::sinkhole);
      sink.write(record);  // the log line, a step of its own
    }
  }
  CHECK(allocations.load() - before == 0);
  CHECK(sink.bytes > 0);

  before = allocations.load();
  rec.count_passed(jan + 31 * 86400);  // February: one new block
  rec.count_passed(jan + 31 * 86400 + 1);
  CHECK(allocations.load() - before == 1);
}

TEST_CASE("the filter facade allocates nothing per packet: parse, policy, match, answer, count, cloaking check") {
  namespace match = dnsfilter::match;
  namespace policy = dnsfilter::policy;
  namespace wire = dnsfilter::wire;
  dnsfilter::stats::registry counters{1};
  match::catalogue cat;
  match::entry e;
  e.id = "XX-20250109-0001";
  const auto index = cat.add_entry(std::move(e));
  REQUIRE(cat.add_rule(*wire::name::from_text("example.com"), index));
  const dnsfilter::filter::catalogue_handle catalogue{dnsfilter::make_snapshot(std::move(cat), &counters)};
  policy::policy_config pc;
  pc.client_prefixes = {{*policy::ip_prefix::parse("10.0.0.0/8"), policy::treatment::opt_out}};
  pc.trusted_forwarders = {{*policy::ip_prefix::parse("192.0.2.0/24"), policy::trust::trusted}};
  pc.subscriber_option = 65001;
  pc.subscribers = {{"abc", policy::treatment::opt_out}};
  const policy::policy_set_handle policies{std::make_shared<const policy::policy_set>(*policy::policy_set::build(pc))};
  dnsfilter::sinkhole::settings settings;
  settings.ipv4 = wire::rdata::a{{std::byte{192}, std::byte{0}, std::byte{2}, std::byte{1}}};
  const dnsfilter::sinkhole::responder responder{settings};
  dnsfilter::filter f{catalogue, policies, responder, &counters.at(0)};

  // www.Example.com A with OPT carrying ECS 192.0.2.0/24 (a hit), and
  // www.example.org A (a miss), and the upstream's answer with a CNAME.
  const auto hit = dnsfilter_test::hex(
      "c0de 0120 0001 0000 0000 0001 03 777777 07 4578616d706c65 03 636f6d 00 0001 0001"
      "00 0029 04d0 00000000 000b 0008 0007 0001 18 00 c00002");
  const auto miss = dnsfilter_test::hex("beef 0100 0001 0000 0000 0000 03 777777 07 6578616d706c65 03 6f7267 00 0001 0001");
  const auto answer = dnsfilter_test::hex(
      "beef 8180 0001 0001 0000 0000 03 777777 07 6578616d706c65 03 6f7267 00 0001 0001"
      "c00c 0005 0001 0000012c 000f 01 78 07 6578616d706c65 03 636f6d 00");
  const auto parsed_answer = wire::message_view::parse(answer).value();
  const auto source = *policy::ip_address::parse("192.0.2.7");
  std::array<std::byte, 1232> out;
  (void)f.process(hit, source, 0, 1'767'225'600, out);  // first packet of the month: the recorder's block

  const long before = allocations.load();
  for (int round = 0; round < 100; ++round) {
    const auto a = f.process(hit, source, 0, 1'767'225'600, out);
    REQUIRE(a.what == dnsfilter::filter_outcome::answered);
    const auto b = f.process(miss, source, 0, 1'767'225'600, out);
    REQUIRE(b.what == dnsfilter::filter_outcome::forward);
    REQUIRE(f.check_response(b.ticket(), parsed_answer, out).blocked);
    const auto c = f.process(miss, *policy::ip_address::parse("10.1.2.3"), 0, 1'767'225'600, out);
    REQUIRE(c.what == dnsfilter::filter_outcome::opted_out);
  }
  CHECK(allocations.load() - before == 0);
}

TEST_CASE("monitored hits allocate nothing per packet: matched, looked past, counted, logged, in the chain too") {
  namespace match = dnsfilter::match;
  namespace policy = dnsfilter::policy;
  namespace wire = dnsfilter::wire;
  namespace stats = dnsfilter::stats;
  stats::registry counters{1};
  match::catalogue cat;
  match::entry block;
  block.id = "XX-BLOCK";
  const auto b = cat.add_entry(std::move(block));
  match::entry watch;
  watch.id = "MON-1 with a long tail to defeat small-string storage";
  watch.action = match::action::monitor;
  const auto w = cat.add_entry(std::move(watch));
  REQUIRE(cat.add_rule(*wire::name::from_text("example.com"), b));
  REQUIRE(cat.add_rule(*wire::name::from_text("www.example.com"), w));  // under a block: the block answers
  REQUIRE(cat.add_rule(*wire::name::from_text("www.example.org"), w));
  REQUIRE(cat.add_rule(*wire::name::from_text("x.example.net"), w));
  const dnsfilter::filter::catalogue_handle catalogue{dnsfilter::make_snapshot(std::move(cat), &counters)};
  const policy::policy_set_handle policies{std::make_shared<const policy::policy_set>()};
  dnsfilter::sinkhole::settings settings;
  settings.ipv4 = wire::rdata::a{{std::byte{192}, std::byte{0}, std::byte{2}, std::byte{1}}};
  const dnsfilter::sinkhole::responder responder{settings};
  struct formatting_sink final : stats::query_log_sink {
    std::size_t lines = 0;
    void write(const stats::query_record& r) noexcept override {
      std::array<char, stats::max_jsonl_length> line;
      lines += stats::format_jsonl(r, {}, line).has_value();
    }
  } sink;
  dnsfilter::filter f{catalogue, policies, responder, &counters.at(0), &sink};

  const auto blocked = dnsfilter_test::hex(  // www.example.com A
      "c0de 0100 0001 0000 0000 0000 03 777777 07 6578616d706c65 03 636f6d 00 0001 0001");
  const auto monitored = dnsfilter_test::hex(  // www.example.org A
      "beef 0100 0001 0000 0000 0000 03 777777 07 6578616d706c65 03 6f7267 00 0001 0001");
  const auto answer = dnsfilter_test::hex(  // www.example.org CNAME x.example.net
      "beef 8180 0001 0001 0000 0000 03 777777 07 6578616d706c65 03 6f7267 00 0001 0001"
      "c00c 0005 0001 0000012c 000f 01 78 07 6578616d706c65 03 6e6574 00");
  const auto parsed_answer = wire::message_view::parse(answer).value();
  const auto source = *policy::ip_address::parse("192.0.2.7");
  std::array<std::byte, 1232> out;
  (void)f.process(blocked, source, 0, 1'767'225'600, out);  // first packet of the month: the recorder's block

  const long before = allocations.load();
  for (int round = 0; round < 100; ++round) {
    const auto a = f.process(blocked, source, 0, 1'767'225'600, out);
    REQUIRE(a.what == dnsfilter::filter_outcome::answered);
    const auto m = f.process(monitored, source, 0, 1'767'225'600, out);
    REQUIRE(m.what == dnsfilter::filter_outcome::forward);
    REQUIRE(m.monitored());
    dnsfilter::forward_ticket t = m.ticket();
    t.monitored = false;  // as if the name were a miss: the chain's monitored name counts
    const auto c = f.check_response(t, parsed_answer, out);
    REQUIRE(c.monitored);
    REQUIRE_FALSE(c.blocked);
  }
  CHECK(allocations.load() - before == 0);
  CHECK(sink.lines == 301);  // the blocked ones (and the first), the monitored names and the monitored chains
}

#if DNSFILTER_HEADER_ONLY
TEST_CASE("a forwarded query is parsed once and its answer once") {
  // The facade parses the query once (process), hands the caller a ticket
  // that needs no packet, and checks an answer the caller parsed once (the
  // upstream transaction's validation) without parsing it again.
  namespace match = dnsfilter::match;
  namespace policy = dnsfilter::policy;
  namespace wire = dnsfilter::wire;
  match::catalogue cat;
  match::entry e;
  e.id = "XX-20250109-0001";
  const auto index = cat.add_entry(std::move(e));
  REQUIRE(cat.add_rule(*wire::name::from_text("example.com"), index));
  const dnsfilter::filter::catalogue_handle catalogue{dnsfilter::make_snapshot(std::move(cat))};
  const policy::policy_set_handle policies{
      std::make_shared<const policy::policy_set>(*policy::policy_set::build(policy::policy_config{}))};
  const dnsfilter::sinkhole::responder responder;
  dnsfilter::filter f{catalogue, policies, responder};
  const auto miss = dnsfilter_test::hex("beef 0100 0001 0000 0000 0000 03 777777 07 6578616d706c65 03 6f7267 00 0001 0001");
  const auto answer = dnsfilter_test::hex(
      "beef 8180 0001 0001 0000 0000 03 777777 07 6578616d706c65 03 6f7267 00 0001 0001"
      "c00c 0005 0001 0000012c 000f 01 78 07 6578616d706c65 03 636f6d 00");
  std::array<std::byte, 512> out;
  parse_counts::query = 0;
  parse_counts::message = 0;

  const auto r = f.process(miss, *policy::ip_address::parse("192.0.2.7"), 0, 1'767'225'600, out);
  REQUIRE(r.what == dnsfilter::filter_outcome::forward);
  CHECK(parse_counts::query == 1);
  CHECK(parse_counts::message == 0);
  const dnsfilter::forward_ticket ticket = r.ticket();  // the packet's buffer may now be reused

  const auto parsed = wire::message_view::parse(answer);  // the caller's one parse of the answer
  REQUIRE(parsed);
  CHECK(f.check_response(ticket, *parsed, out).blocked);
  CHECK(parse_counts::query == 1);
  CHECK(parse_counts::message == 1);
}
#endif

TEST_CASE("loading a plain list reserves in proportion to its text, whatever its lines") {
  namespace lists = dnsfilter::lists;
  // A hostile file: 4 MiB of blank and whitespace-only lines, then one name.
  // A bound of one rule per line would reserve about 8 times the text.
  std::string text(std::size_t{4} << 20, '\n');
  for (std::size_t i = 0; i < text.size() / 2; i += 2) text[i] = ' ';
  text += "blocked.example\n";
  dnsfilter::match::catalogue cat;
  largest.store(0);
  const auto rep = lists::load_plain(text, cat, {}, nullptr);
  REQUIRE(rep);
  CHECK(cat.rules().size() == 1);
  CHECK(largest.load() <= text.size() * 2);

  // Names much shorter than the 16 octets a line is reserved for: the arrays
  // grow past the reservation and every name is still there.
  std::string short_names;
  for (int i = 0; i < 20000; ++i) short_names += "n" + std::to_string(i) + ".io\n";
  dnsfilter::match::catalogue small;
  const auto rep2 = lists::load_plain(short_names, small, {}, nullptr);
  REQUIRE(rep2);
  CHECK(small.rules().size() == 20000);
}
