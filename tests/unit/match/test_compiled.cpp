// Compiled catalogues: a catalogue with its matcher, looked up and served
// through a snapshot handle.
#include <dnsfilter/match/compiled.hpp>
#include <dnsfilter/match/trie.hpp>
#include <dnsfilter/snapshot.hpp>

#include <doctest/doctest.h>

#include <string>
#include <string_view>
#include <utility>

using dnsfilter::match::action;
using dnsfilter::match::catalogue;
using dnsfilter::match::compiled_catalogue;
using dnsfilter::match::entry;
using dnsfilter::match::label_trie;
using dnsfilter::match::make_compiled;
using dnsfilter::snapshot_handle;
using dnsfilter::snapshot_reader;
using dnsfilter::wire::name;

namespace {

name dn(std::string_view text) {
  auto r = name::from_text(text);
  REQUIRE(r);
  return *r;
}

catalogue one_rule_catalogue(std::string_view fqdn, std::string id, action a = action::sinkhole) {
  catalogue cat;
  entry e;
  e.id = std::move(id);
  e.action = a;
  const auto index = cat.add_entry(std::move(e));
  REQUIRE(cat.add_rule(dn(fqdn), index));
  return cat;
}

}  // namespace

TEST_CASE("compiled catalogue: make_compiled, lookup and entry_of") {
  auto compiled = make_compiled<label_trie>(one_rule_catalogue("evil.example", "XX-20250109-0001", action::nxdomain));
  REQUIRE(compiled);
  const auto hit = compiled->lookup(dn("c2.EVIL.example"), 0);
  REQUIRE(hit.hit());
  CHECK(hit.rule == 0);
  CHECK(compiled->entry_of(hit).id == "XX-20250109-0001");
  CHECK(compiled->entry_of(hit).action == action::nxdomain);
  CHECK_FALSE(compiled->lookup(dn("good.example"), 0).hit());
  CHECK(compiled->source().rules().size() == 1);
  CHECK(compiled->memory_bytes() == compiled->source().memory_bytes() + compiled->matcher().memory_bytes());
  CHECK(compiled->matcher().memory_bytes() > 0);
}

TEST_CASE("compiled catalogue: hot reload through a snapshot handle") {
  using snapshot = compiled_catalogue<label_trie>;
  snapshot_handle<snapshot> handle(make_compiled<label_trie>(one_rule_catalogue("old.example", "OLD")));
  snapshot_reader<snapshot> reader(handle);
  CHECK(reader.get().lookup(dn("old.example"), 0).hit());
  CHECK_FALSE(reader.get().lookup(dn("new.example"), 0).hit());

  handle.store(make_compiled<label_trie>(one_rule_catalogue("new.example", "NEW")));
  const snapshot& current = reader.get();
  CHECK_FALSE(current.lookup(dn("old.example"), 0).hit());
  const auto hit = current.lookup(dn("www.new.example"), 0);
  REQUIRE(hit.hit());
  CHECK(current.entry_of(hit).id == "NEW");
}
