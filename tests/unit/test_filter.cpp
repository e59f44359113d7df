// The filter facade: parse → policy → match → answer for one packet, and the
// CNAME-cloaking check of upstream answers. Every answer is parsed back.
#include <dnsfilter/filter.hpp>
#include <dnsfilter/wire/message.hpp>

#include <doctest/doctest.h>

#include <array>
#include <deque>
#include <memory>
#include <string>
#include <vector>

#include "hex.hpp"
#include "packets.hpp"

using namespace dnsfilter;
using dnsfilter_test::query_packet;
using wire::rr_type;

namespace {

constexpr match::timestamp now = 1'767'225'600;  // 2026-01-01T00:00:00Z

policy::ip_address addr(const char* text) { return *policy::ip_address::parse(text); }

std::shared_ptr<const filter::snapshot_type> sample_catalogue() {
  match::catalogue cat;
  cat.add_source("operator.tsv");
  auto add = [&](const char* id, match::action a, std::initializer_list<const char*> names,
                 match::timestamp end = match::until_forever) {
    match::entry e;
    e.id = id;
    e.category = "backdoor";
    e.action = a;
    e.end = end;
    const auto index = cat.add_entry(std::move(e));
    for (const char* n : names) REQUIRE(cat.add_rule(*wire::name::from_text(n), index));
  };
  add("XX-20250109-0001", match::action::sinkhole, {"evil.example", "tracker.evil.example"});
  add("ALLOW-1", match::action::pass, {"good.evil.example"});
  add("XX-NX", match::action::nxdomain, {"nx.example"});
  add("XX-DROP", match::action::drop, {"drop.example"});
  add("XX-OLD", match::action::sinkhole, {"old.example"}, now - 1);  // expired a second ago
  return make_snapshot(std::move(cat));
}

std::shared_ptr<const policy::policy_set> sample_policy() {
  policy::policy_config c;
  c.listeners = {policy::listener_mode::per_client, policy::listener_mode::unfiltered};
  c.client_prefixes = {{*policy::ip_prefix::parse("10.0.0.0/8"), policy::treatment::opt_out}};
  return std::make_shared<const policy::policy_set>(*policy::policy_set::build(c));
}

sinkhole::settings sample_settings() {
  sinkhole::settings s;
  s.ipv4 = wire::rdata::a{{std::byte{192}, std::byte{0}, std::byte{2}, std::byte{53}}};
  return s;
}

struct fixture {
  filter::catalogue_handle catalogue{sample_catalogue()};
  policy::policy_set_handle policies{sample_policy()};
  sinkhole::responder responder{sample_settings()};
  filter f{catalogue, policies, responder};
  std::array<std::byte, 1232> out{};
};

const policy::ip_address customer = addr("192.168.1.10");

wire::message_view parse_back(std::span<const std::byte> answer) {
  auto m = wire::message_view::parse(answer);
  REQUIRE(m);
  return *m;
}

}  // namespace

