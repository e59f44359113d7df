// The forwarder's DNS work without sockets: cache lifetimes and the answer
// shaped for the client (the upstream query and its checks are the library's,
// tests/unit/forward/).
#include "dns.hpp"

#include <doctest/doctest.h>

#include <cstring>
#include <vector>

using namespace resolver;
namespace wire = dnsfilter::wire;

namespace {

wire::name N(const char* text) { return wire::name::from_text(text).value(); }

wire::rdata::a A(std::uint8_t last) { return wire::rdata::a{{std::byte{192}, std::byte{0}, std::byte{2}, std::byte{last}}}; }

struct built {
  std::vector<std::byte> bytes = std::vector<std::byte>(4096);
  std::span<const std::byte> view;
};

// A client query.
built query(const char* name, wire::rr_type type, std::uint16_t id, bool edns, bool dnssec_ok = false) {
  built b;
  wire::message_writer w{b.bytes};
  w.header().id = id;
  w.header().rd = true;
  REQUIRE(w.add_question(N(name), type));
  if (edns) {
    wire::edns e;
    e.udp_payload_size = 4096;
    e.dnssec_ok = dnssec_ok;
    REQUIRE(w.add_opt(e));
  }
  b.view = w.finish();
  b.bytes.resize(b.view.size());
  b.view = b.bytes;
  return b;
}

struct response_spec {
  std::uint16_t id = 0x1234;
  const char* qname = "www.example.com";
  wire::rr_type qtype = wire::rr_type::a;
  bool qr = true;
  bool tc = false;
  wire::rcode rcode = wire::rcode::noerror;
  int a_records = 1;
  std::uint32_t ttl = 300;
  bool cname = false;
  bool soa = false;
  std::uint32_t soa_ttl = 900, soa_minimum = 60;
  bool opt = true;
};

built response(const response_spec& s) {
  built b;
  wire::message_writer w{b.bytes};
  w.header().id = s.id;
  w.header().qr = s.qr;
  w.header().rd = true;
  w.header().ra = true;
  w.header().tc = s.tc;
  w.header().rcode = static_cast<std::uint8_t>(s.rcode);
  const wire::name owner = N(s.qname);
  REQUIRE(w.add_question(owner, s.qtype));
  wire::name target = owner;
  if (s.cname) {
    target = N("target.example.net");
    REQUIRE(w.add_record(wire::section::answer, owner, wire::rr_type::cname, wire::rr_class::in, s.ttl,
                         wire::rdata::cname{target}));
  }
  for (int i = 0; i < s.a_records; ++i)
    REQUIRE(w.add_record(wire::section::answer, target, wire::rr_type::a, wire::rr_class::in, s.ttl + i,
                         A(static_cast<std::uint8_t>(i + 1))));
  if (s.soa) {
    wire::rdata::soa soa;
    soa.mname = N("ns.example.com");
    soa.rname = N("host.example.com");
    soa.minimum = s.soa_minimum;
    REQUIRE(w.add_record(wire::section::authority, N("example.com"), wire::rr_type::soa, wire::rr_class::in, s.soa_ttl, soa));
  }
  if (s.opt) {
    wire::edns e;
    e.udp_payload_size = 4096;
    REQUIRE(w.add_opt(e));
  }
  b.view = w.finish();
  b.bytes.resize(b.view.size());
  b.view = b.bytes;
  return b;
}

response_info analyze(const built& b, cache_policy p = {}) {
  auto m = wire::message_view::parse(b.view);
  REQUIRE(m);
  return analyze_response(*m, p);
}

std::uint32_t ttl_at(std::span<const std::byte> m, std::size_t at) {
  return std::to_integer<std::uint32_t>(m[at]) << 24 | std::to_integer<std::uint32_t>(m[at + 1]) << 16 |
         std::to_integer<std::uint32_t>(m[at + 2]) << 8 | std::to_integer<std::uint32_t>(m[at + 3]);
}

}  // namespace

TEST_CASE("cache lifetimes: smallest TTL, RFC 2308 for negative answers, never failures or TC") {
  response_spec positive;
  positive.a_records = 3;
  positive.ttl = 100;  // 100, 101, 102
  CHECK(analyze(response(positive)).cache_ttl == 100);

  cache_policy bounded;
  bounded.max_ttl = 50;
  CHECK(analyze(response(positive), bounded).cache_ttl == 50);
  bounded.max_ttl = 86400;
  bounded.min_ttl = 500;
  CHECK(analyze(response(positive), bounded).cache_ttl == 500);

  response_spec zero;
  zero.ttl = 0;
  CHECK(analyze(response(zero), bounded).cache_ttl == 0);  // TTL 0 is never cached

  response_spec nx;
  nx.rcode = wire::rcode::nxdomain;
  nx.a_records = 0;
  nx.soa = true;
  nx.soa_ttl = 900;
  nx.soa_minimum = 60;
  auto info = analyze(response(nx));
  CHECK(info.negative);
  CHECK(info.cache_ttl == 60);  // min(SOA TTL, MINIMUM)
  nx.soa_minimum = 7200;
  nx.soa_ttl = 7200;
  CHECK(analyze(response(nx)).cache_ttl == 3600);  // capped by --cache-negative-ttl

  response_spec nodata_without_soa;
  nodata_without_soa.a_records = 0;
  CHECK(analyze(response(nodata_without_soa)).cache_ttl == 0);

  response_spec servfail;
  servfail.rcode = wire::rcode::servfail;
  servfail.a_records = 0;
  CHECK(analyze(response(servfail)).cache_ttl == 0);

  response_spec truncated;
  truncated.tc = true;
  CHECK(analyze(response(truncated)).cache_ttl == 0);
}

