// message_view and typed RDATA: a realistic response read record by record,
// the extended rcode, the header bits, and RDATA of the wrong shape.
#include <dnsfilter/wire/message.hpp>

#include "hex.hpp"

#include <string>
#include <string_view>
#include <vector>
#include <dnsfilter/wire/query.hpp>
#include <dnsfilter/wire/writer.hpp>

using dnsfilter::errc;
using dnsfilter::wire::message_view;
using dnsfilter::wire::record_view;
using dnsfilter::wire::rr_class;
using dnsfilter::wire::rr_type;
using dnsfilter::wire::section;
namespace rdata = dnsfilter::wire::rdata;
using dnsfilter_test::hex;
using dnsfilter_test::to_hex;

namespace {

// A response a recursive resolver could send, 311 octets, checked with
// dnspython (dns.message.from_wire). Offsets in hex at the left.
constexpr std::string_view response =
    // header: ID beef, QR RD RA, NOERROR; QD=1 AN=8 NS=2 AR=1
    "beef 8180 0001 0008 0002 0001"
    // 0x0c question: www.example.com. A IN ("example" at 0x10, "com" at 0x18)
    "03 777777 07 6578616d706c65 03 636f6d 00  0001 0001"
    // 0x21 www.example.com. (-> 0x0c) 300 CNAME web.example.com. ("web" at 0x2d, then -> 0x10)
    "c00c 0005 0001 0000012c 0006  03 776562 c010"
    // 0x33 web.example.com. (-> 0x2d) 300 CNAME edge.example.com. ("edge" at 0x3f)
    "c02d 0005 0001 0000012c 0007  04 65646765 c010"
    // 0x46 edge.example.com. 60 A 192.0.2.1
    "c03f 0001 0001 0000003c 0004  c0000201"
    // 0x56 edge.example.com. 60 AAAA 2001:db8::1
    "c03f 001c 0001 0000003c 0010  20010db8 00000000 00000000 00000001"
    // 0x72 example.com. 3600 MX 10 mail.example.com.
    "c010 000f 0001 00000e10 0009  000a 04 6d61696c c010"
    // 0x87 example.com. 3600 TXT "v=spf1 -all" "hi"
    "c010 0010 0001 00000e10 000f  0b 763d73706631202d616c6c 02 6869"
    // 0xa2 _sip._tcp.example.com. 3600 SRV 10 60 5060 sip.example.com. (target uncompressed)
    "04 5f736970 04 5f746370 c010 0021 0001 00000e10 0017"
    "  000a 003c 13c4 03 736970 07 6578616d706c65 03 636f6d 00"
    // 0xcf example.com. 3600 TYPE99 (no typed form here: opaque) \# 5 04deadbeef
    "c010 0063 0001 00000e10 0005 04deadbeef"
    // 0xe0 authority: example.com. 3600 SOA ns1.example.com. ("ns1" at 0xec) hostmaster.example.com.
    //      serial 2024010101, refresh 7200, retry 3600, expire 1209600, minimum 300
    "c010 0006 0001 00000e10 0027  03 6e7331 c010  0a 686f73746d6173746572 c010"
    "  78a3f175 00001c20 00000e10 00127500 0000012c"
    // 0x113 authority: example.com. 3600 NS ns1.example.com. (RDATA only a pointer -> 0xec)
    "c010 0002 0001 00000e10 0002 c0ec"
    // 0x121 additional: OPT, payload 1232, DO; option 15 (EDE) length 7: INFO-CODE 3 (stale) "stale"
    "00 0029 04d0 00 00 8000 000b  000f 0007 0003 7374616c65";

constexpr std::string_view question_www_a = "03 777777 07 6578616d706c65 03 636f6d 00 0001 0001";

message_view parse_ok(const std::vector<std::byte>& bytes) {
  auto m = message_view::parse(bytes);
  REQUIRE_MESSAGE(m, "parse failed: " << dnsfilter::to_string(m.error()));
  return *m;
}

errc parse_error(const std::vector<std::byte>& bytes) {
  auto m = message_view::parse(bytes);
  return m ? errc::ok : m.error();
}

std::vector<record_view> records_of(const message_view& m, section s) {
  std::vector<record_view> out;
  for (const record_view& rr : m.records(s)) out.push_back(rr);
  return out;
}

std::string owner_of(const message_view& m, const record_view& rr) {
  return m.read_name_at(rr.owner_offset).to_string();
}

// The typed RDATA of a record, which must decode to T.
template <class T>
T rdata_as(const message_view& m, const record_view& rr) {
  auto v = m.rdata(rr);
  REQUIRE_MESSAGE(v, "rdata failed: " << dnsfilter::to_string(v.error()));
  const T* typed = std::get_if<T>(&*v);
  REQUIRE_MESSAGE(typed != nullptr, "rdata holds alternative " << v->index());
  return *typed;
}

std::vector<std::string> txt_strings(const rdata::txt& t) {
  std::vector<std::string> out;
  for (auto s : t) out.emplace_back(reinterpret_cast<const char*>(s.data()), s.size());
  return out;
}

// A response with one answer "www.example.com. (-> 0x0c) 60 IN <type>" whose
// RDLENGTH and RDATA are given as written (they need not agree).
std::vector<std::byte> one_answer(std::string_view type, std::string_view rdlength, std::string_view rdata_hex) {
  return hex("0001 8180 0001 0001 0000 0000" + std::string(question_www_a) + "c00c" + std::string(type) +
             "0001 0000003c" + std::string(rdlength) + std::string(rdata_hex));
}

}  // namespace

