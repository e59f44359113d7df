// dnsfilter — counted queries per calendar month, as plain values: what a
// registry's read() returns, what the statistics file holds, what the
// exporters and the report tool work from.
//
// What the numbers mean, for a query of a month:
//   opted_out  the client had opted out of filtering: counted here and in no
//              other counter, so it is neither in the denominator nor in the
//              per-entry counts (the operator's commitment: their traffic is
//              left out of the statistics);
//   filtered   an entry matched and its action (sinkhole, NXDOMAIN, NODATA,
//              REFUSED, drop) changed the answer;
//   passed     every other query that was not opted out: no entry matched, or
//              an exception entry (action pass) did;
//   queries()  passed + filtered — every query except the opted-out ones, the
//              denominator of the published share filtered / queries().
// The hits of a month are the queries an entry matched, exceptions included;
// each hit counts once by the action taken (by_action), once under its
// entry's key (by_entry) and once under its category (by_category), so the
// three add up to the same number and by_action without `pass` is `filtered`.
//
// An entry's key is its identifier; an entry without one (a plain, hosts or
// adblock list's entry) counts under the name of the list it came from, so
// its count survives reloads that renumber entries. The per-action counts
// tell a list's blocks from its exceptions.
//
// Statistics file ("dnsfilter-stats 1"), text, one record a line:
//
//   dnsfilter-stats 1
//   zone +00:00
//   month 2026-01 passed 999999900 filtered 100 opted-out 1234
//   action sinkhole 100
//   entry XX-20250109-0001 100
//   category information%20theft 100
//   end 4
//
// The action, entry and category lines belong to the month line above them;
// months come in increasing order; a key is percent-encoded (every byte
// outside '!'..'~', and '%' itself, as %XX; the empty key as "-", the key "-"
// as %2D). `end N` closes the file with the
// number of record lines (month, action, entry, category), so a truncated file
// is told from a complete one. Anything else — a bad number, a duplicate, a
// month out of order, counts that do not add up as described above, a line
// over 4096 bytes, a key over 1024 bytes — is errc::bad_stats_file with the
// line and the reason; reading never trusts the file further than that.
#pragma once

#include <dnsfilter/config.hpp>
#include <dnsfilter/load.hpp>
#include <dnsfilter/match/catalogue.hpp>
#include <dnsfilter/result.hpp>
#include <dnsfilter/stats/calendar.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <string_view>

namespace dnsfilter::stats {

// One counter per match::action, indexed by its value.
inline constexpr std::size_t action_count = 6;
constexpr std::size_t action_slot(match::action a) noexcept { return static_cast<std::size_t>(a); }

struct month_counts {
  using keyed = std::map<std::string, std::uint64_t, std::less<>>;

  std::uint64_t passed = 0;
  std::uint64_t filtered = 0;
  std::uint64_t opted_out = 0;
  std::array<std::uint64_t, action_count> by_action{};
  keyed by_entry;
  keyed by_category;

  // Every query except the opted-out ones: the denominator of the share.
  std::uint64_t queries() const noexcept { return passed + filtered; }
  // filtered / queries(); 0 for a month without queries.
  double share() const noexcept {
    return queries() == 0 ? 0.0 : static_cast<double>(filtered) / static_cast<double>(queries());
  }

  // Adds `other` in, saturating at 2^64 - 1 rather than wrapping.
  DNSFILTER_DECL void add(const month_counts& other);
  friend bool operator==(const month_counts&, const month_counts&) = default;
};

struct totals {
  stats::zone zone;                          // the months are months of this zone
  std::map<month_index, month_counts> months;
  // Queries that could not be counted because a recorder could not allocate
  // its month's counters; kept in memory only (not in the file).
  std::uint64_t unrecorded = 0;

  // Adds `other` in; errc::out_of_range, changing nothing, when its months are
  // those of another zone (they cannot be re-bucketed).
  DNSFILTER_DECL result<void> merge(const totals& other);
  friend bool operator==(const totals&, const totals&) = default;
};

// The statistics file's text, as described at the top of this file.
DNSFILTER_DECL std::string format_totals(const totals& t);

// Parses a statistics file's text; errc::bad_stats_file (and, when `why` is
// given, the line and the reason) for anything but a complete, consistent file.
DNSFILTER_DECL result<totals> parse_totals(std::string_view text, diagnostic* why = nullptr);

// Reads and parses the file at `path`: errc::io_error when it cannot be read,
// otherwise as parse_totals.
DNSFILTER_DECL result<totals> read_totals(const std::string& path, diagnostic* why = nullptr);

// Replaces the file at `path` atomically: writes a temporary file beside it,
// fsyncs it, renames it over `path` and fsyncs the directory, so a crash
// leaves either the old file or the new one, never a mix. errc::write_failed
// (with errno telling why) when any step fails; `path` is then untouched.
DNSFILTER_DECL result<void> write_totals(const std::string& path, const totals& t);

}  // namespace dnsfilter::stats

#if DNSFILTER_HEADER_ONLY
#include <dnsfilter/stats/impl/totals.ipp>
#endif