TEST_CASE("filter: a miss is forwarded, a hit answered from the sinkhole") {
  fixture fx;
  SUBCASE("miss") {
    query_packet q("www.example.com");
    const filter_result r = fx.f.process(q.bytes, customer, 0, now, fx.out);
    CHECK(r.what == filter_outcome::forward);
    CHECK_FALSE(r.match.hit());
    CHECK(r.entry == nullptr);
    CHECK(r.answer.empty());
    CHECK(r.query.qname() == *wire::name::from_text("www.example.com"));
    CHECK(r.policy.decided_by == policy::basis::none);
  }
  SUBCASE("a subdomain of a blocked name, A, with EDNS: sinkhole address and EDE naming the entry") {
    query_packet q("C2.Evil.Example", rr_type::a, true);
    const filter_result r = fx.f.process(q.bytes, customer, 0, now, fx.out);
    REQUIRE(r.what == filter_outcome::answered);
    REQUIRE(r.entry != nullptr);
    CHECK(r.entry->id == "XX-20250109-0001");
    CHECK(r.filtered());
    const wire::message_view m = parse_back(r.answer);
    CHECK(m.header().id == 0x1234);
    CHECK(m.header().qr);
    CHECK(m.header().rd);
    CHECK(m.rcode() == wire::rcode::noerror);
    // The question comes back with the client's letter case.
    CHECK(m.read_name_at(m.question().name_offset).view().equals_exact(*wire::name::from_text("C2.Evil.Example")));
    int answers = 0;
    for (const auto& rr : m.records(wire::section::answer)) {
      ++answers;
      auto data = m.rdata(rr);
      REQUIRE(data);
      CHECK(std::get<wire::rdata::a>(*data) == *sample_settings().ipv4);
    }
    CHECK(answers == 1);
    REQUIRE(m.has_edns());
    wire::edns_option ede;
    REQUIRE(m.edns().find(wire::option_code::extended_error, ede));
    auto e = wire::extended_error::decode(ede.data);
    REQUIRE(e);
    CHECK(e->info_code == wire::ede_code::blocked);
    CHECK(e->text.find("XX-20250109-0001") != std::string_view::npos);
  }
  SUBCASE("AAAA without a configured IPv6 sinkhole: NODATA with SOA") {
    query_packet q("evil.example", rr_type::aaaa);
    const filter_result r = fx.f.process(q.bytes, customer, 0, now, fx.out);
    REQUIRE(r.what == filter_outcome::answered);
    const wire::message_view m = parse_back(r.answer);
    CHECK(m.rcode() == wire::rcode::noerror);
    CHECK(m.header().count(wire::section::answer) == 0);
    CHECK(m.header().count(wire::section::authority) == 1);
  }
  SUBCASE("NXDOMAIN entry") {
    query_packet q("a.nx.example", rr_type::mx);
    const filter_result r = fx.f.process(q.bytes, customer, 0, now, fx.out);
    REQUIRE(r.what == filter_outcome::answered);
    CHECK(parse_back(r.answer).rcode() == wire::rcode::nxdomain);
  }
  SUBCASE("drop entry: nothing to send") {
    query_packet q("drop.example");
    const filter_result r = fx.f.process(q.bytes, customer, 0, now, fx.out);
    CHECK(r.what == filter_outcome::dropped);
    CHECK(r.answer.empty());
    CHECK(r.filtered());
    CHECK(r.entry->id == "XX-DROP");
  }
  SUBCASE("an exception frees its subtree: forwarded, the exception reported") {
    query_packet q("www.good.evil.example");
    const filter_result r = fx.f.process(q.bytes, customer, 0, now, fx.out);
    CHECK(r.what == filter_outcome::forward);
    REQUIRE(r.entry != nullptr);
    CHECK(r.entry->id == "ALLOW-1");
    CHECK_FALSE(r.filtered());
  }
  SUBCASE("an expired entry no longer filters") {
    query_packet q("old.example");
    CHECK(fx.f.process(q.bytes, customer, 0, now, fx.out).what == filter_outcome::forward);
    CHECK(fx.f.process(q.bytes, customer, 0, now - 2, fx.out).what == filter_outcome::answered);
  }
}

TEST_CASE("filter: opted-out clients are neither filtered nor answered") {
  fixture fx;
  query_packet q("evil.example");
  SUBCASE("by client prefix") {
    const filter_result r = fx.f.process(q.bytes, addr("10.20.30.40"), 0, now, fx.out);
    CHECK(r.what == filter_outcome::opted_out);
    CHECK(r.policy.decided_by == policy::basis::client_prefix);
    CHECK(r.entry == nullptr);
  }
  SUBCASE("by listener") {
    const filter_result r = fx.f.process(q.bytes, customer, 1, now, fx.out);
    CHECK(r.what == filter_outcome::opted_out);
    CHECK(r.policy.decided_by == policy::basis::listener);
  }
  SUBCASE("a policy swapped at run time applies to the next packet") {
    fx.policies.store(std::make_shared<const policy::policy_set>());
    CHECK(fx.f.process(q.bytes, addr("10.20.30.40"), 0, now, fx.out).what == filter_outcome::answered);
  }
}

