// The sinkhole responder: every answer shape parsed back with message_view,
// the size limits, answering in the query's own buffer, and the gate that
// turns bad packets into FORMERR / NOTIMP / BADVERS or silence.
#include <dnsfilter/sinkhole.hpp>
#include <dnsfilter/wire/message.hpp>
#include <dnsfilter/wire/writer.hpp>

#include "hex.hpp"
#include "packets.hpp"

#include <algorithm>
#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

using dnsfilter::errc;
using dnsfilter::match::action;
using dnsfilter::wire::message_view;
using dnsfilter::wire::message_writer;
using dnsfilter::wire::name;
using dnsfilter::wire::query_view;
using dnsfilter::wire::rcode;
using dnsfilter::wire::rr_class;
using dnsfilter::wire::rr_type;
using dnsfilter::wire::section;
namespace sinkhole = dnsfilter::sinkhole;
namespace rdata = dnsfilter::wire::rdata;
namespace ede_code = dnsfilter::wire::ede_code;
namespace option_code = dnsfilter::wire::option_code;
using dnsfilter_test::hex;
using dnsfilter_test::to_hex;
using dnsfilter_test::make_query;
using dnsfilter_test::query_spec;

namespace {

using bytes = std::vector<std::byte>;

constexpr rdata::a sinkhole_v4{{std::byte{192}, std::byte{0}, std::byte{2}, std::byte{53}}};
constexpr rdata::aaaa sinkhole_v6{{std::byte{0x20}, std::byte{0x01}, std::byte{0x0d}, std::byte{0xb8}, std::byte{0},
                                   std::byte{0}, std::byte{0}, std::byte{0}, std::byte{0}, std::byte{0}, std::byte{0},
                                   std::byte{0}, std::byte{0}, std::byte{0}, std::byte{0x53}, std::byte{0x53}}};
constexpr std::string_view entry_id = "XX-20250109-0001";

name dn(std::string_view text) { return name::from_text(text).value(); }

sinkhole::settings both_addresses() {
  sinkhole::settings s;
  s.ipv4 = sinkhole_v4;
  s.ipv6 = sinkhole_v6;
  return s;
}

const sinkhole::responder& default_responder() {
  static const sinkhole::responder r{both_addresses()};
  return r;
}

sinkhole::hit_answer hit(action a = action::sinkhole, std::string_view id = entry_id,
                       std::string_view category = "backdoor") {
  return {a, id, category};
}

query_view parse_query(std::span<const std::byte> packet) {
  auto q = query_view::parse(packet);
  REQUIRE_MESSAGE(q, "query does not parse: " << dnsfilter::to_string(q.error()));
  return *q;
}

message_view parse_ok(std::span<const std::byte> answer) {
  auto m = message_view::parse(answer);
  REQUIRE_MESSAGE(m, "answer does not parse: " << dnsfilter::to_string(m.error()) << " in " << to_hex(answer));
  return *m;
}

// The answer to a query, written out of place into a fresh buffer.
bytes answer(const bytes& query, const sinkhole::hit_answer& d, const sinkhole::responder& r = default_responder(),
             sinkhole::transport via = sinkhole::transport::udp, std::size_t out_size = 4096) {
  bytes out(out_size);
  auto a = r.respond(parse_query(query), d, out, via);
  REQUIRE_MESSAGE(a, "respond failed: " << dnsfilter::to_string(a.error()));
  return {a->begin(), a->end()};
}

// An answer with its parsed view. The view points into `wire`: a move keeps
// the vector's buffer (and so the view) valid, a copy would not.
struct reply {
  bytes wire;
  message_view m;
  explicit reply(bytes w) : wire(std::move(w)), m(parse_ok(wire)) {}
  reply(reply&&) = default;
  reply(const reply&) = delete;
  reply& operator=(const reply&) = delete;
};

// The question section's bytes (name with its case, QTYPE, QCLASS), from offset 12.
std::string question_hex(std::span<const std::byte> message) {
  const auto qv = parse_query(message);
  return to_hex(message.subspan(12, qv.question_end() - 12));
}

std::string answer_question_hex(const message_view& m) {
  const auto q = m.question();
  return to_hex(m.bytes().subspan(q.name_offset, q.end - q.name_offset));
}

struct ede_seen {
  bool present = false;
  std::uint16_t code = 0;
  std::string text;
  std::size_t options = 0;  // every option of the answer's OPT
};

ede_seen ede_of(const message_view& m) {
  ede_seen seen;
  for (auto opt : m.edns().options()) {
    ++seen.options;
    if (opt.code != option_code::extended_error) continue;
    auto e = dnsfilter::wire::extended_error::decode(opt.data);
    REQUIRE(e);
    seen.present = true;
    seen.code = e->info_code;
    seen.text = std::string(e->text);
  }
  return seen;
}

// What every answer to a query shares: header echoes and flags, the question
// byte for byte, and an OPT exactly when the query had one (our size, version
// 0, the client's DO bit, no option but the EDE).
void check_echo(const bytes& query_bytes, const message_view& m) {
  const auto q = parse_query(query_bytes);
  const auto& h = m.header();
  CHECK(h.id == q.header().id);
  CHECK(h.qr);
  CHECK(h.opcode == q.header().opcode);
  CHECK_FALSE(h.aa);
  CHECK(h.ra);
  CHECK_FALSE(h.ad);
  CHECK_FALSE(h.z);
  CHECK(h.rd == q.header().rd);
  CHECK(h.cd == q.header().cd);
  REQUIRE(h.qdcount == 1);
  CHECK(answer_question_hex(m) == question_hex(query_bytes));
  CHECK(m.has_edns() == q.has_edns());
  if (q.has_edns() && m.has_edns()) {
    CHECK(m.edns().udp_payload_size == 1232);
    CHECK(m.edns().version == 0);
    CHECK(m.edns().dnssec_ok == q.edns().dnssec_ok);
    CHECK(m.edns().z == 0);
    const auto seen = ede_of(m);
    CHECK(seen.options == (seen.present ? 1u : 0u));
  }
}

// The answer to the query `spec` describes, parsed and checked by check_echo.
reply echoed_answer(const query_spec& spec, const sinkhole::hit_answer& d,
                    const sinkhole::responder& r = default_responder()) {
  const auto query = make_query(spec);
  reply got{answer(query, d, r)};
  check_echo(query, got.m);
  return got;
}

// The single SOA of a negative answer: owner, TTL and fields.
void check_soa(const message_view& m, const query_spec& spec, const sinkhole::soa_settings& want = {}) {
  REQUIRE(m.header().nscount == 1);
  const auto rr = *m.records(section::authority).begin();
  CHECK(rr.type == rr_type::soa);
  CHECK(rr.klass == 1);
  CHECK(rr.ttl == want.minimum);
  CHECK(m.read_name_at(rr.owner_offset).view().equals_exact(dn(spec.qname)));  // the query name, its case kept
  auto v = m.rdata(rr);
  REQUIRE(v);
  const auto* soa = std::get_if<rdata::soa>(&*v);
  REQUIRE(soa != nullptr);
  CHECK(soa->mname == want.mname);
  CHECK(soa->rname == want.rname);
  CHECK(soa->serial == want.serial);
  CHECK(soa->refresh == want.refresh);
  CHECK(soa->retry == want.retry);
  CHECK(soa->expire == want.expire);
  CHECK(soa->minimum == want.minimum);
}

// The single address record of a sinkhole answer.
template <class T>
T address_of(const message_view& m, const query_spec& spec, rr_type type) {
  REQUIRE(m.header().ancount == 1);
  const auto rr = *m.records(section::answer).begin();
  CHECK(rr.type == type);
  CHECK(rr.klass == 1);
  CHECK(rr.ttl == 60);
  CHECK(rr.owner_offset + 2 == rr.rdata_offset - 10);  // the owner is a pointer to the question
  CHECK(m.read_name_at(rr.owner_offset).view().equals_exact(dn(spec.qname)));
  auto v = m.rdata(rr);
  REQUIRE(v);
  const T* t = std::get_if<T>(&*v);
  REQUIRE(t != nullptr);
  return *t;
}

}  // namespace

