// TSIG (RFC 8945): signing and verifying requests, answers and answer streams
// with unsigned messages between signed ones; every tampered octet caught;
// wrong key, algorithm and time; the peer's TSIG errors; malformed TSIG
// records. The structural tests use test_hmac (no crypto library, so they
// run in the cross builds too); the known-answer tests check real MACs
// written by dig and kdig with OpenSSL, on hosts that have it.
#include <dnsfilter/load.hpp>
#include <dnsfilter/wire/message.hpp>
#include <dnsfilter/wire/writer.hpp>
#include <dnsfilter/xfr/transfer.hpp>
#include <dnsfilter/xfr/tsig.hpp>

#include <doctest/doctest.h>

#include "hex.hpp"
#include "test_hmac.hpp"

#if DNSFILTER_TEST_OPENSSL
#include "openssl_hmac.hpp"
#endif

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace wire = dnsfilter::wire;
namespace xfr = dnsfilter::xfr;
using dnsfilter::errc;
using dnsfilter_test::hex;
using dnsfilter_test::test_hmac;

namespace {

constexpr std::uint64_t now = 1765000000;  // the clock of every test
constexpr std::uint16_t query_id = 0x4242;
const wire::name zone = wire::name::from_text("rpz.example").value();

wire::name dn(const char* text) { return wire::name::from_text(text).value(); }

xfr::tsig_key make_key(const char* name = "transfer.key", xfr::tsig_algorithm a = xfr::tsig_algorithm::hmac_sha256,
                       const char* secret = "secret-secret-secret-secret-1234") {
  const std::string s = secret;
  return xfr::tsig_key::make(dn(name), a, std::as_bytes(std::span(s.data(), s.size()))).value();
}

// A message in a buffer with room for a TSIG record.
struct packet {
  std::vector<std::byte> buffer = std::vector<std::byte>(65535);
  std::size_t size = 0;
  std::span<const std::byte> bytes() const { return {buffer.data(), size}; }
  wire::message_view view() const { return wire::message_view::parse(bytes()).value(); }
};

packet axfr_query() {
  packet p;
  p.size = xfr::write_transfer_query(zone, xfr::kind::axfr, query_id, 0, p.buffer).value().size();
  return p;
}

wire::rdata::soa soa(std::uint32_t serial) {
  wire::rdata::soa s;
  s.mname = dn("ns.rpz.example");
  s.rname = dn("hostmaster.rpz.example");
  s.serial = serial;
  return s;
}

// One message of an AXFR answer: the zone's SOA when `first` or `last`,
// `triggers` CNAME records between.
packet answer(bool first, int triggers, bool last, int from = 0) {
  packet p;
  wire::message_writer w{p.buffer};
  w.header().id = query_id;
  w.header().qr = true;
  w.header().aa = true;
  if (first) REQUIRE(w.add_question(zone, wire::rr_type::axfr));
  if (first) REQUIRE(w.add_record(wire::section::answer, zone, wire::rr_type::soa, wire::rr_class::in, 60, soa(7)));
  for (int i = 0; i < triggers; ++i) {
    const std::string owner = "t" + std::to_string(from + i) + ".rpz.example";
    REQUIRE(w.add_record(wire::section::answer, dn(owner.c_str()), wire::rr_type::cname, wire::rr_class::in, 60,
                         wire::rdata::cname{wire::name{}}));
  }
  if (last) REQUIRE(w.add_record(wire::section::answer, zone, wire::rr_type::soa, wire::rr_class::in, 60, soa(7)));
  p.size = w.finish().size();
  return p;
}

// Counts what a transfer reports.
struct counting_handler final : xfr::transfer_handler {
  std::size_t records = 0;
  bool ended = false;
  void begin_full(const wire::rdata::soa&) override {}
  void full_record(const xfr::record&) override { ++records; }
  void begin_difference(std::uint32_t) override {}
  void deleted(const xfr::record&) override {}
  void begin_additions(std::uint32_t) override {}
  void added(const xfr::record&) override {}
  void end(const wire::rdata::soa&) override { ended = true; }
};

// A signed AXFR exchange: the query, and an answer of `messages` messages
// of which those marked unsigned in `unsigned_at` go out unsigned.
struct exchange {
  xfr::tsig_key key = make_key();
  test_hmac hmac;
  packet query = axfr_query();
  xfr::tsig_mac request_mac;
  std::vector<packet> stream;

