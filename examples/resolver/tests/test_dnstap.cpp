// dnstap messages as a reader sees them: each one encoded, then decoded by
// protobuf-c's unpacker of the same dnstap.proto (a real reader), fields
// checked one by one; and the output's drop accounting with no collector.
#if DNSFILTER_RESOLVER_DNSTAP
#include "dnstap_encode.hpp"
#include "dnstap_output.hpp"
#include "dnstap_tap.hpp"

#include "dnstap.pb-c.h"

#include <doctest/doctest.h>

#include <array>
#include <cstring>
#include <memory>
#include <string>
#include <vector>

using namespace resolver;
namespace dt = resolver::dnstap;
namespace match = dnsfilter::match;
namespace stats = dnsfilter::stats;
using dnsfilter::policy::ip_address;

namespace {

struct unpacked {
  explicit unpacked(const std::string& bytes)
      : d(dnstap__dnstap__unpack(nullptr, bytes.size(), reinterpret_cast<const std::uint8_t*>(bytes.data()))) {}
  ~unpacked() {
    if (d != nullptr) dnstap__dnstap__free_unpacked(d, nullptr);
  }
  unpacked(const unpacked&) = delete;
  unpacked& operator=(const unpacked&) = delete;
  Dnstap__Dnstap* d;
};

std::string text(const ProtobufCBinaryData& b) { return std::string(reinterpret_cast<const char*>(b.data), b.len); }

std::vector<std::uint8_t> bytes(const ProtobufCBinaryData& b) { return {b.data, b.data + b.len}; }

const std::vector<std::byte> query_packet{std::byte{0x12}, std::byte{0x34}, std::byte{1}, std::byte{0},
                                          std::byte{0},    std::byte{1},    std::byte{0}, std::byte{0},
                                          std::byte{0},    std::byte{0},    std::byte{0}, std::byte{0}};

dt::event client_query(const dt::decision* policy) {
  dt::event e;
  e.type = dt::message_type::client_query;
  e.initiator = {ip_address::v4(192, 0, 2, 77), 40000, true};
  e.responder = {ip_address::v4(127, 0, 0, 1), 53, true};
  e.query_time = {1700000000, 123456789};
  e.query_message = query_packet;
  e.policy = policy;
  return e;
}

dt::decision decided(match::action a, const char* name, bool cname = false) {
  dt::decision d;
  d.present = true;
  d.action = a;
  d.rule = "XX-20250109-0001 operator.tsv";
  d.value = dnsfilter::wire::name::from_text(name).value();
  d.cname = cname;
  return d;
}

const dt::identity who{"node-1", "dnsfilter-resolver 9.9.9"};

}  // namespace

TEST_CASE("dnstap: a client query with the policy of a sinkhole entry, client in full") {
  const dt::decision d = decided(match::action::sinkhole, "c2.evil.example");
  stats::query_log_options privacy;
  privacy.privacy = stats::client_privacy::full;
  const unpacked u(dt::encode(client_query(&d), who, privacy));
  REQUIRE(u.d != nullptr);
  CHECK(u.d->type == DNSTAP__DNSTAP__TYPE__MESSAGE);
  CHECK(text(u.d->identity) == "node-1");
  CHECK(text(u.d->version) == "dnsfilter-resolver 9.9.9");
  CHECK_FALSE(u.d->has_extra);
  const Dnstap__Message* m = u.d->message;
  REQUIRE(m != nullptr);
  CHECK(m->type == DNSTAP__MESSAGE__TYPE__CLIENT_QUERY);
  CHECK(m->socket_family == DNSTAP__SOCKET_FAMILY__INET);
  CHECK(m->socket_protocol == DNSTAP__SOCKET_PROTOCOL__UDP);
  CHECK(bytes(m->query_address) == std::vector<std::uint8_t>{192, 0, 2, 77});
  CHECK((m->has_query_port && m->query_port == 40000));
  CHECK(bytes(m->response_address) == std::vector<std::uint8_t>{127, 0, 0, 1});
  CHECK((m->has_response_port && m->response_port == 53));
  CHECK(m->query_time_sec == 1700000000);
  CHECK(m->query_time_nsec == 123456789);
  CHECK_FALSE(m->has_response_time_sec);
  CHECK(m->query_message.len == query_packet.size());
  CHECK_FALSE(m->has_response_message);
  REQUIRE(m->policy != nullptr);
  CHECK(std::string(m->policy->type) == "dnsfilter/sinkhole");
  CHECK(text(m->policy->rule) == "XX-20250109-0001 operator.tsv");
  CHECK((m->policy->has_action && m->policy->action == DNSTAP__POLICY__ACTION__LOCAL_DATA));
  CHECK((m->policy->has_match && m->policy->match == DNSTAP__POLICY__MATCH__QNAME));
  const auto expected = dnsfilter::wire::name::from_text("c2.evil.example").value();  // the view below reads it
  const auto wire = expected.wire();
  REQUIRE(m->policy->value.len == wire.size());
  CHECK(std::memcmp(m->policy->value.data, wire.data(), wire.size()) == 0);
}