TEST_CASE("sinkhole: an A answer with EDE, byte for byte") {
  // What `dig c2.eViL.Example` sends (RD+AD, OPT 1232 with a cookie).
  const auto query = hex(
      "beef 0120 0001 0000 0000 0001"
      "02 6332 04 6556694c 07 4578616d706c65 00 0001 0001"  // 0x0c c2.eViL.Example. A IN
      "00 0029 04d0 00000000 000c 000a 0008 0123456789abcdef");
  CHECK(to_hex(query) == to_hex(make_query({})));
  const auto out = answer(query, hit());
  CHECK(to_hex(out) == to_hex(hex(
                           "beef 8180 0001 0001 0000 0001"  // QR RD RA, NOERROR; AD cleared
                           "02 6332 04 6556694c 07 4578616d706c65 00 0001 0001"  // the question, its case kept
                           "c00c 0001 0001 0000003c 0004 c0000235"  // -> question, A IN, TTL 60, 192.0.2.53
                           "00 0029 04d0 00000000 0027"             // OPT 1232, version 0, DO clear, RDLEN 39
                           "000f 0023 000f"                         // EDE, 35 octets, 15 Blocked
                           "626c6f636b656420627920656e74727920"     // "blocked by entry "
                           "58582d32303235303130392d30303031")));   // "XX-20250109-0001"
  const auto m = parse_ok(out);
  check_echo(query, m);
  const auto seen = ede_of(m);
  CHECK(seen.code == ede_code::blocked);
  CHECK(seen.text == "blocked by entry XX-20250109-0001");
}

