// message_writer: building responses, name compression, the size limit and
// TC, EDNS options, section order, and round trips through message_view.
#include <dnsfilter/wire/message.hpp>
#include <dnsfilter/wire/writer.hpp>

#include "hex.hpp"

#include <algorithm>
#include <string>
#include <string_view>
#include <vector>

using dnsfilter::errc;
using dnsfilter::wire::client_subnet;
using dnsfilter::wire::edns;
using dnsfilter::wire::message_view;
using dnsfilter::wire::message_writer;
using dnsfilter::wire::name;
using dnsfilter::wire::rdata_value;
using dnsfilter::wire::rr_class;
using dnsfilter::wire::rr_type;
using dnsfilter::wire::section;
namespace rdata = dnsfilter::wire::rdata;
namespace option_code = dnsfilter::wire::option_code;
using dnsfilter_test::as_bytes;
using dnsfilter_test::hex;
using dnsfilter_test::to_hex;

namespace {

constexpr std::byte canary{0xAA};

name dn(std::string_view text) { return name::from_text(text).value(); }

rdata::a a_record(std::uint8_t last) { return {{std::byte{192}, std::byte{0}, std::byte{2}, std::byte{last}}}; }

message_view parse_ok(std::span<const std::byte> bytes) {
  auto m = message_view::parse(bytes);
  REQUIRE_MESSAGE(m, "parse failed: " << dnsfilter::to_string(m.error()) << " in " << to_hex(bytes));
  return *m;
}

// The typed RDATA of a parsed record, which must hold a T.
template <class T>
T typed(const message_view& m, const dnsfilter::wire::record_view& rr) {
  auto v = m.rdata(rr);
  REQUIRE(v);
  const T* t = std::get_if<T>(&*v);
  REQUIRE(t != nullptr);
  return *t;
}

// Every octet from `from` to the end of the buffer is still the canary.
bool untouched_from(const std::vector<std::byte>& buf, std::size_t from) {
  return std::all_of(buf.begin() + static_cast<std::ptrdiff_t>(from), buf.end(),
                     [](std::byte b) { return b == canary; });
}

// One record to write and to find again after parsing.
struct record {
  section where;
  std::string owner;
  rr_type type;
  std::uint32_t ttl;
  rdata_value data;
};

}  // namespace

TEST_CASE("a small response, byte for byte, with case-insensitive compression") {
  std::vector<std::byte> buf(512, canary);
  message_writer w{buf};
  w.header().id = 0x1234;
  w.header().qr = true;
  w.header().rd = true;
  w.header().ra = true;
  REQUIRE(w.add_question(dn("www.example.com"), rr_type::a));
  REQUIRE(w.add_record(section::answer, dn("WWW.EXAMPLE.COM"), rr_type::cname, rr_class::in, 60,
                       rdata::cname{dn("mail.EXAMPLE.com")}));
  REQUIRE(w.add_record(section::answer, dn("Mail.Example.Com"), rr_type::a, rr_class::in, 60, a_record(1)));
  const auto out = w.finish();
  // Checked with dnspython.
  CHECK(to_hex(out) == to_hex(hex(
                           "1234 8180 0001 0002 0000 0000"
                           // 0x0c question: www.example.com. A IN
                           "03 777777 07 6578616d706c65 03 636f6d 00 0001 0001"
                           // 0x21 owner: a pointer to 0x0c, whatever its case; "mail" at 0x2d, then -> "example" 0x10
                           "c00c 0005 0001 0000003c 0007 04 6d61696c c010"
                           // 0x34 owner: -> 0x2d ("mail.example.com.")
                           "c02d 0001 0001 0000003c 0004 c0000201")));
  CHECK(w.size() == out.size());
  CHECK(untouched_from(buf, out.size()));
  CHECK_FALSE(w.truncated());
}

