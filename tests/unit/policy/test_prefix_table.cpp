// Opt-out policy by client prefix: longest-prefix match (nesting, defaults,
// hosts, families, IPv4-mapped,
// duplicates), randomized cross-checks against a brute-force reference (small
// nested sets; runs of adjacent prefixes filling one bucket; large uniform and
// clustered tables, every prefix boundary), and a run-time swap through the
// snapshot handle.
#include <dnsfilter/policy.hpp>

#include <doctest/doctest.h>

#include "addresses.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

using dnsfilter::errc;
using dnsfilter::policy::client_prefix_table;
using dnsfilter::policy::treatment;
using dnsfilter::policy::ip_address;
using dnsfilter::policy::ip_family;
using dnsfilter::policy::ip_prefix;
using dnsfilter::policy::prefix_table;
using dnsfilter_test::addr;
using dnsfilter_test::pfx;

namespace {

// Canonical text of parsed text.
// xorshift64*: a fixed, portable sequence.
struct rng {
  std::uint64_t s;
  std::uint64_t next() {
    s ^= s >> 12;
    s ^= s << 25;
    s ^= s >> 27;
    return s * 0x2545F4914F6CDD1DULL;
  }
  unsigned below(unsigned n) { return static_cast<unsigned>(next() % n); }
};

using test_table = prefix_table<std::uint32_t>;

// The rule a brute-force scan picks for `a`: the longest containing prefix,
// the later one among equals; IPv4-mapped addresses and prefixes (/96 or
// longer) as IPv4. -1 for none.
int reference_rule(const std::vector<test_table::entry>& entries, const ip_address& a) {
  const ip_address u = a.unmapped();
  int best = -1;
  unsigned best_len = 0;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    ip_prefix p = entries[i].prefix;
    if (p.address().is_v4_mapped() && p.length() >= 96) p = *ip_prefix::make(p.address().unmapped(), p.length() - 96);
    if (!p.contains(u)) continue;
    if (best < 0 || p.length() >= best_len) {
      best = static_cast<int>(i);
      best_len = p.length();
    }
  }
  return best;
}

void check_against_reference(const test_table& t, const std::vector<test_table::entry>& entries, const ip_address& a) {
  const int want = reference_rule(entries, a);
  const auto got = t.lookup(a);
  INFO(a.to_string());
  REQUIRE(static_cast<int>(got ? static_cast<int>(got.index) : -1) == want);
  if (got) CHECK(*got.value == entries[got.index].value);
}

// An address near prefix `p`, by `kind`: 0 the one before its first, 1 the one
// after its last, 2 its last, 3 its first, 4 a random one inside, 5 a random one
// nearby (in or out). IPv4 ones are sometimes given IPv4-mapped.
constexpr unsigned probe_kinds = 6;
ip_address probe_near(rng& r, const ip_prefix& p, unsigned kind) {
  if (p.family() == ip_family::v4) {
    const std::uint32_t start = p.address().v4_value();
    const std::uint32_t host = p.length() >= 32 ? 0u : ~0u >> p.length();
    const std::uint32_t x = kind == 0   ? start - 1
                            : kind == 1 ? (start | host) + 1
                            : kind == 2 ? start | host
                            : kind == 3 ? start
                            : kind == 4 ? start ^ (static_cast<std::uint32_t>(r.next()) & host)
                                        : start ^ (static_cast<std::uint32_t>(r.next()) & 0xffffu);
    return r.below(8) == 0 ? ip_address::v4(x).mapped() : ip_address::v4(x);
  }
  std::uint64_t h = p.address().high(), l = p.address().low();
  const unsigned len = p.length();
  const std::uint64_t host_high = len >= 64 ? 0 : ~0ULL >> len;
  const std::uint64_t host_low = len <= 64 ? ~0ULL : len == 128 ? 0 : ~0ULL >> (len - 64);
  if (kind == 0) {
    if (l-- == 0) --h;
  } else if (kind == 1 || kind == 2) {
    h |= host_high;
    l |= host_low;
    if (kind == 1 && ++l == 0) ++h;
  } else if (kind == 4) {
    h ^= r.next() & host_high;
    l ^= r.next() & host_low;
  } else if (kind == 5) {
    h ^= r.next() & 0xffff;
    l = r.below(2) ? r.next() : l ^ (r.next() & 0xff);
  }
  return ip_address::v6(h, l);
}

