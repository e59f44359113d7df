// query_view: the per-packet entry point. A typical dig query first, then every
// way a query can be wrong.
#include <dnsfilter/wire/message.hpp>
#include <dnsfilter/wire/query.hpp>
#include <dnsfilter/wire/writer.hpp>

#include "hex.hpp"

#include <string>
#include <string_view>
#include <vector>

using dnsfilter::errc;
using dnsfilter::wire::edns_option;
using dnsfilter::wire::name;
using dnsfilter::wire::query_view;
using dnsfilter::wire::rr_class;
using dnsfilter::wire::rr_type;
namespace option_code = dnsfilter::wire::option_code;
using dnsfilter_test::hex;
using dnsfilter_test::to_hex;

namespace {

// What `dig eXaMpLe.CoM` sends (BIND 9.18): 52 octets. Checked with dnspython.
constexpr std::string_view dig_query =
    "1f2e 0120 0001 0000 0000 0001"    // ID, flags RD+AD, QD=1 AN=0 NS=0 AR=1
    "07 6558614d704c65 03 436f4d 00"   // 0x0c QNAME eXaMpLe.CoM. (0x20 mixed case)
    "0001 0001"                        // QTYPE A, QCLASS IN
    "00 0029 04d0 00 00 0000 000c"     // OPT: root, TYPE 41, payload 1232, rcode/version/flags 0, RDLEN 12
    "000a 0008 0123456789abcdef";      // COOKIE option (10): 8-octet client cookie

constexpr std::string_view question_example_a = "07 6578616d706c65 03 636f6d 00 0001 0001";  // example.com. A IN

// A query with QD=1 for example.com A, the given AN/NS/AR counts (hex) and
// records after the question.
std::vector<std::byte> query_with(std::string_view an_ns_ar, std::string_view records) {
  return hex("abcd 0100 0001 " + std::string(an_ns_ar) + std::string(question_example_a) + std::string(records));
}

// An OPT record (root owner, payload 4096, TTL field as given) carrying `options`.
std::string opt_record(std::string_view options, std::string_view ttl = "00000000") {
  const auto bytes = hex(options);
  const auto rdlength = to_hex(std::vector<std::byte>{static_cast<std::byte>(bytes.size() >> 8),
                                                      static_cast<std::byte>(bytes.size())});
  return "00 0029 1000 " + std::string(ttl) + rdlength + std::string(options);
}

// A query whose only extra record is an OPT with these options.
std::vector<std::byte> query_with_options(std::string_view options) {
  return query_with("0000 0000 0001", opt_record(options));
}

errc query_error(const std::vector<std::byte>& packet) {
  auto q = query_view::parse(packet);
  return q ? errc::ok : q.error();
}

}  // namespace

TEST_CASE("a typical dig query") {
  const auto packet = hex(dig_query);
  REQUIRE(packet.size() == 52);
  auto q = query_view::parse(packet);
  REQUIRE(q);

  const auto& h = q->header();
  CHECK(h.id == 0x1f2e);
  CHECK_FALSE(h.qr);
  CHECK(h.opcode == dnsfilter::wire::opcode::query);
  CHECK(h.rd);
  CHECK(h.ad);
  CHECK_FALSE(h.cd);
  CHECK(h.qdcount == 1);
  CHECK(h.arcount == 1);

  // The name is a view of the packet itself, with the client's letter case.
  CHECK(q->qname().data() == packet.data() + 12);
  CHECK(q->qname().to_string() == "eXaMpLe.CoM.");
  CHECK(q->qname() == name::from_text("example.com").value());
  CHECK_FALSE(q->qname().equals_exact(name::from_text("example.com").value()));
  CHECK(q->qname().label_count() == 2);
  CHECK(q->qtype() == rr_type::a);
  CHECK(q->qclass() == rr_class::in);
  CHECK(q->question_end() == 29);
  CHECK(q->packet().data() == packet.data());

  REQUIRE(q->has_edns());
  const auto& e = q->edns();
  CHECK(e.udp_payload_size == 1232);
  CHECK(e.effective_payload_size() == 1232);
  CHECK_FALSE(e.dnssec_ok);
  CHECK(e.version == 0);
  CHECK(e.extended_rcode == 0);
  int count = 0;
  for (edns_option opt : e.options()) {
    ++count;
    CHECK(opt.code == option_code::cookie);
    CHECK(to_hex(opt.data) == "0123456789abcdef");
  }
  CHECK(count == 1);
  edns_option cookie;
  CHECK(e.find(option_code::cookie, cookie));
  CHECK(cookie.data.data() == packet.data() + 44);
  CHECK_FALSE(e.find(option_code::client_subnet, cookie));
}

