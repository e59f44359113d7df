// Tests specific to the production matcher (suffix_hash_matcher): hash and
// fingerprint collisions never change a result, the batch API equals single
// lookups, and the table and filter sizes hold at the edges. The semantics
// shared by every matcher are in test_matcher.cpp.
#include <doctest/doctest.h>

#include <dnsfilter/match/hashed.hpp>

#include <array>
#include <cstdint>
#include <string>
#include <vector>

namespace {

using namespace dnsfilter;
using match::catalogue;
using match::match_result;
using match::suffix_hash_matcher;

wire::name N(const char* text) { return wire::name::from_text(text).value(); }

// A reference lookup written straight from the spec in matcher.hpp.
match_result reference(const catalogue& cat, wire::name_view q, match::timestamp t) {
  const auto rules = cat.rules();
  for (std::size_t k = q.label_count(); k >= 1; --k) {
    const auto s = q.suffix(k);
    std::uint32_t best = match_result::none;
    for (std::uint32_t r = 0; r < rules.size(); ++r) {
      if (!cat.name_of(rules[r]).equals(s)) continue;
      if (!match::rule_applies(cat, rules[r], t, k, q.label_count())) continue;
      if (best == match_result::none || match::rule_precedes(cat, r, best)) best = r;
    }
    if (best != match_result::none) return {best, rules[best].entry()};
  }
  return {};
}

struct fixture {
  catalogue cat;
  std::uint32_t block = 0, allow = 0, expired = 0;
  std::vector<std::string> queries;

  fixture() {
    match::entry b;
    b.id = "BLOCK";
    block = cat.add_entry(b);
    match::entry a;
    a.id = "ALLOW";
    a.action = match::action::pass;
    allow = cat.add_entry(a);
    match::entry e;
    e.id = "OLD";
    e.start = 0;
    e.end = 100;
    expired = cat.add_entry(e);
    const char* blocked[] = {"evil.example", "b.evil.example", "ads.test", "x.y.z.deep.test", "tracker.net",
                             "a.io", "Mixed.CASE.example", "c2.malware.org"};
    for (const char* n : blocked) cat.add_rule(N(n), block);
    cat.add_rule(N("exact.example"), block, /*exact=*/true);
    cat.add_rule(N("good.evil.example"), allow);
    cat.add_rule(N("tracker.net"), allow);        // exception beats block at the same name
    cat.add_rule(N("old.example"), expired);      // only in [0, 100)
    cat.add_rule(N("ads.test"), expired);         // duplicate name, another entry
    queries = {"evil.example",       "EVIL.Example",     "a.evil.example",   "good.evil.example",
               "x.good.evil.example", "b.evil.example",  "notevil.example",  "example",
               "ads.test",           "q.ads.test",       "deep.test",        "z.deep.test",
               "x.y.z.deep.test",    "w.x.y.z.deep.test", "tracker.net",     "www.tracker.net",
               "a.io",               "b.a.io",           "io",               "exact.example",
               "sub.exact.example",  "old.example",      "c2.malware.org",   "c3.malware.org",
               "a.b.c.d.e.f.g.h.i.j.k.l.evil.example",   ".",               "unrelated.com",
               "mixed.case.example", "x.MIXED.case.EXAMPLE"};
  }
};

void check_against_reference(const catalogue& cat, const suffix_hash_matcher& m,
                             const std::vector<std::string>& queries) {
  for (match::timestamp t : {match::timestamp{50}, match::timestamp{1000}}) {
    for (const auto& q : queries) {
      const auto n = N(q.c_str());
      CAPTURE(q);
      CAPTURE(t);
      CHECK(m.lookup(n, t) == reference(cat, n, t));
    }
  }
}

}  // namespace

TEST_CASE("suffix_hash_matcher agrees with the spec on a small catalogue") {
  fixture f;
  suffix_hash_matcher m(f.cat);
  check_against_reference(f.cat, m, f.queries);
  CHECK(m.lookup(N("x.good.evil.example"), 1000).entry == f.allow);
  CHECK(m.lookup(N("www.tracker.net"), 1000).entry == f.allow);
  CHECK_FALSE(m.lookup(N("sub.exact.example"), 1000).hit());
  CHECK(m.lookup(N("old.example"), 50).hit());
  CHECK_FALSE(m.lookup(N("old.example"), 1000).hit());
}

TEST_CASE("collisions never block a legitimate name nor hide a listed one") {
  fixture f;
  // With 0..4 hash bits almost every name shares its hash, its fingerprint and
  // its filter word with listed names: only the stored-name verification
  // tells them apart.
  for (unsigned bits : {0u, 1u, 4u, 12u}) {
    CAPTURE(bits);
    suffix_hash_matcher::options opt;
    opt.hash_bits = bits;
    suffix_hash_matcher m(f.cat, opt);
    check_against_reference(f.cat, m, f.queries);
    // Names whose hash is certainly in the table but whose bytes differ.
    for (const char* q : {"evil.exampld", "evil.examplf", "live.example", "ads.tesu", "b.eviL.examplE.x"}) {
      CAPTURE(q);
      CHECK(m.lookup(N(q), 1000) == reference(f.cat, N(q), 1000));
    }
    CHECK_FALSE(m.lookup(N("evil.exampld"), 1000).hit());
  }
}

TEST_CASE("seeds and filter sizes change nothing but speed") {
  fixture f;
  for (std::uint64_t seed : {std::uint64_t{0}, std::uint64_t{1}, std::uint64_t{0xDEADBEEFCAFEF00D}}) {
    for (unsigned bloom : {0u, 1u, 4u, 12u, 64u}) {
      CAPTURE(seed);
      CAPTURE(bloom);
      suffix_hash_matcher::options opt;
      opt.seed = seed;
      opt.bloom_bits_per_rule = bloom;
      suffix_hash_matcher m(f.cat, opt);
      check_against_reference(f.cat, m, f.queries);
      CHECK(m.bloom_words() == (bloom == 0 ? 0u : (f.cat.rules().size() * bloom + 63) / 64));
    }
  }
}