  explicit exchange(std::size_t messages = 1, const std::vector<bool>& unsigned_at = {}) {
    query.size = xfr::sign_request(query.buffer, query.size, key, hmac, now, request_mac).value();
    xfr::tsig_stream_signer signer{key, hmac, request_mac};
    for (std::size_t i = 0; i < messages; ++i) {
      packet p = answer(i == 0, 2, i + 1 == messages, static_cast<int>(i * 2));
      if (i < unsigned_at.size() && unsigned_at[i]) {
        REQUIRE(signer.skip(p.bytes()));
      } else {
        p.size = signer.sign(p.buffer, p.size, now).value();
      }
      stream.push_back(std::move(p));
    }
  }
};

// Verifies and reads every message of the stream; the first error.
errc run(const exchange& x, const xfr::tsig_key& key, std::uint64_t at = now) {
  test_hmac hmac;
  xfr::tsig_verifier verifier{key, hmac, x.request_mac};
  xfr::transfer_reader reader{zone, query_id, xfr::kind::axfr};
  counting_handler h;
  for (const packet& p : x.stream) {
    const auto m = wire::message_view::parse(p.bytes());
    if (!m) return m.error();
    if (auto v = verifier.verify(*m, at); !v) return v.error();
    if (auto r = reader.feed(*m, h); !r) return r.error();
  }
  if (auto f = verifier.finish(); !f) return f.error();
  if (auto f = reader.finish(); !f) return f.error();
  return errc::ok;
}

}  // namespace

TEST_CASE("tsig: algorithms by name, digest sizes, wire names") {
  CHECK(xfr::tsig_algorithm_from_text("hmac-sha256").value() == xfr::tsig_algorithm::hmac_sha256);
  CHECK(xfr::tsig_algorithm_from_text("HMAC-SHA512.").value() == xfr::tsig_algorithm::hmac_sha512);
  CHECK(xfr::tsig_algorithm_from_text("hmac-sha1").value() == xfr::tsig_algorithm::hmac_sha1);
  CHECK(xfr::tsig_algorithm_from_text("hmac-md5").error() == errc::bad_key_file);
  CHECK(xfr::tsig_algorithm_from_text("").error() == errc::bad_key_file);
  CHECK(xfr::digest_size(xfr::tsig_algorithm::hmac_sha1) == 20);
  CHECK(xfr::digest_size(xfr::tsig_algorithm::hmac_sha224) == 28);
  CHECK(xfr::digest_size(xfr::tsig_algorithm::hmac_sha256) == 32);
  CHECK(xfr::digest_size(xfr::tsig_algorithm::hmac_sha384) == 48);
  CHECK(xfr::digest_size(xfr::tsig_algorithm::hmac_sha512) == 64);
  CHECK(xfr::algorithm_name(xfr::tsig_algorithm::hmac_sha384) == dn("hmac-sha384"));
  CHECK(xfr::algorithm_name(xfr::tsig_algorithm::hmac_sha1).to_string() == "hmac-sha1.");
  CHECK(xfr::to_string(xfr::tsig_algorithm::hmac_sha224) == "hmac-sha224");
  const std::array<std::byte, 300> big{};
  CHECK(xfr::tsig_key::make(dn("k"), xfr::tsig_algorithm::hmac_sha256, big).error() == errc::out_of_range);
  CHECK(xfr::tsig_key::make(dn("k"), xfr::tsig_algorithm::hmac_sha256, {}).error() == errc::invalid_argument);
}

TEST_CASE("tsig: a signed request carries one TSIG record, last, and verifies") {
  const xfr::tsig_key key = make_key();
  test_hmac hmac;
  packet q = axfr_query();
  const std::size_t unsigned_size = q.size;
  xfr::tsig_mac mac;
  q.size = xfr::sign_request(q.buffer, q.size, key, hmac, now, mac).value();
  CHECK(mac.size == 32);
  const wire::message_view m = q.view();
  CHECK(m.header().arcount == 1);
  const auto t = xfr::read_tsig(m).value();
  REQUIRE(t.has_value());
  CHECK(t->offset == unsigned_size);
  CHECK(t->key_name == dn("transfer.key"));
  CHECK(t->algorithm == dn("hmac-sha256"));
  CHECK(t->time_signed == now);
  CHECK(t->fudge == 300);
  CHECK(t->original_id == query_id);
  CHECK(t->error == 0);
  CHECK(t->other.empty());
  CHECK(std::equal(t->mac.begin(), t->mac.end(), mac.bytes.begin()));

  xfr::tsig_verifier server{key, hmac};
  CHECK(server.verify(m, now + 10));
  CHECK(server.finish());
  CHECK(server.last_mac().size == 32);

  // An unsigned request is refused by a server that wants a key.
  xfr::tsig_verifier strict{key, hmac};
  CHECK(strict.verify(axfr_query().view(), now).error() == errc::tsig_missing);
  CHECK(strict.finish().error() == errc::tsig_missing);
  // No room for the record.
  packet small = axfr_query();
  CHECK(xfr::sign_request(std::span<std::byte>(small.buffer).first(small.size + 20), small.size, key, hmac, now, mac)
            .error() == errc::no_space);
}