TEST_CASE("a query without EDNS, and other types and classes") {
  auto plain = hex("0001 0000 0001 0000 0000 0000 03 777777 00 0041 0003");  // www. HTTPS CH
  auto q = query_view::parse(plain);
  REQUIRE(q);
  CHECK_FALSE(q->has_edns());
  CHECK(q->qtype() == rr_type::https);
  CHECK(q->qclass() == rr_class::ch);
  CHECK(q->qname().to_string() == "www.");

  auto unknown = hex("0001 0000 0001 0000 0000 0000 00 ff00 00fe");  // root, TYPE65280, class NONE
  auto u = query_view::parse(unknown);
  REQUIRE(u);
  CHECK(u->qname().is_root());
  CHECK(static_cast<unsigned>(u->qtype()) == 0xff00);
  CHECK(u->qclass() == rr_class::none);
}

TEST_CASE("EDNS fields: DO bit, version, extended rcode, flags, small payload sizes") {
  // TTL field: extended rcode 0x00, version 0x01, flags 0x8000 (DO) | 0x0001 (a reserved Z bit).
  auto q = query_view::parse(query_with("0000 0000 0001", opt_record("", "00 01 8001")));
  REQUIRE(q);
  REQUIRE(q->has_edns());
  CHECK(q->edns().dnssec_ok);
  CHECK(q->edns().version == 1);  // parsed; answering BADVERS is the caller's job
  CHECK(q->edns().z == 1);
  CHECK(q->edns().udp_payload_size == 4096);
  CHECK(q->edns().options_data.empty());
  CHECK(q->edns().options().begin() == q->edns().options().end());

  auto tiny = query_view::parse(hex("abcd 0100 0001 0000 0000 0001 00 0001 0001  00 0029 0000 00000000 0000"));
  REQUIRE(tiny);
  CHECK(tiny->edns().udp_payload_size == 0);
  CHECK(tiny->edns().effective_payload_size() == 512);
}

TEST_CASE("exactly one question is required") {
  CHECK(query_error(hex("abcd 0100 0000 0000 0000 0000")) == errc::bad_question_count);
  CHECK(query_error(hex("abcd 0100 0000 0000 0000 0000 00 0001 0001")) == errc::bad_question_count);
  CHECK(query_error(hex("abcd 0100 0002 0000 0000 0000 00 0001 0001 00 0001 0001")) ==
        errc::bad_question_count);
  CHECK(query_error(hex("abcd 0100 ffff 0000 0000 0000")) == errc::bad_question_count);
  CHECK(query_error(hex("abcd 0100 0001 0000 0000 0000")) == errc::truncated);
  CHECK(query_error(hex("abcd 0100 0001 0000 0000")) == errc::truncated);
  CHECK(query_error({}) == errc::truncated);
}

TEST_CASE("a compression pointer in the question name can only point into the header") {
  // The question is the first name of the message: there is nothing before it
  // to point at, so every pointer in it is refused.
  CHECK(query_error(hex("abcd 0100 0001 0000 0000 0000 c00c 0001 0001")) == errc::bad_pointer);
  CHECK(query_error(hex("abcd 0100 0001 0000 0000 0000 c000 0001 0001")) == errc::bad_pointer);
  CHECK(query_error(hex("abcd 0100 0001 0000 0000 0000 03 777777 c00c 0001 0001")) == errc::bad_pointer);
  CHECK(query_error(hex("abcd 0100 0001 0000 0000 0000 03 777777 c016 0001 0001 00")) == errc::bad_pointer);
  CHECK(query_error(hex("abcd 0100 0001 0000 0000 0000 03 777777 c0")) == errc::truncated);
}

