// Uses the codec, the catalogue and the production matcher (XXH3 through
// xxhash.h, tsl::robin_map through the library's headers), so a package that
// lacks a dependency's headers, a library or a define fails to build or run.
#include <dnsfilter/dnsfilter.hpp>

#include <cstdio>

namespace wire = dnsfilter::wire;
namespace match = dnsfilter::match;

int main() {
  match::catalogue cat;
  match::entry e;
  e.id = "XX-20250109-0001";
  e.category = "backdoor";
  const auto entry = cat.add_entry(e);
  if (!cat.add_rule(wire::name::from_text("c2.evil.example").value().view(), entry)) return 1;
  const auto compiled = match::make_compiled<match::suffix_hash_matcher>(std::move(cat));

  const auto blocked = wire::name::from_text("www.C2.Evil.Example").value();
  const auto allowed = wire::name::from_text("example.org").value();
  const auto hit = compiled->lookup(blocked.view(), 0);
  const auto miss = compiled->lookup(allowed.view(), 0);
  if (!hit || miss) return 1;
  std::printf("dnsfilter %d.%d.%d: %s -> %s\n", DNSFILTER_VERSION_MAJOR, DNSFILTER_VERSION_MINOR,
              DNSFILTER_VERSION_PATCH, blocked.to_string().c_str(), compiled->entry_of(hit).id.c_str());
  return 0;
}