TEST_CASE("a full response: header, question and section offsets") {
  const auto bytes = hex(response);
  REQUIRE(bytes.size() == 311);
  const auto m = parse_ok(bytes);
  CHECK(m.bytes().data() == bytes.data());
  const auto& h = m.header();
  CHECK(h.id == 0xbeef);
  CHECK(h.qr);
  CHECK(h.rd);
  CHECK(h.ra);
  CHECK_FALSE(h.aa);
  CHECK_FALSE(h.tc);
  CHECK(h.qdcount == 1);
  CHECK(h.ancount == 8);
  CHECK(h.nscount == 2);
  CHECK(h.arcount == 1);
  CHECK(m.rcode() == dnsfilter::wire::rcode::noerror);

  const auto q = m.question();
  CHECK(q.name_offset == 0x0c);
  CHECK(q.end == 0x21);
  CHECK(q.type == rr_type::a);
  CHECK(q.klass == rr_class::in);
  CHECK(m.read_name_at(q.name_offset).to_string() == "www.example.com.");

  const auto answers = records_of(m, section::answer);
  const auto authority = records_of(m, section::authority);
  const auto additional = records_of(m, section::additional);
  REQUIRE(answers.size() == 8);
  REQUIRE(authority.size() == 2);
  REQUIRE(additional.size() == 1);
  const std::size_t answer_offsets[] = {0x21, 0x33, 0x46, 0x56, 0x72, 0x87, 0xa2, 0xcf};
  for (std::size_t i = 0; i < 8; ++i) {
    CHECK(answers[i].owner_offset == answer_offsets[i]);
    CHECK(answers[i].section == section::answer);
  }
  CHECK(authority[0].owner_offset == 0xe0);
  CHECK(authority[1].owner_offset == 0x113);
  CHECK(authority[1].section == section::authority);
  CHECK(additional[0].owner_offset == 0x121);
  CHECK(additional[0].end() == 311);
}

TEST_CASE("questions are not records: records(section::question) is empty") {
  // A bare query: the question ends the message, so reading it as a record
  // (TTL, RDLENGTH) would run past the buffer.
  const auto bytes = hex("0001 0100 0001 0000 0000 0000 00 0001 0001");
  const auto m = parse_ok(bytes);
  CHECK(m.records(section::question).begin() == m.records(section::question).end());
  CHECK(m.records(section::answer).begin() == m.records(section::answer).end());
  CHECK(parse_ok(hex(response)).records(section::question).begin() == m.records(section::question).end());
}

TEST_CASE("a full response: every answer record and its typed RDATA") {
  const auto bytes = hex(response);
  const auto m = parse_ok(bytes);
  const auto an = records_of(m, section::answer);
  REQUIRE(an.size() == 8);

  CHECK(owner_of(m, an[0]) == "www.example.com.");
  CHECK(an[0].type == rr_type::cname);
  CHECK(an[0].klass == 1);
  CHECK(an[0].ttl == 300);
  CHECK(an[0].rdata_offset == 0x2d);
  CHECK(an[0].rdata_length == 6);
  CHECK(rdata_as<rdata::cname>(m, an[0]).target.to_string() == "web.example.com.");

  CHECK(owner_of(m, an[1]) == "web.example.com.");
  CHECK(rdata_as<rdata::cname>(m, an[1]).target.to_string() == "edge.example.com.");

  CHECK(owner_of(m, an[2]) == "edge.example.com.");
  CHECK(an[2].type == rr_type::a);
  CHECK(an[2].ttl == 60);
  CHECK(to_hex(rdata_as<rdata::a>(m, an[2]).address) == "c0000201");

  CHECK(an[3].type == rr_type::aaaa);
  CHECK(to_hex(rdata_as<rdata::aaaa>(m, an[3]).address) == "20010db8000000000000000000000001");

  CHECK(owner_of(m, an[4]) == "example.com.");
  CHECK(an[4].ttl == 3600);
  const auto mx = rdata_as<rdata::mx>(m, an[4]);
  CHECK(mx.preference == 10);
  CHECK(mx.exchange.to_string() == "mail.example.com.");

  const auto txt = rdata_as<rdata::txt>(m, an[5]);
  CHECK(txt_strings(txt) == std::vector<std::string>{"v=spf1 -all", "hi"});
  CHECK(txt.data.data() == bytes.data() + an[5].rdata_offset);  // a view, not a copy

  CHECK(owner_of(m, an[6]) == "_sip._tcp.example.com.");
  const auto srv = rdata_as<rdata::srv>(m, an[6]);
  CHECK(srv.priority == 10);
  CHECK(srv.weight == 60);
  CHECK(srv.port == 5060);
  CHECK(srv.target.to_string() == "sip.example.com.");

  CHECK(static_cast<unsigned>(an[7].type) == 99);
  const auto opaque = rdata_as<rdata::opaque>(m, an[7]);
  CHECK(to_hex(opaque.data) == "04deadbeef");
  CHECK(opaque.data.data() == bytes.data() + 0xcf + 12);
}

