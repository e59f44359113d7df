// The response cache: hits with aged TTLs, expiry, the memory bound and what
// it charges, SIEVE's eviction order and its resistance to scans, negative
// and large answers.
#include "cache.hpp"
#include "resident.hpp"

#include <doctest/doctest.h>

#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

using namespace resolver;
namespace wire = dnsfilter::wire;

namespace {

struct stored {
  std::vector<std::byte> bytes;
  response_info info;
};

wire::name name_of(const std::string& text) { return wire::name::from_text(text).value(); }

stored finish(wire::message_writer& w, std::vector<std::byte>& bytes) {
  stored s;
  const auto done = w.finish();
  bytes.resize(done.size());
  s.bytes = bytes;
  auto m = wire::message_view::parse(s.bytes);
  REQUIRE(m);
  s.info = analyze_response(*m, {});
  return s;
}

stored make_response(const std::string& name, std::uint32_t ttl, int records = 1, bool edns = true) {
  std::vector<std::byte> bytes(8192);
  wire::message_writer w{bytes};
  w.header().id = 1;
  w.header().qr = true;
  const auto n = name_of(name);
  REQUIRE(w.add_question(n, wire::rr_type::a));
  for (int i = 0; i < records; ++i)
    REQUIRE(w.add_record(wire::section::answer, n, wire::rr_type::a, wire::rr_class::in, ttl,
                         wire::rdata::a{{std::byte{192}, std::byte{0}, std::byte{2}, static_cast<std::byte>(i)}}));
  if (edns) REQUIRE(w.add_opt(wire::edns{}));
  return finish(w, bytes);
}

// NXDOMAIN (or NODATA) with the zone's SOA in the authority section.
stored make_negative(const std::string& name, std::uint8_t rcode, std::uint32_t soa_ttl, std::uint32_t minimum) {
  std::vector<std::byte> bytes(4096);
  wire::message_writer w{bytes};
  w.header().id = 1;
  w.header().qr = true;
  w.header().rcode = rcode;
  REQUIRE(w.add_question(name_of(name), wire::rr_type::a));
  wire::rdata::soa soa{name_of("ns1.example.com"), name_of("hostmaster.example.com"), 2026120701, 7200, 900,
                       1209600, minimum};
  REQUIRE(w.add_record(wire::section::authority, name_of("example.com"), wire::rr_type::soa, wire::rr_class::in,
                       soa_ttl, soa));
  REQUIRE(w.add_opt(wire::edns{}));
  return finish(w, bytes);
}

std::string key_of(const std::string& name, bool dnssec_ok = false) {
  return std::string(
      make_cache_key(name_of(name), wire::rr_type::a, wire::rr_class::in, dnssec_ok, false).view());
}

std::uint32_t ttl_at(std::span<const std::byte> m, std::size_t at) {
  return std::to_integer<std::uint32_t>(m[at]) << 24 | std::to_integer<std::uint32_t>(m[at + 1]) << 16 |
         std::to_integer<std::uint32_t>(m[at + 2]) << 8 | std::to_integer<std::uint32_t>(m[at + 3]);
}

std::uint32_t first_ttl(std::span<const std::byte> m, const response_info& info) {
  return ttl_at(m, info.ttl_offsets.at(0));
}

void put(response_cache& cache, const std::string& name, std::uint32_t ttl, std::int64_t now) {
  const auto r = make_response(name, ttl);
  cache.insert(key_of(name), r.bytes, r.info, now);
}

bool has(response_cache& cache, const std::string& name, std::int64_t now) {
  std::vector<std::byte> out(4096);
  return cache.lookup(key_of(name), now, out).has_value();
}

// A one-shard cache with room for exactly `slots` small entries.
response_cache cache_of_slots(std::size_t slots) {
  return response_cache(slots * response_cache::slot_charge + response_cache::slot_charge / 2, 1);
}

}  // namespace

TEST_CASE("a hit returns the stored message with its TTLs aged") {
  response_cache cache(1 << 20);
  const auto r = make_response("www.example.com", 300);
  cache.insert(key_of("www.example.com"), r.bytes, r.info, 1000);
  std::vector<std::byte> out(4096);
  auto hit = cache.lookup(key_of("www.example.com"), 1010, out);
  REQUIRE(hit);
  CHECK(hit->size == r.bytes.size());
  CHECK(hit->age == 10);
  CHECK(first_ttl(out, r.info) == 290);
  CHECK(hit->layout.has_opt);
  CHECK(hit->layout.opt_last);
  CHECK(hit->layout.opt_offset == r.info.layout.opt_offset);
  CHECK_FALSE(hit->layout.has_cname);
  // The rest is the message as stored.
  CHECK(std::memcmp(out.data(), r.bytes.data(), r.info.ttl_offsets[0]) == 0);
  CHECK_FALSE(cache.lookup(key_of("other.example.com"), 1010, out));
  const auto s = cache.statistics();
  CHECK(s.hits == 1);
  CHECK(s.misses == 1);
  CHECK(s.entries == 1);
  CHECK(s.large == 0);
}

