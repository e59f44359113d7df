// The statistics of tests/data/stats/sample.stats, built in code: the unit
// tests check that the library writes exactly that file, and the report
// tool's integration test reads it (with tests/data/stats/catalogue.tsv).
// sample_totals() holds the counts (all that sample-v1.stats and
// sample-v2.stats can say); sample_node_totals() adds what version 3 keeps
// besides: the node, a lost span, the entries' metadata.
#pragma once

#include <dnsfilter/stats.hpp>

#include <cstdint>
#include <string>

namespace dnsfilter_test {

namespace stats = dnsfilter::stats;

// n hits of `key` (category `category`) answered with `a`, in `m`.
inline void add_hits(stats::month_counts& m, const std::string& key, const std::string& category,
                     dnsfilter::match::action a, std::uint64_t n) {
  m.by_entry[key] += n;
  m.by_category[category] += n;
  m.by_action[stats::action_slot(a)] += n;
  const bool answered_normally = a == dnsfilter::match::action::pass || a == dnsfilter::match::action::monitor;
  (answered_normally ? m.passed : m.filtered) += n;
  if (a == dnsfilter::match::action::monitor) {
    m.monitored += n;
    m.monitored_by_entry[key] += n;
  }
}

// Six months around the report period 2026-01..2026-06, shares near 1e-7;
// 2026-06 has no data at all, 2025-12 lies before the period.
inline stats::totals sample_totals() {
  using dnsfilter::match::action;
  stats::totals t;
  struct month_row {
    int month;
    std::uint64_t misses, opted_out, stealer, rat, ddos, list, exceptions;
  };
  const month_row rows[] = {
      {12, 1179999905, 4100000, 95, 0, 0, 0, 0},  // 2025-12
      {1, 1234567738, 4200000, 101, 40, 0, 11, 3},
      {2, 1111110991, 3900000, 70, 38, 0, 12, 0},
      {3, 1299999869, 4300000, 60, 20, 41, 10, 2},
      {4, 1250000001, 4400000, 55, 0, 44, 0, 0},
      {5, 1274999913, 4500000, 40, 0, 47, 0, 5},
  };
  for (const auto& r : rows) {
    auto& m = t.months[stats::make_month(r.month == 12 ? 2025 : 2026, static_cast<unsigned>(r.month))];
    m.passed = r.misses;
    m.opted_out = r.opted_out;
    if (r.stealer) add_hits(m, "XX-20251201-0001", "information theft", action::sinkhole, r.stealer);
    if (r.rat) add_hits(m, "XX-20260110-0002", "backdoor, remote shell", action::sinkhole, r.rat);
    if (r.ddos) add_hits(m, "XX-20260301-0003", "DDoS", action::nxdomain, r.ddos);
    if (r.list) add_hits(m, "blocklist.txt", "", action::sinkhole, r.list);
    if (r.exceptions) add_hits(m, "allow.txt", "", action::pass, r.exceptions);
  }
  return t;
}

// The counts as node ns1.example wrote them on 2026-07-01 (not its last
// write), having lost a few minutes of December 2025 to a crash; the metadata
// of the identified entries as catalogue.tsv describes them.
inline stats::totals sample_node_totals() {
  using dnsfilter::match::action;
  constexpr dnsfilter::match::timestamp day = 86400, july_2026 = 20635 * day;  // 2026-07-01T00:00:00Z
  stats::totals t = sample_totals();
  t.node = {"ns1.example", 3, 1440, july_2026, false};
  t.lost.insert({20436 * day + 7200, 20436 * day + 7380});  // 2025-12-14T02:00:00Z to 02:03:00Z
  t.metadata["XX-20251201-0001"] = {"information theft", action::sinkhole, 20423 * day, dnsfilter::match::until_forever, 2};
  t.metadata["XX-20260110-0002"] = {"backdoor, remote shell", action::sinkhole, 20463 * day, 20544 * day, 3};
  t.metadata["XX-20260301-0003"] = {"DDoS | <botnet> & co", action::nxdomain, 20513 * day, dnsfilter::match::until_forever, 1};
  return t;
}

}  // namespace dnsfilter_test