TEST_CASE("filter: bad packets get the right rcode or nothing") {
  fixture fx;
  SUBCASE("a runt is dropped") {
    const auto runt = dnsfilter_test::hex("1234 0100 0001");
    CHECK(fx.f.process(runt, customer, 0, now, fx.out).what == filter_outcome::dropped);
  }
  SUBCASE("a response is dropped") {
    const auto response = dnsfilter_test::hex("1234 8180 0001 0000 0000 0000 04 65766976 00 0001 0001");
    CHECK(fx.f.process(response, customer, 0, now, fx.out).what == filter_outcome::dropped);
  }
  SUBCASE("two questions: FORMERR") {
    const auto two = dnsfilter_test::hex("1234 0100 0002 0000 0000 0000 01 61 00 0001 0001 01 62 00 0001 0001");
    const filter_result r = fx.f.process(two, customer, 0, now, fx.out);
    REQUIRE(r.what == filter_outcome::rejected);
    CHECK(parse_back(r.answer).rcode() == wire::rcode::formerr);
    CHECK(parse_back(r.answer).header().id == 0x1234);
  }
  SUBCASE("NOTIFY: NOTIMP") {
    const auto notify = dnsfilter_test::hex("1234 2000 0001 0000 0000 0000 01 61 00 0006 0001");
    const filter_result r = fx.f.process(notify, customer, 0, now, fx.out);
    REQUIRE(r.what == filter_outcome::rejected);
    CHECK(parse_back(r.answer).rcode() == wire::rcode::notimp);
  }
  SUBCASE("EDNS version 1: BADVERS") {
    const auto v1 = dnsfilter_test::hex("1234 0100 0001 0000 0000 0001 01 61 00 0001 0001 00 0029 04d0 00010000 0000");
    const filter_result r = fx.f.process(v1, customer, 0, now, fx.out);
    REQUIRE(r.what == filter_outcome::rejected);
    CHECK(parse_back(r.answer).rcode() == wire::rcode::badvers);
  }
  SUBCASE("an output buffer too small for a header: dropped, not a crash") {
    query_packet q("evil.example");
    std::array<std::byte, 8> tiny{};
    CHECK(fx.f.process(q.bytes, customer, 0, now, tiny).what == filter_outcome::dropped);
  }
}

TEST_CASE("filter: the answer can be written over the query, in place") {
  fixture fx;
  query_packet q("x.Evil.example", rr_type::a, true, {{65001, "subscriber-id"}});
  const filter_result apart = fx.f.process(q.bytes, customer, 0, now, fx.out);
  REQUIRE(apart.what == filter_outcome::answered);
  const std::vector<std::byte> expected(apart.answer.begin(), apart.answer.end());

  std::array<std::byte, 1232> buffer{};
  std::copy(q.bytes.begin(), q.bytes.end(), buffer.begin());
  const filter_result inplace =
      fx.f.process(std::span<const std::byte>(buffer.data(), q.bytes.size()), customer, 0, now, buffer);
  REQUIRE(inplace.what == filter_outcome::answered);
  CHECK(std::vector<std::byte>(inplace.answer.begin(), inplace.answer.end()) == expected);
}

namespace {

// The ticket process() gives `q` from a filtered customer: forward, for names
// the list does not block.
forward_ticket asked(fixture& fx, const query_packet& q) {
  std::array<std::byte, 512> scratch;
  const filter_result r = fx.f.process(q.bytes, customer, 0, now, scratch);
  REQUIRE(r.what == filter_outcome::forward);
  return r.ticket();
}

// An upstream answer as the upstream transaction hands it over: validated and parsed once.
wire::message_view parsed(std::span<const std::byte> response) {
  auto m = wire::message_view::parse(response);
  REQUIRE(m);
  return *m;
}

// An upstream answer to `q`: the CNAME chain given as (owner, target) pairs in
// the order written, then an A record for `final_owner`.
std::vector<std::byte> upstream_answer(const query_packet& q,
                                       std::initializer_list<std::pair<const char*, const char*>> chain,
                                       const char* final_owner) {
  std::vector<std::byte> buf(1232);
  wire::message_writer w{buf};
  w.header().id = q.view.header().id;
  w.header().qr = true;
  w.header().rd = w.header().ra = true;
  REQUIRE(w.add_question(q.view.qname(), q.view.qtype()));
  for (const auto& [owner, target] : chain)
    REQUIRE(w.add_record(wire::section::answer, *wire::name::from_text(owner), rr_type::cname, wire::rr_class::in,
                         300, wire::rdata::cname{*wire::name::from_text(target)}));
  if (final_owner)
    REQUIRE(w.add_record(wire::section::answer, *wire::name::from_text(final_owner), rr_type::a, wire::rr_class::in,
                         300, wire::rdata::a{{std::byte{203}, std::byte{0}, std::byte{113}, std::byte{7}}}));
  const auto n = w.finish().size();
  buf.resize(n);
  return buf;
}

}  // namespace

