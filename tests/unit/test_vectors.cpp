// A corpus of whole packets in hex, each run through both parsers. For every
// packet the two must give the expected result; every valid one must fail
// cleanly when cut at any byte, and must survive parse -> write -> parse
// unchanged. Limits of single names are vectors in test_name.cpp and
// test_read_name.cpp; this file checks them at packet level.
#include <dnsfilter/wire/message.hpp>
#include <dnsfilter/wire/query.hpp>
#include <dnsfilter/wire/writer.hpp>

#include "hex.hpp"

#include <string>
#include <string_view>
#include <vector>

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