TEST_CASE("a full response written, parsed back and compared") {
  const std::vector<record> records = {
      {section::answer, "www.example.com", rr_type::cname, 300, rdata::cname{dn("edge.example.com")}},
      {section::answer, "edge.example.com", rr_type::a, 60, a_record(1)},
      {section::answer, "edge.example.com", rr_type::aaaa, 60,
       rdata::aaaa{{std::byte{0x20}, std::byte{0x01}, std::byte{0x0d}, std::byte{0xb8}}}},
      {section::answer, "example.com", rr_type::mx, 3600, rdata::mx{10, dn("mail.example.com")}},
      {section::answer, "example.com", rr_type::txt, 3600, rdata::txt{as_bytes("\x0bv=spf1 -all\x02hi")}},
      {section::answer, "_sip._tcp.example.com", rr_type::srv, 3600, rdata::srv{10, 60, 5060, dn("sip.example.com")}},
      {section::answer, "1.2.0.192.in-addr.arpa", rr_type::ptr, 3600, rdata::ptr{dn("edge.example.com")}},
      {section::answer, "example.com", static_cast<rr_type>(99), 3600, rdata::opaque{as_bytes("\x04\xde\xad\xbe\xef")}},
      {section::authority, "example.com", rr_type::soa, 3600,
       rdata::soa{dn("ns1.example.com"), dn("hostmaster.example.com"), 2024010101, 7200, 3600, 1209600, 300}},
      {section::authority, "example.com", rr_type::ns, 3600, rdata::ns{dn("ns1.example.com")}},
      {section::additional, "ns1.example.com", rr_type::a, 3600, a_record(53)},
  };
  std::vector<std::byte> buf(1024, canary);
  message_writer w{buf};
  w.header().id = 0xbeef;
  w.header().qr = true;
  w.header().aa = true;
  w.header().rcode = 0;
  REQUIRE(w.add_question(dn("www.example.com"), rr_type::a));
  for (const auto& r : records) REQUIRE(w.add_record(r.where, dn(r.owner), r.type, rr_class::in, r.ttl, r.data));
  REQUIRE(w.add_opt(edns{1232, 0, 0, true, 0, {}}));
  const auto out = w.finish();

  const auto m = parse_ok(out);
  CHECK(m.header().id == 0xbeef);
  CHECK(m.header().aa);
  CHECK(m.header().qdcount == 1);
  CHECK(m.header().ancount == 8);
  CHECK(m.header().nscount == 2);
  CHECK(m.header().arcount == 2);
  CHECK(m.read_name_at(m.question().name_offset).to_string() == "www.example.com.");
  REQUIRE(m.has_edns());
  CHECK(m.edns().udp_payload_size == 1232);
  CHECK(m.edns().dnssec_ok);

  std::size_t i = 0;
  for (auto s : {section::answer, section::authority, section::additional}) {
    for (const auto& rr : m.records(s)) {
      if (rr.type == rr_type::opt) continue;
      REQUIRE(i < records.size());
      const auto& want = records[i++];
      CAPTURE(want.owner);
      CHECK(rr.section == want.where);
      CHECK(m.read_name_at(rr.owner_offset) == dn(want.owner));
      CHECK(rr.type == want.type);
      CHECK(rr.klass == 1);
      CHECK(rr.ttl == want.ttl);
      auto got = m.rdata(rr);
      REQUIRE(got);
      CHECK(*got == want.data);
    }
  }
  CHECK(i == records.size());
}

TEST_CASE("an SRV target is never compressed; other names may point into it") {
  std::vector<std::byte> buf(512);
  message_writer w{buf};
  REQUIRE(w.add_question(dn("www.example.com"), rr_type::srv));
  REQUIRE(w.add_record(section::answer, dn("www.example.com"), rr_type::srv, rr_class::in, 60,
                       rdata::srv{1, 2, 3, dn("www.example.com")}));
  const auto out = w.finish();
  CHECK(to_hex(out.subspan(33)) == to_hex(hex("c00c 0021 0001 0000003c 0017"
                                              "0001 0002 0003 03 777777 07 6578616d706c65 03 636f6d 00")));
  const auto m = parse_ok(out);
  CHECK(typed<rdata::srv>(m, *m.records(section::answer).begin()).target == dn("www.example.com"));
}

