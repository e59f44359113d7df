// The layered catalogue: a delta of changed names over a compiled base gives
// the answers of a catalogue rebuilt with the change, rule for rule.
#include <dnsfilter/match/layered.hpp>

#include <doctest/doctest.h>

#include "naive_matcher.hpp"

#include <memory>
#include <random>
#include <set>
#include <string>
#include <vector>

using namespace dnsfilter::match;
using dnsfilter::wire::name;
using dnsfilter::wire::name_view;

namespace {

name dn(std::string_view text) {
  auto r = name::from_text(text);
  REQUIRE(r);
  return *r;
}

entry make_entry(std::string id, action a, timestamp start = since_always, timestamp end = until_forever) {
  entry e;
  e.id = std::move(id);
  e.action = a;
  e.start = start;
  e.end = end;
  return e;
}

std::string scope_text(scope s) {
  return s == scope::name_only ? " exact" : s == scope::subdomains_only ? " below" : "";
}

// What decided, independent of numbering: the rule's name, scope and entry id.
std::string describe(const layered_catalogue<>& l, const match_result& r) {
  if (!r.hit()) return "miss";
  CHECK(l.rule_at(r.rule).entry() + (r.rule < l.base_rules() ? 0 : l.base_entries()) == r.entry);
  return l.name_of(r.rule).to_string() + scope_text(l.rule_at(r.rule).scope()) + " " + l.entry_of(r).id;
}
std::string describe(const catalogue& c, const match_result& r) {
  if (!r.hit()) return "miss";
  const rule& x = c.rules()[r.rule];
  return c.name_of(x).to_string() + scope_text(x.scope()) + " " + c.entry_of(x).id;
}

std::shared_ptr<const compiled_catalogue<suffix_hash_matcher>> compile(catalogue c) {
  return std::make_shared<const compiled_catalogue<suffix_hash_matcher>>(std::move(c));
}

}  // namespace

TEST_CASE("layered: without a delta, the base answers") {
  catalogue c;
  c.add_rule(dn("evil.example"), c.add_entry(make_entry("E1", action::sinkhole)));
  layered_catalogue<> l(compile(std::move(c)));
  CHECK(describe(l, l.lookup(dn("a.evil.example"), 0)) == "evil.example. E1");
  CHECK(l.delta() == nullptr);
  CHECK(l.delta_names() == 0);
}

TEST_CASE("layered: a removed name stops matching, a shorter rule decides again, an added one matches") {
  catalogue c;
  const auto e1 = c.add_entry(make_entry("E1", action::sinkhole));
  c.add_rule(dn("example"), c.add_entry(make_entry("TLD", action::nxdomain)));
  c.add_rule(dn("evil.example"), e1);
  c.add_rule(dn("kept.example"), e1);
  auto base = compile(std::move(c));

  catalogue delta;
  delta.add_rule(dn("new.test"), delta.add_entry(make_entry("E2", action::nxdomain)));
  const std::vector<name> removed{dn("evil.example")};
  layered_catalogue<> l(base, std::move(delta), removed);
  CHECK(describe(l, l.lookup(dn("a.evil.example"), 0)) == "example. TLD");
  CHECK(describe(l, l.lookup(dn("kept.example"), 0)) == "kept.example. E1");
  CHECK(describe(l, l.lookup(dn("x.new.test"), 0)) == "new.test. E2");
  CHECK(describe(l, l.lookup(dn("other.test"), 0)) == "miss");
  CHECK(l.changes(dn("EVIL.example")));
  CHECK(!l.changes(dn("kept.example")));

  // Deleting and re-adding a name: the delta says what the name has now.
  catalogue again;
  again.add_rule(dn("evil.example"), again.add_entry(make_entry("E3", action::drop)), scope::name_only);
  layered_catalogue<> l2(base, std::move(again), {});
  CHECK(describe(l2, l2.lookup(dn("evil.example"), 0)) == "evil.example. exact E3");
  CHECK(describe(l2, l2.lookup(dn("a.evil.example"), 0)) == "example. TLD");
  int rules_at = 0;
  l2.for_each_rule_at(dn("evil.example"), [&](std::uint32_t r) {
    ++rules_at;
    CHECK(r >= l2.base_rules());
  });
  CHECK(rules_at == 1);
}

TEST_CASE("layered: exceptions in the delta and under it are exact") {
  catalogue c;
  c.add_rule(dn("evil.example"), c.add_entry(make_entry("BLOCK", action::sinkhole)));
  c.add_rule(dn("good.evil.example"), c.add_entry(make_entry("ALLOW", action::pass)));
  auto base = compile(std::move(c));

  // The exception is withdrawn: its subtree is blocked again.
  layered_catalogue<> withdrawn(base, catalogue{}, std::vector<name>{dn("good.evil.example")});
  CHECK(describe(withdrawn, withdrawn.lookup(dn("x.good.evil.example"), 0)) == "evil.example. BLOCK");

  // An exception added at the blocked name beats the block kept there.
  catalogue both;
  both.add_rule(dn("evil.example"), both.add_entry(make_entry("BLOCK", action::sinkhole)));
  both.add_rule(dn("evil.example"), both.add_entry(make_entry("ALLOW2", action::pass)));
  layered_catalogue<> excepted(base, std::move(both), {});
  CHECK(describe(excepted, excepted.lookup(dn("evil.example"), 0)) == "evil.example. ALLOW2");
  // ... and the base's exception below it is untouched.
  CHECK(describe(excepted, excepted.lookup(dn("good.evil.example"), 0)) == "good.evil.example. ALLOW");
}