TEST_CASE("tsig: an answer stream verifies and reads, with unsigned messages between signed ones") {
  SUBCASE("one message") { CHECK(run(exchange{1}, make_key()) == errc::ok); }
  SUBCASE("every message signed") { CHECK(run(exchange{5}, make_key()) == errc::ok); }
  SUBCASE("unsigned runs") {
    CHECK(run(exchange{6, {false, true, true, false, true, false}}, make_key()) == errc::ok);
  }
  SUBCASE("99 unsigned in a row are allowed") {
    std::vector<bool> at(101, true);
    at.front() = at.back() = false;
    CHECK(run(exchange{101, at}, make_key()) == errc::ok);
  }
  SUBCASE("the 100th unsigned in a row is refused") {
    const exchange x{1};  // a signed first message, then 100 unsigned ones
    test_hmac hmac;
    xfr::tsig_verifier verifier{x.key, hmac, x.request_mac};
    REQUIRE(verifier.verify(x.stream[0].view(), now));
    const packet plain = answer(false, 1, false);
    for (std::size_t i = 0; i < 99; ++i) REQUIRE(verifier.verify(plain.view(), now));
    CHECK(verifier.verify(plain.view(), now).error() == errc::tsig_unsigned_tail);
    CHECK(verifier.finish().error() == errc::tsig_unsigned_tail);
  }
  SUBCASE("a stream that ends unsigned") {
    exchange x{3, {false, false, true}};
    CHECK(run(x, make_key()) == errc::tsig_unsigned_tail);
  }
  SUBCASE("a first message unsigned") {
    const exchange x{1};
    test_hmac hmac;
    xfr::tsig_verifier verifier{x.key, hmac, x.request_mac};
    CHECK(verifier.verify(answer(true, 1, false).view(), now).error() == errc::tsig_missing);
  }
  SUBCASE("the signer keeps the rules too") {
    const xfr::tsig_key key = make_key();
    test_hmac hmac;
    xfr::tsig_stream_signer signer{key, hmac, xfr::tsig_mac{}};
    packet p = answer(true, 1, false);
    CHECK(signer.skip(p.bytes()).error() == errc::invalid_argument);  // the first is signed
    REQUIRE(signer.sign(p.buffer, p.size, now));
    for (int i = 0; i < 99; ++i) REQUIRE(signer.skip(p.bytes()));
    CHECK(signer.skip(p.bytes()).error() == errc::invalid_argument);
  }
}

TEST_CASE("tsig: changing any octet of a signed answer is caught") {
  const exchange x{3, {false, true, false}};
  for (std::size_t message = 0; message < x.stream.size(); ++message) {
    for (std::size_t i = 0; i < x.stream[message].size; ++i) {
      exchange t = x;
      t.stream[message].buffer[i] ^= std::byte{0x01};
      CAPTURE(message);
      CAPTURE(i);
      // The header's ID is left out of the MAC (the original ID stands in its
      // place, RFC 8945 §4.3.2), and the transfer reader refuses a foreign ID.
      const errc e = run(t, x.key);
      CHECK(e != errc::ok);
      if (i < 2) CHECK(e == errc::transfer_mismatch);
    }
  }
  // The same for a request.
  exchange q{1};
  for (std::size_t i = 2; i < q.query.size; ++i) {
    packet p = q.query;
    p.buffer[i] ^= std::byte{0x80};
    const auto m = wire::message_view::parse(p.bytes());
    if (!m) continue;
    xfr::tsig_verifier server{q.key, q.hmac};
    CAPTURE(i);
    CHECK_FALSE(server.verify(*m, now));
  }
}