TEST_CASE("names in opaque RDATA are copied verbatim, never compressed or rewritten") {
  // TYPE99 and SVCB (64) RDATA that contain the question name and a pointer-looking c00c.
  const auto data99 = hex("03 777777 07 6578616d706c65 03 636f6d 00 c00c");
  const auto svcb = hex("0001 00 0001 0003 026832");  // priority 1, target ".", alpn "h2"
  std::vector<std::byte> buf(512);
  message_writer w{buf};
  REQUIRE(w.add_question(dn("www.example.com"), rr_type::a));
  REQUIRE(w.add_record(section::answer, dn("www.example.com"), static_cast<rr_type>(99), rr_class::in, 1,
                       rdata::opaque{data99}));
  REQUIRE(w.add_raw_record(section::answer, dn("www.example.com"), rr_type::svcb, 1, 2, svcb));
  // Opaque RDATA is allowed for a type that has a typed form, too.
  REQUIRE(w.add_record(section::answer, dn("www.example.com"), rr_type::a, rr_class::in, 3,
                       rdata::opaque{hex("7f000001")}));
  // An empty RDATA.
  REQUIRE(w.add_raw_record(section::answer, dn("www.example.com"), static_cast<rr_type>(0xff00), 255, 4, {}));
  const auto m = parse_ok(w.finish());
  std::vector<std::string> seen;
  for (const auto& rr : m.records(section::answer)) seen.push_back(to_hex(m.bytes().subspan(rr.rdata_offset, rr.rdata_length)));
  CHECK(seen == std::vector<std::string>{to_hex(data99), to_hex(svcb), "7f000001", ""});
  auto it = m.records(section::answer).begin();
  CHECK(typed<rdata::opaque>(m, *it) == rdata::opaque{data99});
  ++it;
  CHECK(it->type == rr_type::svcb);
  ++it;
  CHECK(to_hex(typed<rdata::a>(m, *it).address) == "7f000001");
  ++it;
  CHECK(it->klass == 255);
  CHECK(it->rdata_length == 0);
}

TEST_CASE("a record that does not fit is dropped whole; TC only outside the additional section") {
  const std::size_t limit = 512;
  std::vector<std::byte> buf(limit + 64, canary);

  SUBCASE("answer overflow sets TC") {
    message_writer w{buf, limit};
    REQUIRE(w.add_question(dn("www.example.com"), rr_type::a));
    std::size_t added = 0;
    for (;;) {
      auto r = w.add_record(section::answer, dn("www.example.com"), rr_type::a, rr_class::in, 60,
                            a_record(static_cast<std::uint8_t>(added)));
      if (!r) {
        CHECK(r.error() == errc::no_space);
        break;
      }
      ++added;
    }
    // 12 + 21 for the header and question, 16 per A record with a compressed owner.
    CHECK(added == (limit - 33) / 16);
    CHECK(w.truncated());
    CHECK(w.header().tc);
    const auto out = w.finish();
    CHECK(out.size() == 33 + added * 16);
    CHECK(untouched_from(buf, limit));
    const auto m = parse_ok(out);
    CHECK(m.header().tc);
    CHECK(m.header().ancount == added);
  }
  SUBCASE("additional overflow does not set TC") {
    message_writer w{buf, limit};
    REQUIRE(w.add_question(dn("www.example.com"), rr_type::a));
    REQUIRE(w.add_record(section::answer, dn("www.example.com"), rr_type::a, rr_class::in, 60, a_record(1)));
    std::size_t added = 0;
    while (w.add_record(section::additional, dn("ns.example.com"), rr_type::a, rr_class::in, 60, a_record(2))) ++added;
    CHECK(added > 0);
    CHECK(w.truncated());
    CHECK_FALSE(w.header().tc);
    const auto out = w.finish();
    CHECK(untouched_from(buf, limit));
    const auto m = parse_ok(out);
    CHECK_FALSE(m.header().tc);
    CHECK(m.header().ancount == 1);
    CHECK(m.header().arcount == added);
  }
  SUBCASE("a question that does not fit sets TC") {
    message_writer w{buf, 20};
    CHECK(w.add_question(dn("www.example.com"), rr_type::a).error() == errc::no_space);
    CHECK(w.header().tc);
    CHECK(w.finish().size() == 12);
    CHECK(untouched_from(buf, 20));
  }
}