TEST_CASE("a full response: authority SOA and NS, and the OPT with an Extended DNS Error") {
  const auto bytes = hex(response);
  const auto m = parse_ok(bytes);
  const auto ns = records_of(m, section::authority);
  REQUIRE(ns.size() == 2);

  CHECK(ns[0].type == rr_type::soa);
  const auto soa = rdata_as<rdata::soa>(m, ns[0]);
  CHECK(soa.mname.to_string() == "ns1.example.com.");
  CHECK(soa.rname.to_string() == "hostmaster.example.com.");
  CHECK(soa.serial == 2024010101u);
  CHECK(soa.refresh == 7200);
  CHECK(soa.retry == 3600);
  CHECK(soa.expire == 1209600);
  CHECK(soa.minimum == 300);

  CHECK(ns[1].type == rr_type::ns);
  CHECK(rdata_as<rdata::ns>(m, ns[1]).target.to_string() == "ns1.example.com.");

  const auto ar = records_of(m, section::additional);
  REQUIRE(ar.size() == 1);
  CHECK(ar[0].type == rr_type::opt);
  CHECK(ar[0].klass == 1232);
  CHECK(ar[0].ttl == 0x8000);
  CHECK(m.read_name_at(ar[0].owner_offset).is_root());
  // OPT RDATA has no typed form here: edns() reads it.
  CHECK(to_hex(rdata_as<rdata::opaque>(m, ar[0]).data) == "000f000700037374616c65");

  REQUIRE(m.has_edns());
  CHECK(m.edns().udp_payload_size == 1232);
  CHECK(m.edns().dnssec_ok);
  CHECK(m.edns().version == 0);
  dnsfilter::wire::edns_option opt;
  REQUIRE(m.edns().find(dnsfilter::wire::option_code::extended_error, opt));
  auto ede = dnsfilter::wire::extended_error::decode(opt.data);
  REQUIRE(ede);
  CHECK(ede->info_code == dnsfilter::wire::ede_code::stale_answer);
  CHECK(ede->text == "stale");
}

TEST_CASE("following the CNAME chain from the question to the addresses") {
  const auto bytes = hex(response);
  const auto m = parse_ok(bytes);
  auto current = m.read_name_at(m.question().name_offset);
  std::vector<std::string> chain{current.to_string()};
  std::vector<std::string> addresses;
  for (int step = 0; step < 8; ++step) {
    bool moved = false;
    for (const auto& rr : m.records(section::answer)) {
      if (!(m.read_name_at(rr.owner_offset) == current)) continue;
      if (rr.type == rr_type::cname) {
        current = rdata_as<rdata::cname>(m, rr).target;
        chain.push_back(current.to_string());
        moved = true;
        break;
      }
      if (rr.type == rr_type::a) addresses.push_back(to_hex(rdata_as<rdata::a>(m, rr).address));
      if (rr.type == rr_type::aaaa) addresses.push_back(to_hex(rdata_as<rdata::aaaa>(m, rr).address));
    }
    if (!moved) break;
  }
  CHECK(chain == std::vector<std::string>{"www.example.com.", "web.example.com.", "edge.example.com."});
  CHECK(addresses == std::vector<std::string>{"c0000201", "20010db8000000000000000000000001"});
}

TEST_CASE("a response cut at any byte is refused cleanly") {
  const auto bytes = hex(response);
  for (std::size_t n = 0; n < bytes.size(); ++n) {
    CAPTURE(n);
    const std::vector<std::byte> cut(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(n));
    auto m = message_view::parse(cut);
    CHECK_FALSE(m);
  }
  CHECK(parse_error(bytes) == errc::ok);
  auto longer = bytes;
  longer.push_back(std::byte{0});
  CHECK(parse_error(longer) == errc::trailing_data);
}

