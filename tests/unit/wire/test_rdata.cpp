// RDATA types that hold domain names besides the ones a resolver looks into
// (RFC 3597 section 4): MD, MF, MB, MG, MR, MINFO (RFC 1035), RP, AFSDB, RT
// (RFC 1183). Their names are decompressed on reading, so a record survives
// being written into another message; the writer compresses them again only
// in the RFC 1035 types.
#include <doctest/doctest.h>

#include <dnsfilter/wire/message.hpp>
#include <dnsfilter/wire/writer.hpp>

#include "hex.hpp"

#include <string>
#include <vector>

using dnsfilter::errc;
using dnsfilter::wire::message_view;
using dnsfilter::wire::message_writer;
using dnsfilter::wire::name;
using dnsfilter::wire::rdata_value;
using dnsfilter::wire::rr_class;
using dnsfilter::wire::rr_type;
using dnsfilter::wire::section;
namespace rdata = dnsfilter::wire::rdata;
using dnsfilter_test::hex;

namespace {

name dn(const char* text) { return name::from_text(text).value(); }

// A response to "example. A" whose one answer has type `type` and RDATA
// `rdata` (hex); c00c in it points at the question name "example.".
std::vector<std::byte> response_with(std::uint16_t type, const std::string& rdata) {
  const auto body = hex(rdata);
  std::string t = "0000";
  static const char digits[] = "0123456789abcdef";
  for (int shift = 12; shift >= 0; shift -= 4) t[3 - shift / 4] = digits[(type >> shift) & 15];
  std::string len = "0000";
  for (int shift = 12; shift >= 0; shift -= 4) len[3 - shift / 4] = digits[(body.size() >> shift) & 15];
  return hex("1234 8180 0001 0001 0000 0000"
             "07 6578616d706c65 00 0001 0001"  // example. A IN
             "c00c" + t + "0001 0000003c" + len + rdata);
}

// Decodes the answer of `msg`, writes it into a new message after a record
// that moves every offset, and decodes it again from there.
rdata_value round_trip(const std::vector<std::byte>& msg, rr_type type) {
  auto m = message_view::parse(msg);
  if (!m) MESSAGE((std::string(dnsfilter::to_string(m.error())) + " " + dnsfilter_test::to_hex(msg)));
  REQUIRE(m);
  std::vector<rdata_value> values;
  for (const auto& rr : m->records(section::answer)) {
    auto v = m->rdata(rr);
    REQUIRE(v);
    values.push_back(*v);
  }
  REQUIRE(values.size() == 1);
  std::vector<std::byte> buf(512);
  message_writer w{buf};
  REQUIRE(w.add_question(dn("other.test"), rr_type::a));
  REQUIRE(w.add_record(section::answer, dn("filler.other.test"), rr_type::a, rr_class::in, 1, rdata::a{}));
  REQUIRE(w.add_record(section::answer, dn("example"), type, rr_class::in, 60, values[0]));
  auto again = message_view::parse(w.finish());
  REQUIRE(again);
  std::vector<rdata_value> out;
  for (const auto& rr : again->records(section::answer)) {
    if (rr.type == type) {
      auto v = again->rdata(rr);
      REQUIRE(v);
      out.push_back(*v);
    }
  }
  REQUIRE(out.size() == 1);
  CHECK(out[0] == values[0]);
  return out[0];
}

}  // namespace

TEST_CASE("RFC 1035 single-name types: the compressed name is read and survives a rewrite") {
  // RDATA: "mail" + pointer to "example." -> mail.example.
  for (auto t : {rr_type::md, rr_type::mf, rr_type::mb, rr_type::mg, rr_type::mr}) {
    CAPTURE(static_cast<int>(t));
    const auto v = round_trip(response_with(static_cast<std::uint16_t>(t), "046d61696c c00c"), t);
    const name* target = nullptr;
    if (auto* x = std::get_if<rdata::md>(&v)) target = &x->target;
    if (auto* x = std::get_if<rdata::mf>(&v)) target = &x->target;
    if (auto* x = std::get_if<rdata::mb>(&v)) target = &x->target;
    if (auto* x = std::get_if<rdata::mg>(&v)) target = &x->target;
    if (auto* x = std::get_if<rdata::mr>(&v)) target = &x->target;
    REQUIRE(target);
    CHECK(target->to_string() == "mail.example.");
    CHECK(dnsfilter::wire::type_of(v, rr_type::a) == t);
    CHECK(dnsfilter::wire::has_typed_rdata(t));
  }
}

