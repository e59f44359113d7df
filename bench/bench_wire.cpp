// Benchmarks of the DNS wire codec, each beside a simple baseline measured in
// the same run (see bench/README.md). One item = one message or one name.
//
//   BM_parse_query/edns:1            query_view::parse of a dig-style query with OPT + cookie
//   BM_parse_query/edns:0            the same query without OPT
//   BM_baseline_parse_query_string   header fields + QNAME into a lower-cased dotted std::string
//   BM_parse_message_response        message_view::parse of CNAME + A + OPT, answers decoded
//   BM_build_response                the sinkhole answer with message_writer into a stack buffer
//   BM_baseline_build_response_vector  the same answer with std::vector push_back, no compression
//   BM_name_from_text / BM_name_to_text / BM_name_equals
#include <dnsfilter/dnsfilter.hpp>

#include <benchmark/benchmark.h>

#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace {

using namespace dnsfilter;
using namespace dnsfilter::wire;

std::vector<std::byte> bytes(std::initializer_list<int> list) {
  std::vector<std::byte> out;
  for (int b : list) out.push_back(static_cast<std::byte>(b));
  return out;
}

void append(std::vector<std::byte>& out, std::initializer_list<int> list) {
  for (int b : list) out.push_back(static_cast<std::byte>(b));
}

void append(std::vector<std::byte>& out, std::string_view s) {
  for (char c : s) out.push_back(static_cast<std::byte>(c));
}

// What `dig www.example.com` (BIND 9.18) sends: RD and AD, one question, an OPT
// record with payload size 1232 and an 8-octet client cookie. 56 octets.
std::vector<std::byte> make_query(bool with_edns) {
  auto q = bytes({0x8a, 0x3c, 0x01, 0x20, 0, 1, 0, 0, 0, 0, 0, with_edns ? 1 : 0});
  append(q, {3});
  append(q, "www");
  append(q, {7});
  append(q, "example");
  append(q, {3});
  append(q, "com");
  append(q, {0, 0, 1, 0, 1});  // root, A, IN
  if (with_edns) {
    append(q, {0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0, 0, 12});     // OPT, 1232, TTL 0, RDLENGTH 12
    append(q, {0, 10, 0, 8, 0xd2, 0x1f, 0x6c, 0x3a, 0x95, 0x01, 0x7e, 0x44});  // COOKIE, 8 octets
  }
  return q;
}

// A resolver's answer to that query: www.example.com CNAME cdn.example.net,
// cdn.example.net A 192.0.2.80, OPT with payload size 1232. 93 octets.
std::vector<std::byte> make_response() {
  auto r = bytes({0x8a, 0x3c, 0x81, 0x80, 0, 1, 0, 2, 0, 0, 0, 1});
  append(r, {3});
  append(r, "www");
  append(r, {7});
  append(r, "example");
  append(r, {3});
  append(r, "com");
  append(r, {0, 0, 1, 0, 1});
  // Answer 1 at offset 33: owner -> 12, CNAME, IN, TTL 300, RDATA at 45.
  append(r, {0xc0, 12, 0, 5, 0, 1, 0, 0, 0x01, 0x2c, 0, 17});
  append(r, {3});
  append(r, "cdn");
  append(r, {7});
  append(r, "example");
  append(r, {3});
  append(r, "net");
  append(r, {0});
  // Answer 2: owner -> 45 (cdn.example.net), A, IN, TTL 60.
  append(r, {0xc0, 45, 0, 1, 0, 1, 0, 0, 0, 60, 0, 4, 192, 0, 2, 80});
  append(r, {0, 0, 41, 0x04, 0xd0, 0, 0, 0, 0, 0, 0});
  return r;
}

constexpr std::string_view ede_text = "blocked by XX-20250109-0001";
constexpr std::array<std::byte, 4> sinkhole_v4{std::byte{192}, std::byte{0}, std::byte{2}, std::byte{53}};

// ---------------------------------------------------------------------------
// Parsing a query.

// Argument 1: the query carries an OPT record with a cookie; 0: no EDNS.
void BM_parse_query(benchmark::State& state) {
  const auto packet = make_query(state.range(0) != 0);
  const std::span<const std::byte> in{packet};
  for (auto _ : state) {
    benchmark::DoNotOptimize(in.data());
    auto q = query_view::parse(in);
    benchmark::DoNotOptimize(q);
  }
  if (!query_view::parse(in)) state.SkipWithError("query does not parse");
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(packet.size()));
}
BENCHMARK(BM_parse_query)->ArgName("edns")->Arg(1)->Arg(0);