TEST_CASE("filter: CNAME cloaking in upstream answers") {
  fixture fx;
  query_packet q("WWW.shop.example", rr_type::a, true);
  SUBCASE("a chain through a blocked name is replaced by the sinkhole answer for the question") {
    const auto response = upstream_answer(
        q, {{"www.shop.example", "shop.cdn.example"}, {"shop.cdn.example", "x.tracker.evil.example"}},
        "x.tracker.evil.example");
    const response_result r = fx.f.check_response(asked(fx, q), parsed(response), fx.out);
    REQUIRE(r.blocked);
    CHECK(r.entry->id == "XX-20250109-0001");
    CHECK(r.cname == *wire::name::from_text("x.tracker.evil.example"));
    const wire::message_view m = parse_back(r.answer);
    CHECK(m.read_name_at(m.question().name_offset).view().equals_exact(*wire::name::from_text("WWW.shop.example")));
    CHECK(m.header().count(wire::section::answer) == 1);
    for (const auto& rr : m.records(wire::section::answer)) {
      CHECK(rr.type == rr_type::a);
      CHECK(m.read_name_at(rr.owner_offset) == *wire::name::from_text("www.shop.example"));
    }
  }
  SUBCASE("records out of order are still followed") {
    const auto response = upstream_answer(
        q, {{"shop.cdn.example", "nx.example"}, {"www.shop.example", "shop.cdn.example"}}, nullptr);
    const response_result r = fx.f.check_response(asked(fx, q), parsed(response), fx.out);
    REQUIRE(r.blocked);
    CHECK(parse_back(r.answer).rcode() == wire::rcode::nxdomain);
  }
  SUBCASE("a clean chain, an exception, and CNAMEs outside the chain are left alone") {
    CHECK_FALSE(fx.f.check_response(asked(fx, q), parsed(upstream_answer(q, {{"www.shop.example", "cdn.example"}}, "cdn.example")),
                                    fx.out)
                    .blocked);
    CHECK_FALSE(fx.f.check_response(asked(fx, q), parsed(upstream_answer(q, {{"www.shop.example", "good.evil.example"}}, nullptr)),
                                    fx.out)
                    .blocked);
    CHECK_FALSE(fx.f.check_response(asked(fx, q), parsed(upstream_answer(q, {{"unrelated.example", "evil.example"}}, nullptr)),
                                    fx.out)
                    .blocked);
  }
  SUBCASE("a drop entry in the chain: blocked, nothing to send") {
    const response_result r =
        fx.f.check_response(asked(fx, q), parsed(upstream_answer(q, {{"www.shop.example", "drop.example"}}, nullptr)), fx.out);
    CHECK(r.blocked);
    CHECK(r.answer.empty());
  }
  SUBCASE("a CNAME loop terminates") {
    const auto response =
        upstream_answer(q, {{"www.shop.example", "a.example"}, {"a.example", "www.shop.example"}}, nullptr);
    CHECK_FALSE(fx.f.check_response(asked(fx, q), parsed(response), fx.out).blocked);
  }
  SUBCASE("the ticket is a copy: the query's packet may be gone") {
    const forward_ticket t = asked(fx, q);
    const auto response = upstream_answer(q, {{"www.shop.example", "evil.example"}}, nullptr);
    query_packet other("unrelated.example");  // as if the receive buffer were reused
    const response_result r = fx.f.check_response(t, parsed(response), fx.out);
    REQUIRE(r.blocked);
    const wire::message_view m = parse_back(r.answer);
    CHECK(m.header().id == q.view.header().id);
    CHECK(m.read_name_at(m.question().name_offset).view().equals_exact(*wire::name::from_text("WWW.shop.example")));
    CHECK(m.has_edns());
  }
}

TEST_CASE("filter: an exception entry vouches for its name and for what the name aliases") {
  // The rule lives here, in the library, so that every caller (the resolver,
  // the firmware example, the C API) applies it alike: an allow-listed name
  // is forwarded, and its upstream answer is not checked for cloaking.
  fixture fx;
  query_packet q("good.evil.example");
  std::array<std::byte, 512> scratch;
  const filter_result r = fx.f.process(q.bytes, customer, 0, now, scratch);
  REQUIRE(r.what == filter_outcome::forward);
  REQUIRE(r.entry != nullptr);
  CHECK(r.entry->is_exception());
  CHECK(r.ticket().exception);
  CHECK_FALSE(r.ticket().checks_cloaking());
  const auto response = upstream_answer(q, {{"good.evil.example", "c2.evil.example"}}, nullptr);
  CHECK_FALSE(fx.f.check_response(r.ticket(), parsed(response), fx.out).blocked);

  SUBCASE("a miss is checked") {
    query_packet plain("www.shop.example");
    const filter_result m = fx.f.process(plain.bytes, customer, 0, now, scratch);
    REQUIRE(m.what == filter_outcome::forward);
    CHECK_FALSE(m.ticket().exception);
    CHECK(m.ticket().checks_cloaking());
    CHECK(m.ticket().client == customer);
    CHECK(m.ticket().time == now);
  }
}

