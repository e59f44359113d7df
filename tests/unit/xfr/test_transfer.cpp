// Zone transfers: the queries, and the reader of AXFR / IXFR streams (RFC
// 5936, RFC 1995) over messages built with the library's writer — a whole
// zone over several messages, IXFR differences, IXFR answered as AXFR, the
// single-SOA reply, and every stream the RFCs reject, with its position.
#include <dnsfilter/wire/message.hpp>
#include <dnsfilter/wire/writer.hpp>
#include <dnsfilter/xfr/transfer.hpp>

#include <doctest/doctest.h>

#include "zone_helpers.hpp"

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace wire = dnsfilter::wire;
namespace xfr = dnsfilter::xfr;
using dnsfilter::errc;

namespace {

using test_zone::dn;
using test_zone::soa;
using test_zone::zone;
constexpr std::uint16_t query_id = 0x4242;

// A record of the stream: an SOA of the zone, or a CNAME . trigger.
struct rec {
  std::string owner;
  std::uint32_t serial = 0;  // an SOA when set
  wire::rr_class klass = wire::rr_class::in;
};
rec soa_rec(std::uint32_t serial) { return {"rpz.example", serial}; }
rec trigger(const char* name) { return {std::string(name) + ".rpz.example", 0}; }

// One message of the answer stream.
struct message {
  std::vector<std::byte> bytes;
  explicit message(const std::vector<rec>& records, wire::rr_type qtype = wire::rr_type::axfr, bool question = true,
                   std::uint16_t id = query_id, wire::rcode rcode = wire::rcode::noerror) {
    bytes.resize(65535);
    wire::message_writer w{bytes};
    w.header().id = id;
    w.header().qr = true;
    w.header().aa = true;
    w.header().rcode = static_cast<std::uint8_t>(rcode);
    if (question) REQUIRE(w.add_question(zone, qtype));
    for (const rec& r : records) {
      const auto owner = dn(r.owner.c_str());
      if (r.serial != 0) {
        REQUIRE(w.add_record(wire::section::answer, owner, wire::rr_type::soa, r.klass, 3600, soa(r.serial)));
      } else {
        REQUIRE(w.add_record(wire::section::answer, owner, wire::rr_type::cname, r.klass, 3600,
                             wire::rdata::cname{wire::name{}}));
      }
    }
    bytes.resize(w.finish().size());
  }
  wire::message_view view() const { return wire::message_view::parse(bytes).value(); }
};

// Writes down what the reader reports, one line per call.
struct log_handler final : xfr::transfer_handler {
  std::vector<std::string> lines;
  void begin_full(const wire::rdata::soa& s) override { lines.push_back("full " + std::to_string(s.serial)); }
  void full_record(const xfr::record& r) override { lines.push_back("+ " + r.owner.to_string()); }
  void begin_difference(std::uint32_t from) override { lines.push_back("from " + std::to_string(from)); }
  void deleted(const xfr::record& r) override { lines.push_back("- " + r.owner.to_string()); }
  void begin_additions(std::uint32_t to) override { lines.push_back("to " + std::to_string(to)); }
  void added(const xfr::record& r) override { lines.push_back("+ " + r.owner.to_string()); }
  void end(const wire::rdata::soa& s) override { lines.push_back("end " + std::to_string(s.serial)); }
};

// Feeds every message; the result of the last feed().
dnsfilter::result<bool> feed_all(xfr::transfer_reader& reader, const std::vector<message>& stream, log_handler& h) {
  dnsfilter::result<bool> r = false;
  for (const message& m : stream) {
    r = reader.feed(m.view(), h);
    if (!r) break;
  }
  return r;
}

using lines = std::vector<std::string>;

}  // namespace

TEST_CASE("xfr: AXFR and IXFR queries") {
  std::array<std::byte, 512> buf;
  const auto axfr = xfr::write_transfer_query(zone, xfr::kind::axfr, 7, 0, buf);
  REQUIRE(axfr);
  auto m = wire::message_view::parse(*axfr).value();
  CHECK(m.header().id == 7);
  CHECK_FALSE(m.header().qr);
  CHECK(m.question().type == wire::rr_type::axfr);
  CHECK(m.read_name_at(m.question().name_offset) == zone);
  CHECK(m.header().count(wire::section::authority) == 0);

  std::array<std::byte, 512> buf2;
  const auto ixfr = xfr::write_transfer_query(zone, xfr::kind::ixfr, 8, 2026120701, buf2);
  REQUIRE(ixfr);
  m = wire::message_view::parse(*ixfr).value();
  CHECK(m.question().type == wire::rr_type::ixfr);
  REQUIRE(m.header().count(wire::section::authority) == 1);
  for (const auto& rr : m.records(wire::section::authority)) {
    CHECK(rr.type == wire::rr_type::soa);
    CHECK(m.read_name_at(rr.owner_offset) == zone);
    CHECK(std::get<wire::rdata::soa>(m.rdata(rr).value()).serial == 2026120701);
  }

  std::array<std::byte, 512> buf3;
  m = wire::message_view::parse(xfr::write_soa_query(zone, 9, buf3).value()).value();
  CHECK(m.question().type == wire::rr_type::soa);
  CHECK(xfr::write_transfer_query(zone, xfr::kind::axfr, 7, 0, std::span<std::byte>(buf).first(11)).error() ==
        errc::no_space);
}