TEST_CASE("at every limit the writer stays inside it and leaves a valid message") {
  // The full message is written first without a limit; then again with every
  // smaller limit, checking the canary past the limit and the counts.
  struct step {
    section where;
    const char* owner;
    rr_type type;
    rdata_value data;
  };
  const std::vector<step> steps = {
      {section::answer, "www.example.com", rr_type::cname, rdata::cname{dn("web.example.com")}},
      {section::answer, "web.example.com", rr_type::a, a_record(1)},
      {section::answer, "web.example.com", rr_type::mx, rdata::mx{5, dn("mx.example.net")}},
      {section::authority, "example.com", rr_type::soa,
       rdata::soa{dn("ns.example.com"), dn("h.example.com"), 1, 2, 3, 4, 5}},
      {section::additional, "ns.example.com", rr_type::a, a_record(2)},
      {section::additional, "mx.example.net", rr_type::a, a_record(3)},
  };
  auto build = [&](std::vector<std::byte>& buf, std::size_t limit, std::array<std::uint16_t, 4>& counts, bool& tc) {
    message_writer w{buf, limit};
    counts = {};
    bool dropped_before_additional = false;
    if (w.add_question(dn("www.example.com"), rr_type::a)) ++counts[0];
    else dropped_before_additional = true;
    for (const auto& s : steps) {
      if (w.add_record(s.where, dn(s.owner), s.type, rr_class::in, 60, s.data)) {
        ++counts[static_cast<std::size_t>(s.where)];
      } else if (s.where != section::additional) {
        dropped_before_additional = true;
      }
    }
    if (w.add_opt(edns{4096, 0, 0, false, 0, {}})) ++counts[3];
    tc = dropped_before_additional;
    const auto out = w.finish();
    CHECK(w.header().tc == tc);
    return std::vector<std::byte>(out.begin(), out.end());
  };

  std::vector<std::byte> big(1024, canary);
  std::array<std::uint16_t, 4> counts{};
  bool tc = false;
  const auto full = build(big, 1024, counts, tc);
  CHECK_FALSE(tc);
  CHECK(counts == std::array<std::uint16_t, 4>{1, 3, 1, 3});

  for (std::size_t limit = 0; limit <= full.size(); ++limit) {
    CAPTURE(limit);
    std::vector<std::byte> buf(full.size() + 16, canary);
    const auto out = build(buf, limit, counts, tc);
    CHECK(untouched_from(buf, limit));
    if (limit < 12) {  // no room for a header: nothing at all is written
      CHECK(out.empty());
      continue;
    }
    CHECK(out.size() <= limit);
    const auto m = parse_ok(out);
    CHECK(m.header().tc == tc);
    CHECK(m.header().qdcount == counts[0]);
    CHECK(m.header().ancount == counts[1]);
    CHECK(m.header().nscount == counts[2]);
    CHECK(m.header().arcount == counts[3]);
  }
}