namespace {

// Keeps what the query log receives.
struct captured_log final : stats::query_log_sink {
  std::vector<std::string> lines;
  void write(const stats::query_record& r) noexcept override {
    lines.push_back(std::string(r.entry) + " " + r.client.to_string() + " " + r.qname.to_string() + " " +
                    match::to_string(r.action));
  }
};

}  // namespace

TEST_CASE("filter: counts every query exactly, keeps opted-out clients out of counts and log") {
  captured_log log;
  stats::registry counters{1, {.zone = {}}};
  fixture fx;
  fx.catalogue.store(make_snapshot([] {
    // The sample catalogue again, mapped to counter slots this time.
    match::catalogue copy = sample_catalogue()->source();
    return copy;
  }(), &counters));
  filter counted{fx.catalogue, fx.policies, fx.responder, &counters.at(0), &log};

  auto run = [&](const char* qname, const char* client, std::uint16_t listener = 0) {
    query_packet q(qname);
    return counted.process(q.bytes, addr(client), listener, now, fx.out).what;
  };
  CHECK(run("www.example.com", "192.168.1.1") == filter_outcome::forward);       // passed
  CHECK(run("c2.evil.example", "192.168.1.1") == filter_outcome::answered);      // filtered XX-...-0001
  CHECK(run("tracker.evil.example", "192.168.1.2") == filter_outcome::answered); // filtered XX-...-0001
  CHECK(run("a.nx.example", "192.168.1.3") == filter_outcome::answered);         // filtered XX-NX
  CHECK(run("drop.example", "192.168.1.3") == filter_outcome::dropped);          // filtered XX-DROP
  CHECK(run("good.evil.example", "192.168.1.4") == filter_outcome::forward);     // passed, hit ALLOW-1
  CHECK(run("c2.evil.example", "10.1.1.1") == filter_outcome::opted_out);        // opted out (prefix)
  CHECK(run("c2.evil.example", "192.168.1.1", 1) == filter_outcome::opted_out);  // opted out (listener)
  const auto runt = dnsfilter_test::hex("1234 0100");
  CHECK(counted.process(runt, addr("192.168.1.1"), 0, now, fx.out).what == filter_outcome::dropped);  // not a query

  const stats::totals t = counters.read();
  REQUIRE(t.months.size() == 1);
  const stats::month_counts& m = t.months.begin()->second;
  CHECK(t.months.begin()->first == stats::make_month(2026, 1));
  CHECK(m.passed == 2);
  CHECK(m.filtered == 4);
  CHECK(m.opted_out == 2);
  CHECK(m.queries() == 6);
  CHECK(m.by_entry.at("XX-20250109-0001") == 2);
  CHECK(m.by_entry.at("XX-NX") == 1);
  CHECK(m.by_entry.at("XX-DROP") == 1);
  CHECK(m.by_entry.at("ALLOW-1") == 1);
  CHECK(m.by_category.at("backdoor") == 5);
  CHECK(m.by_action[stats::action_slot(match::action::sinkhole)] == 2);
  CHECK(m.by_action[stats::action_slot(match::action::pass)] == 1);

  REQUIRE(log.lines.size() == 4);  // filtered queries only; no opted-out client, no exception
  CHECK(log.lines[0] == "XX-20250109-0001 192.168.1.1 c2.evil.example. sinkhole");
  CHECK(log.lines[3] == "XX-DROP 192.168.1.3 drop.example. drop");
  for (const auto& line : log.lines) CHECK(line.find("10.1.1.1") == std::string::npos);
}

