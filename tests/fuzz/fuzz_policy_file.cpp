// libFuzzer target: the opt-out policy file (policy/file.hpp).
//
// Lenient loading must never fail and must account for every line; strict
// loading must either succeed with the same result or fail leaving the config
// untouched; whatever loads must build into a policy_set, and a decision over
// it (for a few fixed clients) must not crash.
#include "fuzz_check.hpp"

#include <dnsfilter/policy.hpp>

#include <cstddef>
#include <cstdint>
#include <string_view>

namespace {

using namespace dnsfilter;
using namespace dnsfilter::policy;

using dnsfilter_fuzz::check;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  policy_config lenient;
  auto r = load_policy(text, lenient);
  check(r.has_value(), "lenient load failed");
  check(r->directives + r->invalid <= r->lines, "more directives than lines");
  check(r->diagnostics.size() == std::min(r->invalid, policy_load_report::max_diagnostics), "diagnostics lost");

  policy_config strict;
  strict.subscriber_option = 4242;
  dnsfilter::diagnostic failure;
  auto s = load_policy(text, strict, {.strict = true}, &failure);
  if (s) {
    check(r->invalid == 0, "strict accepted what lenient rejected");
    check(strict.client_prefixes.size() == lenient.client_prefixes.size(), "strict and lenient disagree");
  } else {
    check(r->invalid > 0, "strict rejected a clean file");
    check(failure.line > 0 && strict.subscriber_option == 4242 && strict.client_prefixes.empty(),
          "strict failure changed the config");
  }

  auto p = policy_set::build(lenient);
  check(p.has_value(), "build failed");
  const client_identity clients[] = {
      {0, ip_address::v4(10, 0, 0, 1), {}, false, {}},
      {1, ip_address::v6(0x20010db800000000u, 1), {}, false, {}},
      {3, ip_address::v4(192, 0, 2, 1), std::as_bytes(std::span("alice", 5)), true, ip_address::v4(198, 51, 100, 0)},
  };
  for (const auto& who : clients) {
    const ruling v = p->evaluate(who);
    check(v.decided_by != basis::none || v.value == treatment::filter, "default must filter");
    check(!p->explain(v).empty(), "empty explanation");
  }
  return 0;
}
