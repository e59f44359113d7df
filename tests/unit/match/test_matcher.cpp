// The shared conformance suite: every matcher in DNSFILTER_MATCHERS_UNDER_TEST
// runs the same cases, and each answer is also compared with a reference
// written straight from the semantics in match/matcher.hpp (a brute-force scan
// of every rule). A randomized cross-check then compares each matcher with the
// reference on thousands of small catalogues where names nest and collide.
#include <dnsfilter/match/catalogue.hpp>
#include <dnsfilter/match/matcher.hpp>

#include "matchers_under_test.hpp"

#include <doctest/doctest.h>

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <optional>
#include <random>
#include <sstream>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

using dnsfilter::match::action;
using dnsfilter::match::catalogue;
using dnsfilter::match::entry;
using dnsfilter::match::match_result;
using dnsfilter::match::rule;
using dnsfilter::match::scope;
using dnsfilter::match::since_always;
using dnsfilter::match::timestamp;
using dnsfilter::match::until_forever;
using dnsfilter::wire::name;
using dnsfilter::wire::name_view;

namespace {

constexpr std::uint32_t miss = match_result::none;

name dn(std::string_view text) {
  auto r = name::from_text(text);
  REQUIRE_MESSAGE(r, "from_text(\"" << std::string(text) << "\") failed");
  return *r;
}

// The semantics of matcher.hpp, transcribed without the shared helpers
// (rule_precedes, rule_applies) so that they are checked too.
match_result reference_lookup(const catalogue& cat, name_view qname, timestamp t) {
  const auto rules = cat.rules();
  const std::size_t labels = qname.label_count();
  for (std::size_t k = labels; k >= 1; --k) {
    const name_view suffix = qname.suffix(k);
    std::optional<std::uint32_t> first_exception, first_block, first_any;
    for (std::uint32_t i = 0; i < rules.size(); ++i) {
      const rule& r = rules[i];
      const entry& e = cat.entries()[r.entry()];
      if (!cat.name_of(r).equals(suffix)) continue;
      if (t < e.start || t >= e.end) continue;
      if ((r.flags() & rule::exact_only) != 0 && k != labels) continue;
      if ((r.flags() & rule::subdomains_only) != 0 && k == labels) continue;
      if (e.action == action::pass && !first_exception) first_exception = i;
      if (e.action != action::pass && e.action != action::monitor && !first_block) first_block = i;
      if (!first_any) first_any = i;
    }
    if (first_any) {
      const std::uint32_t i = first_exception.value_or(first_block.value_or(*first_any));
      return {i, rules[i].entry()};
    }
  }
  return {};
}

// Builds catalogues in a line per rule. Each rule gets an entry of its own
// unless `entry_index` names one; every function returns the rule's index.
struct catalogue_builder {
  catalogue cat;

  std::uint32_t add_entry(action a, timestamp start = since_always, timestamp end = until_forever) {
    entry e;
    e.id = "XX-" + std::to_string(cat.entries().size());
    e.action = a;
    e.start = start;
    e.end = end;
    return cat.add_entry(std::move(e));
  }
  std::uint32_t add_rule(std::string_view fqdn, std::uint32_t entry_index, scope s = scope::name_and_subdomains) {
    const auto index = static_cast<std::uint32_t>(cat.rules().size());
    REQUIRE(cat.add_rule(dn(fqdn), entry_index, s));
    return index;
  }
  std::uint32_t block(std::string_view fqdn, timestamp start = since_always, timestamp end = until_forever) {
    return add_rule(fqdn, add_entry(action::sinkhole, start, end));
  }
  std::uint32_t allow(std::string_view fqdn, timestamp start = since_always, timestamp end = until_forever) {
    return add_rule(fqdn, add_entry(action::pass, start, end));
  }
  std::uint32_t block_exact(std::string_view fqdn) { return add_rule(fqdn, add_entry(action::sinkhole), scope::name_only); }
  std::uint32_t allow_exact(std::string_view fqdn) { return add_rule(fqdn, add_entry(action::pass), scope::name_only); }
  std::uint32_t block_below(std::string_view fqdn) {
    return add_rule(fqdn, add_entry(action::sinkhole), scope::subdomains_only);
  }
  std::uint32_t allow_below(std::string_view fqdn) { return add_rule(fqdn, add_entry(action::pass), scope::subdomains_only); }
};

// Answers "which rule decides this query?" with matcher M, checking on the way
// that the reference agrees and that the entry is the rule's.
template <class M>
struct decider {
  explicit decider(const catalogue& c) : cat(c), matcher(c) {}