TEST_CASE("the extended rcode combines the header's four bits with OPT's eight") {
  // BADVERS (16): header RCODE 0, OPT extended RCODE 1.
  auto badvers = parse_ok(hex("0001 8100 0000 0000 0000 0001  00 0029 1000 01 00 0000 0000"));
  CHECK(badvers.header().rcode == 0);
  CHECK(badvers.edns().extended_rcode == 1);
  CHECK(badvers.rcode() == dnsfilter::wire::rcode::badvers);
  // NXDOMAIN with an OPT that extends nothing.
  auto nx = parse_ok(hex("0001 8183 0000 0000 0000 0001  00 0029 1000 00 00 0000 0000"));
  CHECK(nx.rcode() == dnsfilter::wire::rcode::nxdomain);
  // Header 2 and extended 1 make 18; without OPT only the header counts.
  auto mixed = parse_ok(hex("0001 8182 0000 0000 0000 0001  00 0029 1000 01 00 0000 0000"));
  CHECK(static_cast<unsigned>(mixed.rcode()) == 18);
  auto plain = parse_ok(hex("0001 8185 0000 0000 0000 0000"));
  CHECK_FALSE(plain.has_edns());
  CHECK(plain.rcode() == dnsfilter::wire::rcode::refused);
}

TEST_CASE("typed RDATA must have the shape of its type") {
  struct vector {
    std::string_view what, type, rdlength, rdata;
    errc expected;
  };
  const vector vectors[] = {
      {"A with 5 octets", "0001", "0005", "c000020100", errc::bad_rdata},
      {"A with 3 octets", "0001", "0003", "c00002", errc::bad_rdata},
      {"A with none", "0001", "0000", "", errc::bad_rdata},
      {"AAAA with 15 octets", "001c", "000f", "20010db8000000000000000000000000", errc::bad_rdata},
      {"AAAA with 4 octets", "001c", "0004", "c0000201", errc::bad_rdata},
      {"CNAME with an empty RDATA", "0005", "0000", "", errc::bad_rdata},
      {"CNAME with an octet after its name", "0005", "0003", "00 ff 00", errc::bad_rdata},
      {"CNAME whose name runs past RDLENGTH", "0005", "0003", "03 666f6f 00", errc::bad_rdata},
      {"CNAME whose pointer is cut by RDLENGTH", "0005", "0001", "c00c", errc::bad_rdata},
      {"NS whose name runs past RDLENGTH", "0002", "0002", "01 61 00", errc::bad_rdata},
      {"PTR whose name runs past RDLENGTH", "000c", "0001", "01 61 00", errc::bad_rdata},
      {"MX with only a preference", "000f", "0002", "000a", errc::bad_rdata},
      {"MX whose exchange runs past RDLENGTH", "000f", "0004", "000a 03 6d78 00", errc::bad_rdata},
      {"MX with an octet after its exchange", "000f", "0004", "000a 00 ff", errc::bad_rdata},
      {"SRV with 6 octets", "0021", "0006", "0001 0002 0003", errc::bad_rdata},
      {"SRV whose target runs past RDLENGTH", "0021", "0008", "0001 0002 0003 03 6162 00 00", errc::bad_rdata},
      {"SOA without its numbers", "0006", "0002", "00 00", errc::bad_rdata},
      {"SOA with 19 octets of numbers", "0006", "0015", "00 00 00000000000000000000000000000000000000",
       errc::bad_rdata},
      {"SOA with 21 octets of numbers", "0006", "0017", "00 00 000000000000000000000000000000000000000000",
       errc::bad_rdata},
      {"SOA whose rname runs past RDLENGTH", "0006", "0003", "00 01 61 00", errc::bad_rdata},
      {"TXT whose string runs past RDLENGTH", "0010", "0003", "05 6162 63", errc::bad_rdata},
      {"TXT whose second string runs past RDLENGTH", "0010", "0004", "01 61 02 62", errc::bad_rdata},
      // Names inside RDATA keep their own errors.
      {"CNAME with a forward pointer", "0005", "0002", "c02f", errc::bad_pointer},
      {"CNAME with label type 01", "0005", "0002", "40 00", errc::reserved_label_type},
      // Edge cases that are well shaped.
      {"empty TXT (sent by real servers)", "0010", "0000", "", errc::ok},
      {"TXT with one empty string", "0010", "0001", "00", errc::ok},
      {"CNAME to the root", "0005", "0001", "00", errc::ok},
      {"CNAME compressed to the question name", "0005", "0002", "c00c", errc::ok},
      {"MX to the root (null MX)", "000f", "0003", "0000 00", errc::ok},
      {"SOA with both names compressed", "0006", "0018", "c00c c010 0000000000000000000000000000000000000000",
       errc::ok},
      {"an unknown type with no RDATA", "ff00", "0000", "", errc::ok},
      {"an unknown type with bytes that would be a bad name", "ff00", "0002", "c0ff", errc::ok},
  };
  const std::size_t rdata_at = 12 + 21 + 12;  // header, question, answer's owner pointer and fixed fields
  for (const auto& v : vectors) {
    CAPTURE(v.what);
    const auto bytes = one_answer(v.type, v.rdlength, v.rdata);
    CHECK(parse_error(bytes) == v.expected);
    // decode_rdata and validate_rdata agree, called directly on the record.
    const auto t = hex(v.type), l = hex(v.rdlength);
    const auto type = static_cast<rr_type>(static_cast<unsigned>(t[0]) << 8 | static_cast<unsigned>(t[1]));
    const std::size_t length = static_cast<std::size_t>(l[0]) << 8 | static_cast<std::size_t>(l[1]);
    CHECK(dnsfilter::wire::decode_rdata(bytes, type, rdata_at, length).error() == v.expected);
    CHECK(dnsfilter::wire::validate_rdata(bytes, type, rdata_at, length).error() == v.expected);
  }
}

