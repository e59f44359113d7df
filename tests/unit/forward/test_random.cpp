// The kernel's random source, and the ids it gives upstream queries.
#include <dnsfilter/forward/random.hpp>

#include "forward_helpers.hpp"

#include <doctest/doctest.h>

#include <array>
#include <bitset>
#include <cstdint>
#include <set>
#include <vector>

namespace forward = dnsfilter::forward;

TEST_CASE("system_random fills buffers of any size, through getrandom and through /dev/urandom") {
  for (const auto method : {forward::system_random::method::automatic, forward::system_random::method::dev_urandom}) {
    CAPTURE(static_cast<int>(method));
    forward::system_random random{method};
    // Sizes that straddle the internal buffer (512 octets).
    for (const std::size_t size : {0u, 1u, 2u, 37u, 511u, 512u, 513u, 2000u}) {
      std::vector<std::byte> a(size), b(size);
      REQUIRE(random.fill(a));
      REQUIRE(random.fill(b));
      if (size >= 16) CHECK(a != b);
    }
    // Every bit of a 64-bit value is set in some draw: 256 draws miss one with
    // probability 64 * 2^-256.
    std::uint64_t seen = 0;
    for (int i = 0; i < 256; ++i) {
      std::array<std::byte, 8> v;
      REQUIRE(random.fill(v));
      for (int k = 0; k < 8; ++k) seen |= std::uint64_t{std::to_integer<std::uint8_t>(v[k])} << (8 * k);
    }
    CHECK(seen == ~std::uint64_t{0});
  }
}

TEST_CASE("random_ref calls the source it refers to") {
  dnsfilter_test::scripted_random script{{1, 2, 3}};
  const forward::random_ref ref{script};
  std::array<std::byte, 2> two;
  REQUIRE(ref.fill(two));
  CHECK(two[0] == std::byte{1});
  CHECK(two[1] == std::byte{2});
  CHECK_FALSE(ref.fill(two));  // one octet left: the source says no
}

TEST_CASE("query ids from the kernel look random: few repeats, both octets and every bit vary") {
  forward::system_random random;
  auto upstreams = forward::upstream_set::make(std::span(&dnsfilter_test::upstream_a, 1)).value();
  forward::mismatch_alarm alarm;
  forward::table_settings settings;
  settings.capacity = 1;
  forward::transaction_table table{settings, upstreams, alarm, random};
  const auto client = dnsfilter_test::client_echo();
  constexpr int draws = 4096;
  std::set<std::uint16_t> ids;
  std::bitset<256> high, low;
  std::array<int, 16> ones{};
  int repeats_in_a_row = 0, same_as_client = 0;
  std::uint16_t last = 0;
  for (int i = 0; i < draws; ++i) {
    const auto d = table.begin(client, 0);
    REQUIRE(d);
    std::array<std::byte, 512> buf;
    const auto q = table.write_query(d->which, buf);
    REQUIRE(q.size() > 12);
    const auto id = dnsfilter::detail::load_u16(q.data());
    table.cancel(d->which);
    repeats_in_a_row += i > 0 && id == last;
    last = id;
    ids.insert(id);
    high.set(id >> 8);
    low.set(id & 0xFF);
    for (int b = 0; b < 16; ++b) ones[b] += (id >> b) & 1;
    same_as_client += id == client.id;
  }
  // 4096 uniform draws from 65536 give 3969 distinct values on average (sd
  // about 10); a counter, a constant or a short cycle gives far fewer or
  // exactly 4096 in order.
  CHECK(ids.size() > 3900);
  CHECK(repeats_in_a_row <= 3);  // 0.06 expected
  CHECK(same_as_client <= 3);    // the client's id is not copied: 0.06 expected by chance
  CHECK(high.count() >= 250);
  CHECK(low.count() >= 250);
  for (int b = 0; b < 16; ++b) {
    CAPTURE(b);
    CHECK(ones[b] > draws / 2 - 300);  // about 10 standard deviations
    CHECK(ones[b] < draws / 2 + 300);
  }
}