// Every boundary of every prefix (and a random inside address) against the reference.
void check_all_boundaries(rng& r, const std::vector<test_table::entry>& entries) {
  auto t = test_table::build(entries);
  REQUIRE(t.has_value());
  for (const auto& e : entries)
    for (unsigned kind = 0; kind < probe_kinds; ++kind) check_against_reference(*t, entries, probe_near(r, e.prefix, kind));
  for (const ip_address& a : {ip_address::v4(0u), ip_address::v4(~0u), ip_address::v6(0, 0), ip_address::v6(~0ULL, ~0ULL),
                              ip_address::v6(0, 0xffff00000000ULL), ip_address::v6(0, 0xffffffffffffULL)})
    check_against_reference(*t, entries, a);
}

}  // namespace
TEST_CASE("prefix_table: nested opt-in inside opt-out, /0, hosts, families") {
  const std::vector<client_prefix_table::entry> rules{
      {pfx("10.0.0.0/8"), treatment::opt_out},     // 0
      {pfx("10.1.0.0/16"), treatment::filter},     // 1: opted back in
      {pfx("10.1.2.0/24"), treatment::opt_out},    // 2: and out again
      {pfx("10.1.2.3/32"), treatment::filter},     // 3: one host
      {pfx("0.0.0.0/0"), treatment::filter},       // 4: the default route
      {pfx("2001:db8::/32"), treatment::opt_out},  // 5
      {pfx("2001:db8:1::/48"), treatment::filter}, // 6
      {pfx("2001:db8:1:2::5/128"), treatment::opt_out},  // 7: a host below a /64
      {pfx("2001:db8:1:2::/64"), treatment::opt_out},    // 8: that host's /64
      {pfx("2001:db8:1:2::8/125"), treatment::filter},   // 9
  };
  auto t = client_prefix_table::build(rules);
  REQUIRE(t.has_value());
  CHECK(t->size() == rules.size());
  CHECK(t->shadowed() == 0);

  auto rule = [&](std::string_view a) {
    auto m = t->lookup(addr(a));
    return m ? static_cast<int>(m.index) : -1;
  };
  CHECK(rule("10.0.0.1") == 0);
  CHECK(rule("10.255.255.255") == 0);
  CHECK(rule("10.1.0.0") == 1);
  CHECK(rule("10.1.2.2") == 2);
  CHECK(rule("10.1.2.3") == 3);
  CHECK(rule("10.1.2.4") == 2);
  CHECK(rule("10.1.3.0") == 1);
  CHECK(rule("10.2.0.0") == 0);
  CHECK(rule("9.255.255.255") == 4);
  CHECK(rule("11.0.0.0") == 4);
  CHECK(rule("0.0.0.0") == 4);
  CHECK(rule("255.255.255.255") == 4);
  CHECK(*t->lookup(addr("10.1.2.3")).value == treatment::filter);
  CHECK(*t->lookup(addr("10.1.2.4")).value == treatment::opt_out);

  CHECK(rule("2001:db8::1") == 5);
  CHECK(rule("2001:db8:1::1") == 6);
  CHECK(rule("2001:db8:1:2::4") == 8);
  CHECK(rule("2001:db8:1:2::5") == 7);
  CHECK(rule("2001:db8:1:2::8") == 9);
  CHECK(rule("2001:db8:1:2::f") == 9);
  CHECK(rule("2001:db8:1:2::10") == 8);
  CHECK(rule("2001:db8:1:3::") == 6);
  CHECK(rule("2001:db9::") == -1);  // no IPv6 default: 0.0.0.0/0 does not apply
  CHECK(rule("::") == -1);

  // IPv4-mapped addresses are looked up as IPv4.
  CHECK(rule("::ffff:10.1.2.3") == 3);
  CHECK(rule("::ffff:8.8.8.8") == 4);
}
TEST_CASE("prefix_table: v4 and v6 isolation, mapped prefixes, empty table") {
  {
    const std::vector<client_prefix_table::entry> rules{{pfx("::/0"), treatment::opt_out}};
    auto t = client_prefix_table::build(rules);
    REQUIRE(t.has_value());
    CHECK(t->lookup(addr("2001:db8::1")).index == 0);
    CHECK_FALSE(t->lookup(addr("10.0.0.1")));
    CHECK_FALSE(t->lookup(addr("::ffff:10.0.0.1")));  // mapped: the IPv4 table decides
  }
  {
    const std::vector<client_prefix_table::entry> rules{{pfx("::ffff:10.0.0.0/104"), treatment::opt_out},
                                                        {pfx("::ffff:0.0.0.0/96"), treatment::filter}};
    auto t = client_prefix_table::build(rules);
    REQUIRE(t.has_value());
    CHECK(t->lookup(addr("10.9.9.9")).index == 0);  // stored as 10.0.0.0/8
    CHECK(t->lookup(addr("::ffff:10.9.9.9")).index == 0);
    CHECK(t->lookup(addr("11.0.0.0")).index == 1);  // ::ffff:0:0/96 is 0.0.0.0/0
    CHECK_FALSE(t->lookup(addr("::1")));
  }
  {
    client_prefix_table empty;
    CHECK_FALSE(empty.lookup(addr("10.0.0.1")));
    CHECK_FALSE(empty.lookup(addr("::1")));
    auto built = client_prefix_table::build({});
    REQUIRE(built.has_value());
    CHECK_FALSE(built->lookup(addr("10.0.0.1")));
    CHECK_FALSE(built->lookup(addr("2001:db8::1")));
  }
}
TEST_CASE("prefix_table: duplicates, the later entry wins; extreme hosts") {
  const std::vector<client_prefix_table::entry> rules{
      {pfx("10.0.0.0/8"), treatment::opt_out},     // 0
      {pfx("10.0.0.0/8"), treatment::filter},      // 1 wins over 0
      {pfx("255.255.255.255/32"), treatment::opt_out},  // 2
      {pfx("0.0.0.0/32"), treatment::opt_out},          // 3
      {pfx("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff/128"), treatment::opt_out},  // 4
      {pfx("::/128"), treatment::opt_out},                                       // 5
      {pfx("::/128"), treatment::filter},                                        // 6 wins over 5
  };
  auto t = client_prefix_table::build(rules);
  REQUIRE(t.has_value());
  CHECK(t->shadowed() == 2);
  CHECK(t->lookup(addr("10.1.1.1")).index == 1);
  CHECK(*t->lookup(addr("10.1.1.1")).value == treatment::filter);
  CHECK(t->lookup(addr("255.255.255.255")).index == 2);
  CHECK_FALSE(t->lookup(addr("255.255.255.254")));
  CHECK(t->lookup(addr("0.0.0.0")).index == 3);
  CHECK_FALSE(t->lookup(addr("0.0.0.1")));
  CHECK(t->lookup(addr("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")).index == 4);
  CHECK_FALSE(t->lookup(addr("ffff:ffff:ffff:ffff:ffff:ffff:ffff:fffe")));
  CHECK(t->lookup(addr("::")).index == 6);
  CHECK_FALSE(t->lookup(addr("::2")));
}
TEST_CASE("prefix_table: randomized cross-check against brute force") {
  // Prefixes drawn around a few bases so that they nest often; lengths across
  // the whole range, with the IPv6 ones on both sides of /64.
  rng r{0x9E3779B97F4A7C15ULL};
  for (int round = 0; round < 12; ++round) {
    std::vector<test_table::entry> entries;
    const unsigned count = 1 + r.below(round < 4 ? 20 : 600);
    const std::uint64_t base_high = r.next() & 0xffffffff00000000ULL;
    const std::uint32_t base_v4 = static_cast<std::uint32_t>(r.next()) & 0xff000000u;
    for (unsigned i = 0; i < count; ++i) {
      ip_address a;
      unsigned len;
      if (r.below(2) == 0) {
        a = ip_address::v4(base_v4 | (static_cast<std::uint32_t>(r.next()) & (r.below(2) ? 0x00ff00ffu : 0xffffffffu)));
        len = r.below(33);
      } else {
        const std::uint64_t low = r.below(3) == 0 ? r.next() : (r.next() & 0xff);
        a = ip_address::v6(base_high | (r.next() & (r.below(2) ? 0xffULL : 0xffffffffULL)), low);
        len = r.below(4) == 0 ? r.below(129) : 40 + r.below(89);
      }
      entries.push_back({*ip_prefix::masked(a, len), i});
    }
    // Some exact duplicates.
    for (unsigned d = 0; d < count / 10; ++d) entries.push_back({entries[r.below(count)].prefix, count + d});

    auto t = test_table::build(entries);
    REQUIRE(t.has_value());

    for (int q = 0; q < 3000; ++q) {
      // Probe near prefix boundaries: a prefix's first/last address +-1, or random.
      const auto& e = entries[r.below(static_cast<unsigned>(entries.size()))].prefix;
      check_against_reference(*t, entries, probe_near(r, e, r.below(probe_kinds)));
    }
  }
}
TEST_CASE("prefix_table: runs of adjacent prefixes in one bucket") {
  // k adjacent hosts (or /64s, or hosts inside one /64) make k + 1 interval
  // starts close together; a far-away prefix stretches the index's span so that
  // they share one bucket. k from 1 to 40 takes the bucket's search from one
  // record to six halvings, at the bottom (the first start, the address below
  // it), in the middle and at the top (the last bucket, addresses past it) of
  // the address space.
  rng r{0x51ED270B27A2F3C1ULL};
  for (unsigned k = 1; k <= 40; ++k) {
    for (unsigned place = 0; place < 3; ++place) {
      std::vector<test_table::entry> entries;
      auto add = [&](const ip_address& a, unsigned len) {
        entries.push_back({*ip_prefix::masked(a, len), static_cast<std::uint32_t>(entries.size())});
      };
      const std::uint32_t v4_base = place == 0 ? 0u : place == 1 ? 0x0a000000u : ~0u - (k - 1);
      const std::uint64_t v6_base = place == 0 ? 0 : place == 1 ? 0x20010db800000000ULL : ~0ULL - (k - 1);
      add(ip_address::v4(place == 0 ? 0xc0000000u : 0x01000000u), 24);  // the far one
      add(ip_address::v6(place == 0 ? 0xfe80000000000000ULL : 0x0100000000000000ULL, 0), 10);
      if (r.below(2)) add(ip_address::v4(v4_base), 16);  // sometimes a cover around the run
      for (unsigned i = 0; i < k; ++i) {
        add(ip_address::v4(v4_base + i), 32);
        add(ip_address::v6(v6_base + i, 0), 64);
        add(ip_address::v6(0x20010db8000000ffULL, i * 3), 127);  // inside one /64: its second level
      }
      if (r.below(2)) add(ip_address::v6(0x20010db8000000ffULL, 0), 64);
      check_all_boundaries(r, entries);
    }
  }
}
TEST_CASE("prefix_table: large tables, uniform and clustered, every boundary") {
  // Uniform prefixes fill buckets of a few records; prefixes clustered under
  // one short prefix, plus a few far away, pile into a few large buckets.
  // IPv6 keys spread over all 64 bits with a thousand owners make the index
  // finer than its usual 8 to 16 records per bucket, so that key bits and
  // owner still fit one record. Lengths include /0, /32, /64, /96, /128 and
  // mapped IPv6 prefixes.
  rng r{0xC2B2AE3D27D4EB4FULL};
  for (int shape = 0; shape < 4; ++shape) {
    const bool clustered = shape >= 2;
    std::vector<test_table::entry> entries;
    const unsigned count = shape % 2 == 0 ? 300 : 1200;
    for (unsigned i = 0; i < count; ++i) {
      ip_address a;
      unsigned len;
      switch (r.below(clustered ? 5 : 4)) {
        case 0:
          a = ip_address::v4((static_cast<std::uint32_t>(r.next()) & (clustered ? 0x0000ffffu : ~0u)) |
                             (clustered ? 0x0a0a0000u : 0u));
          len = r.below(6) == 0 ? r.below(33) : 16 + r.below(17);
          break;
        case 1:
          a = ip_address::v6((r.next() & (clustered ? 0xffffULL : ~0ULL)) | (clustered ? 0x20010db800000000ULL : 0),
                             r.next());
          len = r.below(6) == 0 ? r.below(129) : 32 + r.below(33);
          break;
        case 2:  // exactly /64, and hosts and longer prefixes inside a few /64s
          a = ip_address::v6(0x2a00000000000000ULL | (r.next() & (clustered ? 0x7 : 0xffffffffffULL)), r.next());
          len = r.below(3) == 0 ? 64 : 65 + r.below(64);
          break;
        case 3:  // IPv4-mapped, stored as IPv4
          a = ip_address::v4(static_cast<std::uint32_t>(r.next())).mapped();
          len = 96 + r.below(33);
          break;
        default:  // far away from the cluster
          a = r.below(2) ? ip_address::v4(static_cast<std::uint32_t>(r.next())) : ip_address::v6(r.next(), r.next());
          len = a.is_v4() ? 24 : 48;
          break;
      }
      entries.push_back({*ip_prefix::masked(a, len), i});
    }
    entries.push_back({*ip_prefix::parse("0.0.0.0/0"), count});
    entries.push_back({*ip_prefix::parse("::/0"), count + 1});
    for (unsigned d = 0; d < count / 20; ++d) entries.push_back({entries[r.below(count)].prefix, count + 2 + d});
    check_all_boundaries(r, entries);
  }
}
TEST_CASE("prefix_table: a million prefixes in at most 32 bytes each") {
  // The budget an embedder plans with. Two shapes: policy-like lengths (IPv4
  // mostly /24, IPv6 /32 to /64 under 2000::/3), and the index's worst case,
  // IPv6 /64s spread over all 64 bits with a million owners, where the index
  // must be finest for key bits and owner to share one record.
  rng r{0x2545F4914F6CDD1DULL};
  for (int shape = 0; shape < 2; ++shape) {
    std::vector<client_prefix_table::entry> entries;
    entries.reserve(1'000'000);
    for (unsigned i = 0; i < 1'000'000; ++i) {
      ip_address a;
      unsigned len;
      if (shape == 0 && i % 2 == 0) {
        a = ip_address::v4(static_cast<std::uint32_t>(r.next()));
        len = r.below(4) == 0 ? 16 + r.below(17) : 24;
      } else if (shape == 0) {
        a = ip_address::v6((r.next() & 0x1fffffffffffffffULL) | 0x2000000000000000ULL, 0);
        len = 32 + 4 * r.below(9);
      } else {
        a = ip_address::v6(r.next(), 0);
        len = 64;
      }
      entries.push_back({*ip_prefix::masked(a, len), r.below(10) == 0 ? treatment::opt_out : treatment::filter});
    }
    const auto t = client_prefix_table::build(entries);
    REQUIRE(t);
    CHECK(t->memory_bytes() <= 32 * entries.size());
    // Spot checks: a listed prefix's own address lies in it or in a longer one.
    for (unsigned k = 0; k < 1000; ++k) {
      const auto& e = entries[r.below(static_cast<std::uint32_t>(entries.size()))];
      const auto m = t->lookup(e.prefix.address());
      REQUIRE(m);
      CHECK(entries[m.index].prefix.length() >= e.prefix.length());
      CHECK(entries[m.index].prefix.contains(e.prefix.address()));
    }
  }
}
TEST_CASE("prefix_table: swapped at run time through the snapshot handle") {
  using dnsfilter::policy::prefix_table_handle;
  using dnsfilter::policy::prefix_table_reader;
  const std::vector<client_prefix_table::entry> first{{pfx("10.0.0.0/8"), treatment::opt_out}};
  const std::vector<client_prefix_table::entry> second{{pfx("10.0.0.0/8"), treatment::filter}};
  prefix_table_handle<treatment> handle(std::make_shared<const client_prefix_table>(*client_prefix_table::build(first)));
  prefix_table_reader<treatment> reader(handle);
  CHECK(*reader.get().lookup(addr("10.0.0.1")).value == treatment::opt_out);
  handle.store(std::make_shared<const client_prefix_table>(*client_prefix_table::build(second)));
  CHECK(*reader.get().lookup(addr("10.0.0.1")).value == treatment::filter);
}