  std::uint32_t operator()(name_view qname, timestamp t = 0) const {
    const match_result got = matcher.lookup(qname, t);
    CHECK_MESSAGE(got == reference_lookup(cat, qname, t), "the reference disagrees on " << qname.to_string());
    if (got.hit()) CHECK(got.entry == cat.rules()[got.rule].entry());
    return got.rule;
  }
  std::uint32_t operator()(std::string_view qname, timestamp t = 0) const { return (*this)(dn(qname).view(), t); }

  const catalogue& cat;
  M matcher;
};

std::string repeated_labels(std::string_view label, std::size_t count) {
  std::string text;
  for (std::size_t i = 0; i < count; ++i) text.append(label).append(".");
  return text;
}

}  // namespace

TEST_CASE_TEMPLATE("matchers: an entry covers its name and subdomains, on whole labels", M,
                   DNSFILTER_MATCHERS_UNDER_TEST) {
  static_assert(dnsfilter::match::matcher<M>);
  catalogue_builder b;
  const auto evil = b.block("evil.example");
  decider<M> decide(b.cat);
  CHECK(decide("evil.example") == evil);
  CHECK(decide("a.evil.example") == evil);
  CHECK(decide("a.b.evil.example") == evil);
  CHECK(decide("notevil.example") == miss);
  CHECK(decide("evil.example.com") == miss);
  CHECK(decide("example") == miss);
  CHECK(decide("evil") == miss);
  CHECK(decide("vil.example") == miss);
  CHECK(decide("evil.xample") == miss);
  CHECK(decide("evil.examplex") == miss);
  CHECK(decide("a.evilexample") == miss);
  CHECK(decide.matcher.memory_bytes() > 0);
}

TEST_CASE_TEMPLATE("matchers: names compare case-insensitively both ways", M, DNSFILTER_MATCHERS_UNDER_TEST) {
  catalogue_builder b;
  const auto upper = b.block("EVIL.Example");
  const auto lower = b.block("bad.test");
  decider<M> decide(b.cat);
  CHECK(decide("evil.example") == upper);
  CHECK(decide("eViL.EXAMPLE") == upper);
  CHECK(decide("WWW.EVIL.EXAMPLE") == upper);
  CHECK(decide("BAD.TEST") == lower);
  CHECK(decide("x.Bad.tEst") == lower);
  CHECK(decide("BAD.TESTS") == miss);
}

TEST_CASE_TEMPLATE("matchers: a more specific exception frees its subtree", M, DNSFILTER_MATCHERS_UNDER_TEST) {
  catalogue_builder b;
  const auto evil = b.block("evil.example");
  const auto good = b.allow("good.evil.example");
  decider<M> decide(b.cat);
  CHECK(decide("good.evil.example") == good);
  CHECK(decide("a.good.evil.example") == good);
  CHECK(decide("evil.example") == evil);
  CHECK(decide("other.evil.example") == evil);
  CHECK(decide("notgood.evil.example") == evil);
  CHECK(b.cat.entry_of(b.cat.rules()[good]).is_exception());
}

TEST_CASE_TEMPLATE("matchers: at one name an exception beats a block, then the lower index wins", M,
                   DNSFILTER_MATCHERS_UNDER_TEST) {
  catalogue_builder b;
  const auto block_first = b.block("tie.example");
  const auto allow_second = b.allow("tie.example");
  const auto allow_first = b.allow("other.example");
  b.block("other.example");
  const auto blocks_low = b.block("two.example");
  b.block("two.example");
  const auto allows_low = b.allow("both.example");
  b.allow("both.example");
  decider<M> decide(b.cat);
  CHECK(block_first < allow_second);
  CHECK(decide("tie.example") == allow_second);
  CHECK(decide("sub.tie.example") == allow_second);
  CHECK(decide("other.example") == allow_first);
  CHECK(decide("two.example") == blocks_low);
  CHECK(decide("both.example") == allows_low);
}

