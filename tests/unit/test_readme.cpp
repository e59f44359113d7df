// The README's one-screen example, compiled and run as written there.
#include <doctest/doctest.h>

#include <dnsfilter/dnsfilter.hpp>

#include <array>
#include <cstdio>
#include <string>
#include <vector>

#include "hex.hpp"

namespace {

// ---- begin README example (keep in sync with README.md) ----
namespace wire = dnsfilter::wire;

// Answer a query for a blocked name with a sinkhole address, in place, no heap.
std::span<const std::byte> sinkhole(std::span<const std::byte> packet, std::span<std::byte> out) {
  auto query = wire::query_view::parse(packet);      // validates everything once
  if (!query) return {};                             // query.error() says why (a dnsfilter::errc)

  static const auto blocked = wire::name::from_text("evil.example").value();
  if (!query->qname().is_subdomain_of(blocked)) return {};   // whole labels, any case

  std::size_t limit = query->has_edns() ? query->edns().effective_payload_size() : 512;
  wire::message_writer w{out, limit};
  w.header().id = query->header().id;
  w.header().qr = true;
  w.header().rd = query->header().rd;
  w.add_question(query->qname(), query->qtype());    // echoes the client's 0x20 case
  if (query->qtype() == wire::rr_type::a)            // the owner is compressed to the question
    w.add_record(wire::section::answer, query->qname(), wire::rr_type::a, wire::rr_class::in, 60,
                 wire::rdata::a{{std::byte{192}, std::byte{0}, std::byte{2}, std::byte{1}}});
  if (query->has_edns()) {
    wire::edns opt;
    opt.udp_payload_size = 1232;
    w.add_opt(opt);
    w.add_extended_error(wire::ede_code::blocked, "XX-20250109-0001");
  }
  return w.finish();
}
// ---- end README example ----

}  // namespace

TEST_CASE("README example: a blocked name gets the sinkhole answer with an EDE") {
  // www.EVIL.example A, RD, with an OPT record (payload 1232, no options).
  const auto query = dnsfilter_test::hex(
      "1234 0100 0001 0000 0000 0001"
      "03 777777 04 4556494c 07 6578616d706c65 00 0001 0001"
      "00 0029 04d0 00000000 0000");
  std::array<std::byte, 512> buf{};
  const auto answer = sinkhole(query, buf);
  REQUIRE(!answer.empty());

  auto m = wire::message_view::parse(answer);
  REQUIRE(m.has_value());
  CHECK(m->header().id == 0x1234);
  CHECK(m->header().qr);
  CHECK(m->header().ancount == 1);
  CHECK(m->read_name_at(m->question().name_offset).to_string() == "www.EVIL.example.");
  for (const auto& rr : m->records(wire::section::answer)) {
    auto rd = m->rdata(rr);
    REQUIRE(rd.has_value());
    CHECK(std::get<wire::rdata::a>(*rd).address[0] == std::byte{192});
  }
  REQUIRE(m->has_edns());
  wire::edns_option ede;
  REQUIRE(m->edns().find(wire::option_code::extended_error, ede));
  auto decoded = wire::extended_error::decode(ede.data);
  REQUIRE(decoded.has_value());
  CHECK(decoded->info_code == wire::ede_code::blocked);
  CHECK(decoded->text == "XX-20250109-0001");

  // A name that only ends in the same letters is not blocked.
  const auto other = dnsfilter_test::hex(
      "1234 0100 0001 0000 0000 0000"
      "07 6e6f746576696c 07 6578616d706c65 00 0001 0001");
  CHECK(sinkhole(other, buf).empty());
}

TEST_CASE("README example: load a list, compile it, publish it, look names up") {
  using namespace dnsfilter;
  const std::string path = std::string(DNSFILTER_TEST_DATA_DIR) + "/data/lists/operator.tsv";
  const match::timestamp now_seconds = 1'748'736'000;  // 2025-06-01
  const auto query = wire::name::from_text("A.c2.Evil.Example").value();

  // ---- begin README example (keep in sync with README.md) ----
  match::catalogue cat;                                   // entries + their FQDNs
  lists::load_options opt;
  lists::diagnostic why;
  if (!lists::load_file(path, lists::format::automatic, cat, opt, &why))
    std::fprintf(stderr, "%s\n", lists::to_string(path, why).c_str());   // file:line: message
  auto snapshot = match::make_compiled<match::suffix_hash_matcher>(std::move(cat));
  snapshot_handle<match::compiled_catalogue<match::suffix_hash_matcher>> live{snapshot};

  // On each serving thread: one atomic load per packet, no lock, no allocation.
  snapshot_reader reader{live};
  auto hit = reader.get().lookup(query.view(), now_seconds);
  // ---- end README example ----

  REQUIRE(hit);
  const auto& e = reader.get().entry_of(hit);
  CHECK(e.id == "XX-20250109-0001");
  CHECK(e.category == "information theft");
  CHECK(e.action == match::action::sinkhole);
}