TEST_CASE("keys differ by letter case not at all, by the DO bit entirely") {
  response_cache cache(1 << 20);
  const auto r = make_response("WwW.ExAmPlE.cOm", 300);
  cache.insert(key_of("www.example.com"), r.bytes, r.info, 1);
  CHECK(has(cache, "www.example.com", 2));
  std::vector<std::byte> out(4096);
  CHECK_FALSE(cache.lookup(key_of("www.example.com", true), 2, out));
  // The question is kept in lower case: shape_answer writes the client's.
  REQUIRE(cache.lookup(key_of("www.example.com"), 2, out));
  CHECK(std::to_integer<char>(out[13]) == 'w');
  CHECK(std::to_integer<char>(out[17]) == 'e');
  // An answer to another question is not stored under this key.
  const auto other = make_response("other.example.com", 300);
  cache.insert(key_of("www2.example.com"), other.bytes, other.info, 1);
  CHECK_FALSE(has(cache, "www2.example.com", 2));
}

TEST_CASE("an entry is gone once its TTL has run out") {
  response_cache cache(1 << 20);
  const auto r = make_response("www.example.com", 30);
  cache.insert(key_of("www.example.com"), r.bytes, r.info, 1000);
  std::vector<std::byte> out(4096);
  CHECK(cache.lookup(key_of("www.example.com"), 1029, out));
  CHECK_FALSE(cache.lookup(key_of("www.example.com"), 1030, out));
  CHECK(cache.statistics().expired == 1);
  CHECK(cache.statistics().entries == 0);
}

TEST_CASE("uncacheable answers and a disabled cache store nothing") {
  const auto zero = make_response("zero.example.com", 0);
  response_cache cache(1 << 20);
  cache.insert(key_of("zero.example.com"), zero.bytes, zero.info, 1);
  CHECK(cache.statistics().entries == 0);

  response_cache off(0);
  CHECK_FALSE(off.enabled());
  const auto r = make_response("www.example.com", 300);
  off.insert(key_of("www.example.com"), r.bytes, r.info, 1);
  std::vector<std::byte> out(4096);
  CHECK_FALSE(off.lookup(key_of("www.example.com"), 1, out));
  CHECK(off.statistics().entries == 0);

  // Smaller than one slot: enabled, but nothing fits.
  response_cache tiny(64);
  tiny.insert(key_of("www.example.com"), r.bytes, r.info, 1);
  CHECK_FALSE(tiny.lookup(key_of("www.example.com"), 1, out));
}

TEST_CASE("a newer answer replaces the older one") {
  response_cache cache(1 << 20);
  const auto a = make_response("www.example.com", 300, 1);
  const auto b = make_response("www.example.com", 300, 4);  // large: a heap block
  const auto c = make_response("www.example.com", 300, 1);
  cache.insert(key_of("www.example.com"), a.bytes, a.info, 1);
  cache.insert(key_of("www.example.com"), b.bytes, b.info, 2);
  std::vector<std::byte> out(4096);
  auto hit = cache.lookup(key_of("www.example.com"), 3, out);
  REQUIRE(hit);
  CHECK(hit->size == b.bytes.size());
  CHECK(cache.statistics().entries == 1);
  CHECK(cache.statistics().large == 1);
  cache.insert(key_of("www.example.com"), c.bytes, c.info, 4);
  CHECK(cache.statistics().large == 0);
  CHECK(cache.statistics().bytes == response_cache::slot_charge);
}

TEST_CASE("a small answer is charged one slot, at most 128 octets") {
  static_assert(response_cache::slot_charge <= 128);
  const auto r = make_response("n123456.example.com", 300);
  CHECK(r.bytes.size() + 2 * r.info.ttl_offsets.size() <= response_cache::slot_payload - 4);
  response_cache cache(1 << 20);
  for (int i = 0; i < 100; ++i) put(cache, "n" + std::to_string(100000 + i) + ".example.com", 300, 1);
  const auto s = cache.statistics();
  CHECK(s.entries == 100);
  CHECK(s.large == 0);
  CHECK(s.bytes == 100 * response_cache::slot_charge);
}