TEST_CASE("decode_rdata refuses a span outside the message") {
  const auto bytes = hex(response);
  CHECK(dnsfilter::wire::decode_rdata(bytes, rr_type::a, bytes.size() - 3, 4).error() == errc::truncated);
  CHECK(dnsfilter::wire::decode_rdata(bytes, rr_type::a, bytes.size() + 1, 0).error() == errc::truncated);
  CHECK(dnsfilter::wire::validate_rdata(bytes, rr_type::txt, 5000, 1).error() == errc::truncated);
}

TEST_CASE("message-level limits and counts") {
  CHECK(parse_error({}) == errc::truncated);
  CHECK(parse_error(hex("0001 8180 0000 0000 0000")) == errc::truncated);
  CHECK(parse_error(hex("0001 8180 0000 0000 0000 0000")) == errc::ok);  // a bare header is a message
  CHECK(parse_error(hex("0001 8180 ffff ffff ffff ffff")) == errc::truncated);
  CHECK(parse_error(hex("0001 8180 0001 0000 0000 0000 00 0001")) == errc::truncated);
  CHECK(parse_error(hex("0001 8180 0000 0000 0000 0000 00")) == errc::trailing_data);
  // Two questions are fine in a message (not in a query).
  const auto two = hex("0001 0000 0002 0000 0000 0000  01 61 00 0001 0001  01 62 c00c 001c 0003");
  const auto m = parse_ok(two);
  CHECK(m.read_name_at(m.question(1).name_offset).to_string() == "b.a.");
  CHECK(m.question(1).type == rr_type::aaaa);
  CHECK(m.question(1).klass == rr_class::ch);
  CHECK(m.question(1).end == two.size());
  // OPT rules hold for responses too.
  const std::string opt = "00 0029 1000 00000000 0000";
  CHECK(parse_error(hex("0001 8180 0000 0001 0000 0000" + opt)) == errc::misplaced_opt);
  CHECK(parse_error(hex("0001 8180 0000 0000 0000 0002" + opt + opt)) == errc::duplicate_opt);
  CHECK(parse_error(hex("0001 8180 0000 0000 0000 0001 00 0029 1000 00000000 0002 0008")) == errc::bad_option);
}

TEST_CASE("header flags decode and encode bit for bit") {
  // ID 1234; QR, opcode UPDATE (5), AA, TC, RD = 1 0101 1 1 1 = 0xaf;
  // RA, Z, AD, CD, RCODE 5 = 1 1 1 1 0101 = 0xf5; counts 1, 2, 3, 4.
  const auto bytes = hex("1234 aff5 0001 0002 0003 0004");
  const auto h = dnsfilter::wire::header::decode(bytes.data());
  CHECK(h.id == 0x1234);
  CHECK(h.qr);
  CHECK(h.opcode == dnsfilter::wire::opcode::update);
  CHECK(h.aa);
  CHECK(h.tc);
  CHECK(h.rd);
  CHECK(h.ra);
  CHECK(h.z);
  CHECK(h.ad);
  CHECK(h.cd);
  CHECK(h.rcode == 5);
  CHECK(h.count(section::question) == 1);
  CHECK(h.count(section::answer) == 2);
  CHECK(h.count(section::authority) == 3);
  CHECK(h.count(section::additional) == 4);
  std::vector<std::byte> out(12);
  h.encode(out.data());
  CHECK(to_hex(out) == to_hex(bytes));

  // Each flag alone lands on its own bit; an unassigned opcode survives.
  dnsfilter::wire::header one;
  one.opcode = static_cast<dnsfilter::wire::opcode>(15);
  one.encode(out.data());
  CHECK(to_hex(out) == "000078000000000000000000");
  CHECK(dnsfilter::wire::header::decode(out.data()) == one);
  CHECK(dnsfilter::wire::header::decode(hex("0000 0000 0000 0000 0000 0000").data()) == dnsfilter::wire::header{});
}

