// The response cache: hits with aged TTLs, expiry, the memory bound and LRU order.
#include "cache.hpp"

#include <doctest/doctest.h>

#include <string>
#include <vector>

using namespace resolver;
namespace wire = dnsfilter::wire;

namespace {

struct stored {
  std::vector<std::byte> bytes;
  response_info info;
};

stored make_response(const std::string& name, std::uint32_t ttl, int records = 1) {
  stored s;
  s.bytes.resize(4096);
  wire::message_writer w{s.bytes};
  w.header().id = 1;
  w.header().qr = true;
  const auto n = wire::name::from_text(name).value();
  REQUIRE(w.add_question(n, wire::rr_type::a));
  for (int i = 0; i < records; ++i)
    REQUIRE(w.add_record(wire::section::answer, n, wire::rr_type::a, wire::rr_class::in, ttl,
                         wire::rdata::a{{std::byte{192}, std::byte{0}, std::byte{2}, std::byte{1}}}));
  const auto done = w.finish();
  s.bytes.resize(done.size());
  auto m = wire::message_view::parse(s.bytes);
  REQUIRE(m);
  s.info = analyze_response(*m, {});
  return s;
}

std::string key_of(const std::string& name) {
  return std::string(make_cache_key(wire::name::from_text(name).value(), wire::rr_type::a, wire::rr_class::in, false, false).view());
}

std::uint32_t first_ttl(std::span<const std::byte> m, const response_info& info) {
  const std::size_t at = info.ttl_offsets.at(0);
  return std::to_integer<std::uint32_t>(m[at]) << 24 | std::to_integer<std::uint32_t>(m[at + 1]) << 16 |
         std::to_integer<std::uint32_t>(m[at + 2]) << 8 | std::to_integer<std::uint32_t>(m[at + 3]);
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
  CHECK_FALSE(cache.lookup(key_of("other.example.com"), 1010, out));
  const auto s = cache.statistics();
  CHECK(s.hits == 1);
  CHECK(s.misses == 1);
  CHECK(s.entries == 1);
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
}

TEST_CASE("a newer answer replaces the older one") {
  response_cache cache(1 << 20);
  const auto a = make_response("www.example.com", 300, 1);
  const auto b = make_response("www.example.com", 300, 2);
  cache.insert(key_of("www.example.com"), a.bytes, a.info, 1);
  cache.insert(key_of("www.example.com"), b.bytes, b.info, 2);
  std::vector<std::byte> out(4096);
  auto hit = cache.lookup(key_of("www.example.com"), 3, out);
  REQUIRE(hit);
  CHECK(hit->size == b.bytes.size());
  CHECK(cache.statistics().entries == 1);
}

TEST_CASE("memory stays within the limit; the least recently used go first") {
  const std::size_t limit = 64 * 1024;
  response_cache cache(limit);
  std::vector<std::byte> out(4096);
  // Keep one name hot while thousands of others stream through.
  const auto hot = make_response("hot.example.com", 3600);
  cache.insert(key_of("hot.example.com"), hot.bytes, hot.info, 1);
  for (int i = 0; i < 5000; ++i) {
    const std::string name = "n" + std::to_string(i) + ".example.com";
    const auto r = make_response(name, 3600);
    cache.insert(key_of(name), r.bytes, r.info, 1);
    REQUIRE(cache.lookup(key_of("hot.example.com"), 1, out));
  }
  const auto s = cache.statistics();
  CHECK(s.bytes <= limit);
  CHECK(s.evictions > 0);
  CHECK(s.entries < 5000);
  CHECK_FALSE(cache.lookup(key_of("n0.example.com"), 1, out));  // the oldest are gone
  CHECK(cache.lookup(key_of("n4999.example.com"), 1, out));     // the newest stay
}