TEST_CASE("sinkhole: NXDOMAIN with its SOA, byte for byte, without EDNS") {
  query_spec spec;
  spec.edns = false;
  const auto query = make_query(spec);
  const auto out = answer(query, hit(action::nxdomain));
  CHECK(to_hex(out) == to_hex(hex(
                           "beef 8183 0001 0000 0001 0000"  // NXDOMAIN, one authority record, no OPT
                           "02 6332 04 6556694c 07 4578616d706c65 00 0001 0001"
                           "c00c 0006 0001 0000003c 0043"  // SOA owned by the query name, TTL 60, RDLEN 67
                           "08 73696e6b686f6c65 07 696e76616c6964 00"  // sinkhole.invalid.
                           "0a 686f73746d6173746572 08 73696e6b686f6c65 07 696e76616c6964 00"  // hostmaster.sinkhole.invalid.
                           "00000001 00000e10 00000258 00015180 0000003c")));  // 1 3600 600 86400 60
  const auto m = parse_ok(out);
  check_echo(query, m);
  CHECK(m.rcode() == rcode::nxdomain);
  check_soa(m, spec);
}

TEST_CASE("sinkhole: every query type, with and without EDNS") {
  struct row {
    rr_type qtype;
    bool has_v6;
    std::size_t answers;
  };
  const row rows[] = {
      {rr_type::a, true, 1},     {rr_type::aaaa, true, 1},    {rr_type::aaaa, false, 0},
      {rr_type::mx, true, 0},    {rr_type::txt, true, 0},     {rr_type::any, true, 0},
      {rr_type::https, true, 0}, {rr_type::soa, true, 0},     {static_cast<rr_type>(4242), true, 0},
  };
  for (bool edns : {true, false}) {
    for (const auto& r : rows) {
      CAPTURE(edns);
      CAPTURE(static_cast<int>(r.qtype));
      CAPTURE(r.has_v6);
      auto s = both_addresses();
      if (!r.has_v6) s.ipv6.reset();
      const sinkhole::responder resp{s};
      query_spec spec;
      spec.qtype = r.qtype;
      spec.edns = edns;
      const auto query = make_query(spec);
      const auto out = answer(query, hit(), resp);
      const auto m = parse_ok(out);
      check_echo(query, m);
      CHECK(m.rcode() == rcode::noerror);
      CHECK_FALSE(m.header().tc);
      CHECK(m.header().ancount == r.answers);
      CHECK(m.header().arcount == (edns ? 1 : 0));
      if (r.qtype == rr_type::a) {
        CHECK(address_of<rdata::a>(m, spec, rr_type::a) == sinkhole_v4);
        CHECK(m.header().nscount == 0);
      } else if (r.answers == 1) {
        CHECK(address_of<rdata::aaaa>(m, spec, rr_type::aaaa) == sinkhole_v6);
        CHECK(m.header().nscount == 0);
      } else {
        check_soa(m, spec);  // NODATA
      }
      if (edns) {
        const auto seen = ede_of(m);
        CHECK(seen.present);
        CHECK(seen.code == ede_code::blocked);
        CHECK(seen.text == "blocked by entry XX-20250109-0001");
      }
    }
  }
}

TEST_CASE("sinkhole: no IPv4 address configured gives NODATA for A") {
  sinkhole::settings s;
  const sinkhole::responder resp{s};
  query_spec spec;
  const reply got{answer(make_query(spec), hit(), resp)};
  const auto& m = got.m;
  CHECK(m.rcode() == rcode::noerror);
  CHECK(m.header().ancount == 0);
  check_soa(m, spec);
}

TEST_CASE("sinkhole: every action") {
  for (bool edns : {true, false}) {
    CAPTURE(edns);
    query_spec spec;
    spec.edns = edns;
    const auto query = make_query(spec);

    struct row {
      action act;
      rcode want;
      bool soa;  // negative answers carry one; REFUSED does not
    };
    for (const row r : {row{action::nxdomain, rcode::nxdomain, true}, row{action::nodata, rcode::noerror, true},
                        row{action::refused, rcode::refused, false}}) {
      CAPTURE(dnsfilter::match::to_string(r.act));
      const reply got{answer(query, hit(r.act))};
      const auto& m = got.m;
      check_echo(query, m);
      CHECK(m.rcode() == r.want);
      CHECK(m.header().ancount == 0);
      if (r.soa) {
        check_soa(m, spec);
      } else {
        CHECK(m.header().nscount == 0);
      }
      if (edns) {
        const auto seen = ede_of(m);
        CHECK(seen.code == ede_code::blocked);
        CHECK(seen.text == "blocked by entry XX-20250109-0001");
      }
    }
    // Neither writes a byte: drop answers with an empty span, pass is refused.
    for (auto act : {action::drop, action::pass}) {
      CAPTURE(dnsfilter::match::to_string(act));
      bytes out(512, std::byte{0xAA});
      auto a = default_responder().respond(parse_query(query), hit(act), out);
      if (act == action::drop) {
        REQUIRE(a);
        CHECK(a->empty());
      } else {
        CHECK(a.error() == errc::out_of_range);
      }
      CHECK(std::all_of(out.begin(), out.end(), [](std::byte b) { return b == std::byte{0xAA}; }));
    }
  }
}