TEST_CASE("reserve keeps room for the OPT record and its Extended DNS Error") {
  const std::string_view text = "blocked: XX-20250109-0001";
  const std::size_t opt_size = 11 + 4 + 2 + text.size();
  auto fill = [&](message_writer& w) {
    REQUIRE(w.add_question(dn("www.example.com"), rr_type::a));
    while (w.add_record(section::answer, dn("www.example.com"), rr_type::a, rr_class::in, 60, a_record(9))) {
    }
  };
  std::vector<std::byte> buf(600, canary);

  SUBCASE("with the reservation both fit") {
    message_writer w{buf, 512};
    w.reserve(opt_size);
    fill(w);
    CHECK(w.header().tc);
    REQUIRE(w.add_opt(edns{1232, 0, 0, false, 0, {}}));
    REQUIRE(w.add_extended_error(dnsfilter::wire::ede_code::blocked, text));
    const auto out = w.finish();
    CHECK(out.size() <= 512);
    CHECK(untouched_from(buf, 512));
    const auto m = parse_ok(out);
    REQUIRE(m.has_edns());
    dnsfilter::wire::edns_option opt;
    REQUIRE(m.edns().find(option_code::extended_error, opt));
    CHECK(dnsfilter::wire::extended_error::decode(opt.data)->text == text);
  }
  SUBCASE("without it the answers take the room") {
    message_writer w{buf, 512};
    fill(w);
    // 512 - 33 = 479 = 29 * 16 + 15: an empty OPT (11) still fits, its option does not.
    REQUIRE(w.add_opt(edns{1232, 0, 0, false, 0, {}}));
    CHECK(w.add_extended_error(dnsfilter::wire::ede_code::blocked, text).error() == errc::no_space);
    const auto out = w.finish();
    CHECK(out.size() == 512 - 4);
    CHECK(untouched_from(buf, 512));
    const auto m = parse_ok(out);
    CHECK(m.edns().options_data.empty());
  }
}

TEST_CASE("OPT with options, an Extended DNS Error and a Client Subnet, read back through typed accessors") {
  const auto cookie = hex("000a 0008 0011223344556677");
  std::vector<std::byte> buf(512);
  message_writer w{buf};
  w.header().qr = true;
  REQUIRE(w.add_question(dn("c2.evil.example"), rr_type::a));
  REQUIRE(w.add_record(section::answer, dn("c2.evil.example"), rr_type::a, rr_class::in, 30, a_record(99)));
  edns e;
  e.udp_payload_size = 1232;
  e.extended_rcode = 1;  // with header RCODE 0: BADVERS
  e.dnssec_ok = true;
  e.options_data = cookie;
  REQUIRE(w.add_opt(e));
  REQUIRE(w.add_extended_error(dnsfilter::wire::ede_code::filtered, "XX-20250109-0001"));
  client_subnet ecs;
  ecs.source_prefix = 24;
  ecs.scope_prefix = 24;
  ecs.address = {std::byte{198}, std::byte{51}, std::byte{100}, std::byte{77}};  // host bits set: cleared on write
  REQUIRE(w.add_client_subnet(ecs));
  REQUIRE(w.add_option(0xfde9, hex("abcd")));
  const auto out = w.finish();

  const auto m = parse_ok(out);
  REQUIRE(m.has_edns());
  CHECK(m.rcode() == dnsfilter::wire::rcode::badvers);
  CHECK(m.edns().dnssec_ok);
  CHECK(m.edns().udp_payload_size == 1232);
  std::vector<std::uint16_t> codes;
  for (auto opt : m.edns().options()) codes.push_back(opt.code);
  CHECK(codes == std::vector<std::uint16_t>{option_code::cookie, option_code::extended_error,
                                            option_code::client_subnet, 0xfde9});

  dnsfilter::wire::edns_option opt;
  REQUIRE(m.edns().find(option_code::extended_error, opt));
  auto ede = dnsfilter::wire::extended_error::decode(opt.data);
  REQUIRE(ede);
  CHECK(ede->info_code == dnsfilter::wire::ede_code::filtered);
  CHECK(ede->text == "XX-20250109-0001");

  REQUIRE(m.edns().find(option_code::client_subnet, opt));
  CHECK(to_hex(opt.data) == "00011818c63364");
  auto subnet = client_subnet::decode(opt.data);
  REQUIRE(subnet);
  CHECK(subnet->source_prefix == 24);
  CHECK(subnet->scope_prefix == 24);
  CHECK(to_hex(std::span(subnet->address).first(4)) == "c6336400");

  REQUIRE(m.edns().find(option_code::cookie, opt));
  CHECK(to_hex(opt.data) == "0011223344556677");
}