TEST_CASE("mnemonics") {
  using dnsfilter::wire::mnemonic;
  CHECK(std::string_view(mnemonic(rr_type::aaaa)) == "AAAA");
  CHECK(std::string_view(mnemonic(rr_type::opt)) == "OPT");
  CHECK(mnemonic(static_cast<rr_type>(99)) == nullptr);
  CHECK(std::string_view(mnemonic(rr_class::in)) == "IN");
  CHECK(mnemonic(static_cast<rr_class>(2)) == nullptr);
  CHECK(std::string_view(mnemonic(dnsfilter::wire::rcode::badvers)) == "BADVERS");
  CHECK(std::string_view(mnemonic(dnsfilter::wire::opcode::notify)) == "NOTIFY");
  CHECK(dnsfilter::wire::has_typed_rdata(rr_type::srv));
  CHECK_FALSE(dnsfilter::wire::has_typed_rdata(rr_type::opt));
  CHECK_FALSE(dnsfilter::wire::has_typed_rdata(static_cast<rr_type>(99)));
}

TEST_CASE("record iteration outlives a temporary message_view; question(i) past the end is empty") {
  const auto bytes = hex(response);
  // The parse result is a temporary that dies before the loop body runs; the
  // iterators hold the buffer, which lives on.
  std::size_t answers = 0;
  for (const auto& rr : message_view::parse(bytes)->records(section::answer)) {
    CHECK(rr.section == section::answer);
    ++answers;
  }
  CHECK(answers == 8);

  const auto m = message_view::parse(bytes);
  REQUIRE(m.has_value());
  const auto past = m->question(1);
  CHECK(past.name_offset == 0);
  CHECK(past.end == 0);
}

// ---- wire vectors: both parsers, truncation at every byte, round trips ----
using dnsfilter::errc;
using dnsfilter::wire::message_view;
using dnsfilter::wire::message_writer;
using dnsfilter::wire::query_view;
using dnsfilter::wire::rr_class;
using dnsfilter::wire::rr_type;
using dnsfilter::wire::section;
using dnsfilter_test::hex;
using dnsfilter_test::to_hex;