TEST_CASE("sinkhole: header echoes (id, RD, CD, DO) and flags") {
  for (int bits = 0; bits < 8; ++bits) {
    query_spec spec;
    spec.id = static_cast<std::uint16_t>(0x1000 + bits);
    spec.rd = (bits & 1) != 0;
    spec.cd = (bits & 2) != 0;
    spec.dnssec_ok = (bits & 4) != 0;
    spec.ad = (bits & 1) != 0;
    const auto got = echoed_answer(spec, hit());
    const auto& m = got.m;
    CHECK(m.edns().dnssec_ok == spec.dnssec_ok);
  }
}

TEST_CASE("sinkhole: the decision is taken from a catalogue entry") {
  dnsfilter::match::entry e;
  e.id = "XX-20250110-0002";
  e.category = "information theft";
  e.action = action::nxdomain;
  const auto d = sinkhole::hit_answer::of(e);
  CHECK(d.action == action::nxdomain);
  CHECK(d.id == "XX-20250110-0002");
  CHECK(d.category == "information theft");
  const reply got{answer(make_query({}), d)};
  const auto& m = got.m;
  CHECK(m.rcode() == rcode::nxdomain);
  CHECK(ede_of(m).text == "blocked by entry XX-20250110-0002");
}

TEST_CASE("sinkhole: EDE code per category, text per entry") {
  auto s = both_addresses();
  s.info_codes = {{"backdoor", ede_code::filtered}, {"ddos", ede_code::censored}};
  const sinkhole::responder resp{s};
  const auto query = make_query({});
  CHECK(resp.info_code_for("backdoor") == ede_code::filtered);
  CHECK(resp.info_code_for("ddos") == ede_code::censored);
  CHECK(resp.info_code_for("Backdoor") == ede_code::blocked);  // exact match only
  CHECK(resp.info_code_for("") == ede_code::blocked);

  CHECK(ede_of(parse_ok(answer(query, hit(action::sinkhole, entry_id, "backdoor"), resp))).code ==
        ede_code::filtered);
  CHECK(ede_of(parse_ok(answer(query, hit(action::nxdomain, entry_id, "information theft"), resp))).code ==
        ede_code::blocked);

  SUBCASE("an entry without an id") {
    const auto seen = ede_of(parse_ok(answer(query, hit(action::sinkhole, "", ""), resp)));
    CHECK(seen.code == ede_code::blocked);
    CHECK(seen.text == "blocked by a filtering list");
  }
  SUBCASE("configured texts") {
    auto t = both_addresses();
    t.ede_text_prefix = "C&C sinkhole, see https://example.net/transparency#";
    t.ede_text_without_id = "";
    const sinkhole::responder custom{t};
    CHECK(ede_of(parse_ok(answer(query, hit(), custom))).text ==
          "C&C sinkhole, see https://example.net/transparency#XX-20250109-0001");
    const auto seen = ede_of(parse_ok(answer(query, hit(action::sinkhole, ""), custom)));
    CHECK(seen.present);  // an empty text is allowed (RFC 8914 section 2)
    CHECK(seen.text.empty());
  }
  SUBCASE("EDE switched off: OPT alone") {
    auto t = both_addresses();
    t.extended_errors = false;
    const reply got{answer(query, hit(), sinkhole::responder{t})};
    const auto& m = got.m;
    REQUIRE(m.has_edns());
    CHECK(ede_of(m).options == 0);
  }
  SUBCASE("a long id is cut at 255 octets, never inside a UTF-8 character") {
    std::string id(300, 'x');
    std::array<char, sinkhole::max_ede_text> buf;
    CHECK(resp.ede_text(id, buf).size() == 255);
    CHECK(resp.ede_text(id, buf).substr(0, 17) == "blocked by entry ");
    // "é" is two octets: after the 17-octet prefix, 119 of them fill 255 exactly.
    std::string accents;
    for (int i = 0; i < 150; ++i) accents += "\xc3\xa9";
    const auto text = resp.ede_text(accents, buf);
    CHECK(text.size() == 255);
    // One octet more in front moves the cut into a character: it backs off to 254.
    std::string one_more = "a" + accents;
    const auto cut = resp.ede_text(one_more, buf);
    CHECK(cut.size() == 254);
    CHECK(static_cast<unsigned char>(cut.back()) == 0xa9);
    const auto seen = ede_of(parse_ok(answer(query, hit(action::sinkhole, one_more), resp)));
    CHECK(seen.text.size() == 254);
  }
}

TEST_CASE("sinkhole: SOA settings") {
  query_spec spec;
  const auto query = make_query(spec);
  SUBCASE("configured fields") {
    auto s = both_addresses();
    s.soa.mname = dn("ns.sinkhole.isp.example");
    s.soa.rname = dn("abuse.isp.example");
    s.soa.serial = 2025010901;
    s.soa.refresh = 1;
    s.soa.retry = 2;
    s.soa.expire = 3;
    s.soa.minimum = 30;
    const reply got{answer(query, hit(action::nxdomain), sinkhole::responder{s})};
    const auto& m = got.m;
    check_soa(m, spec, s.soa);
  }
  SUBCASE("switched off: negative answers without authority") {
    auto s = both_addresses();
    s.soa.enabled = false;
    const sinkhole::responder resp{s};
    for (auto a : {action::nxdomain, action::nodata}) {
      const reply got{answer(query, hit(a), resp)};
      const auto& m = got.m;
      CHECK(m.header().nscount == 0);
      CHECK(m.header().ancount == 0);
    }
    query_spec mx = spec;
    mx.qtype = rr_type::mx;
    CHECK(parse_ok(answer(make_query(mx), hit(), resp)).header().nscount == 0);
  }
  SUBCASE("the answer TTL") {
    auto s = both_addresses();
    s.answer_ttl = 5;
    const reply got{answer(query, hit(), sinkhole::responder{s})};
    const auto& m = got.m;
    CHECK(m.records(section::answer).begin()->ttl == 5);
  }
}

