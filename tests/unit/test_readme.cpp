// The code blocks of README.md and docs/library.md marked "compiled", built and
// run as written there. tests/CMakeLists.txt copies each block out of the
// Markdown at configure time (dnsfilter_doc_example) into doc_examples/*.inc in
// the build tree; this file includes them and runs them on real packets.
#include <doctest/doctest.h>

#include <dnsfilter/dnsfilter.hpp>

#include <array>
#include <cstddef>
#include <cstdio>
#include <ctime>
#include <span>
#include <string>
#include <vector>

#include "hex.hpp"
#include "packets.hpp"

// README.md: the facade. The example declares the caller's transport,
// receive() and send(); the test defines them below.
namespace readme_facade {
#include "readme_facade.inc"

// What receive() hands out, one packet a call, and what send() was given.
struct transport {
  std::vector<std::vector<std::byte>> queries;
  std::size_t next = 0;
  policy::ip_address client = policy::ip_address::v4(192, 0, 2, 7);
  std::vector<std::vector<std::byte>> sent;
};
transport* io = nullptr;

std::size_t receive(std::span<std::byte> packet, policy::ip_address& client) {
  if (io->next == io->queries.size()) return 0;
  const std::vector<std::byte>& q = io->queries[io->next++];
  REQUIRE(q.size() <= packet.size());
  std::copy(q.begin(), q.end(), packet.begin());
  client = io->client;
  return q.size();
}

void send(std::span<const std::byte> answer, const policy::ip_address& client) {
  CHECK(client == io->client);
  io->sent.emplace_back(answer.begin(), answer.end());
}
}  // namespace readme_facade

// docs/library.md: the wire codec alone.
namespace library_wire {
#include "library_wire.inc"
}  // namespace library_wire

#if DNSFILTER_TEST_OPENSSL
// docs/library.md: a signed AXFR query with OpenSSL's HMAC (host builds with OpenSSL only).
#include <optional>
#include "openssl_hmac.hpp"  // first, so that the block's #include finds it done
namespace library_tsig {
#include "library_tsig.inc"
}  // namespace library_tsig
#endif

namespace {

namespace wire = dnsfilter::wire;

std::vector<std::byte> bytes_of(const dnsfilter_test::query_packet& q) { return {q.bytes.begin(), q.bytes.end()}; }

// docs/library.md: load, compile, publish, look up: a function body given
// `path`, a parsed `query` and `now_seconds`; checks what it found.
void run_library_match(const std::string& path, const dnsfilter::result<wire::query_view>& query,
                       dnsfilter::match::timestamp now_seconds) {
#include "library_match.inc"
  REQUIRE(hit);
  const auto& e = reader.get().entry_of(hit);
  CHECK(e.id == "XX-20250109-0001");
  CHECK(e.category == "information theft");
  CHECK(e.action == match::action::sinkhole);
}

}  // namespace

TEST_CASE("README example: the facade answers a listed name from the sinkhole and sends nothing for the rest") {
  const std::string list = std::string(DNSFILTER_TEST_DATA_DIR) + "/data/lists/plain.txt";
  const dnsfilter_test::query_packet hit("www.Evil.example", wire::rr_type::a, true);
  const dnsfilter_test::query_packet miss("www.example.com", wire::rr_type::a, true);
  readme_facade::transport io;
  io.queries = {bytes_of(hit), bytes_of(miss), std::vector<std::byte>(5, std::byte{0})};  // the last is a runt
  readme_facade::io = &io;
  CHECK(readme_facade::serve(list.c_str()) == 0);
  readme_facade::io = nullptr;
  CHECK(io.next == 3);

  // Only the hit was answered: the miss goes upstream, the runt is dropped.
  REQUIRE(io.sent.size() == 1);
  auto m = wire::message_view::parse(io.sent[0]);
  REQUIRE(m.has_value());
  CHECK(m->header().id == 0x1234);
  CHECK(m->header().qr);
  CHECK(m->header().rcode == 0);
  CHECK(m->read_name_at(m->question().name_offset).to_string() == "www.Evil.example.");
  int addresses = 0;
  for (const auto& rr : m->records(wire::section::answer)) {
    auto rd = m->rdata(rr);
    REQUIRE(rd.has_value());
    const auto* a = std::get_if<wire::rdata::a>(&*rd);
    REQUIRE(a != nullptr);
    CHECK(a->address == std::array{std::byte{192}, std::byte{0}, std::byte{2}, std::byte{1}});
    ++addresses;
  }
  CHECK(addresses == 1);
  REQUIRE(m->has_edns());
  wire::edns_option ede;
  CHECK(m->edns().find(wire::option_code::extended_error, ede));
}

TEST_CASE("README example: serve() refuses a list it cannot load") {
  readme_facade::transport io;
  readme_facade::io = &io;
  CHECK(readme_facade::serve("/nonexistent/dnsfilter-list.txt") == 1);
  readme_facade::io = nullptr;
  CHECK(io.next == 0);
}

TEST_CASE("README docs/library.md example: a blocked name gets the sinkhole answer with an EDE") {
  // www.EVIL.example A, RD, with an OPT record (payload 1232, no options).
  const auto query = dnsfilter_test::hex(
      "1234 0100 0001 0000 0000 0001"
      "03 777777 04 4556494c 07 6578616d706c65 00 0001 0001"
      "00 0029 04d0 00000000 0000");
  std::array<std::byte, 512> buf{};
  const auto answer = library_wire::sinkhole(query, buf);
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
  CHECK(library_wire::sinkhole(other, buf).empty());
}

TEST_CASE("README docs/library.md example: load a list, compile it, publish it, look names up") {
  const std::string path = std::string(DNSFILTER_TEST_DATA_DIR) + "/data/lists/operator.tsv";
  const dnsfilter_test::query_packet packet("A.c2.Evil.Example");
  run_library_match(path, wire::query_view::parse(packet.bytes), 1'748'736'000);  // 2025-06-01
}

#if DNSFILTER_TEST_OPENSSL
TEST_CASE("docs/library.md: a signed AXFR query, verified by the primary's side") {
  namespace xfr = dnsfilter::xfr;
  dnsfilter::diagnostic error;
  const auto key = xfr::parse_key_argument("hmac-sha256:transfer.key:c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LTEyMzQ=", error);
  REQUIRE(key);
  openssl_hmac hmac;
  std::array<std::byte, 512> buf;
  std::optional<xfr::tsig_verifier> verifier;
  const auto zone = wire::name::from_text("rpz.example").value();
  const auto query = library_tsig::signed_axfr(zone, *key, hmac, 1765000000, buf, verifier);
  REQUIRE_FALSE(query.empty());
  REQUIRE(verifier.has_value());
  xfr::tsig_verifier primary{*key, hmac};
  CHECK(primary.verify(wire::message_view::parse(query).value(), 1765000005));
}
#endif