TEST_CASE("dnstap: each entry action maps to the dnstap action; monitor and exceptions pass with the rule") {
  struct row {
    match::action a;
    bool has;
    Dnstap__Policy__Action expected;
    const char* type;
  };
  const row rows[] = {
      {match::action::sinkhole, true, DNSTAP__POLICY__ACTION__LOCAL_DATA, "dnsfilter/sinkhole"},
      {match::action::nxdomain, true, DNSTAP__POLICY__ACTION__NXDOMAIN, "dnsfilter/nxdomain"},
      {match::action::nodata, true, DNSTAP__POLICY__ACTION__NODATA, "dnsfilter/nodata"},
      {match::action::drop, true, DNSTAP__POLICY__ACTION__DROP, "dnsfilter/drop"},
      {match::action::monitor, true, DNSTAP__POLICY__ACTION__PASS, "dnsfilter/monitor"},
      {match::action::pass, true, DNSTAP__POLICY__ACTION__PASS, "dnsfilter/pass"},
      {match::action::refused, false, DNSTAP__POLICY__ACTION__NXDOMAIN, "dnsfilter/refused"},
  };
  for (const row& r : rows) {
    CAPTURE(match::to_string(r.a));
    const dt::decision d = decided(r.a, "x.example");
    const unpacked u(dt::encode(client_query(&d), who, {}));
    REQUIRE(u.d != nullptr);
    REQUIRE(u.d->message->policy != nullptr);
    CHECK(std::string(u.d->message->policy->type) == r.type);
    CHECK(bool(u.d->message->policy->has_action) == r.has);
    if (r.has) CHECK(u.d->message->policy->action == r.expected);
    CHECK(text(u.d->message->policy->rule) == "XX-20250109-0001 operator.tsv");
  }
}

TEST_CASE("dnstap: a query no entry matched has no policy") {
  const unpacked u(dt::encode(client_query(nullptr), who, {}));
  REQUIRE(u.d != nullptr);
  CHECK(u.d->message->policy == nullptr);
  const dt::decision none;
  const unpacked v(dt::encode(client_query(&none), who, {}));
  CHECK(v.d->message->policy == nullptr);
}

TEST_CASE("dnstap: a CNAME that decided: the value is the chain's name, the match QNAME") {
  const dt::decision d = decided(match::action::nxdomain, "tracker.cloak.example", /*cname=*/true);
  dt::event e = client_query(&d);
  e.type = dt::message_type::client_response;
  e.response_time = {1700000001, 5};
  e.response_message = query_packet;
  const unpacked u(dt::encode(e, who, {}));
  REQUIRE(u.d != nullptr);
  const Dnstap__Message* m = u.d->message;
  CHECK(m->type == DNSTAP__MESSAGE__TYPE__CLIENT_RESPONSE);
  CHECK(m->response_time_sec == 1700000001);
  CHECK(m->has_response_message);
  CHECK(m->policy->match == DNSTAP__POLICY__MATCH__QNAME);
  const auto expected = dnsfilter::wire::name::from_text("tracker.cloak.example").value();  // the view below reads it
  const auto wire = expected.wire();
  CHECK(m->policy->value.len == wire.size());
}