TEST_CASE("tsig: wrong key, algorithm, secret and time") {
  const exchange x{2};
  CHECK(run(x, make_key("other.key")) == errc::tsig_bad_key);
  CHECK(run(x, make_key("transfer.key", xfr::tsig_algorithm::hmac_sha512)) == errc::tsig_bad_key);
  CHECK(run(x, make_key("transfer.key", xfr::tsig_algorithm::hmac_sha256, "another-secret")) ==
        errc::tsig_bad_signature);
  CHECK(run(x, make_key("TRANSFER.Key")) == errc::ok);  // names compare without case
  CHECK(run(x, x.key, now + 300) == errc::ok);           // at the fudge's edge
  CHECK(run(x, x.key, now - 300) == errc::ok);
  CHECK(run(x, x.key, now + 301) == errc::tsig_bad_time);
  CHECK(run(x, x.key, now - 301) == errc::tsig_bad_time);
  // An HMAC without the algorithm.
  test_hmac refusing;
  refusing.refuse = true;
  xfr::tsig_verifier verifier{x.key, refusing, x.request_mac};
  CHECK(verifier.verify(x.stream[0].view(), now).error() == errc::tsig_hmac_failed);
  // Another request's MAC: the answer is not ours.
  xfr::tsig_mac other = x.request_mac;
  other.bytes[0] ^= std::byte{1};
  test_hmac hmac;
  xfr::tsig_verifier stranger{x.key, hmac, other};
  CHECK(stranger.verify(x.stream[0].view(), now).error() == errc::tsig_bad_signature);
  // A failure is final.
  CHECK(stranger.verify(x.stream[1].view(), now).error() == errc::tsig_bad_signature);
}

TEST_CASE("tsig: the peer's TSIG errors, and a NOTIFY answered signed") {
  const xfr::tsig_key key = make_key();
  test_hmac hmac;
  packet q = axfr_query();
  xfr::tsig_mac request_mac;
  q.size = xfr::sign_request(q.buffer, q.size, key, hmac, now, request_mac).value();
  for (const auto& [error, expected] : {std::pair{xfr::tsig_error::badsig, errc::tsig_peer_bad_signature},
                                        std::pair{xfr::tsig_error::badkey, errc::tsig_peer_bad_key},
                                        std::pair{xfr::tsig_error::badtime, errc::tsig_peer_bad_time},
                                        std::pair{xfr::tsig_error::badtrunc, errc::tsig_peer_error}}) {
    packet a = answer(true, 0, false);
    a.buffer[3] = std::byte{9};  // NOTAUTH
    xfr::tsig_mac mac;
    a.size = xfr::sign_response(a.buffer, a.size, key, hmac, now, request_mac, mac, error).value();
    const auto t = xfr::read_tsig(a.view()).value();
    REQUIRE(t.has_value());
    CHECK(t->error == static_cast<std::uint16_t>(error));
    const bool unsigned_error = error == xfr::tsig_error::badsig || error == xfr::tsig_error::badkey;
    CHECK(t->mac.size() == (unsigned_error ? 0u : 32u));
    CHECK(t->other.size() == (error == xfr::tsig_error::badtime ? 6u : 0u));
    xfr::tsig_verifier verifier{key, hmac, request_mac};
    CHECK(verifier.verify(a.view(), now).error() == expected);
  }

  // A primary's NOTIFY, signed; the secondary verifies it and signs its answer.
  packet notify;
  {
    wire::message_writer w{notify.buffer};
    w.header().id = 77;
    w.header().opcode = wire::opcode::notify;
    w.header().aa = true;
    REQUIRE(w.add_question(zone, wire::rr_type::soa));
    notify.size = w.finish().size();
  }
  xfr::tsig_mac notify_mac;
  notify.size = xfr::sign_request(notify.buffer, notify.size, key, hmac, now, notify_mac).value();
  const wire::message_view n = notify.view();
  const auto t = xfr::read_tsig(n).value();
  REQUIRE(t.has_value());
  CHECK(t->key_name == key.name);  // how the secondary picks its key
  xfr::tsig_verifier secondary{key, hmac};
  REQUIRE(secondary.verify(n, now));
  packet reply;
  {
    wire::message_writer w{reply.buffer};
    w.header().id = 77;
    w.header().qr = true;
    w.header().opcode = wire::opcode::notify;
    w.header().aa = true;
    REQUIRE(w.add_question(zone, wire::rr_type::soa));
    reply.size = w.finish().size();
  }
  xfr::tsig_mac reply_mac;
  reply.size = xfr::sign_response(reply.buffer, reply.size, key, hmac, now, secondary.last_mac(), reply_mac).value();
  xfr::tsig_verifier primary{key, hmac, notify_mac};
  CHECK(primary.verify(reply.view(), now));
  CHECK(primary.finish());
}