TEST_CASE_TEMPLATE("matchers: at one name a block beats a monitored rule, an exception beats both", M,
                   DNSFILTER_MATCHERS_UNDER_TEST) {
  catalogue_builder b;
  const auto watched = b.add_rule("tie.example", b.add_entry(action::monitor));
  const auto blocked = b.block("tie.example");
  const auto watched_too = b.add_rule("all.example", b.add_entry(action::monitor));
  const auto blocked_too = b.block("all.example");
  const auto allowed = b.allow("all.example");
  const auto alone = b.add_rule("watch.example", b.add_entry(action::monitor));
  const auto below = b.add_rule("x.blocked.example", b.add_entry(action::monitor));
  b.block("blocked.example");
  decider<M> decide(b.cat);
  CHECK(watched < blocked);
  CHECK(decide("tie.example") == blocked);
  CHECK(decide("sub.tie.example") == blocked);
  CHECK(watched_too < blocked_too);
  CHECK(decide("all.example") == allowed);
  CHECK(decide("a.watch.example") == alone);
  // The most specific rule decides here; the facade looks past it (filter.hpp).
  CHECK(decide("x.blocked.example") == below);
}

TEST_CASE_TEMPLATE("matchers: a block below an exception wins (the most specific rule decides)", M,
                   DNSFILTER_MATCHERS_UNDER_TEST) {
  catalogue_builder b;
  const auto freed = b.allow("example");
  const auto bad = b.block("bad.example");
  const auto ok = b.allow("ok.bad.example");
  decider<M> decide(b.cat);
  CHECK(decide("bad.example") == bad);
  CHECK(decide("x.bad.example") == bad);
  CHECK(decide("example") == freed);
  CHECK(decide("fine.example") == freed);
  CHECK(decide("ok.bad.example") == ok);
  CHECK(decide("x.ok.bad.example") == ok);
}

TEST_CASE_TEMPLATE("matchers: exact-only rules cover their name alone", M, DNSFILTER_MATCHERS_UNDER_TEST) {
  catalogue_builder b;
  const auto only = b.block_exact("only.example");
  const auto evil = b.block("evil.example");
  const auto good = b.allow_exact("good.evil.example");
  const auto both_exact = b.block_exact("mixed.example");
  const auto both_subtree = b.allow("mixed.example");
  decider<M> decide(b.cat);
  CHECK(decide("only.example") == only);
  CHECK(decide("a.only.example") == miss);
  CHECK(decide("good.evil.example") == good);
  CHECK(decide("a.good.evil.example") == evil);
  // At the name itself both apply and the exception wins; below it only the subtree rule does.
  CHECK(decide("mixed.example") == both_subtree);
  CHECK(decide("a.mixed.example") == both_subtree);
  CHECK(both_exact < both_subtree);
}

TEST_CASE_TEMPLATE("matchers: subdomains-only rules (RPZ's *.name) cover the names below, not the name", M,
                   DNSFILTER_MATCHERS_UNDER_TEST) {
  catalogue_builder b;
  const auto below = b.block_below("wild.example");
  const auto name_only = b.block_exact("both.example");
  const auto both_below = b.allow_below("both.example");
  const auto outer = b.block("outer.example");
  const auto inner = b.allow_below("inner.outer.example");
  decider<M> decide(b.cat);
  CHECK(decide("wild.example") == miss);
  CHECK(decide("a.wild.example") == below);
  CHECK(decide("a.b.wild.example") == below);
  // "name" and "*.name" with different actions: each keeps its own side.
  CHECK(decide("both.example") == name_only);
  CHECK(decide("x.both.example") == both_below);
  // A subdomains-only rule does not hide a shorter rule at its own name.
  CHECK(decide("inner.outer.example") == outer);
  CHECK(decide("a.inner.outer.example") == inner);
}

