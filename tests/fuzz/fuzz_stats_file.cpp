// libFuzzer target: the statistics file (stats::parse_totals, stats/totals.hpp).
//
// For any input the parser returns: a refusal is errc::bad_stats_file with a
// reason on a line of the input; an accepted file holds counts that add up
// (the report tool divides by them), formats back to a text that parses to
// the same totals and formats to the same text again (a fixed point),
// merges with itself to exactly twice its counts, and is refused beside a
// copy of itself as a fleet's file.
#include "fuzz_check.hpp"

#include <dnsfilter/stats.hpp>

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace {

using namespace dnsfilter;
using dnsfilter_fuzz::check;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  dnsfilter::diagnostic why;
  auto parsed = stats::parse_totals(text, &why);
  if (!parsed) {
    check(parsed.error() == errc::bad_stats_file, "a refusal with another error");
    std::size_t lines = 1;
    for (char c : text) lines += c == '\n';
    check(why.line <= lines && !why.message.empty(), "a refusal without a reason on a line of the input");
    return 0;
  }
  for (const auto& [month, m] : parsed->months) {
    check(month >= stats::first_month && month <= stats::last_month, "a month out of range");
    std::uint64_t actions = 0, entries = 0;
    for (auto n : m.by_action) actions += n;
    for (const auto& kv : m.by_entry) entries += kv.second;
    check(actions == entries, "accepted counts that do not add up");
    check(m.filtered <= m.queries(), "filtered above all queries");
  }
  const std::string text2 = stats::format_totals(*parsed);
  auto again = stats::parse_totals(text2);
  check(again.has_value(), "the library's own output is refused");
  check(*again == *parsed, "a round trip changed the counts");
  check(stats::format_totals(*again) == text2, "formatting is not a fixed point");

  stats::totals doubled = *parsed;
  check(doubled.merge(*parsed).has_value(), "merging with itself failed");
  for (const auto& [month, m] : parsed->months) {
    const auto& d = doubled.months.at(month);
    const bool saturated = m.passed > UINT64_MAX / 2 || m.filtered > UINT64_MAX / 2 || m.opted_out > UINT64_MAX / 2;
    check(saturated || (d.passed == 2 * m.passed && d.filtered == 2 * m.filtered && d.opted_out == 2 * m.opted_out),
          "merge did not add");
  }
  // As one node of a fleet: alone it adds up to itself; beside a copy of
  // itself it is refused (a file without node line is refused beside any file).
  auto alone = stats::fleet::add({{"a", *parsed, parsed->node.written}});
  check(alone.has_value() && alone->sum().months == parsed->months, "a fleet of one file is not that file");
  for (const auto& [month, m] : parsed->months) (void)alone->gaps(month);
  auto twice = stats::fleet::add({{"a", *parsed, 0}, {"b", *parsed, 0}});
  check(!twice.has_value() && twice.error() == errc::stats_conflict, "a copy of a node's file was added");
  (void)stats::to_prometheus(*parsed);
  (void)stats::to_json(*parsed);
  return 0;
}