TEST_CASE("sinkhole: query classes") {
  query_spec spec;
  SUBCASE("QCLASS ANY gets the address in class IN") {
    spec.qclass = rr_class::any;
    const auto got = echoed_answer(spec, hit());
    const auto& m = got.m;
    CHECK(address_of<rdata::a>(m, spec, rr_type::a) == sinkhole_v4);
  }
  SUBCASE("QCLASS CH gets NODATA, its SOA in class CH") {
    spec.qclass = rr_class::ch;
    const auto got = echoed_answer(spec, hit());
    const auto& m = got.m;
    CHECK(m.header().ancount == 0);
    REQUIRE(m.header().nscount == 1);
    CHECK(m.records(section::authority).begin()->klass == 3);
  }
}

TEST_CASE("sinkhole: size limits and truncation") {
  // A long name and long SOA names make a negative answer of more than 512 octets.
  const std::string label(60, 'q');
  query_spec spec;
  spec.qname = label + "." + label + "." + label + ".Evil.Example";
  spec.qtype = rr_type::txt;
  auto s = both_addresses();
  const std::string mlabel(60, 'm'), rlabel(60, 'r');
  s.soa.mname = dn(mlabel + ".ns." + mlabel + "." + mlabel + ".example");
  s.soa.rname = dn(rlabel + ".mail." + rlabel + "." + rlabel + ".example");
  const sinkhole::responder resp{s};
  const auto full_size = [&] {
    auto q = spec;
    q.payload = 4096;
    return answer(make_query(q), hit(action::nxdomain), resp).size();
  }();
  REQUIRE(full_size > 512);

  // The truncated form: header, question, OPT (reserved) and EDE; no SOA.
  auto check_truncated = [&](const bytes& query, const bytes& out, std::size_t limit) {
    CHECK(out.size() <= limit);
    const auto m = parse_ok(out);
    check_echo(query, m);
    CHECK(m.header().tc);
    CHECK(m.rcode() == rcode::nxdomain);
    CHECK(m.header().nscount == 0);
  };

  SUBCASE("client payload 4096: complete") {
    spec.payload = 4096;
    const auto query = make_query(spec);
    const reply got{answer(query, hit(action::nxdomain), resp)};
    const auto& m = got.m;
    CHECK_FALSE(m.header().tc);
    check_soa(m, spec, s.soa);
    CHECK(ede_of(m).present);
  }
  SUBCASE("client payload 512: TC, the OPT survives") {
    spec.payload = 512;
    const auto query = make_query(spec);
    const auto out = answer(query, hit(action::nxdomain), resp);
    check_truncated(query, out, 512);
    CHECK(ede_of(parse_ok(out)).present);
  }
  SUBCASE("client payload below 512 counts as 512") {
    spec.payload = 200;
    const auto query = make_query(spec);
    const auto out = answer(query, hit(action::nxdomain), resp);
    CHECK(out.size() > 200);
    check_truncated(query, out, 512);
  }
  SUBCASE("no EDNS: 512") {
    spec.edns = false;
    const auto query = make_query(spec);
    check_truncated(query, answer(query, hit(action::nxdomain), resp), 512);
  }
  SUBCASE("TCP ignores the client's UDP size") {
    spec.payload = 512;
    const auto query = make_query(spec);
    const reply got{answer(query, hit(action::nxdomain), resp, sinkhole::transport::tcp)};
    const auto& m = got.m;
    CHECK_FALSE(m.header().tc);
    CHECK(m.header().nscount == 1);
  }
  SUBCASE("the caller's limit: a short buffer") {
    spec.payload = 4096;
    const auto query = make_query(spec);
    const auto out = answer(query, hit(action::nxdomain), resp, sinkhole::transport::tcp, 400);
    check_truncated(query, out, 400);
  }
}

TEST_CASE("sinkhole: tiny buffers give a valid message or no_space") {
  for (bool edns : {true, false}) {
    query_spec spec;
    spec.edns = edns;
    const auto query = make_query(spec);
    const auto q = parse_query(query);
    const auto full = answer(query, hit());
    for (std::size_t size = 0; size <= full.size(); ++size) {
      CAPTURE(edns);
      CAPTURE(size);
      bytes out(size);
      auto a = default_responder().respond(q, hit(), out);
      if (size < 12) {
        CHECK(a.error() == errc::no_space);
        continue;
      }
      REQUIRE(a);
      CHECK(a->size() <= size);
      const auto m = parse_ok(*a);
      CHECK(m.header().id == 0xbeef);
      CHECK(m.header().qr);
      // Complete, or marked truncated; the A record only behind its question.
      CHECK((a->size() == full.size() || m.header().tc || !ede_of(m).present));
      if (m.header().ancount == 1) CHECK(m.header().qdcount == 1);
      if (size == full.size()) CHECK(to_hex(*a) == to_hex(full));
      // The OPT is reserved first: once the question fits, so does the OPT.
      if (edns && m.header().qdcount == 1) CHECK(m.has_edns());
    }
  }
}