TEST_CASE("options that do not fit are dropped and leave the OPT valid") {
  std::vector<std::byte> buf(128, canary);
  message_writer w{buf, 64};
  REQUIRE(w.add_question(dn("example"), rr_type::a));  // 12 + 13 = 25
  REQUIRE(w.add_opt(edns{512, 0, 0, false, 0, {}}));    // 36
  CHECK(w.add_extended_error(0, std::string(40, 'x')).error() == errc::no_space);
  CHECK(w.add_option(12, std::vector<std::byte>(30)).error() == errc::no_space);
  CHECK(w.truncated());
  CHECK_FALSE(w.header().tc);
  REQUIRE(w.add_extended_error(0, "ok"));
  client_subnet too_long;
  too_long.source_prefix = 40;
  CHECK(w.add_client_subnet(too_long).error() == errc::out_of_range);
  const auto m = parse_ok(w.finish());
  CHECK(untouched_from(buf, 64));
  CHECK(to_hex(m.edns().options_data) == "000f000400006f6b");
}

TEST_CASE("sections must be written in order; misuse is out_of_range and changes nothing") {
  std::vector<std::byte> buf(512);
  message_writer w{buf};
  REQUIRE(w.add_question(dn("example"), rr_type::a));
  CHECK(w.add_option(10, {}).error() == errc::out_of_range);  // no OPT yet
  CHECK(w.add_extended_error(0, "").error() == errc::out_of_range);
  REQUIRE(w.add_record(section::authority, dn("example"), rr_type::ns, rr_class::in, 1, rdata::ns{dn("ns.example")}));
  const std::size_t size = w.size();

  CHECK(w.add_record(section::answer, dn("example"), rr_type::a, rr_class::in, 1, a_record(1)).error() ==
        errc::out_of_range);
  CHECK(w.add_raw_record(section::answer, dn("example"), rr_type::a, 1, 1, hex("01020304")).error() ==
        errc::out_of_range);
  CHECK(w.add_question(dn("example"), rr_type::a).error() == errc::out_of_range);
  CHECK(w.add_record(section::question, dn("example"), rr_type::a, rr_class::in, 1, a_record(1)).error() ==
        errc::out_of_range);
  // A typed value must match the type; OPT goes through add_opt only.
  CHECK(w.add_record(section::additional, dn("example"), rr_type::aaaa, rr_class::in, 1, a_record(1)).error() ==
        errc::out_of_range);
  CHECK(w.add_record(section::additional, dn("example"), rr_type::opt, rr_class::in, 1, rdata::opaque{}).error() ==
        errc::out_of_range);
  CHECK(w.size() == size);
  CHECK_FALSE(w.truncated());
  CHECK_FALSE(w.header().tc);

  // Options may follow only while the OPT is the last record written.
  REQUIRE(w.add_opt(edns{}));
  REQUIRE(w.add_option(10, hex("0102030405060708")));
  REQUIRE(w.add_record(section::additional, dn("ns.example"), rr_type::a, rr_class::in, 1, a_record(1)));
  CHECK(w.add_option(10, {}).error() == errc::out_of_range);
  // At most one OPT: a second would make a message parsers refuse (duplicate_opt).
  CHECK(w.add_opt(edns{}).error() == errc::out_of_range);
  const auto m = parse_ok(w.finish());
  CHECK(m.header().nscount == 1);
  CHECK(m.header().arcount == 2);
}