// The baseline: how a developer typically starts — the header fields read one
// by one, the question name turned into a lower-cased dotted std::string.
// It checks bounds and label lengths but does not look at the OPT record, so
// it does less work than query_view::parse.
struct simple_query {
  std::uint16_t id = 0, flags = 0, qdcount = 0, ancount = 0, nscount = 0, arcount = 0;
  std::string qname;
  std::uint16_t qtype = 0, qclass = 0;
};

bool simple_parse(const std::uint8_t* p, std::size_t size, simple_query& q) {
  if (size < 12) return false;
  auto u16 = [p](std::size_t at) { return static_cast<std::uint16_t>(p[at] << 8 | p[at + 1]); };
  q.id = u16(0);
  q.flags = u16(2);
  q.qdcount = u16(4);
  q.ancount = u16(6);
  q.nscount = u16(8);
  q.arcount = u16(10);
  if (q.qdcount != 1) return false;
  q.qname.clear();
  std::size_t pos = 12;
  for (;;) {
    if (pos >= size) return false;
    const std::size_t len = p[pos];
    if (len == 0) break;
    if (len > 63 || pos + 1 + len > size) return false;
    if (!q.qname.empty()) q.qname += '.';
    for (std::size_t i = 0; i < len; ++i) {
      char c = static_cast<char>(p[pos + 1 + i]);
      if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
      q.qname += c;
    }
    pos += 1 + len;
    if (q.qname.size() > 253) return false;
  }
  ++pos;
  if (size - pos < 4) return false;
  q.qtype = u16(pos);
  q.qclass = u16(pos + 2);
  return true;
}

void BM_baseline_parse_query_string(benchmark::State& state) {
  const auto packet = make_query(true);
  const auto* p = reinterpret_cast<const std::uint8_t*>(packet.data());
  for (auto _ : state) {
    benchmark::DoNotOptimize(p);
    simple_query q;  // a fresh object per packet, as a handler would have
    bool ok = simple_parse(p, packet.size(), q);
    benchmark::DoNotOptimize(ok);
    benchmark::DoNotOptimize(q);
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(packet.size()));
}
BENCHMARK(BM_baseline_parse_query_string);

// ---------------------------------------------------------------------------
// Parsing a whole response and decoding its answers.

void BM_parse_message_response(benchmark::State& state) {
  const auto packet = make_response();
  const std::span<const std::byte> in{packet};
  {
    auto m = message_view::parse(in);
    if (!m || m->header().ancount != 2) state.SkipWithError("response does not parse");
  }
  for (auto _ : state) {
    benchmark::DoNotOptimize(in.data());
    auto m = message_view::parse(in);
    if (!m) std::abort();
    for (const record_view& rr : m->records(section::answer)) {
      auto rd = m->rdata(rr);
      benchmark::DoNotOptimize(rd);
    }
  }
  state.SetItemsProcessed(state.iterations());
  state.SetBytesProcessed(state.iterations() * static_cast<std::int64_t>(packet.size()));
}
BENCHMARK(BM_parse_message_response);

// ---------------------------------------------------------------------------
// Building the sinkhole answer.

void BM_build_response(benchmark::State& state) {
  const auto packet = make_query(true);
  const auto q = query_view::parse(packet);
  if (!q) {
    state.SkipWithError("query does not parse");
    return;
  }
  std::size_t size = 0;
  for (auto _ : state) {
    std::array<std::byte, 512> buf;
    message_writer w{buf, q->edns().effective_payload_size()};
    auto& h = w.header();
    h = q->header();
    h.qr = true;
    h.ra = true;
    h.ad = false;
    h.rcode = 0;
    (void)w.add_question(q->qname(), q->qtype(), q->qclass());
    (void)w.add_record(section::answer, q->qname(), rr_type::a, rr_class::in, 30, rdata::a{sinkhole_v4});
    edns e;
    e.udp_payload_size = 1232;
    (void)w.add_opt(e);
    (void)w.add_extended_error(ede_code::blocked, ede_text);
    auto out = w.finish();
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
    size = out.size();
  }
  state.counters["octets"] = static_cast<double>(size);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_build_response);