TEST_CASE("MINFO and RP: two names; AFSDB and RT: a number and a name") {
  const auto mi = round_trip(response_with(14, "0561646d696e c00c 056572726f72 c00c"), rr_type::minfo);
  REQUIRE(std::get_if<rdata::minfo>(&mi));
  CHECK(std::get<rdata::minfo>(mi).first.to_string() == "admin.example.");
  CHECK(std::get<rdata::minfo>(mi).second.to_string() == "error.example.");

  const auto rp = round_trip(response_with(17, "03626f62 c00c 00"), rr_type::rp);
  REQUIRE(std::get_if<rdata::rp>(&rp));
  CHECK(std::get<rdata::rp>(rp).first.to_string() == "bob.example.");
  CHECK(std::get<rdata::rp>(rp).second.to_string() == ".");

  const auto af = round_trip(response_with(18, "0001 03616673 c00c"), rr_type::afsdb);
  REQUIRE(std::get_if<rdata::afsdb>(&af));
  CHECK(std::get<rdata::afsdb>(af).number == 1);
  CHECK(std::get<rdata::afsdb>(af).target.to_string() == "afs.example.");

  const auto rt = round_trip(response_with(21, "000a 03727472 c00c"), rr_type::rt);
  REQUIRE(std::get_if<rdata::rt>(&rt));
  CHECK(std::get<rdata::rt>(rt).number == 10);
  CHECK(std::get<rdata::rt>(rt).target.to_string() == "rtr.example.");
}

TEST_CASE("names in RP, AFSDB and RT are written uncompressed, in MB and MINFO compressed") {
  std::vector<std::byte> buf(512);
  message_writer w{buf};
  REQUIRE(w.add_question(dn("example"), rr_type::any));
  REQUIRE(w.add_record(section::answer, dn("example"), rr_type::afsdb, rr_class::in, 60,
                       rdata::afsdb{1, dn("example")}));
  const std::size_t after_afsdb = w.finish().size();
  // owner (pointer, 2) + type, class, ttl, rdlength (10) + number (2) + "example." in full (9)
  CHECK(after_afsdb == 12 + 13 + 2 + 10 + 2 + 9);
  REQUIRE(w.add_record(section::answer, dn("example"), rr_type::mb, rr_class::in, 60, rdata::mb{dn("example")}));
  CHECK(w.finish().size() == after_afsdb + 2 + 10 + 2);  // the MB name is a pointer
}

TEST_CASE("malformed name-bearing RDATA is refused when the message is parsed") {
  // A name running past RDLENGTH, bytes left after the name, too short for the number.
  CHECK(message_view::parse(response_with(7, "046d61696c")).error() == errc::bad_rdata);
  CHECK(message_view::parse(response_with(7, "046d61696c00 00")).error() == errc::bad_rdata);
  CHECK(message_view::parse(response_with(14, "c00c")).error() == errc::bad_rdata);
  CHECK(message_view::parse(response_with(18, "0001")).error() == errc::bad_rdata);
  CHECK(message_view::parse(response_with(21, "00")).error() == errc::bad_rdata);
  CHECK(message_view::parse(response_with(17, "03626f62 c00c")).error() == errc::bad_rdata);
}

// ---- cases found in a review of the codec; each failed before its fix ----
TEST_CASE("a compressed name in RDATA of an RFC 1035 type (MB) survives a rewrite") {
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