TEST_CASE("question name limits") {
  auto with_name = [](const std::string& name_hex) {
    return hex("abcd 0100 0001 0000 0000 0000" + name_hex + "0001 0001");
  };
  auto label = [](std::size_t n) {
    std::string s = to_hex(std::vector<std::byte>{static_cast<std::byte>(n)});
    for (std::size_t i = 0; i < n; ++i) s += "61";
    return s;
  };
  const std::string l63 = label(63);
  CHECK(query_error(with_name(l63 + "00")) == errc::ok);
  CHECK(query_error(with_name(l63 + l63 + l63 + label(61) + "00")) == errc::ok);  // 255 octets
  auto longest = query_view::parse(with_name(l63 + l63 + l63 + label(61) + "00"));
  CHECK(longest->qname().size() == 255);
  CHECK(query_error(with_name(l63 + l63 + l63 + label(62) + "00")) == errc::name_too_long);
  CHECK(query_error(with_name(l63 + l63 + l63 + l63 + "00")) == errc::name_too_long);
  CHECK(query_error(with_name("40" + std::string(128, '6'))) == errc::reserved_label_type);  // label type 01
  CHECK(query_error(with_name("01 61 80 00")) == errc::reserved_label_type);                // label type 10
  CHECK(query_error(with_name("05 6162")) == errc::truncated);
}

TEST_CASE("nothing may follow the last record") {
  CHECK(query_error(hex(std::string(dig_query) + "00")) == errc::trailing_data);
  CHECK(query_error(query_with("0000 0000 0000", "00")) == errc::trailing_data);
  CHECK(query_error(query_with("0000 0000 0000", "")) == errc::ok);
}

TEST_CASE("a query cut at any byte is refused cleanly") {
  const auto packet = hex(dig_query);
  for (std::size_t n = 0; n < packet.size(); ++n) {
    CAPTURE(n);
    // A copy of exactly n bytes, so ASan catches any read past its end.
    const std::vector<std::byte> cut(packet.begin(), packet.begin() + static_cast<std::ptrdiff_t>(n));
    auto q = query_view::parse(cut);
    CHECK_FALSE(q);
    CHECK(q.error() != errc::ok);
  }
}

TEST_CASE("OPT rules: one, in the additional section, owned by the root") {
  const std::string opt = opt_record("");
  CHECK(query_error(query_with("0000 0000 0002", opt + opt)) == errc::duplicate_opt);
  CHECK(query_error(query_with("0001 0000 0000", opt)) == errc::misplaced_opt);   // in the answer section
  CHECK(query_error(query_with("0000 0001 0000", opt)) == errc::misplaced_opt);   // in the authority section
  // Owner "a." instead of the root.
  CHECK(query_error(query_with("0000 0000 0001", "01 61 00" + opt.substr(2))) == errc::misplaced_opt);
  // Owner compressed to example.com. (0x0c).
  CHECK(query_error(query_with("0000 0000 0001", "c00c" + opt.substr(2))) == errc::misplaced_opt);
  // A pointer to a root label is still the root.
  CHECK(query_error(query_with("0000 0000 0001", "c018" + opt.substr(2))) == errc::ok);
}

TEST_CASE("more records than the packet can hold are truncated, not read") {
  CHECK(query_error(query_with("0000 0000 0002", opt_record(""))) == errc::truncated);
  CHECK(query_error(query_with("ffff ffff ffff", opt_record(""))) == errc::truncated);
  // RDLENGTH past the end of the packet.
  CHECK(query_error(query_with("0000 0000 0001", "00 0029 1000 00000000 0005 0001")) == errc::truncated);
}