TEST_CASE("tsig: malformed TSIG records are refused") {
  const exchange x{1};
  const packet& signed_answer = x.stream[0];
  const auto t = xfr::read_tsig(signed_answer.view()).value().value();
  const std::size_t rdata = t.offset + x.key.name.size() + 10;  // where the TSIG RDATA starts
  const std::size_t mac_size_at = rdata + xfr::algorithm_name(x.key.algorithm).size() + 8;
  test_hmac hmac;
  auto verify = [&](const packet& p) -> errc {
    const auto m = wire::message_view::parse(p.bytes());
    if (!m) return m.error();
    xfr::tsig_verifier v{x.key, hmac, x.request_mac};
    const auto r = v.verify(*m, now);
    return r ? errc::ok : r.error();
  };
  CHECK(verify(signed_answer) == errc::ok);

  SUBCASE("a truncated MAC (RFC 8945 §5.2.2.1): 16 of 32 octets is allowed, 15 is not, 33 is not") {
    auto shorten = [&](std::size_t keep) {
      packet p = signed_answer;
      const std::size_t cut = 32 - keep;
      dnsfilter::detail::store_u16(p.buffer.data() + mac_size_at, static_cast<std::uint16_t>(keep));
      p.buffer.erase(p.buffer.begin() + static_cast<std::ptrdiff_t>(mac_size_at + 2 + keep),
                     p.buffer.begin() + static_cast<std::ptrdiff_t>(mac_size_at + 2 + 32));
      p.size -= cut;
      const std::size_t rdlength_at = rdata - 2;
      dnsfilter::detail::store_u16(p.buffer.data() + rdlength_at,
                                   static_cast<std::uint16_t>(dnsfilter::detail::load_u16(p.buffer.data() + rdlength_at) - cut));
      return p;
    };
    CHECK(verify(shorten(16)) == errc::ok);
    CHECK(verify(shorten(15)) == errc::tsig_malformed);
    CHECK(verify(shorten(0)) == errc::tsig_malformed);
  }
  SUBCASE("RDATA that breaks form") {
    packet p = signed_answer;
    dnsfilter::detail::store_u16(p.buffer.data() + mac_size_at, 33);  // runs past the RDATA's fields
    CHECK(verify(p) == errc::tsig_malformed);
    p = signed_answer;
    dnsfilter::detail::store_u16(p.buffer.data() + mac_size_at, 200);  // past the RDATA
    CHECK(verify(p) == errc::tsig_malformed);
    p = signed_answer;
    p.buffer[p.size - 1] = std::byte{1};  // Other Len 1, no Other Data
    CHECK(verify(p) == errc::tsig_malformed);
    p = signed_answer;
    p.buffer[t.offset + x.key.name.size() + 3] = std::byte{1};  // class IN, not ANY
    CHECK(verify(p) == errc::tsig_malformed);
    p = signed_answer;
    p.buffer[rdata] = std::byte{0xC0};  // a compressed algorithm name
    p.buffer[rdata + 1] = std::byte{12};
    CHECK(verify(p) == errc::tsig_malformed);
  }
  SUBCASE("a TSIG record that is not last, or a second one") {
    packet p = signed_answer;
    // Append an A record after the TSIG.
    const auto extra = hex("00 0001 0001 00000000 0004 7f000001");
    std::copy(extra.begin(), extra.end(), p.buffer.begin() + static_cast<std::ptrdiff_t>(p.size));
    p.size += extra.size();
    dnsfilter::detail::store_u16(p.buffer.data() + 10, 2);
    CHECK(verify(p) == errc::tsig_malformed);
    // Two TSIG records.
    packet two = signed_answer;
    std::copy(signed_answer.buffer.begin() + static_cast<std::ptrdiff_t>(t.offset),
              signed_answer.buffer.begin() + static_cast<std::ptrdiff_t>(signed_answer.size),
              two.buffer.begin() + static_cast<std::ptrdiff_t>(two.size));
    two.size += signed_answer.size - t.offset;
    dnsfilter::detail::store_u16(two.buffer.data() + 10, 2);
    CHECK(verify(two) == errc::tsig_malformed);
  }
}