TEST_CASE("empty catalogue: every lookup misses") {
  catalogue cat;
  suffix_hash_matcher m(cat);
  CHECK_FALSE(m.lookup(N("example.com"), 0).hit());
  CHECK_FALSE(m.lookup(N("."), 0).hit());
  CHECK(m.slot_count() >= 1);
  CHECK(m.bloom_words() == 1);
  CHECK(m.group_count() == 0);
  std::array<wire::name_view, 2> names{N("a.b").view(), N("c").view()};
  const auto a = N("a.b"), c = N("c");
  names = {a.view(), c.view()};
  std::array<match_result, 2> out{match_result{0, 0}, match_result{0, 0}};
  m.lookup_batch(names, 0, out);
  CHECK_FALSE(out[0].hit());
  CHECK_FALSE(out[1].hit());
  // A catalogue with entries but no rules is as empty.
  cat.add_entry({});
  suffix_hash_matcher m2(cat);
  CHECK_FALSE(m2.lookup(N("example.com"), 0).hit());
}

TEST_CASE("one rule; sizes follow the rule count") {
  catalogue cat;
  const auto e = cat.add_entry({});
  cat.add_rule(N("only.example"), e);
  suffix_hash_matcher m(cat);
  CHECK(m.lookup(N("only.example"), 0) == match_result{0, e});
  CHECK(m.lookup(N("a.only.example"), 0) == match_result{0, e});
  CHECK_FALSE(m.lookup(N("example"), 0).hit());
  CHECK(m.slot_count() >= 2);  // load below 1: a miss always finds an empty slot
  CHECK(m.bloom_words() == 1);

  // Many rules with one name form one group; many names, many groups.
  for (int i = 0; i < 300; ++i) cat.add_rule(N("only.example"), e);
  for (int i = 0; i < 1000; ++i) cat.add_rule(N(("n" + std::to_string(i) + ".example").c_str()), e);
  suffix_hash_matcher big(cat);
  CHECK(big.group_count() == 1001);
  CHECK(big.slot_count() > cat.rules().size());
  CHECK(big.bloom_words() == (cat.rules().size() * 12 + 63) / 64);
  CHECK(big.lookup(N("x.only.example"), 0).rule == 0);
  CHECK(big.lookup(N("n999.example"), 0).rule == cat.rules().size() - 1);
  CHECK(big.memory_bytes() > 0);
}

TEST_CASE("the batch API equals single lookups") {
  fixture f;
  // More names than one chunk, some with more labels than the batch keeps
  // hashes for, mixed case, and a few repeated.
  std::vector<wire::name> owned;
  for (int round = 0; round < 3; ++round) {
    for (const auto& q : f.queries) owned.push_back(N(q.c_str()));
  }
  owned.push_back(N("a.b.c.d.e.f.g.h.i.j.k.l.m.n.o.p.q.r.s.t.u.v.w.x.y.z.good.evil.example"));
  owned.push_back(N("1.2.3.4.5.6.7.8.9.10.11.12.13.14.15.16.17.18.19.20.x.y.z.deep.test"));
  std::vector<wire::name_view> views;
  for (const auto& n : owned) views.push_back(n.view());
  for (unsigned bits : {64u, 2u}) {
    suffix_hash_matcher::options opt;
    opt.hash_bits = bits;
    suffix_hash_matcher m(f.cat, opt);
    for (match::timestamp t : {match::timestamp{50}, match::timestamp{1000}}) {
      std::vector<match_result> out(views.size());
      m.lookup_batch(views, t, out);
      for (std::size_t i = 0; i < views.size(); ++i) {
        CAPTURE(i);
        CHECK(out[i] == m.lookup(views[i], t));
      }
      // Empty and partial batches.
      m.lookup_batch({}, t, {});
      std::vector<match_result> one(1);
      m.lookup_batch(std::span(views).subspan(0, 1), t, one);
      CHECK(one[0] == m.lookup(views[0], t));
    }
  }
}

TEST_CASE("labels of every length and octets outside A-Z fold correctly") {
  catalogue cat;
  const auto e = cat.add_entry({});
  // Octets that a careless folding would confuse: '@' (0x40), '[' (0x5B),
  // '`' (0x60), '{' (0x7B) and bytes >= 0x80 must not be changed.
  const std::string odd = "\\064\\091\\096\\123\\192\\218\\250-ab.example";
  cat.add_rule(N(odd.c_str()), e);
  cat.add_rule(N("abcdefghijklmnopqrstuvwxyz0123456789-abcdefghijklmnopqrstuvwxyz.long"), e);
  suffix_hash_matcher m(cat);
  CHECK(m.lookup(N("\\064\\091\\096\\123\\192\\218\\250-AB.EXAMPLE"), 0).hit());
  CHECK_FALSE(m.lookup(N("\\096\\091\\096\\123\\192\\218\\250-ab.example"), 0).hit());  // '`' is not '@'
  CHECK_FALSE(m.lookup(N("\\064\\123\\096\\123\\192\\218\\250-ab.example"), 0).hit());  // '{' is not '['
  CHECK_FALSE(m.lookup(N("\\064\\091\\096\\123\\224\\218\\250-ab.example"), 0).hit());  // 0xE0 is not 0xC0
  CHECK(m.lookup(N("x.ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-abcdefghijklmnopqrstuvwxyz.LONG"), 0).hit());
}