TEST_CASE("layout: the OPT record, the TTL fields and CNAMEs") {
  response_spec s;
  s.cname = true;
  s.a_records = 2;
  s.soa = true;
  const auto r = response(s);
  const auto info = analyze(r);
  CHECK(info.layout.has_cname);
  CHECK(info.layout.has_opt);
  CHECK(info.layout.opt_last);
  CHECK(info.layout.opt_offset == r.view.size() - 11);
  CHECK(info.ttl_offsets.size() == 4);  // CNAME, 2 A, SOA; not the OPT
  CHECK(ttl_at(r.view, info.ttl_offsets[0]) == 300);
  CHECK(ttl_at(r.view, info.ttl_offsets[3]) == 900);
}

TEST_CASE("age_ttls counts every TTL down, not below zero") {
  response_spec s;
  s.a_records = 2;
  s.ttl = 10;  // 10, 11
  auto r = response(s);
  const auto info = analyze(r);
  std::vector<std::byte> m(r.view.begin(), r.view.end());
  age_ttls(m, info.ttl_offsets, 4);
  CHECK(ttl_at(m, info.ttl_offsets[0]) == 6);
  CHECK(ttl_at(m, info.ttl_offsets[1]) == 7);
  age_ttls(m, info.ttl_offsets, 100);
  CHECK(ttl_at(m, info.ttl_offsets[0]) == 0);
}

TEST_CASE("shape_answer: the client's id, case and EDNS") {
  response_spec s;
  s.id = 0x7777;
  s.qname = "wWw.ExAmPlE.cOm";  // our 0x20 case
  const auto upstream = response(s);
  const auto info = analyze(upstream);
  std::array<std::byte, 4096> out;

  SUBCASE("EDNS client: OPT kept with our payload size") {
    const auto q = query("WWW.example.com", wire::rr_type::a, 0x0101, true);
    const auto client = client_echo::of(*wire::query_view::parse(q.view));
    const auto a = shape_answer(upstream.view, info.layout, client, 1232, 4096, out);
    auto m = wire::message_view::parse(a);
    REQUIRE(m);
    CHECK(m->header().id == 0x0101);
    CHECK(m->header().qr);
    CHECK(m->header().ra);
    CHECK(m->read_name_at(m->question().name_offset).view().equals_exact(N("WWW.example.com")));
    REQUIRE(m->has_edns());
    CHECK(m->edns().udp_payload_size == 1232);
    CHECK(m->header().ancount == 1);
  }
  SUBCASE("client without EDNS: the OPT removed") {
    const auto q = query("www.example.com", wire::rr_type::a, 0x0202, false);
    const auto client = client_echo::of(*wire::query_view::parse(q.view));
    const auto a = shape_answer(upstream.view, info.layout, client, 1232, 512, out);
    auto m = wire::message_view::parse(a);
    REQUIRE(m);
    CHECK_FALSE(m->has_edns());
    CHECK(m->header().arcount == 0);
    CHECK(a.size() == upstream.view.size() - 11);
  }
  SUBCASE("upstream without EDNS, client with: an OPT added") {
    response_spec plain = s;
    plain.opt = false;
    const auto up = response(plain);
    const auto q = query("www.example.com", wire::rr_type::a, 0x0303, true, true);
    const auto client = client_echo::of(*wire::query_view::parse(q.view));
    const auto a = shape_answer(up.view, analyze(up).layout, client, 1232, 4096, out);
    auto m = wire::message_view::parse(a);
    REQUIRE(m);
    REQUIRE(m->has_edns());
    CHECK(m->edns().udp_payload_size == 1232);
  }
  SUBCASE("too big for the client: TC with the question") {
    response_spec big = s;
    big.a_records = 40;
    const auto up = response(big);
    const auto q = query("www.example.com", wire::rr_type::a, 0x0404, false);
    const auto client = client_echo::of(*wire::query_view::parse(q.view));
    const auto a = shape_answer(up.view, analyze(up).layout, client, 1232, 512, out);
    auto m = wire::message_view::parse(a);
    REQUIRE(m);
    CHECK(m->header().tc);
    CHECK(m->header().id == 0x0404);
    CHECK(m->header().qdcount == 1);
    CHECK(m->header().ancount == 0);
  }
  SUBCASE("in place") {
    const auto q = query("www.example.com", wire::rr_type::a, 0x0505, false);
    const auto client = client_echo::of(*wire::query_view::parse(q.view));
    std::vector<std::byte> buffer(upstream.view.begin(), upstream.view.end());
    buffer.resize(4096);
    const auto a = shape_answer({buffer.data(), upstream.view.size()}, info.layout, client, 1232, 512, buffer);
    auto m = wire::message_view::parse(a);
    REQUIRE(m);
    CHECK(m->header().id == 0x0505);
  }
}

TEST_CASE("cache keys fold case and tell DO and CD apart") {
  const auto a = make_cache_key(N("WWW.Example.com"), wire::rr_type::a, wire::rr_class::in, false, false);
  const auto b = make_cache_key(N("www.example.COM"), wire::rr_type::a, wire::rr_class::in, false, false);
  const auto c = make_cache_key(N("www.example.com"), wire::rr_type::a, wire::rr_class::in, true, false);
  const auto d = make_cache_key(N("www.example.com"), wire::rr_type::aaaa, wire::rr_class::in, false, false);
  const auto e = make_cache_key(N("www.example.com"), wire::rr_type::a, wire::rr_class::in, false, true);
  CHECK(a.view() == b.view());
  CHECK(a.view() != c.view());
  CHECK(a.view() != d.view());
  CHECK(a.view() != e.view());
}