#if DNSFILTER_TEST_OPENSSL
// Queries signed by dig (BIND 9.18, hmac-sha256) and kdig (Knot 3.2,
// hmac-sha512, key written "Other.Key"), captured on loopback: a real HMAC
// verifies them, and signing the same message at the same time writes the
// very same TSIG record.
TEST_CASE("tsig: known answers from dig and kdig (OpenSSL's HMAC)") {
  struct vector {
    const char* key_name;
    xfr::tsig_algorithm algorithm;
    const char* secret;
    const char* message;
  };
  const vector vectors[] = {
      {"transfer.key", xfr::tsig_algorithm::hmac_sha256, "secret-secret-secret-secret-1234",
       "a009012000010000000000010372707a076578616d706c650000060001087472616e73666572036b65790000fa00ff00000000003d0b"
       "686d61632d7368613235360000006b16b87d012c00203fc62f21c65fdd03782dc3c210b8f9447cb9f18d8d9aa91f1e31e0488bab4aec"
       "a00900000000"},
      {"Other.Key", xfr::tsig_algorithm::hmac_sha512, "other-secret-for-sha512-testing-0123456789abcdef",
       "3582012000010000000000010372707a076578616d706c650000060001056f74686572036b65790000fa00ff00000000005d0b686d61"
       "632d7368613531320000006b16b88c012c004031626558984902f640ca3fac627a505e8e64a8151e80e0b7ae9f0b6313b2998f2425fe"
       "afcc0057731905520f524988ba785105a3a944cbbe13bc8c016ca7bb18358200000000"},
  };
  openssl_hmac hmac;
  for (const vector& v : vectors) {
    CAPTURE(v.key_name);
    const xfr::tsig_key key = make_key(v.key_name, v.algorithm, v.secret);
    const std::vector<std::byte> bytes = hex(v.message);
    const wire::message_view m = wire::message_view::parse(bytes).value();
    const auto t = xfr::read_tsig(m).value().value();
    xfr::tsig_verifier server{key, hmac};
    CHECK(server.verify(m, t.time_signed + 1));
    const xfr::tsig_key wrong_key = make_key(v.key_name, v.algorithm, "not-the-secret");
    xfr::tsig_verifier wrong{wrong_key, hmac};
    CHECK(wrong.verify(m, t.time_signed).error() == errc::tsig_bad_signature);

    // The message before signing, signed again at the same time: the same record.
    std::vector<std::byte> again(bytes.begin(), bytes.begin() + static_cast<std::ptrdiff_t>(t.offset));
    dnsfilter::detail::store_u16(again.data() + 10, 0);
    again.resize(512);
    xfr::tsig_mac mac;
    const std::size_t size = xfr::sign_request(again, t.offset, key, hmac, t.time_signed, mac, t.fudge).value();
    again.resize(size);
    CHECK(again == bytes);
  }
}
#endif

// make_corpus.py signs fuzz_tsig's seeds in Python with the same stand-in
// HMAC: they must verify here, or the fuzzer starts from refused input only.
TEST_CASE("tsig: the fuzz seeds signed by make_corpus.py verify") {
  struct seed {
    const char* file;
    errc expected;
  };
  const seed seeds[] = {{"request_signed", errc::ok},
                        {"request_unsigned", errc::tsig_missing},
                        {"request_tampered", errc::tsig_bad_signature},
                        {"answer_one", errc::ok},
                        {"answer_all_signed", errc::ok},
                        {"answer_unsigned_between", errc::ok},
                        {"answer_unsigned_last", errc::tsig_unsigned_tail}};
  const xfr::tsig_key key = make_key();
  for (const seed& s : seeds) {
    CAPTURE(s.file);
    const auto text = dnsfilter::read_file(std::string(DNSFILTER_TEST_DATA_DIR) + "/fuzz/corpus/tsig/" + s.file);
    REQUIRE(text);
    const auto* data = reinterpret_cast<const std::byte*>(text->data());
    test_hmac hmac;
    xfr::tsig_mac request_mac;
    request_mac.bytes.fill(std::byte{0x11});
    request_mac.size = 32;
    xfr::tsig_verifier verifier = (data[0] & std::byte{1}) != std::byte{0} ? xfr::tsig_verifier{key, hmac, request_mac}
                                                                           : xfr::tsig_verifier{key, hmac};
    errc e = errc::ok;
    for (std::size_t pos = 1; pos + 2 <= text->size() && e == errc::ok;) {
      const std::size_t length = dnsfilter::detail::load_u16(data + pos);
      const auto m = wire::message_view::parse(std::span<const std::byte>(data + pos + 2, length));
      REQUIRE(m);
      pos += 2 + length;
      if (auto v = verifier.verify(*m, 1765000000); !v) e = v.error();
    }
    if (e == errc::ok && !verifier.finish()) e = verifier.finish().error();
    CHECK(e == s.expected);
  }
}