TEST_CASE("malformed EDNS options are bad_option") {
  struct vector {
    std::string_view options;
    errc expected;
  };
  const vector vectors[] = {
      {"", errc::ok},
      {"000a 0000", errc::ok},                          // a zero-length option
      {"ff00 0003 616263 000c 0000", errc::ok},         // an unknown option, then padding
      {"00", errc::bad_option},                         // one octet of option header
      {"000a 00", errc::bad_option},                    // three octets of option header
      {"000a 0008 0123456789abcd", errc::bad_option},   // length 8, 7 octets given
      {"000a 0000 000a", errc::bad_option},             // a good option, then half a header
      {"000a ffff", errc::bad_option},                  // length far past the RDATA
      // Client Subnet (code 8): FAMILY, SOURCE PREFIX, SCOPE PREFIX, ADDRESS.
      {"0008 0007 0001 18 00 c00002", errc::ok},               // 192.0.2.0/24
      {"0008 0004 0001 00 00", errc::ok},                      // 0.0.0.0/0: no address octets
      {"0008 000b 0002 38 00 20010db8000000", errc::ok},       // 2001:db8::/56
      {"0008 0007 0001 17 00 c00002", errc::ok},               // /23, last bit clear
      {"0008 0008 0001 21 00 c0000201", errc::bad_option},     // source prefix 33 > 32
      {"0008 0008 0001 20 21 c0000201", errc::bad_option},     // scope prefix 33 > 32
      {"0008 0014 0002 81 00 20010db8000000000000000000000001", errc::bad_option},  // /129
      {"0008 0008 0001 18 00 c0000200", errc::bad_option},     // /24 with 4 address octets
      {"0008 0006 0001 18 00 c000", errc::bad_option},         // /24 with 2 address octets
      {"0008 0007 0001 17 00 c00003", errc::bad_option},       // /23: a bit set beyond the prefix
      {"0008 0007 0001 18 00 c00002 ff", errc::bad_option},    // ECS length 7, 8 octets: next header cut
      {"0008 0007 0003 18 00 c00002", errc::bad_option},       // unknown family 3
      {"0008 0003 0001 00", errc::bad_option},                 // shorter than its fixed part
      // Extended DNS Error is interpreted only on request (extended_error::decode).
      {"000f 0001 00", errc::ok},
  };
  for (const auto& v : vectors) {
    CAPTURE(v.options);
    CHECK(query_error(query_with_options(v.options)) == v.expected);
  }
}

TEST_CASE("a Client Subnet option in a query is read through its typed accessor") {
  const auto packet = query_with_options("000a 0008 0001020304050607  0008 0007 0001 18 00 c63364");
  auto q = query_view::parse(packet);
  REQUIRE(q);
  edns_option opt;
  REQUIRE(q->edns().find(option_code::client_subnet, opt));
  auto ecs = dnsfilter::wire::client_subnet::decode(opt.data);
  REQUIRE(ecs);
  CHECK(ecs->family == dnsfilter::wire::client_subnet::family_ipv4);
  CHECK(ecs->source_prefix == 24);
  CHECK(ecs->scope_prefix == 0);
  CHECK(to_hex(std::span(ecs->address).first(4)) == "c6336400");  // 198.51.100.0
}

TEST_CASE("records other than OPT in a query are validated too") {
  // An A record with 5 octets of RDATA in the additional section.
  CHECK(query_error(query_with("0000 0000 0001", "c00c 0001 0001 00000000 0005 c000020100")) == errc::bad_rdata);
  CHECK(query_error(query_with("0000 0000 0001", "c00c 0001 0001 00000000 0004 c0000201")) == errc::ok);
}

// ---- cases found in a review of the codec; each failed before its fix ----
TEST_CASE("a default-constructed query_view has the root as its name") {
  dnsfilter::wire::query_view q;
  CHECK(q.qname().is_root());
}