namespace {

struct packet_vector {
  std::string_view what;
  std::string packet;     // hex
  errc as_query;          // query_view::parse
  errc as_message;        // message_view::parse
};

// n octets of 'a' as a label, in hex.
std::string label(std::size_t n) {
  std::string s = to_hex(std::vector<std::byte>{static_cast<std::byte>(n)});
  for (std::size_t i = 0; i < n; ++i) s += "61";
  return s;
}

const std::string l63 = label(63);

const packet_vector corpus[] = {
    {"minimal query: root A",
     "0001 0100 0001 0000 0000 0000  00 0001 0001", errc::ok, errc::ok},
    {"query with a 63-octet label",
     "0001 0100 0001 0000 0000 0000" + l63 + "00 0001 0001", errc::ok, errc::ok},
    {"query with a 255-octet name",
     "0001 0100 0001 0000 0000 0000" + l63 + l63 + l63 + label(61) + "00 0001 0001", errc::ok, errc::ok},
    {"query with a 256-octet name",
     "0001 0100 0001 0000 0000 0000" + l63 + l63 + l63 + label(62) + "00 0001 0001", errc::name_too_long,
     errc::name_too_long},
    {"query with a 64-octet label (0x40: label type 01)",
     "0001 0100 0001 0000 0000 0000" + label(64) + "00 0001 0001", errc::reserved_label_type,
     errc::reserved_label_type},
    {"query with label type 10",
     "0001 0100 0001 0000 0000 0000  01 61 80 00 0001 0001", errc::reserved_label_type, errc::reserved_label_type},
    {"question name cut inside a pointer",
     "0001 0100 0001 0000 0000 0000  03 777777 c0", errc::truncated, errc::truncated},
    {"question without QCLASS",
     "0001 0100 0001 0000 0000 0000  00 0001", errc::truncated, errc::truncated},
    {"no question",
     "0001 8100 0000 0000 0000 0000", errc::bad_question_count, errc::ok},
    {"two questions",
     "0001 0100 0002 0000 0000 0000  00 0001 0001  00 001c 0001", errc::bad_question_count, errc::ok},
    {"an octet after the question",
     "0001 0100 0001 0000 0000 0000  00 0001 0001  00", errc::trailing_data, errc::trailing_data},
    {"response: CNAME and A, owners and target compressed",
     "1234 8180 0001 0002 0000 0000"
     "03 777777 07 6578616d706c65 03 636f6d 00 0001 0001"   // 0x0c www.example.com. A IN
     "c00c 0005 0001 0000003c 0007 04 6d61696c c010"         // -> CNAME mail.example.com. ("mail" at 0x2d)
     "c02d 0001 0001 0000003c 0004 c0000201",                // mail.example.com. A 192.0.2.1
     errc::ok, errc::ok},
    {"response: MX, TXT, SRV, an opaque TYPE99 and an SOA (checked with dnspython)",
     "abcd 8580 0001 0004 0001 0000"                               // QR AA RD RA; QD=1 AN=4 NS=1
     "07 6578616d706c65 03 636f6d 00 00ff 0001"                    // 0x0c example.com. ANY IN
     "c00c 000f 0001 00000e10 0009 000a 04 6d61696c c00c"          // 0x1d MX 10 mail.example.com.
     "c00c 0010 0001 00000e10 0007 05 68656c6c6f 00"               // 0x32 TXT "hello" ""
     "03 5f7878 04 5f746370 c00c 0021 0001 00000e10 0007"          // 0x45 _xx._tcp.example.com. SRV
     "  0000 0000 0035 00"                                         //      0 0 53 .
     "c00c 0063 0001 00000e10 0003 020102"                         // 0x61 TYPE99 \# 3 020102
     "c00c 0006 0001 00000e10 001a 02 6e73 c00c 00"                // 0x70 SOA ns.example.com. .
     "  0000000a 00000e10 00000384 00093a80 0000003c",             //      10 3600 900 604800 60
     errc::ok, errc::ok},
    {"answer owner pointing forward",
     "0001 8180 0001 0001 0000 0000  00 0001 0001  c01f 0001 0001 00000000 0004 c0000201", errc::bad_pointer,
     errc::bad_pointer},
    {"answer owner pointing at itself",
     "0001 8180 0001 0001 0000 0000  00 0001 0001  c011 0001 0001 00000000 0004 c0000201", errc::bad_pointer,
     errc::bad_pointer},
    {"answer owner pointing into the header",
     "0001 8180 0001 0001 0000 0000  00 0001 0001  c002 0001 0001 00000000 0004 c0000201", errc::bad_pointer,
     errc::bad_pointer},
    {"answer owner with label type 01",
     "0001 8180 0001 0001 0000 0000  00 0001 0001  41 0001 0001 00000000 0004 c0000201",
     errc::reserved_label_type, errc::reserved_label_type},
    {"answer cut inside its fixed fields",
     "0001 8180 0001 0001 0000 0000  00 0001 0001  00 0001 0001 0000", errc::truncated, errc::truncated},
    {"answer whose RDLENGTH runs past the end",
     "0001 8180 0001 0001 0000 0000  00 0001 0001  00 0001 0001 00000000 0004 c00002", errc::truncated,
     errc::truncated},
    {"A record with 5 octets",
     "0001 8180 0001 0001 0000 0000  00 0001 0001  00 0001 0001 00000000 0005 c000020100", errc::bad_rdata,
     errc::bad_rdata},
    {"OPT with an ECS option",
     "0001 0100 0001 0000 0000 0001  00 0001 0001  00 0029 1000 00008000 000b  0008 0007 0001 18 00 c00002",
     errc::ok, errc::ok},
    {"OPT with a /33 ECS",
     "0001 0100 0001 0000 0000 0001  00 0001 0001  00 0029 1000 00000000 000c  0008 0008 0001 21 00 c0000201",
     errc::bad_option, errc::bad_option},
    {"OPT whose option runs past RDLENGTH",
     "0001 0100 0001 0000 0000 0001  00 0001 0001  00 0029 1000 00000000 0004  000a 0001", errc::bad_option,
     errc::bad_option},
    {"two OPT records",
     "0001 0100 0001 0000 0000 0002  00 0001 0001  00 0029 1000 00000000 0000  00 0029 1000 00000000 0000",
     errc::duplicate_opt, errc::duplicate_opt},
    {"OPT in the answer section",
     "0001 0100 0001 0001 0000 0000  00 0001 0001  00 0029 1000 00000000 0000", errc::misplaced_opt,
     errc::misplaced_opt},
    {"OPT owned by a.",
     "0001 0100 0001 0000 0000 0001  00 0001 0001  01 61 00 0029 1000 00000000 0000", errc::misplaced_opt,
     errc::misplaced_opt},
    {"counts far beyond the packet",
     "0001 0100 0001 ffff ffff ffff  00 0001 0001", errc::truncated, errc::truncated},
};

errc query_result(std::span<const std::byte> packet) {
  auto q = query_view::parse(packet);
  return q ? errc::ok : q.error();
}

errc message_result(std::span<const std::byte> packet) {
  auto m = message_view::parse(packet);
  return m ? errc::ok : m.error();
}

// Writes every question and record of a parsed message again, in order.
std::vector<std::byte> rewrite(const message_view& m) {
  std::vector<std::byte> buf(65535);
  message_writer w{buf};
  w.header() = m.header();
  w.header().tc = false;  // the writer sets TC itself when it drops something
  for (std::size_t i = 0; i < m.header().qdcount; ++i) {
    const auto q = m.question(i);
    REQUIRE(w.add_question(m.read_name_at(q.name_offset), q.type, q.klass));
  }
  for (auto s : {section::answer, section::authority, section::additional}) {
    for (const auto& rr : m.records(s)) {
      if (rr.type == rr_type::opt) {
        REQUIRE(w.add_opt(m.edns()));
        continue;
      }
      auto data = m.rdata(rr);
      REQUIRE(data);
      REQUIRE(w.add_record(s, m.read_name_at(rr.owner_offset), rr.type, static_cast<rr_class>(rr.klass), rr.ttl,
                           *data));
    }
  }
  const auto out = w.finish();
  return {out.begin(), out.end()};
}

}  // namespace