TEST_CASE("memory stays within the limit, large answers included") {
  const std::size_t limit = 64 * 1024;
  response_cache cache(limit);
  std::vector<std::byte> out(8192);
  for (int i = 0; i < 5000; ++i) {
    const std::string name = "n" + std::to_string(i) + ".example.com";
    const auto r = make_response(name, 3600, i % 7 == 0 ? 40 : 1);
    cache.insert(key_of(name), r.bytes, r.info, 1);
    const auto s = cache.statistics();
    REQUIRE(s.bytes <= limit);
  }
  const auto s = cache.statistics();
  CHECK(s.evictions > 0);
  CHECK(s.entries < 5000);
  CHECK(s.large > 0);
  CHECK(has(cache, "n4999.example.com", 1));  // the newest stays
  cache.clear();
  CHECK(cache.statistics().entries == 0);
  CHECK(cache.statistics().bytes == 0);
  CHECK_FALSE(has(cache, "n4999.example.com", 1));
  put(cache, "again.example.com", 300, 1);
  CHECK(has(cache, "again.example.com", 2));
}

TEST_CASE("a large answer comes back whole, every TTL aged") {
  response_cache cache(1 << 20);
  const auto r = make_response("big.example.com", 600, 30);
  REQUIRE(r.bytes.size() > response_cache::slot_payload);
  cache.insert(key_of("big.example.com"), r.bytes, r.info, 100);
  std::vector<std::byte> out(8192);
  const auto hit = cache.lookup(key_of("big.example.com"), 160, out);
  REQUIRE(hit);
  REQUIRE(hit->size == r.bytes.size());
  for (std::uint16_t at : r.info.ttl_offsets) CHECK(ttl_at(out, at) == 540);
  const auto s = cache.statistics();
  CHECK(s.large == 1);
  CHECK(s.bytes == response_cache::slot_charge + response_cache::large_charge(r.bytes.size(), r.info.ttl_offsets.size()));
  // Too big for the buffer given: a miss, not a cut answer.
  std::vector<std::byte> small(64);
  CHECK_FALSE(cache.lookup(key_of("big.example.com"), 160, small));
}

TEST_CASE("negative answers are kept for the SOA's negative TTL (RFC 2308)") {
  response_cache cache(1 << 20);
  std::vector<std::byte> out(4096);
  SUBCASE("NXDOMAIN: min(SOA TTL, MINIMUM)") {
    const auto r = make_negative("gone.example.com", 3, 3600, 300);
    REQUIRE(r.info.negative);
    REQUIRE(r.info.cache_ttl == 300);
    cache.insert(key_of("gone.example.com"), r.bytes, r.info, 1000);
    const auto hit = cache.lookup(key_of("gone.example.com"), 1100, out);
    REQUIRE(hit);
    CHECK((std::to_integer<unsigned>(out[3]) & 0x0F) == 3);
    CHECK(first_ttl(out, r.info) == 3500);  // the SOA record's own TTL, aged
    CHECK_FALSE(cache.lookup(key_of("gone.example.com"), 1300, out));
  }
  SUBCASE("NODATA") {
    const auto r = make_negative("nodata.example.com", 0, 60, 900);
    REQUIRE(r.info.negative);
    REQUIRE(r.info.cache_ttl == 60);
    cache.insert(key_of("nodata.example.com"), r.bytes, r.info, 1000);
    CHECK(has(cache, "nodata.example.com", 1059));
    CHECK_FALSE(has(cache, "nodata.example.com", 1060));
  }
  SUBCASE("without an SOA: not stored") {
    std::vector<std::byte> bytes(512);
    wire::message_writer w{bytes};
    w.header().qr = true;
    w.header().rcode = 3;
    REQUIRE(w.add_question(name_of("nosoa.example.com"), wire::rr_type::a));
    const auto r = finish(w, bytes);
    cache.insert(key_of("nosoa.example.com"), r.bytes, r.info, 1000);
    CHECK(cache.statistics().entries == 0);
  }
}