TEST_CASE("sinkhole: answering in the query's own buffer equals answering elsewhere") {
  const auto& r = default_responder();
  struct shape {
    const char* what;
    query_spec spec;
    sinkhole::hit_answer d;
  };
  query_spec no_edns;
  no_edns.edns = false;
  query_spec aaaa;
  aaaa.qtype = rr_type::aaaa;
  aaaa.dnssec_ok = true;
  query_spec mx;
  mx.qtype = rr_type::mx;
  query_spec long_name;
  long_name.qname = std::string(63, 'A') + "." + std::string(63, 'b') + "." + std::string(63, 'C') + ".eViL";
  const shape shapes[] = {
      {"A + EDE", {}, hit()},
      {"NXDOMAIN + SOA", {}, hit(action::nxdomain)},
      {"AAAA, DO", aaaa, hit()},
      {"NODATA", mx, hit()},
      {"REFUSED", {}, hit(action::refused)},
      {"no EDNS", no_edns, hit(action::nxdomain)},
      {"long name", long_name, hit(action::nxdomain)},
  };
  for (const auto& sh : shapes) {
    CAPTURE(sh.what);
    const auto query = make_query(sh.spec);
    const auto expected = answer(query, sh.d);

    // The resolver's receive buffer: the query at its start, room behind it.
    bytes buf(4096, std::byte{0xEE});
    std::copy(query.begin(), query.end(), buf.begin());
    const auto q = parse_query(std::span<const std::byte>(buf).first(query.size()));
    auto a = r.respond(q, sh.d, buf);
    REQUIRE(a);
    CHECK(a->data() == buf.data());
    CHECK(to_hex(*a) == to_hex(expected));

    // Overlapping but shifted: the answer starts 5 octets before the query.
    bytes shifted(4096, std::byte{0xEE});
    std::copy(query.begin(), query.end(), shifted.begin() + 5);
    const auto q5 = parse_query(std::span<const std::byte>(shifted).subspan(5, query.size()));
    auto a5 = r.respond(q5, sh.d, shifted);
    REQUIRE(a5);
    CHECK(to_hex(*a5) == to_hex(expected));
  }
}

TEST_CASE("sinkhole: error_answer and reject in the query's own buffer") {
  const auto& r = default_responder();
  {
    query_spec v1;
    v1.version = 1;
    for (const auto& query : {make_query({}), make_query(v1), hex("beef 0100 0002 0000 0000 0000 00 0001 0001"),
                              hex("abcd 2000 0001 0000 0000 0000 03 777777 00 0006 0001 ff")}) {
      CAPTURE(to_hex(query));
      bytes expected_buf(512);
      const auto c = sinkhole::check_query(query);
      bytes expected;
      if (c.what == sinkhole::admission::process) {
        auto e = r.error_answer(c.query, rcode::refused, expected_buf,
                                dnsfilter::wire::extended_error{ede_code::prohibited, "not our client"});
        REQUIRE(e);
        expected.assign(e->begin(), e->end());
      } else {
        auto e = r.reject(c, expected_buf);
        REQUIRE(e);
        expected.assign(e->begin(), e->end());
      }
      bytes buf(512);
      std::copy(query.begin(), query.end(), buf.begin());
      const auto c2 = sinkhole::check_query(std::span<const std::byte>(buf).first(query.size()));
      auto a = c2.what == sinkhole::admission::process
                   ? r.error_answer(c2.query, rcode::refused, buf,
                                    dnsfilter::wire::extended_error{ede_code::prohibited, "not our client"})
                   : r.reject(c2, buf);
      REQUIRE(a);
      CHECK(to_hex(*a) == to_hex(expected));
    }
  }
}

