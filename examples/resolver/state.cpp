// dnsfilter-resolver — the state the serving threads share.
#include "state.hpp"

#include <utility>

namespace resolver {

outcome<access_list> make_access_list(const config& c) {
  std::vector<access_list::entry> rules;
  for (const auto& p : c.allow) rules.push_back({p, access::allow});
  for (const auto& p : c.deny) rules.push_back({p, access::deny});  // later wins on an equal prefix
  auto table = access_list::build(rules);
  if (!table) return failure{table.error(), "access list: too many prefixes"};
  return std::move(*table);
}

shared_state::shared_state(const config& c, std::shared_ptr<const snapshot_type> first,
                           std::shared_ptr<const dnsfilter::policy::policy_set> policy_set, access_list access,
                           dnsfilter::stats::registry& reg)
    : cfg(c),
      catalogue(std::move(first)),
      policies(std::move(policy_set)),
      responder(c.sinkhole),
      acl(std::move(access)),
      cache(c.cache_bytes),
      upstreams(make_upstream_set(c)),
      // --mismatch-warn N warns at N or more; the alarm is raised above its threshold.
      mismatches({c.mismatch_window.count(), c.mismatch_warn - 1}),
      registry(reg) {
  for (unsigned i = 0; i < c.threads; ++i) counters.push_back(std::make_unique<thread_counters>(c.upstreams.size()));
}

}  // namespace resolver