TEST_CASE_TEMPLATE("matchers: an entry applies only inside its window [start, end)", M,
                   DNSFILTER_MATCHERS_UNDER_TEST) {
  catalogue_builder b;
  const auto windowed = b.block("window.example", 1000, 2000);
  const auto always = b.block("always.example");
  b.block("never.example", 5, 5);  // an empty window
  decider<M> decide(b.cat);
  CHECK(decide("window.example", 999) == miss);
  CHECK(decide("window.example", 1000) == windowed);
  CHECK(decide("a.window.example", 1999) == windowed);
  CHECK(decide("window.example", 2000) == miss);
  CHECK(decide("window.example", since_always) == miss);
  CHECK(decide("always.example", since_always) == always);
  CHECK(decide("always.example", until_forever - 1) == always);
  CHECK(decide("always.example", -1) == always);
  CHECK(decide("never.example", 5) == miss);
}

TEST_CASE_TEMPLATE("matchers: several entries naming one FQDN", M, DNSFILTER_MATCHERS_UNDER_TEST) {
  catalogue_builder b;
  const auto early = b.block("shared.example", 0, 100);
  const auto late = b.block("shared.example", 50, 200);
  // One entry with several FQDNs: each rule reports that entry.
  const auto campaign = b.add_entry(action::nxdomain);
  const auto c1 = b.add_rule("c2.one.test", campaign);
  const auto c2 = b.add_rule("c2.two.test", campaign);
  decider<M> decide(b.cat);
  CHECK(decide("shared.example", 10) == early);
  CHECK(decide("shared.example", 60) == early);  // both active: the lower index
  CHECK(decide("shared.example", 100) == late);  // the first is over: the other decides
  CHECK(decide("x.shared.example", 150) == late);
  CHECK(decide("shared.example", 200) == miss);
  CHECK(decide("c2.one.test") == c1);
  CHECK(decide("a.c2.two.test") == c2);
  CHECK(decide.matcher.lookup(dn("c2.two.test"), 0).entry == campaign);
}

TEST_CASE_TEMPLATE("matchers: an inactive or exact rule lets a shorter one decide", M,
                   DNSFILTER_MATCHERS_UNDER_TEST) {
  catalogue_builder b;
  const auto evil = b.block("evil.example");
  const auto good = b.allow("good.evil.example", 100, 200);
  const auto deep = b.block("deep.good.evil.example", 150, 160);
  decider<M> decide(b.cat);
  CHECK(decide("x.deep.good.evil.example", 0) == evil);
  CHECK(decide("x.deep.good.evil.example", 120) == good);
  CHECK(decide("x.deep.good.evil.example", 155) == deep);
  CHECK(decide("x.deep.good.evil.example", 160) == good);
  CHECK(decide("x.deep.good.evil.example", 200) == evil);
}

TEST_CASE_TEMPLATE("matchers: the root name and single-label names", M, DNSFILTER_MATCHERS_UNDER_TEST) {
  catalogue_builder b;
  CHECK_FALSE(b.cat.add_rule(name_view{}, b.add_entry(action::sinkhole)));  // the root is refused
  const auto tld = b.block("zip");
  const auto host = b.block_exact("localhost");
  decider<M> decide(b.cat);
  CHECK(decide(".") == miss);
  CHECK(decide(name_view{}) == miss);
  CHECK(decide("zip") == tld);
  CHECK(decide("evil.zip") == tld);
  CHECK(decide("ZIP") == tld);
  CHECK(decide("zipp") == miss);
  CHECK(decide("localhost") == host);
  CHECK(decide("a.localhost") == miss);
  CHECK(decide("com") == miss);
}