TEST_CASE("filter: a query found cloaked in its upstream answer is recounted from passed to filtered") {
  captured_log log;
  stats::registry counters{1, {.zone = {}}};
  fixture fx;
  fx.catalogue.store(make_snapshot(match::catalogue(sample_catalogue()->source()), &counters));
  filter counted{fx.catalogue, fx.policies, fx.responder, &counters.at(0), &log};

  query_packet q("www.shop.example");
  const filter_result r = counted.process(q.bytes, addr("192.168.1.9"), 0, now, fx.out);
  REQUIRE(r.what == filter_outcome::forward);
  CHECK(counters.read().months.begin()->second.passed == 1);  // a read in between sees it passed

  const auto response = upstream_answer(q, {{"www.shop.example", "x.tracker.evil.example"}}, nullptr);
  REQUIRE(counted.check_response(r.ticket(), parsed(response), fx.out).blocked);
  const stats::month_counts m = counters.read().months.begin()->second;
  CHECK(m.passed == 0);
  CHECK(m.filtered == 1);
  CHECK(m.queries() == 1);
  CHECK(m.by_entry.at("XX-20250109-0001") == 1);
  REQUIRE(log.lines.size() == 1);
  CHECK(log.lines[0] == "XX-20250109-0001 192.168.1.9 www.shop.example. sinkhole");

  SUBCASE("an opted-out query's answer is never checked") {
    query_packet mine("www.shop.example");
    const filter_result o = counted.process(mine.bytes, addr("10.0.0.9"), 0, now, fx.out);
    REQUIRE(o.what == filter_outcome::opted_out);
    CHECK_FALSE(counted.check_response(o.ticket(), parsed(upstream_answer(mine, {{"www.shop.example", "evil.example"}}, nullptr)),
                                       fx.out)
                    .blocked);
    CHECK(counters.read().months.begin()->second.opted_out == 1);
    CHECK(log.lines.size() == 1);
  }
}

// ---- monitored entries: the month before enforcement -------------------------

namespace {

// Blocks, exceptions and monitored entries side by side.
match::catalogue monitor_catalogue() {
  match::catalogue cat;
  cat.add_source("operator.tsv");
  auto add = [&](const char* id, match::action a, std::initializer_list<const char*> names) {
    match::entry e;
    e.id = id;
    e.category = "backdoor";
    e.action = a;
    const auto index = cat.add_entry(std::move(e));
    for (const char* n : names) REQUIRE(cat.add_rule(*wire::name::from_text(n), index));
  };
  add("MON-1", match::action::monitor, {"watch.example", "c2.evil.example", "both.example", "x.safe.example"});
  add("XX-BLOCK", match::action::sinkhole, {"evil.example", "both.example"});
  add("ALLOW", match::action::pass, {"safe.example"});
  return cat;
}

constexpr std::uint16_t subscriber_code = 65001;

// Every opt-out path: listener 1 unfiltered, 10.0.0.0/8 opted out, subscriber
// "alice" opted out (believed from the trusted forwarder 192.0.2.0/24).
std::shared_ptr<const policy::policy_set> monitor_policy() {
  policy::policy_config c;
  c.listeners = {policy::listener_mode::per_client, policy::listener_mode::unfiltered};
  c.client_prefixes = {{*policy::ip_prefix::parse("10.0.0.0/8"), policy::treatment::opt_out}};
  c.subscribers = {{"alice", policy::treatment::opt_out}};
  c.trusted_forwarders = {{*policy::ip_prefix::parse("192.0.2.0/24"), policy::trust::trusted}};
  c.subscriber_option = subscriber_code;
  return std::make_shared<const policy::policy_set>(*policy::policy_set::build(c));
}

struct monitor_fixture {
  captured_log log;
  stats::registry counters{1, {.zone = {}}};
  filter::catalogue_handle catalogue{make_snapshot(monitor_catalogue(), &counters)};
  policy::policy_set_handle policies{monitor_policy()};
  sinkhole::responder responder{sample_settings()};
  filter f{catalogue, policies, responder, &counters.at(0), &log};
  std::array<std::byte, 1232> out{};

  stats::month_counts month() {
    const stats::totals t = counters.read();
    return t.months.empty() ? stats::month_counts{} : t.months.begin()->second;
  }
};

// One opt-out path: how the query is made and sent.
struct opt_out_path {
  const char* name;
  const char* client;
  std::uint16_t listener;
  const char* subscriber;  // nullptr: none
  policy::basis basis;
};
constexpr opt_out_path opt_out_paths[] = {
    {"listener mode unfiltered", "192.168.1.10", 1, nullptr, policy::basis::listener},
    {"client prefix", "10.20.30.40", 0, nullptr, policy::basis::client_prefix},
    {"subscriber id", "192.0.2.10", 0, "alice", policy::basis::subscriber},
};

}  // namespace

