// Cases found in a review of the wire codec. Each one failed before its fix.
#include <dnsfilter/wire/message.hpp>
#include <dnsfilter/wire/name.hpp>
#include <dnsfilter/wire/query.hpp>
#include <dnsfilter/wire/writer.hpp>

#include "hex.hpp"

#include <array>
#include <cstdint>
#include <string>
#include <vector>

using dnsfilter::wire::message_view;
using dnsfilter::wire::message_writer;
using dnsfilter::errc;
using dnsfilter::wire::name;
using dnsfilter::wire::name_view;
using dnsfilter::wire::rr_class;
using dnsfilter::wire::rr_type;
using dnsfilter::wire::section;
namespace rdata = dnsfilter::wire::rdata;
using dnsfilter_test::hex;

TEST_CASE("review: a name assigned a view into itself (its own parent) is copied correctly") {
  // name::assign used memcpy, and a parent view overlaps the destination:
  // undefined behaviour (ASan: memcpy-param-overlap). Walking up a name in
  // place, n = n.view().parent(), is the natural suffix-matching loop.
  auto n = name::from_text("a.b.example.com").value();
  n = n.view().parent(1);
  CHECK(n.to_string() == "b.example.com.");
  CHECK(n.label_count() == 3);
  n = n.view().parent(2);
  CHECK(n.to_string() == "com.");

  auto m = name::from_text("x.y").value();
  const name& alias = m;
  m = alias;  // self-assignment: source and destination are the same bytes
  CHECK(m.to_string() == "x.y.");
}

TEST_CASE("review: the writer never produces a message over 65535 octets") {
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

TEST_CASE("review: a compressed name in RDATA of an RFC 1035 type (MB) survives a rewrite") {
  // RFC 3597 section 4: receivers MUST decompress names in the RDATA of the
  // RFC 1035 types (MD, MF, MB, MG, MR, MINFO besides the typed ones) and
  // SHOULD for RP, AFSDB, RT, SIG, PX, NXT, NAPTR, SRV. MB was kept opaque,
  // pointer and all, so re-encoding the record (the writer compresses the
  // owners differently) left a pointer to whatever then sat at that offset.
  const auto original = hex(
      "1234 8180 0001 0002 0000 0000"
      "07 6578616d706c65 00 0001 0001"                                   // example. A IN
      "07 6578616d706c65 00 0001 0001 0000003c 0004 c0000201"            // example. A (owner uncompressed)
      "04 6d61696c 07 6578616d706c65 00 0007 0001 0000003c 0002 c030");  // mail.example. MB -> ptr to itself
  auto m = message_view::parse(original);
  REQUIRE(m);
  std::vector<std::byte> buf(512);
  message_writer w{buf};
  w.header() = m->header();
  const auto q = m->question();
  REQUIRE(w.add_question(m->read_name_at(q.name_offset), q.type, q.klass));
  for (const auto& rr : m->records(section::answer)) {
    auto rd = m->rdata(rr);
    REQUIRE(rd);
    REQUIRE(w.add_record(section::answer, m->read_name_at(rr.owner_offset), rr.type, static_cast<rr_class>(rr.klass),
                         rr.ttl, *rd));
  }
  auto again = message_view::parse(w.finish());
  REQUIRE(again);
  std::vector<std::string> targets;
  for (const auto& rr : again->records(section::answer)) {
    if (rr.type == static_cast<rr_type>(7)) targets.push_back(again->read_name_at(rr.rdata_offset).to_string());
  }
  REQUIRE(targets.size() == 1);
  CHECK(targets[0] == "mail.example.");
}

TEST_CASE("review: an extended rcode set on the writer's header reaches the wire") {
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

TEST_CASE("review: an OPT written through add_raw_record counts as the one OPT") {
  std::array<std::byte, 512> buf{};
  message_writer w{buf};
  REQUIRE(w.add_question(name::from_text("example").value(), rr_type::a));
  // Not in the additional section, or not owned by the root: refused.
  CHECK(w.add_raw_record(section::answer, name_view{}, rr_type::opt, 1232, 0, {}).error() == errc::out_of_range);
  CHECK(w.add_raw_record(section::additional, name::from_text("example").value(), rr_type::opt, 1232, 0, {}).error() ==
        errc::out_of_range);
  REQUIRE(w.add_raw_record(section::additional, name_view{}, rr_type::opt, 1232, 0, {}));
  CHECK(w.add_opt(dnsfilter::wire::edns{}).error() == errc::out_of_range);
  CHECK(w.add_extended_error(dnsfilter::wire::ede_code::blocked, "x"));
  auto m = message_view::parse(w.finish());
  REQUIRE(m);
  CHECK(m->has_edns());
}

TEST_CASE("review: a default-constructed query_view has the root as its name") {
  dnsfilter::wire::query_view q;
  CHECK(q.qname().is_root());
}