TEST_CASE("sinkhole: error_answer for REFUSED (ACL) and SERVFAIL (upstream)") {
  const auto& r = default_responder();
  bytes out(512);
  SUBCASE("REFUSED with EDE 18") {
    const auto query = make_query({});
    auto a = r.error_answer(parse_query(query), rcode::refused, out,
                            dnsfilter::wire::extended_error{ede_code::prohibited, "not a client of this resolver"});
    REQUIRE(a);
    const auto m = parse_ok(*a);
    check_echo(query, m);
    CHECK(m.rcode() == rcode::refused);
    CHECK(m.header().ancount + m.header().nscount == 0);
    const auto seen = ede_of(m);
    CHECK(seen.code == ede_code::prohibited);
    CHECK(seen.text == "not a client of this resolver");
  }
  SUBCASE("SERVFAIL without EDE") {
    const auto query = make_query({});
    auto a = r.error_answer(parse_query(query), rcode::servfail, out);
    REQUIRE(a);
    const auto m = parse_ok(*a);
    check_echo(query, m);
    CHECK(m.rcode() == rcode::servfail);
    CHECK(ede_of(m).options == 0);
  }
  SUBCASE("no EDNS: no OPT, so no EDE") {
    query_spec spec;
    spec.edns = false;
    const auto query = make_query(spec);
    auto a = r.error_answer(parse_query(query), rcode::servfail, out,
                            dnsfilter::wire::extended_error{ede_code::network_error, "upstream timed out"});
    REQUIRE(a);
    const auto m = parse_ok(*a);
    check_echo(query, m);
    CHECK(m.header().arcount == 0);
  }
  SUBCASE("rcodes that cannot be written") {
    query_spec spec;
    spec.edns = false;
    CHECK(r.error_answer(parse_query(make_query(spec)), rcode::badvers, out).error() == errc::out_of_range);
    CHECK(r.error_answer(parse_query(make_query({})), static_cast<rcode>(0x100), out).error() ==
          errc::out_of_range);
    bytes small(11);
    CHECK(r.error_answer(parse_query(make_query({})), rcode::servfail, small).error() == errc::no_space);
  }
}

TEST_CASE("sinkhole: check_query drops what must not be answered") {
  CHECK(sinkhole::check_query({}).what == sinkhole::admission::drop);
  CHECK(sinkhole::check_query(hex("beef 0100 0001 0000 0000 00")).what == sinkhole::admission::drop);  // 11 octets
  // QR set: a response, even a malformed one, is never answered.
  auto response = make_query({});
  response[2] |= std::byte{0x80};
  CHECK(sinkhole::check_query(response).what == sinkhole::admission::drop);
  CHECK(sinkhole::check_query(hex("beef 8000 0000 0000 0000 0000 ff")).what == sinkhole::admission::drop);

  const auto good = make_query({});
  const auto c = sinkhole::check_query(good);
  CHECK(c.what == sinkhole::admission::process);
  CHECK(c.parsed);
  CHECK(c.error == errc::ok);
  CHECK(c.query.qname().equals_exact(dn("c2.eViL.Example")));
  bytes out(512);
  CHECK(default_responder().reject(c, out).error() == errc::out_of_range);
}

namespace {

// The reject answer, parsed: header echoes and the rcode.
reply rejected(const bytes& packet, rcode want, std::size_t questions) {
  const auto c = sinkhole::check_query(packet);
  REQUIRE(c.what == sinkhole::admission::reject);
  CHECK(c.rcode == want);
  bytes out(512);
  auto a = default_responder().reject(c, out);
  REQUIRE(a);
  reply got{bytes(a->begin(), a->end())};
  const auto& m = got.m;
  CHECK(m.header().id == dnsfilter::detail::load_u16(packet.data()));
  CHECK(m.header().qr);
  CHECK(m.header().ra);
  CHECK_FALSE(m.header().aa);
  CHECK(m.rcode() == want);
  CHECK(m.header().qdcount == questions);
  CHECK(m.header().ancount + m.header().nscount == 0);
  return reply{std::move(got.wire)};
}

}  // namespace

TEST_CASE("sinkhole: FORMERR for malformed queries") {
  SUBCASE("QDCOUNT 0") {
    const auto packet = hex("1234 0100 0000 0000 0000 0000");
    CHECK(sinkhole::check_query(packet).error == errc::bad_question_count);
    const reply got = rejected(packet, rcode::formerr, 0);
    const auto& m = got.m;
    CHECK(m.header().rd);
    CHECK_FALSE(m.has_edns());
  }
  SUBCASE("QDCOUNT 2: no question echoed") {
    rejected(hex("1234 0100 0002 0000 0000 0000 00 0001 0001 00 0001 0001"), rcode::formerr, 0);
  }
  SUBCASE("header only") { rejected(hex("1234 0110 0001 0000 0000 0000"), rcode::formerr, 0); }
  SUBCASE("a sound question, then garbage: the question is echoed, no OPT") {
    auto packet = make_query({});
    packet.push_back(std::byte{0x42});
    const auto c = sinkhole::check_query(packet);
    CHECK(c.error == errc::trailing_data);
    const reply got = rejected(packet, rcode::formerr, 1);
    const auto& m = got.m;
    CHECK(answer_question_hex(m) == "026332046556694c074578616d706c6500" "00010001");
    CHECK_FALSE(m.has_edns());
    CHECK(m.header().cd == false);
  }
  SUBCASE("a bad OPT option: FORMERR without OPT") {
    // ECS with a source prefix longer than its address.
    const auto packet =
        hex("1234 0100 0001 0000 0000 0001 00 0001 0001 00 0029 04d0 00000000 0008 0008 0004 0001 21 00");
    rejected(packet, rcode::formerr, 1);
  }
  SUBCASE("two OPT records") {
    const auto packet = hex("1234 0100 0001 0000 0000 0002 00 0001 0001 00 0029 04d0 00000000 0000"
                            "00 0029 04d0 00000000 0000");
    CHECK(sinkhole::check_query(packet).error == errc::duplicate_opt);
    rejected(packet, rcode::formerr, 1);
  }
  SUBCASE("a question name that does not end: nothing echoed") {
    rejected(hex("1234 0100 0001 0000 0000 0000 05 6162636465 03 6162"), rcode::formerr, 0);
  }
  SUBCASE("a compression pointer in the question: nothing echoed") {
    rejected(hex("1234 0100 0001 0000 0000 0000 c00c 0001 0001"), rcode::formerr, 0);
  }
  SUBCASE("QTYPE cut short: nothing echoed") {
    rejected(hex("1234 0100 0001 0000 0000 0000 01 61 00 0001 00"), rcode::formerr, 0);
  }
}

