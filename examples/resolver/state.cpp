// dnsfilter-resolver — the state the serving threads share.
#include "state.hpp"

#include <stdexcept>

namespace resolver {

shared_state::shared_state(const config& c, std::shared_ptr<const snapshot_type> first,
                           std::shared_ptr<const dnsfilter::policy::policy_set> policy_set,
                           dnsfilter::stats::registry& reg)
    : cfg(c),
      catalogue(std::move(first)),
      policies(std::move(policy_set)),
      responder(c.sinkhole),
      cache(c.cache_bytes),
      upstreams(c),
      registry(reg) {
  std::vector<dnsfilter::policy::prefix_table<access>::entry> rules;
  for (const auto& p : c.allow) rules.push_back({p, access::allow});
  for (const auto& p : c.deny) rules.push_back({p, access::deny});  // later wins on an equal prefix
  auto table = dnsfilter::policy::prefix_table<access>::build(rules);
  if (!table) throw std::runtime_error("access list: too many prefixes");
  acl = std::move(*table);
  for (unsigned i = 0; i < c.threads; ++i) counters.push_back(std::make_unique<thread_counters>(c.upstreams.size()));
}

}  // namespace resolver