TEST_CASE("dnstap: the client follows the query log's privacy options") {
  SUBCASE("truncated: the prefix, no port") {
    stats::query_log_options privacy;
    privacy.privacy = stats::client_privacy::truncated;
    privacy.v4_prefix = 24;
    const unpacked u(dt::encode(client_query(nullptr), who, privacy));
    CHECK(bytes(u.d->message->query_address) == std::vector<std::uint8_t>{192, 0, 2, 0});
    CHECK_FALSE(u.d->message->has_query_port);
    CHECK(bytes(u.d->message->response_address) == std::vector<std::uint8_t>{127, 0, 0, 1});  // ours, in full
  }
  SUBCASE("IPv6 truncated to /56") {
    stats::query_log_options privacy;
    privacy.privacy = stats::client_privacy::truncated;
    dt::event e = client_query(nullptr);
    e.initiator.address = ip_address::v6(0x20010db8'12345678, 0x9abcdef0'12345678);
    e.responder.address = ip_address::v6(0, 1);
    const unpacked u(dt::encode(e, who, privacy));
    CHECK(u.d->message->socket_family == DNSTAP__SOCKET_FAMILY__INET6);
    const std::vector<std::uint8_t> want{0x20, 0x01, 0x0d, 0xb8, 0x12, 0x34, 0x56, 0, 0, 0, 0, 0, 0, 0, 0, 0};
    CHECK(bytes(u.d->message->query_address) == want);
  }
  SUBCASE("keyed hash: no address nor port; the query log's hash in extra") {
    stats::query_log_options privacy;
    privacy.privacy = stats::client_privacy::keyed_hash;
    privacy.key[0] = 7;
    const unpacked u(dt::encode(client_query(nullptr), who, privacy));
    CHECK_FALSE(u.d->message->has_query_address);
    CHECK_FALSE(u.d->message->has_query_port);
    std::array<char, 16> h{};
    REQUIRE(stats::format_client(ip_address::v4(192, 0, 2, 77), privacy, h).has_value());
    CHECK(text(u.d->extra) == "client-hash=" + std::string(h.data(), h.size()));
    CHECK(u.d->message->socket_family == DNSTAP__SOCKET_FAMILY__INET);  // from our address
  }
}

TEST_CASE("dnstap: forwarder messages show the upstream in full, whatever the privacy") {
  stats::query_log_options privacy;
  privacy.privacy = stats::client_privacy::keyed_hash;
  dt::event e;
  e.type = dt::message_type::forwarder_response;
  e.via = dnsfilter::sinkhole::transport::tcp;
  e.initiator_is_client = false;
  e.responder = {ip_address::v4(198, 51, 100, 53), 53, true};
  e.response_message = query_packet;
  const unpacked u(dt::encode(e, who, privacy));
  REQUIRE(u.d != nullptr);
  CHECK(u.d->message->type == DNSTAP__MESSAGE__TYPE__FORWARDER_RESPONSE);
  CHECK(u.d->message->socket_protocol == DNSTAP__SOCKET_PROTOCOL__TCP);
  CHECK(bytes(u.d->message->response_address) == std::vector<std::uint8_t>{198, 51, 100, 53});
  CHECK(u.d->message->response_port == 53);
  CHECK_FALSE(u.d->has_extra);
}

TEST_CASE("dnstap: long fields (lengths over one varint octet), IPv6, nanoseconds, every field decoded intact") {
  std::vector<std::byte> big(300);
  for (std::size_t i = 0; i < big.size(); ++i) big[i] = std::byte(static_cast<unsigned char>(i * 7));
  const dt::identity long_who{std::string(200, 'n'), "v"};
  std::array<std::uint8_t, 16> v6{};
  v6[0] = 0x20;
  v6[1] = 0x01;
  v6[15] = 9;
  dt::event e;
  e.type = dt::message_type::forwarder_response;
  e.via = dnsfilter::sinkhole::transport::tcp;
  e.initiator_is_client = false;
  e.responder = {ip_address::v6(v6), 853, true};
  e.query_time = {4102444800, 999999999};
  e.response_time = {4102444801, 1};
  e.response_message = big;
  const unpacked u(dt::encode(e, long_who, {}));
  REQUIRE(u.d != nullptr);
  CHECK(u.d->type == DNSTAP__DNSTAP__TYPE__MESSAGE);
  CHECK(text(u.d->identity) == long_who.identity);
  CHECK(text(u.d->version) == "v");
  const Dnstap__Message* m = u.d->message;
  REQUIRE(m != nullptr);
  CHECK(m->type == DNSTAP__MESSAGE__TYPE__FORWARDER_RESPONSE);
  CHECK(m->socket_family == DNSTAP__SOCKET_FAMILY__INET6);
  CHECK(m->socket_protocol == DNSTAP__SOCKET_PROTOCOL__TCP);
  CHECK_FALSE(m->has_query_address);
  CHECK_FALSE(m->has_query_port);
  CHECK(bytes(m->response_address) == std::vector<std::uint8_t>(v6.begin(), v6.end()));
  CHECK(m->response_port == 853);
  CHECK(m->query_time_sec == 4102444800);
  CHECK(m->query_time_nsec == 999999999);
  CHECK(m->response_time_sec == 4102444801);
  CHECK(m->response_time_nsec == 1);
  CHECK_FALSE(m->has_query_message);
  REQUIRE(m->response_message.len == big.size());
  CHECK(std::memcmp(m->response_message.data, big.data(), big.size()) == 0);
  CHECK(m->policy == nullptr);
}