TEST_CASE_TEMPLATE("matchers: names at the length limits", M, DNSFILTER_MATCHERS_UNDER_TEST) {
  // 127 one-octet labels make a 255-octet name; so do three 63-octet labels and a 61-octet one.
  const std::string longest = repeated_labels("a", 127);
  const std::string label63(63, 'x');
  const std::string wide = repeated_labels(label63, 3) + std::string(61, 'y');
  REQUIRE(dn(longest).size() == 255);
  REQUIRE(dn(wide).size() == 255);

  catalogue_builder b;
  const auto deep = b.block_exact(longest);
  const auto shallow = b.block(repeated_labels("a", 3));
  const auto middle = b.allow(repeated_labels("a", 100));
  const auto wide_rule = b.block(label63 + "." + std::string(61, 'y'));
  decider<M> decide(b.cat);
  CHECK(decide(longest) == deep);
  CHECK(decide(repeated_labels("A", 127)) == deep);
  CHECK(decide(repeated_labels("a", 126)) == middle);
  CHECK(decide(repeated_labels("a", 99)) == shallow);
  CHECK(decide(repeated_labels("a", 2)) == miss);
  CHECK(decide(wide) == wide_rule);
  CHECK(decide(repeated_labels(label63, 3) + std::string(61, 'Y')) == wide_rule);
}

TEST_CASE_TEMPLATE("matchers: labels with escaped dots and binary octets", M, DNSFILTER_MATCHERS_UNDER_TEST) {
  catalogue_builder b;
  const auto dotted = b.block("a\\.b.example");  // one label "a.b"
  const auto binary = b.block("\\000\\255\\128.example");
  const auto upper_binary = b.block("\\196.test");  // 0xC4: not ASCII, never folded
  decider<M> decide(b.cat);
  CHECK(decide("a\\.b.example") == dotted);
  CHECK(decide("x.A\\.B.example") == dotted);
  CHECK(decide("a.b.example") == miss);
  CHECK(decide("b.example") == miss);
  CHECK(decide("\\000\\255\\128.example") == binary);
  CHECK(decide("sub.\\000\\255\\128.EXAMPLE") == binary);
  CHECK(decide("\\000\\255.example") == miss);
  CHECK(decide("\\196.test") == upper_binary);
  CHECK(decide("\\228.test") == miss);  // 0xE4 = 0xC4 | 0x20: case folding is ASCII only
}

TEST_CASE_TEMPLATE("matchers: an empty catalogue matches nothing", M, DNSFILTER_MATCHERS_UNDER_TEST) {
  catalogue cat;
  decider<M> decide(cat);
  CHECK(decide(".") == miss);
  CHECK(decide("example") == miss);
  CHECK(decide("a.b.example") == miss);
  CHECK(decide(repeated_labels("a", 127)) == miss);
}

// ---- The randomized cross-check -------------------------------------------

namespace {

// Small catalogues over a tiny alphabet, so that names nest, collide, share
// labels and differ only in case; random windows, exceptions and scopes.
class random_cases {
 public:
  explicit random_cases(std::uint64_t seed) : rng_(seed) {}

  catalogue make_catalogue() {
    catalogue cat;
    const std::size_t entries = 1 + pick(4);
    for (std::size_t i = 0; i < entries; ++i) {
      entry e;
      const std::size_t a = pick(4);
      e.action = a == 0 ? action::pass : a == 1 ? action::monitor : (pick(2) == 0 ? action::sinkhole : action::nxdomain);
      e.start = pick(3) == 0 ? since_always : static_cast<timestamp>(pick(6));
      e.end = pick(3) == 0 ? until_forever : static_cast<timestamp>(2 + pick(7));
      cat.add_entry(std::move(e));
    }
    const std::size_t rules = pick(12);
    for (std::size_t i = 0; i < rules; ++i) {
      const std::size_t s = pick(6);  // mostly names with subdomains, some name-only, some subdomains-only
      cat.add_rule(random_name(1 + pick(3)), static_cast<std::uint32_t>(pick(entries)),
                   s == 0 ? scope::name_only : s == 1 ? scope::subdomains_only : scope::name_and_subdomains);
    }
    return cat;
  }

  // Half the queries extend or shorten a rule name, the rest are random.
  name make_query(const catalogue& cat) {
    name q;
    if (!cat.rules().empty() && pick(2) == 0) {
      const rule& r = cat.rules()[pick(cat.rules().size())];
      q = prefixed(cat.name_of(r), pick(3));
      if (pick(4) == 0) q = name(q.view().parent(pick(q.label_count() + 1)));
    } else {
      q = random_name(pick(5));
    }
    return with_random_case(q);
  }