TEST_CASE("both parsers give the expected result for every vector") {
  for (const auto& v : corpus) {
    CAPTURE(v.what);
    const auto packet = hex(v.packet);
    CHECK(query_result(packet) == v.as_query);
    CHECK(message_result(packet) == v.as_message);
  }
}

TEST_CASE("every valid vector fails cleanly when cut at any byte") {
  for (const auto& v : corpus) {
    if (v.as_message != errc::ok) continue;
    CAPTURE(v.what);
    const auto packet = hex(v.packet);
    for (std::size_t n = 0; n < packet.size(); ++n) {
      CAPTURE(n);
      const std::vector<std::byte> cut(packet.begin(), packet.begin() + static_cast<std::ptrdiff_t>(n));
      CHECK(message_result(cut) != errc::ok);
      CHECK(query_result(cut) != errc::ok);
    }
  }
}

TEST_CASE("parse -> write -> parse is stable for every valid vector") {
  for (const auto& v : corpus) {
    if (v.as_message != errc::ok) continue;
    CAPTURE(v.what);
    const auto packet = hex(v.packet);
    const auto first = rewrite(*message_view::parse(packet));
    auto reparsed = message_view::parse(first);
    REQUIRE(reparsed);
    CHECK(reparsed->header() == message_view::parse(packet)->header());
    const auto second = rewrite(*reparsed);
    CHECK(to_hex(second) == to_hex(first));
    CHECK(query_result(first) == v.as_query);
  }
}

TEST_CASE("the pointer hop limit, in a whole message") {
  // A question for the root, then one answer of TYPE99 whose opaque RDATA holds
  // a chain of pointers (each to the one before, the first to the question's
  // root label at 0x0c); a second answer's owner points at the chain's end.
  auto message_with_chain = [](std::size_t hops) {
    std::string chain;
    const std::size_t rdata_at = 12 + 5 + 11;  // header, question, first answer's fixed part
    for (std::size_t i = 0; i < hops - 1; ++i) {
      const std::size_t target = i == 0 ? 0x0c : rdata_at + 2 * (i - 1);
      chain += to_hex(std::vector<std::byte>{static_cast<std::byte>(0xC0 | target >> 8), static_cast<std::byte>(target)});
    }
    const std::size_t rdlength = chain.size() / 2;
    const std::size_t last = hops == 1 ? 0x0c : rdata_at + 2 * (hops - 2);
    return hex("0001 8180 0001 0002 0000 0000  00 0001 0001"
               "00 0063 0001 00000000" +
               to_hex(std::vector<std::byte>{static_cast<std::byte>(rdlength >> 8), static_cast<std::byte>(rdlength)}) +
               chain + to_hex(std::vector<std::byte>{static_cast<std::byte>(0xC0 | last >> 8), static_cast<std::byte>(last)}) +
               "0001 0001 00000000 0004 c0000201");
  };
  const std::size_t max_hops = dnsfilter::wire::max_pointer_hops;
  const auto at_limit = message_with_chain(max_hops);
  auto m = message_view::parse(at_limit);
  REQUIRE(m);
  auto second = ++m->records(section::answer).begin();
  CHECK(m->read_name_at(second->owner_offset).is_root());
  CHECK(message_result(message_with_chain(max_hops + 1)) == errc::too_many_pointers);
  CHECK(message_result(message_with_chain(1)) == errc::ok);
}

TEST_CASE("a name over 255 octets through pointers, in a whole message") {
  // Answer owners: [63 a's] root, then [63 a's] -> previous, ... The fourth
  // decompresses to 4 * 64 + 1 = 257 octets.
  auto message_with_owners = [](std::size_t count) {
    std::string records;
    std::size_t at = 12 + 5, previous = 0;
    for (std::size_t i = 0; i < count; ++i) {
      const std::string tail = i == 0 ? "00"
                                      : to_hex(std::vector<std::byte>{static_cast<std::byte>(0xC0 | previous >> 8),
                                                                      static_cast<std::byte>(previous)});
      records += l63 + tail + "0063 0001 00000000 0000";
      previous = at;
      at += 64 + tail.size() / 2 + 10;
    }
    const auto n = static_cast<std::byte>(count);
    return hex("0001 8180 0001 00" + to_hex(std::vector<std::byte>{n}) + "0000 0000  00 0001 0001" + records);
  };
  CHECK(message_result(message_with_owners(3)) == errc::ok);
  CHECK(message_result(message_with_owners(4)) == errc::name_too_long);
}