TEST_CASE("sinkhole: NOTIMP for opcodes other than QUERY") {
  SUBCASE("NOTIFY: opcode and question echoed") {
    // NOTIFY for example.com SOA, AA set, as a primary sends it.
    const auto packet = hex("4321 2400 0001 0000 0000 0000 07 6578616d706c65 03 636f6d 00 0006 0001");
    const reply got = rejected(packet, rcode::notimp, 1);
    const auto& m = got.m;
    CHECK(m.header().opcode == dnsfilter::wire::opcode::notify);
    CHECK_FALSE(m.has_edns());
    CHECK(answer_question_hex(m) == "076578616d706c6503636f6d0000060001");
  }
  SUBCASE("UPDATE with EDNS: our OPT in the answer") {
    auto packet = make_query({});
    packet[2] = std::byte{0x28};  // opcode 5
    const reply got = rejected(packet, rcode::notimp, 1);
    const auto& m = got.m;
    CHECK(m.header().opcode == dnsfilter::wire::opcode::update);
    REQUIRE(m.has_edns());
    CHECK(m.edns().udp_payload_size == 1232);
    CHECK(ede_of(m).options == 0);
  }
  SUBCASE("STATUS without a question, and an unassigned opcode with garbage") {
    rejected(hex("4321 1000 0000 0000 0000 0000"), rcode::notimp, 0);
    const reply got = rejected(hex("4321 7800 0001 0000 0000 0000 ffff"), rcode::notimp, 0);
    const auto& m = got.m;
    CHECK(static_cast<int>(m.header().opcode) == 15);
  }
}

TEST_CASE("sinkhole: BADVERS for EDNS versions above 0") {
  query_spec spec;
  spec.version = 1;
  spec.dnssec_ok = true;
  const auto packet = make_query(spec);
  const reply got = rejected(packet, rcode::badvers, 1);
  const auto& m = got.m;
  CHECK(m.header().rcode == 0);  // the low four bits of 16
  REQUIRE(m.has_edns());
  CHECK(m.edns().extended_rcode == 1);
  CHECK(m.edns().version == 0);  // the version we speak
  CHECK(m.edns().dnssec_ok);
  CHECK(ede_of(m).options == 0);
  CHECK(answer_question_hex(m) == question_hex(packet));
}

TEST_CASE("sinkhole: random packets never give an invalid answer") {
  // A small deterministic generator (xorshift); valid queries mutated and pure noise.
  std::uint64_t state = 0x9e3779b97f4a7c15u;
  auto next = [&state] {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return state;
  };
  const auto base = make_query({});
  bytes out(512);
  int processed = 0, rejects = 0, drops = 0;
  for (int round = 0; round < 4000; ++round) {
    bytes packet;
    if (round % 2 == 0) {
      packet = base;
      const int flips = 1 + static_cast<int>(next() % 4);
      for (int i = 0; i < flips; ++i) packet[next() % packet.size()] = static_cast<std::byte>(next());
      if (next() % 4 == 0) packet.resize(next() % packet.size());
    } else {
      packet.resize(next() % 80);
      for (auto& b : packet) b = static_cast<std::byte>(next());
      if (packet.size() > 2 && next() % 2 == 0) packet[2] &= std::byte{0x07};  // QR clear, opcode QUERY
    }
    const auto c = sinkhole::check_query(packet);
    switch (c.what) {
      case sinkhole::admission::drop:
        ++drops;
        CHECK((packet.size() < 12 || (dnsfilter::detail::u8(packet.data() + 2) & 0x80) != 0));
        break;
      case sinkhole::admission::reject: {
        ++rejects;
        auto a = default_responder().reject(c, out);
        REQUIRE(a);
        const auto m = parse_ok(*a);
        CHECK(m.header().qr);
        CHECK(m.header().id == dnsfilter::detail::load_u16(packet.data()));
        break;
      }
      case sinkhole::admission::process: {
        ++processed;
        for (auto act : {action::sinkhole, action::nxdomain}) {
          auto a = default_responder().respond(c.query, hit(act), out);
          REQUIRE(a);
          const auto m = parse_ok(*a);
          CHECK(m.header().qr);
        }
        break;
      }
    }
  }
  CHECK(processed > 0);
  CHECK(rejects > 0);
  CHECK(drops > 0);
}