namespace {

// Random bases and deltas over a tiny alphabet, so names nest and collide.
class random_layers {
 public:
  explicit random_layers(std::uint64_t seed) : rng_(seed) {}

  std::size_t pick(std::size_t n) { return static_cast<std::size_t>(rng_() % n); }

  name random_name() {
    static constexpr std::string_view labels[] = {"a", "b", "ab", "Ab"};
    std::string text;
    const std::size_t n = 1 + pick(3);
    for (std::size_t i = 0; i < n; ++i) text.append(labels[pick(4)]).append(".");
    return dn(text);
  }

  scope random_scope() {
    const std::size_t s = pick(4);
    return s == 0 ? scope::name_only : s == 1 ? scope::subdomains_only : scope::name_and_subdomains;
  }

  entry random_entry(std::string id) {
    const action a = pick(4) == 0 ? action::pass : (pick(2) == 0 ? action::sinkhole : action::nxdomain);
    return make_entry(std::move(id), a, pick(3) == 0 ? 3 : since_always, pick(3) == 0 ? 6 : until_forever);
  }

  std::mt19937_64 rng_;
};

}  // namespace

TEST_CASE("layered: randomized, the delta over the base answers as the rebuilt catalogue, and flatten() is it") {
  random_layers g(0x1A7E'12ED'0000'0001ULL);
  for (int round = 0; round < 1500; ++round) {
    // The base.
    catalogue base_cat;
    const std::size_t base_entries = 1 + g.pick(3);
    for (std::size_t i = 0; i < base_entries; ++i) base_cat.add_entry(g.random_entry("B" + std::to_string(i)));
    const std::size_t base_rules = g.pick(10);
    for (std::size_t i = 0; i < base_rules; ++i)
      base_cat.add_rule(g.random_name(), static_cast<std::uint32_t>(g.pick(base_entries)), g.random_scope());
    const catalogue base_copy = base_cat;
    auto base = compile(std::move(base_cat));

    // The changed names and what each has now (often nothing).
    std::set<std::string> changed_text;  // lower-cased presentation form
    std::vector<name> changed;
    const std::size_t changes = g.pick(5);
    for (std::size_t i = 0; i < changes; ++i) {
      name n = g.pick(2) == 0 && !base_copy.rules().empty()
                   ? name(base_copy.name_of(base_copy.rules()[g.pick(base_copy.rules().size())]))
                   : g.random_name();
      std::string key = n.to_string();
      for (char& ch : key) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
      if (changed_text.insert(key).second) changed.push_back(n);
    }
    catalogue delta;
    delta.add_entry(g.random_entry("D0"));
    delta.add_entry(g.random_entry("D1"));
    std::vector<name> removed;
    for (const name& n : changed) {
      const std::size_t rules = g.pick(3);
      if (rules == 0) removed.push_back(n);
      for (std::size_t i = 0; i < rules; ++i) delta.add_rule(n, static_cast<std::uint32_t>(g.pick(2)), g.random_scope());
    }

    // The catalogue rebuilt with the change: the base's rules at unchanged names, then the delta's.
    catalogue rebuilt = base_copy;
    {
      catalogue filtered;
      for (const entry& e : base_copy.entries()) filtered.add_entry(e);
      for (const rule& r : base_copy.rules()) {
        std::string key = base_copy.name_of(r).to_string();
        if (!changed_text.count(key)) filtered.add_rule(base_copy.name_of(r), r.entry(), r.scope());
      }
      const auto offset = static_cast<std::uint32_t>(filtered.entries().size());
      for (const entry& e : delta.entries()) filtered.add_entry(e);
      for (const rule& r : delta.rules()) filtered.add_rule(delta.name_of(r), offset + r.entry(), r.scope());
      rebuilt = std::move(filtered);
    }
    const naive_matcher reference(rebuilt);
    const layered_catalogue<> layered(base, delta, removed);
    const catalogue flat = layered.flatten();
    const naive_matcher flat_matcher(flat);
    CHECK(flat.rules().size() == rebuilt.rules().size());

    for (int qi = 0; qi < 40; ++qi) {
      name q = g.random_name();
      if (g.pick(2) == 0) {
        std::string text = "ab." + q.to_string();
        q = dn(text);
      }
      const timestamp t = static_cast<timestamp>(g.pick(9));
      const std::string want = describe(rebuilt, reference.lookup(q, t));
      const std::string got = describe(layered, layered.lookup(q, t));
      const std::string flattened = describe(flat, flat_matcher.lookup(q, t));
      if (got != want || flattened != want) {
        FAIL_CHECK("round " << round << " query " << q.to_string() << " t=" << t << ": layered " << got
                            << ", flattened " << flattened << ", rebuilt " << want);
      }
    }
  }
}