TEST_CASE("dnstap output: with no collector, frames wait up to the queue's size and the rest are counted dropped") {
  dt::output_options o;
  o.unix_path = "/nonexistent/dnsfilter-test/dnstap.sock";
  o.queue_frames = 8;
  auto opened = dt::output::open(o);
  REQUIRE(opened);
  std::unique_ptr<dt::output> out = std::move(*opened);
  dt::frames f;
  const auto add = [&f] {
    std::memset(f.reserve(10), 'x', 10);
    f.commit(10);
  };
  for (int i = 0; i < 5; ++i) {  // one frame per submit
    add();
    out->submit(f);
    CHECK(f.empty());
  }
  for (int i = 0; i < 15; ++i) add();  // then 15 in one: 3 fit
  CHECK(f.count() == 15);
  CHECK(f.bytes() == 150);
  out->submit(f);
  CHECK(f.empty());
  CHECK(f.bytes() == 0);
  CHECK(out->queued() == 8);
  CHECK(out->dropped_queue_full() == 12);
  CHECK(out->sent() == 0);
  CHECK_FALSE(out->connected());
  CHECK(out->stop());
  CHECK(out->dropped_queue_full() + out->dropped_write_failed() + out->sent() + out->queued() == 20);
}

TEST_CASE("dnstap tap: sampling 0 sends only the queries an entry matched") {
  dt::output_options o;
  o.unix_path = "/nonexistent/dnsfilter-test/dnstap.sock";
  o.queue_frames = 100;
  auto out = std::move(*dt::output::open(o));
  resolver::dnstap_config c;
  c.sample_per_million = 0;
  const stats::query_log_options privacy;
  dt::tap t(out.get(), c, privacy, 42);
  match::catalogue cat;
  cat.add_source("list.txt");
  match::entry e;
  e.id = "ID-1";
  const std::uint32_t index = cat.add_entry(e);
  const dnsfilter::filter_result missed;
  // A real query for x.example A: the tap reads the question's name.
  const std::vector<std::byte> packet = [] {
    std::vector<std::byte> b(query_packet);
    const std::string question{'\1', 'x', '\7', 'e', 'x', 'a', 'm', 'p', 'l', 'e', '\0', '\0', '\1', '\0', '\1'};
    for (unsigned char ch : question) b.push_back(std::byte{ch});
    return b;
  }();
  const auto checked = dnsfilter::sinkhole::check_query(packet);
  REQUIRE(checked.what == dnsfilter::sinkhole::admission::process);
  dnsfilter::filter_result hit;
  hit.query = checked.query;
  hit.entry = &cat.entries()[index];
  for (int i = 0; i < 10; ++i) {
    dt::query_context q;
    t.begin(q, missed, cat, query_packet, {}, {});
    CHECK_FALSE(q.sampled);
    t.respond(q, query_packet);
  }
  dt::query_context q;
  t.begin(q, hit, cat, packet, {}, {});
  CHECK(q.sampled);
  CHECK(q.policy.rule == "ID-1 list.txt");
  CHECK(q.policy.value.to_string() == "x.example.");
  t.respond(q, query_packet);
  CHECK(out->queued() == 2);  // its query and its response
  CHECK(out->stop());
}

TEST_CASE("dnstap tap: frames wait in the thread's batch until the scheduled flush") {
  dt::output_options o;
  o.unix_path = "/nonexistent/dnsfilter-test/dnstap.sock";
  o.queue_frames = 1000;
  auto out = std::move(*dt::output::open(o));
  resolver::dnstap_config c;  // every query sampled
  const stats::query_log_options privacy;
  dt::tap t(out.get(), c, privacy, 7);
  int scheduled = 0;
  t.on_pending([&scheduled] { ++scheduled; });
  const match::catalogue cat;
  const dnsfilter::filter_result missed;
  for (int i = 0; i < 3; ++i) {
    dt::query_context q;
    t.begin(q, missed, cat, query_packet, {}, {});
    t.respond(q, query_packet);
  }
  CHECK(scheduled == 1);  // once per batch
  CHECK(out->queued() == 0);
  t.flush_scheduled();
  CHECK(out->queued() == 6);
  // A batch that reaches flush_frames goes at once, without waiting for the turn's end.
  for (std::size_t i = 0; i < dt::tap::flush_frames; ++i) {
    dt::query_context q;
    t.begin(q, missed, cat, query_packet, {}, {});
  }
  CHECK(scheduled == 2);
  CHECK(out->queued() == 6 + dt::tap::flush_frames);
  CHECK(out->stop());
}
#endif