TEST_CASE("xfr: serial arithmetic (RFC 1982)") {
  CHECK(xfr::serial_newer(2, 1));
  CHECK_FALSE(xfr::serial_newer(1, 2));
  CHECK_FALSE(xfr::serial_newer(5, 5));
  CHECK(xfr::serial_newer(1, 0xffffffffu));  // wraps
  CHECK_FALSE(xfr::serial_newer(0x80000000u, 0));  // exactly half way: undefined, never newer
}

TEST_CASE("xfr: a whole zone over several messages") {
  xfr::transfer_reader reader{zone, query_id, xfr::kind::axfr};
  log_handler h;
  const std::vector<message> stream{message{{soa_rec(10), trigger("a")}},
                                    message{{trigger("b"), trigger("c.sub")}, wire::rr_type::axfr, false},
                                    message{{soa_rec(10)}, wire::rr_type::axfr, false}};
  CHECK_FALSE(reader.feed(stream[0].view(), h).value());
  CHECK_FALSE(reader.feed(stream[1].view(), h).value());
  CHECK(reader.feed(stream[2].view(), h).value());
  CHECK(h.lines == lines{"full 10", "+ a.rpz.example.", "+ b.rpz.example.", "+ c.sub.rpz.example.", "end 10"});
  CHECK(reader.finish().value() == xfr::transfer_result::full);
  CHECK(reader.messages() == 3);
  CHECK(reader.records() == 5);
  CHECK(reader.zone_soa().serial == 10);
  // Nothing may follow the closing SOA.
  CHECK(reader.feed(stream[1].view(), h).error() == errc::transfer_malformed);
}

TEST_CASE("xfr: a zone of nothing but its SOA") {
  xfr::transfer_reader reader{zone, query_id, xfr::kind::axfr};
  log_handler h;
  CHECK(reader.feed(message{{soa_rec(3), soa_rec(3)}}.view(), h).value());
  CHECK(h.lines == lines{"full 3", "end 3"});
}

TEST_CASE("xfr: IXFR differences, in order, chained") {
  xfr::transfer_reader reader{zone, query_id, xfr::kind::ixfr, 10};
  log_handler h;
  const std::vector<message> stream{
      message{{soa_rec(12), soa_rec(10), trigger("gone"), soa_rec(11), trigger("new")}, wire::rr_type::ixfr},
      message{{soa_rec(11), soa_rec(12), trigger("newer"), soa_rec(12)}, wire::rr_type::ixfr, false}};
  auto done = feed_all(reader, stream, h);
  REQUIRE(done);
  CHECK(*done);
  CHECK(h.lines == lines{"from 10", "- gone.rpz.example.", "to 11", "+ new.rpz.example.", "from 11", "to 12",
                         "+ newer.rpz.example.", "end 12"});
  CHECK(reader.finish().value() == xfr::transfer_result::incremental);
}

TEST_CASE("xfr: IXFR answered as AXFR, and the single-SOA reply") {
  SUBCASE("a whole zone in answer to IXFR") {
    xfr::transfer_reader reader{zone, query_id, xfr::kind::ixfr, 10};
    log_handler h;
    CHECK(reader.feed(message{{soa_rec(12), trigger("a"), soa_rec(12)}, wire::rr_type::ixfr}.view(), h).value());
    CHECK(h.lines == lines{"full 12", "+ a.rpz.example.", "end 12"});
    CHECK(reader.outcome() == xfr::transfer_result::full);
  }
  SUBCASE("our serial is current") {
    xfr::transfer_reader reader{zone, query_id, xfr::kind::ixfr, 10};
    log_handler h;
    CHECK(reader.feed(message{{soa_rec(10)}, wire::rr_type::ixfr}.view(), h).value());
    CHECK(h.lines == lines{"end 10"});
    CHECK(reader.finish().value() == xfr::transfer_result::up_to_date);
  }
  SUBCASE("the primary went backwards") {
    xfr::transfer_reader reader{zone, query_id, xfr::kind::ixfr, 10};
    log_handler h;
    CHECK(reader.feed(message{{soa_rec(9)}, wire::rr_type::ixfr}.view(), h).error() == errc::transfer_serial);
  }
  SUBCASE("a newer SOA alone in the first message: the rest follows") {
    xfr::transfer_reader reader{zone, query_id, xfr::kind::ixfr, 10};
    log_handler h;
    CHECK_FALSE(reader.feed(message{{soa_rec(11)}, wire::rr_type::ixfr}.view(), h).value());
    CHECK(reader.feed(message{{soa_rec(10), soa_rec(11), trigger("x"), soa_rec(11)}, wire::rr_type::ixfr, false}.view(), h)
              .value());
    CHECK(h.lines == lines{"from 10", "to 11", "+ x.rpz.example.", "end 11"});
  }
}