TEST_CASE("filter: a monitored entry's hit is counted and logged as monitored, and answered from upstream") {
  monitor_fixture fx;
  query_packet q("a.WATCH.example");
  const filter_result r = fx.f.process(q.bytes, customer, 0, now, fx.out);
  CHECK(r.what == filter_outcome::forward);  // answered normally: the caller resolves it upstream
  REQUIRE(r.entry != nullptr);
  CHECK(r.entry->id == "MON-1");
  CHECK(r.match.hit());
  CHECK(r.monitored());
  CHECK_FALSE(r.filtered());
  CHECK(r.answer.empty());
  const forward_ticket t = r.ticket();
  CHECK(t.monitored);
  CHECK_FALSE(t.exception);
  CHECK(t.checks_cloaking());  // monitoring vouches for nothing
  const stats::month_counts m = fx.month();
  CHECK(m.passed == 1);
  CHECK(m.filtered == 0);
  CHECK(m.monitored == 1);
  CHECK(m.share() == 0.0);
  CHECK(m.monitored_by_entry.at("MON-1") == 1);
  CHECK(m.by_action[stats::action_slot(match::action::monitor)] == 1);
  REQUIRE(fx.log.lines.size() == 1);
  CHECK(fx.log.lines[0] == "MON-1 192.168.1.10 a.WATCH.example. monitor");

  // The upstream answer goes to the client as it came: nothing to block.
  const auto response = upstream_answer(q, {{"a.watch.example", "cdn.example"}}, "cdn.example");
  const response_result c = fx.f.check_response(t, parsed(response), fx.out);
  CHECK_FALSE(c.blocked);
  CHECK_FALSE(c.monitored);  // counted once, by process()
  CHECK(fx.month().monitored == 1);
  CHECK(fx.log.lines.size() == 1);
}

TEST_CASE("filter: a monitored entry's hit from an opted-out client is neither counted nor logged") {
  for (const opt_out_path& path : opt_out_paths) {
    CAPTURE(path.name);
    monitor_fixture fx;
    std::deque<query_packet> sent;  // a result points into its query: the packets outlive them
    auto send = [&](const char* qname) {
      if (path.subscriber == nullptr) sent.emplace_back(qname);
      else sent.emplace_back(qname, rr_type::a, true, std::initializer_list<dnsfilter_test::option_spec>{{subscriber_code, path.subscriber}});
      return fx.f.process(sent.back().bytes, addr(path.client), path.listener, now, fx.out);
    };
    const filter_result r = send("a.watch.example");
    CHECK(r.what == filter_outcome::opted_out);
    CHECK(r.policy.decided_by == path.basis);
    CHECK(r.entry == nullptr);
    CHECK_FALSE(r.match.hit());
    CHECK_FALSE(r.monitored());
    // Its answer is not checked either: a chain through a monitored name counts nothing.
    query_packet asked_for("www.shop.example");
    const filter_result o = send("www.shop.example");
    REQUIRE(o.what == filter_outcome::opted_out);
    const response_result c =
        fx.f.check_response(o.ticket(), parsed(upstream_answer(asked_for, {{"www.shop.example", "b.watch.example"}}, nullptr)),
                            fx.out);
    CHECK_FALSE(c.blocked);
    CHECK_FALSE(c.monitored);
    const stats::month_counts m = fx.month();
    CHECK(m.opted_out == 2);  // their own total, and nothing else
    CHECK(m.queries() == 0);
    CHECK(m.monitored == 0);
    CHECK(m.by_action == std::array<std::uint64_t, stats::action_count>{});
    CHECK(m.by_entry.empty());
    CHECK(m.monitored_by_entry.empty());
    CHECK(m.by_category.empty());
    CHECK(fx.log.lines.empty());

    // The same query from a client that did not opt out: monitored, logged, forwarded.
    sent.emplace_back("a.watch.example", rr_type::a, true, std::initializer_list<dnsfilter_test::option_spec>{{subscriber_code, "bob"}});
    const filter_result normal = fx.f.process(sent.back().bytes, customer, 0, now, fx.out);
    CHECK(normal.what == filter_outcome::forward);
    CHECK(normal.monitored());
    CHECK(fx.month().monitored == 1);
    CHECK(fx.month().opted_out == 2);
    REQUIRE(fx.log.lines.size() == 1);
    CHECK(fx.log.lines[0] == "MON-1 192.168.1.10 a.watch.example. monitor");
  }
}