// The baseline: the same answer pushed byte by byte into a std::vector, the
// name kept as a dotted std::string and split at the dots, written in full
// twice (no compression). It carries the same information; its bytes differ
// from message_writer's only where the writer compresses the owner name.
void push_u16(std::vector<std::uint8_t>& v, std::uint16_t x) {
  v.push_back(static_cast<std::uint8_t>(x >> 8));
  v.push_back(static_cast<std::uint8_t>(x));
}

void push_name(std::vector<std::uint8_t>& v, const std::string& dotted) {
  std::size_t start = 0;
  while (start < dotted.size()) {
    std::size_t dot = dotted.find('.', start);
    if (dot == std::string::npos) dot = dotted.size();
    v.push_back(static_cast<std::uint8_t>(dot - start));
    for (std::size_t i = start; i < dot; ++i) v.push_back(static_cast<std::uint8_t>(dotted[i]));
    start = dot + 1;
  }
  v.push_back(0);
}

void BM_baseline_build_response_vector(benchmark::State& state) {
  const auto packet = make_query(true);
  simple_query q;
  if (!simple_parse(reinterpret_cast<const std::uint8_t*>(packet.data()), packet.size(), q)) {
    state.SkipWithError("query does not parse");
    return;
  }
  std::size_t size = 0;
  for (auto _ : state) {
    std::vector<std::uint8_t> v;
    push_u16(v, q.id);
    push_u16(v, static_cast<std::uint16_t>((q.flags | 0x8080) & ~0x0020 & ~0x000F));  // QR RA, no AD, NOERROR
    push_u16(v, 1);
    push_u16(v, 1);
    push_u16(v, 0);
    push_u16(v, 1);
    push_name(v, q.qname);
    push_u16(v, q.qtype);
    push_u16(v, q.qclass);
    push_name(v, q.qname);
    push_u16(v, 1);   // A
    push_u16(v, 1);   // IN
    push_u16(v, 0);   // TTL 30
    push_u16(v, 30);
    push_u16(v, 4);
    for (std::byte b : sinkhole_v4) v.push_back(static_cast<std::uint8_t>(b));
    v.push_back(0);   // OPT owner: root
    push_u16(v, 41);
    push_u16(v, 1232);
    push_u16(v, 0);
    push_u16(v, 0);
    push_u16(v, static_cast<std::uint16_t>(4 + 2 + ede_text.size()));
    push_u16(v, 15);  // EDE
    push_u16(v, static_cast<std::uint16_t>(2 + ede_text.size()));
    push_u16(v, 15);  // Blocked
    for (char c : ede_text) v.push_back(static_cast<std::uint8_t>(c));
    benchmark::DoNotOptimize(v.data());
    benchmark::ClobberMemory();
    size = v.size();
  }
  state.counters["octets"] = static_cast<double>(size);
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_baseline_build_response_vector);

// ---------------------------------------------------------------------------
// Names.

void BM_name_from_text(benchmark::State& state) {
  std::string_view text = "www.example.com";
  for (auto _ : state) {
    benchmark::DoNotOptimize(text);
    auto n = name::from_text(text);
    benchmark::DoNotOptimize(n);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_name_from_text);

void BM_name_to_text(benchmark::State& state) {
  const auto n = name::from_text("www.example.com");
  if (!n) {
    state.SkipWithError("name does not parse");
    return;
  }
  name_view v = *n;
  std::array<char, max_name_text_length> buf;
  for (auto _ : state) {
    benchmark::DoNotOptimize(v);
    auto len = v.to_text(buf);
    benchmark::DoNotOptimize(len);
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_name_to_text);

// Case-insensitive equality of two equal names that differ in letter case
// (the worst case for the early exit: every octet is compared).
void BM_name_equals(benchmark::State& state) {
  const auto a = name::from_text("www.example.com");
  const auto b = name::from_text("WWW.Example.COM");
  if (!a || !b) {
    state.SkipWithError("name does not parse");
    return;
  }
  name_view x = *a, y = *b;
  for (auto _ : state) {
    benchmark::DoNotOptimize(x);
    benchmark::DoNotOptimize(y);
    bool eq = x.equals(y);
    benchmark::DoNotOptimize(eq);
  }
  if (!x.equals(y)) state.SkipWithError("names differ");
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_name_equals);

}  // namespace