TEST_CASE("xfr: what the RFCs reject, with its position") {
  log_handler h;
  SUBCASE("an error rcode") {
    xfr::transfer_reader reader{zone, query_id, xfr::kind::axfr};
    CHECK(reader.feed(message{{}, wire::rr_type::axfr, true, query_id, wire::rcode::refused}.view(), h).error() ==
          errc::transfer_refused);
  }
  SUBCASE("another id, another question, no question first, a query") {
    xfr::transfer_reader a{zone, query_id, xfr::kind::axfr};
    CHECK(a.feed(message{{soa_rec(1)}, wire::rr_type::axfr, true, 1}.view(), h).error() == errc::transfer_mismatch);
    xfr::transfer_reader b{zone, query_id, xfr::kind::axfr};
    CHECK(b.feed(message{{soa_rec(1)}, wire::rr_type::ixfr}.view(), h).error() == errc::transfer_mismatch);
    xfr::transfer_reader c{zone, query_id, xfr::kind::axfr};
    CHECK(c.feed(message{{soa_rec(1)}, wire::rr_type::axfr, false}.view(), h).error() == errc::transfer_mismatch);
    xfr::transfer_reader d{zone, query_id, xfr::kind::axfr};
    message q{{soa_rec(1)}};
    q.bytes[2] &= std::byte{0x7f};  // QR cleared
    CHECK(d.feed(q.view(), h).error() == errc::transfer_mismatch);
  }
  SUBCASE("not starting with the zone's SOA") {
    xfr::transfer_reader reader{zone, query_id, xfr::kind::axfr};
    CHECK(reader.feed(message{{trigger("a"), soa_rec(1)}}.view(), h).error() == errc::transfer_malformed);
    CHECK(reader.position().record == 0);
  }
  SUBCASE("a record outside the zone, or of another class") {
    xfr::transfer_reader reader{zone, query_id, xfr::kind::axfr};
    CHECK(reader.feed(message{{soa_rec(1), trigger("a"), rec{"evil.example", 0}}}.view(), h).error() ==
          errc::transfer_out_of_zone);
    CHECK(reader.position().message == 0);
    CHECK(reader.position().record == 2);
    CHECK(reader.feed(message{{soa_rec(1)}}.view(), h).error() == errc::transfer_out_of_zone);  // stays failed
    xfr::transfer_reader chaos{zone, query_id, xfr::kind::axfr};
    CHECK(chaos.feed(message{{soa_rec(1), rec{"a.rpz.example", 0, wire::rr_class::ch}}}.view(), h).error() ==
          errc::transfer_out_of_zone);
  }
  SUBCASE("an SOA that does not close the zone, or not at the apex") {
    xfr::transfer_reader reader{zone, query_id, xfr::kind::axfr};
    CHECK(reader.feed(message{{soa_rec(5), trigger("a"), soa_rec(6)}}.view(), h).error() == errc::transfer_malformed);
    xfr::transfer_reader apex{zone, query_id, xfr::kind::axfr};
    CHECK(apex.feed(message{{soa_rec(5), rec{"x.rpz.example", 5}}}.view(), h).error() == errc::transfer_malformed);
  }
  SUBCASE("data after the closing SOA, in the same message") {
    xfr::transfer_reader reader{zone, query_id, xfr::kind::axfr};
    CHECK(reader.feed(message{{soa_rec(5), soa_rec(5), trigger("late")}}.view(), h).error() ==
          errc::transfer_malformed);
    CHECK(reader.position().record == 2);
  }
  SUBCASE("a stream that ends before its closing SOA") {
    xfr::transfer_reader reader{zone, query_id, xfr::kind::axfr};
    CHECK_FALSE(reader.feed(message{{soa_rec(5), trigger("a")}}.view(), h).value());
    CHECK(reader.finish().error() == errc::transfer_malformed);
  }
  SUBCASE("IXFR serials that do not chain") {
    // A difference that does not start where the last one ended.
    xfr::transfer_reader a{zone, query_id, xfr::kind::ixfr, 10};
    CHECK(a.feed(message{{soa_rec(12), soa_rec(10), soa_rec(11), soa_rec(9)}, wire::rr_type::ixfr}.view(), h).error() ==
          errc::transfer_serial);
    // One that leads past the zone's serial.
    xfr::transfer_reader b{zone, query_id, xfr::kind::ixfr, 10};
    CHECK(b.feed(message{{soa_rec(12), soa_rec(10), soa_rec(13)}, wire::rr_type::ixfr}.view(), h).error() ==
          errc::transfer_serial);
    // One that goes backwards.
    xfr::transfer_reader c{zone, query_id, xfr::kind::ixfr, 10};
    CHECK(c.feed(message{{soa_rec(12), soa_rec(10), soa_rec(10)}, wire::rr_type::ixfr}.view(), h).error() ==
          errc::transfer_serial);
    // Ending at a serial that is not the zone's.
    xfr::transfer_reader d{zone, query_id, xfr::kind::ixfr, 10};
    CHECK_FALSE(d.feed(message{{soa_rec(12), soa_rec(10), soa_rec(11), trigger("x")}, wire::rr_type::ixfr}.view(), h)
                    .value());
    CHECK(d.finish().error() == errc::transfer_malformed);
  }
}