TEST_CASE("buffers too small for a header") {
  SUBCASE("11 octets") {
    std::vector<std::byte> buf(11, canary);
    message_writer w{buf};
    CHECK(w.add_question(dn("a"), rr_type::a).error() == errc::no_space);
    CHECK(w.add_record(section::answer, dn("a"), rr_type::a, rr_class::in, 1, a_record(1)).error() == errc::no_space);
    CHECK(w.add_raw_record(section::answer, dn("a"), rr_type::a, 1, 1, {}).error() == errc::no_space);
    CHECK(w.add_opt(edns{}).error() == errc::no_space);
    CHECK(w.size() == 0);
    CHECK(w.finish().empty());
    CHECK(untouched_from(buf, 0));
  }
  SUBCASE("an empty buffer") {
    message_writer w{std::span<std::byte>{}};
    CHECK(w.add_question(dn("a"), rr_type::a).error() == errc::no_space);
    CHECK(w.finish().empty());
  }
  SUBCASE("exactly a header") {
    std::vector<std::byte> buf(12, canary);
    message_writer w{buf};
    w.header().id = 0xfeed;
    CHECK(w.add_question(dn("."), rr_type::a).error() == errc::no_space);
    const auto out = w.finish();
    CHECK(to_hex(out) == "feed02000000000000000000");  // TC set: the question was dropped
  }
  SUBCASE("a limit under 12 in a larger buffer") {
    std::vector<std::byte> buf(64, canary);
    message_writer w{buf, 5};
    CHECK(w.add_question(dn("a"), rr_type::a).error() == errc::no_space);
    CHECK(w.add_record(section::answer, dn("a"), rr_type::a, rr_class::in, 1, a_record(1)).error() == errc::no_space);
    CHECK(w.size() == 0);
    CHECK(w.finish().empty());
    CHECK(untouched_from(buf, 0));
  }
}

TEST_CASE("compression stays correct past 16 KiB and with a full name table") {
  std::vector<std::byte> buf(20000);
  message_writer w{buf};
  REQUIRE(w.add_question(dn("a.example"), rr_type::a));
  // Many distinct owners: more names than the compression table holds.
  for (int i = 0; i < 80; ++i) {
    const std::string owner = "n" + std::to_string(i) + ".sub" + std::to_string(i % 7) + ".example";
    REQUIRE(w.add_record(section::answer, dn(owner), rr_type::a, rr_class::in, 1, a_record(1)));
  }
  // Push past offset 0x3fff, where no pointer can reach.
  const std::vector<std::byte> filler(16500, std::byte{0x5a});
  REQUIRE(w.add_record(section::answer, dn("b.example"), static_cast<rr_type>(99), rr_class::in, 1,
                       rdata::opaque{filler}));
  REQUIRE(w.add_record(section::answer, dn("far.away.test"), rr_type::a, rr_class::in, 1, a_record(2)));
  REQUIRE(w.add_record(section::answer, dn("far.away.test"), rr_type::a, rr_class::in, 1, a_record(3)));
  REQUIRE(w.add_record(section::answer, dn("x.a.example"), rr_type::a, rr_class::in, 1, a_record(4)));
  const auto out = w.finish();
  CHECK(out.size() > 0x4000);
  const auto m = parse_ok(out);
  std::vector<std::string> owners;
  for (const auto& rr : m.records(section::answer)) owners.push_back(m.read_name_at(rr.owner_offset).to_string());
  REQUIRE(owners.size() == 84);
  CHECK(owners[0] == "n0.sub0.example.");
  CHECK(owners[79] == "n79.sub2.example.");
  CHECK(owners[80] == "b.example.");
  CHECK(owners[81] == "far.away.test.");
  CHECK(owners[82] == "far.away.test.");
  CHECK(owners[83] == "x.a.example.");
  // The last owner compresses to the question (0x0c), which a pointer can reach.
  CHECK(to_hex(out.last(18).first(4)) == "0178c00c");
}