  timestamp make_time() { return static_cast<timestamp>(pick(11)) - 1; }

 private:
  std::size_t pick(std::size_t n) { return static_cast<std::size_t>(rng_() % n); }

  // "a.b" is one label holding a dot; "\xc4" is a non-ASCII octet.
  std::string_view random_label() {
    static constexpr std::string_view alphabet[] = {"a", "b", "ab", "a.b", "B", "\xc4"};
    return alphabet[pick(std::size(alphabet))];
  }

  name prefixed(name_view base, std::size_t extra) {
    std::vector<std::byte> wire;
    for (std::size_t i = 0; i < extra; ++i) append_label(wire, random_label());
    wire.insert(wire.end(), base.wire().begin(), base.wire().end());
    return from_wire(wire);
  }

  name random_name(std::size_t labels) { return prefixed(name_view{}, labels); }

  name with_random_case(name_view n) {
    std::vector<std::byte> wire(n.wire().begin(), n.wire().end());
    // Length octets are below 64, outside A-Z and a-z, so flipping 0x20 on letters is safe.
    for (std::byte& b : wire) {
      const auto c = static_cast<unsigned char>(b);
      if (((c | 0x20) >= 'a' && (c | 0x20) <= 'z') && pick(2) == 0) b ^= std::byte{0x20};
    }
    return from_wire(wire);
  }

  static void append_label(std::vector<std::byte>& wire, std::string_view label) {
    wire.push_back(static_cast<std::byte>(label.size()));
    for (char c : label) wire.push_back(static_cast<std::byte>(c));
  }

  static name from_wire(const std::vector<std::byte>& wire) {
    auto n = name::from_wire(wire);
    if (!n) FAIL("the generator made an invalid name");  // one branch, not an assertion per name
    return *n;
  }

  std::mt19937_64 rng_;
};

std::string describe(const catalogue& cat) {
  std::ostringstream out;
  for (std::size_t i = 0; i < cat.rules().size(); ++i) {
    const rule& r = cat.rules()[i];
    const entry& e = cat.entry_of(r);
    out << "  rule " << i << ": " << cat.name_of(r).to_string() << (r.covers_subdomains() ? (r.covers_name() ? "" : " below") : " exact")
        << " entry " << r.entry() << ' ' << to_string(e.action) << " [" << e.start << ", " << e.end << ")\n";
  }
  return out.str();
}

}  // namespace

TEST_CASE_TEMPLATE("matchers: randomized cross-check against the reference", M, DNSFILTER_MATCHERS_UNDER_TEST) {
  constexpr std::size_t catalogues = 3000;
  constexpr std::size_t queries_per_catalogue = 30;
  random_cases gen(0x5EED'D115'F117'E7ULL);
  std::size_t lookups = 0, hits = 0, exceptions = 0, failures = 0;
  for (std::size_t c = 0; c < catalogues && failures < 5; ++c) {
    const catalogue cat = gen.make_catalogue();
    const M matcher(cat);
    for (std::size_t q = 0; q < queries_per_catalogue; ++q) {
      const name qname = gen.make_query(cat);
      const timestamp t = gen.make_time();
      const match_result want = reference_lookup(cat, qname, t);
      const match_result got = matcher.lookup(qname, t);
      ++lookups;
      if (want.hit()) {
        ++hits;
        exceptions += cat.entries()[want.entry].is_exception() ? 1 : 0;
      }
      if (got != want) {
        ++failures;
        FAIL_CHECK("catalogue " << c << ", query " << qname.to_string() << " at t=" << t << ": got rule "
                                << got.rule << ", want " << want.rule << "\n"
                                << describe(cat));
      }
    }
  }
  CHECK(failures == 0);
  CHECK(lookups == catalogues * queries_per_catalogue);
  // The generator must exercise both outcomes and exceptions, or the check proves little.
  CHECK(hits > lookups / 5);
  CHECK(hits < lookups * 4 / 5);
  CHECK(exceptions > hits / 10);
}