TEST_CASE("filter: monitoring a name never unblocks it") {
  monitor_fixture fx;
  std::deque<query_packet> sent;  // a result points into its query: the packets outlive them
  auto run = [&](const char* qname) {
    sent.emplace_back(qname);
    return fx.f.process(sent.back().bytes, customer, 0, now, fx.out);
  };
  SUBCASE("a block at the same name wins the tie") {
    const filter_result r = run("both.example");
    CHECK(r.what == filter_outcome::answered);
    REQUIRE(r.entry != nullptr);
    CHECK(r.entry->id == "XX-BLOCK");
    CHECK(r.filtered());
    CHECK(fx.month().monitored == 0);
    CHECK(fx.month().filtered == 1);
  }
  SUBCASE("a block above the monitored name answers") {
    const filter_result r = run("x.c2.evil.example");
    CHECK(r.what == filter_outcome::answered);
    REQUIRE(r.entry != nullptr);
    CHECK(r.entry->id == "XX-BLOCK");
    CHECK(fx.month().monitored == 0);
    REQUIRE(fx.log.lines.size() == 1);
    CHECK(fx.log.lines[0] == "XX-BLOCK 192.168.1.10 x.c2.evil.example. sinkhole");
  }
  SUBCASE("an exception above vouches for the name; the hit is still monitored") {
    const filter_result r = run("x.safe.example");
    CHECK(r.what == filter_outcome::forward);
    REQUIRE(r.entry != nullptr);
    CHECK(r.entry->id == "MON-1");
    CHECK(r.monitored());
    CHECK(r.ticket().exception);
    CHECK_FALSE(r.ticket().checks_cloaking());
    CHECK(fx.month().monitored == 1);
  }
}

TEST_CASE("filter: a monitored name in an upstream CNAME chain") {
  monitor_fixture fx;
  query_packet q("www.shop.example");
  const filter_result r = fx.f.process(q.bytes, customer, 0, now, fx.out);
  REQUIRE(r.what == filter_outcome::forward);
  CHECK_FALSE(r.monitored());
  SUBCASE("counted and logged as monitored, the answer left alone") {
    const response_result c = fx.f.check_response(
        r.ticket(), parsed(upstream_answer(q, {{"www.shop.example", "cdn.watch.example"}}, "cdn.watch.example")), fx.out);
    CHECK_FALSE(c.blocked);
    CHECK(c.monitored);
    CHECK(c.answer.empty());
    REQUIRE(c.entry != nullptr);
    CHECK(c.entry->id == "MON-1");
    CHECK(c.cname == *wire::name::from_text("cdn.watch.example"));
    const stats::month_counts m = fx.month();
    CHECK(m.passed == 1);
    CHECK(m.filtered == 0);
    CHECK(m.monitored == 1);
    CHECK(m.monitored_by_entry.at("MON-1") == 1);
    REQUIRE(fx.log.lines.size() == 1);
    CHECK(fx.log.lines[0] == "MON-1 192.168.1.10 www.shop.example. monitor");
    CHECK(stats::parse_totals(stats::format_totals(fx.counters.read())).has_value());
  }
  SUBCASE("a blocked name further down the chain blocks; the query is filtered, not monitored") {
    const response_result c = fx.f.check_response(
        r.ticket(), parsed(upstream_answer(q, {{"www.shop.example", "cdn.watch.example"}, {"cdn.watch.example", "evil.example"}}, nullptr)),
        fx.out);
    CHECK(c.blocked);
    CHECK_FALSE(c.monitored);
    REQUIRE(c.entry != nullptr);
    CHECK(c.entry->id == "XX-BLOCK");
    const stats::month_counts m = fx.month();
    CHECK(m.passed == 0);
    CHECK(m.filtered == 1);
    CHECK(m.monitored == 0);
    REQUIRE(fx.log.lines.size() == 1);
    CHECK(fx.log.lines[0] == "XX-BLOCK 192.168.1.10 www.shop.example. sinkhole");
  }
  SUBCASE("a monitored chain name under a blocked one is blocked") {
    CHECK(fx.f.check_response(r.ticket(), parsed(upstream_answer(q, {{"www.shop.example", "c2.evil.example"}}, nullptr)), fx.out)
              .blocked);
    CHECK(fx.month().monitored == 0);
  }
}