TEST_CASE("RDATA over 65535 octets is refused, not written with a wrapped RDLENGTH") {
  std::vector<std::byte> buf(70000);
  const std::vector<std::byte> strings(65536, std::byte{0});  // 65536 empty character-strings
  for (const rdata_value& data : {rdata_value{rdata::txt{strings}}, rdata_value{rdata::opaque{strings}}}) {
    message_writer w{buf};
    REQUIRE(w.add_question(dn("a"), rr_type::txt));
    const auto type = dnsfilter::wire::type_of(data, static_cast<rr_type>(99));
    CHECK_FALSE(w.add_record(section::answer, dn("a"), type, rr_class::in, 1, data));
    // The largest RDATA that still fits a 65535-octet message: 12 (header) + 7
    // (question "a.") + 12 (compressed owner and fixed fields) + 65504.
    const std::vector<std::byte> fits(65504, std::byte{0});
    REQUIRE(w.add_record(section::answer, dn("a"), rr_type::txt, rr_class::in, 1, rdata::txt{fits}));
    const auto m = parse_ok(w.finish());
    CHECK(m.header().ancount == 1);
  }
  message_writer raw{buf};
  CHECK(raw.add_raw_record(section::answer, dn("a"), rr_type::txt, 1, 1, strings).error() == errc::out_of_range);
}

// ---- cases found in a review of the codec; each failed before its fix ----
TEST_CASE("the writer never produces a message over 65535 octets") {
  // A DNS message cannot exceed 65535 octets (TCP's 16-bit length prefix,
  // RFC 1035 section 4.2.2); with a larger buffer the writer went past that,
  // and with a large enough buffer the 16-bit section counts would wrap.
  std::vector<std::byte> buf(100000);
  message_writer w{buf};
  const auto qn = name::from_text("example.com").value();
  REQUIRE(w.add_question(qn, rr_type::a));
  while (w.add_record(section::answer, qn, rr_type::a, rr_class::in, 1, rdata::a{})) {
  }
  const auto out = w.finish();
  CHECK(out.size() <= 65535);
  CHECK(w.truncated());
  CHECK(w.header().tc);
  auto m = message_view::parse(out);
  REQUIRE(m);
  CHECK(m->header().ancount == (out.size() - 12 - 17) / 16);
}

TEST_CASE("an extended rcode set on the writer's header reaches the wire") {
  // Answering BADVERS (16) the obvious way must not send NOERROR: finish()
  // splits the rcode between the header and the OPT record.
  std::array<std::byte, 512> buf{};
  message_writer w{buf};
  w.header().qr = true;
  w.header().rcode = static_cast<std::uint8_t>(dnsfilter::wire::rcode::badvers);
  REQUIRE(w.add_question(name::from_text("example").value(), rr_type::a));
  REQUIRE(w.add_opt(dnsfilter::wire::edns{}));
  auto m = message_view::parse(w.finish());
  REQUIRE(m);
  CHECK(m->rcode() == dnsfilter::wire::rcode::badvers);
}

TEST_CASE("an OPT written through add_raw_record counts as the one OPT") {
  std::array<std::byte, 512> buf{};
  message_writer w{buf};
  REQUIRE(w.add_question(name::from_text("example").value(), rr_type::a));
  // Not in the additional section, or not owned by the root: refused.
  CHECK(w.add_raw_record(section::answer, dnsfilter::wire::name_view{}, rr_type::opt, 1232, 0, {}).error() == errc::out_of_range);
  CHECK(w.add_raw_record(section::additional, name::from_text("example").value(), rr_type::opt, 1232, 0, {}).error() ==
        errc::out_of_range);
  REQUIRE(w.add_raw_record(section::additional, dnsfilter::wire::name_view{}, rr_type::opt, 1232, 0, {}));
  CHECK(w.add_opt(dnsfilter::wire::edns{}).error() == errc::out_of_range);
  CHECK(w.add_extended_error(dnsfilter::wire::ede_code::blocked, "x"));
  auto m = message_view::parse(w.finish());
  REQUIRE(m);
  CHECK(m->has_edns());
}