TEST_CASE("SIEVE: the hand keeps visited entries and evicts the first unvisited one") {
  response_cache cache = cache_of_slots(4);
  for (const char* n : {"a.test", "b.test", "c.test", "d.test"}) put(cache, n, 3600, 1);
  REQUIRE(cache.statistics().entries == 4);
  CHECK(has(cache, "a.test", 1));
  CHECK(has(cache, "c.test", 1));
  // The hand starts at the oldest (a): visited, kept; b goes.
  put(cache, "e.test", 3600, 2);
  // The hand is at c: visited, kept; d goes.
  put(cache, "f.test", 3600, 3);
  // The hand is at e, never asked for: it goes.
  put(cache, "g.test", 3600, 4);
  CHECK(cache.statistics().evictions == 3);
  for (const char* n : {"a.test", "c.test", "f.test", "g.test"}) CHECK_MESSAGE(has(cache, n, 5), n);
  for (const char* n : {"b.test", "d.test", "e.test"}) CHECK_MESSAGE(!has(cache, n, 5), n);
}

TEST_CASE("SIEVE: an expired entry goes before any other, visited or not") {
  response_cache cache = cache_of_slots(3);
  put(cache, "short.test", 10, 1);
  put(cache, "long1.test", 3600, 1);
  put(cache, "long2.test", 3600, 1);
  for (const char* n : {"short.test", "long1.test", "long2.test"}) REQUIRE(has(cache, n, 2));
  put(cache, "new.test", 3600, 20);  // short.test expired at 11
  CHECK(cache.statistics().expired == 1);
  CHECK(cache.statistics().evictions == 0);
  for (const char* n : {"long1.test", "long2.test", "new.test"}) CHECK(has(cache, n, 21));
}

TEST_CASE("a one-pass scan larger than the cache does not flush the names asked again") {
  response_cache cache = cache_of_slots(64);
  std::vector<std::string> hot;
  for (int i = 0; i < 16; ++i) {
    hot.push_back("hot" + std::to_string(i) + ".example.com");
    put(cache, hot.back(), 3600, 1);
  }
  for (const auto& n : hot) REQUIRE(has(cache, n, 1));
  // 100 times the cache, each name asked once (a miss, then stored).
  for (int i = 0; i < 6400; ++i) {
    const std::string n = "scan" + std::to_string(i) + ".example.com";
    REQUIRE_FALSE(has(cache, n, 2));
    put(cache, n, 3600, 2);
  }
  for (const auto& n : hot) CHECK_MESSAGE(has(cache, n, 3), n);
  CHECK(cache.statistics().entries == 64);
}

TEST_CASE("an entry whose index cell moved back is still found, and removal keeps the rest reachable") {
  // Many entries in few slots: index runs form and are shifted by removals.
  response_cache cache = cache_of_slots(200);
  for (int round = 0; round < 5; ++round) {
    for (int i = 0; i < 200; ++i) put(cache, "r" + std::to_string(round) + "-" + std::to_string(i) + ".test", 3600, 1);
    int found = 0;
    for (int i = 0; i < 200; ++i) found += has(cache, "r" + std::to_string(round) + "-" + std::to_string(i) + ".test", 1);
    CHECK(found == 200);
  }
  CHECK(cache.statistics().entries == 200);
}

#if !defined(__SANITIZE_ADDRESS__) && !defined(__SANITIZE_THREAD__)
TEST_CASE("a small answer costs at most 128 octets of resident memory") {
  // 200,000 A answers in a cache sized for them (5 % spare: the shards do not
  // fill evenly): the growth of VmRSS over the entries stored is what each
  // entry costs in pages actually touched, the spare index cells included.
  constexpr int count = 200000;
  const auto r0 = make_response("n1000000.example.com", 3600);
  std::vector<std::byte> message = r0.bytes;
  const long before = resident_kib();
  REQUIRE(before > 0);
  {
    response_cache cache(count * response_cache::slot_charge * 105 / 100);
    for (int i = 0; i < count; ++i) {
      // Same length names: rewrite the digits in place, no allocation per entry.
      const std::string digits = std::to_string(1000000 + i);
      std::memcpy(message.data() + 14, digits.data(), 7);
      const std::string name = "n" + digits + ".example.com";
      cache.insert(key_of(name), message, r0.info, 1);
    }
    const auto s = cache.statistics();
    CHECK(s.entries == count);
    CHECK(s.evictions == 0);
    const long after = resident_kib();
    const double per_entry = (after - before) * 1024.0 / static_cast<double>(s.entries);
    MESSAGE("resident per small entry: " << per_entry << " octets; charged " << s.bytes / s.entries);
    CHECK(per_entry <= 128.0);
    CHECK(s.bytes / s.entries <= 128);
  }
}
#endif
