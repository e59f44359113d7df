// dnsfilter — counted queries per calendar month, as plain values: what a
// registry's read() returns, what the statistics file holds, what the
// exporters and the report tool work from.
//
// opted_out is counted apart and in nothing else; filtered is a hit whose
// action changed the answer; passed is every other query; queries() = passed +
// filtered is the published share's denominator. monitored counts the hits on
// monitored entries ("would be filtered"; answered normally, so in passed, or
// in filtered when the answer's CNAME chain was then blocked): never part of
// filtered nor of the share. Each hit counts once by action, once under its
// entry's key, once under its category; a monitored hit also under its entry
// in monitored_by_entry. The statistics file ("dnsfilter-stats 3"; versions 1
// and 2 are still read) is text, one record a line, closed by "end N" so that
// a truncated file is told from a complete one; anything malformed is
// errc::bad_stats_file with the line. Besides the counts it names the node
// that wrote it (name, start epoch, write sequence, time, whether the run
// ended cleanly), the spans a crash may have lost, and the metadata of the
// entries counted, so that a fleet's files add up exactly (stats/fleet.hpp).
// The meanings and the format in full: docs/design.md, "The statistics file".
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
#include <optional>
#include <set>
#include <string>
#include <string_view>

namespace dnsfilter::stats {

// One counter per match::action, indexed by its value.
inline constexpr std::size_t action_count = match::action_count;
constexpr std::size_t action_slot(match::action a) noexcept { return static_cast<std::size_t>(a); }

struct month_counts {
  using keyed = std::map<std::string, std::uint64_t, std::less<>>;

  std::uint64_t passed = 0;
  std::uint64_t filtered = 0;
  std::uint64_t opted_out = 0;
  std::uint64_t monitored = 0;  // = by_action[monitor]; not in queries() apart from passed/filtered
  std::array<std::uint64_t, action_count> by_action{};
  keyed by_entry;            // every hit, monitored ones included
  keyed by_category;
  keyed monitored_by_entry;  // the monitored hits only

  // Every query except the opted-out ones: the denominator of the share.
  std::uint64_t queries() const noexcept { return passed + filtered; }
  // filtered / queries(); 0 for a month without queries. Monitored hits are
  // never in it.
  double share() const noexcept {
    return queries() == 0 ? 0.0 : static_cast<double>(filtered) / static_cast<double>(queries());
  }

  // Adds `other` in, saturating at 2^64 - 1 rather than wrapping.
  DNSFILTER_DECL void add(const month_counts& other);
  friend bool operator==(const month_counts&, const month_counts&) = default;
};

// Who wrote a statistics file, and when: the file's "node" line. A node is
// one resolver; its epoch counts its starts (each start continues the file and
// adds one) and its sequence the writes of one epoch (from 1), so of two copies
// of one node's file the one with the greater (epoch, sequence) is the newer.
struct node_identity {
  std::string name;               // the node's name (dnsfilter-resolver --node-name)
  std::uint64_t epoch = 0;        // 0: no node line (a version 1 or 2 file, or nobody set one)
  std::uint64_t sequence = 0;
  match::timestamp written = 0;   // seconds since 1970 UTC, taken before the counters were read
  // The last write of a run that ended cleanly: nothing was counted after it.
  // A run that starts on a file without it knows the previous run stopped
  // without its last write and marks [written, start) as lost.
  bool final = false;

  bool known() const noexcept { return epoch != 0; }
  friend bool operator==(const node_identity&, const node_identity&) = default;
};

// A span of time whose counts a crash may have lost: [from, to), from the last
// write of a run that did not end cleanly to the start of the next run.
struct time_span {
  match::timestamp from = 0, to = 0;
  // The months of `z` the span touches: [first, last] (the month of `from`
  // when the span is empty).
  month_index first_month_in(const stats::zone& z) const noexcept { return z.month_of(from); }
  month_index last_month_in(const stats::zone& z) const noexcept { return z.month_of(to > from ? to - 1 : from); }
  friend auto operator<=>(const time_span&, const time_span&) = default;
};

// What the node knew of an entry it counted (from the catalogue it served), so
// that an entry later removed from the catalogue still has its row in a report.
struct entry_metadata {
  std::string category;
  match::action action = match::action::sinkhole;
  match::timestamp start = match::since_always, end = match::until_forever;
  std::uint64_t fqdns = 0;  // how many FQDNs the entry names
  friend bool operator==(const entry_metadata&, const entry_metadata&) = default;
};

struct totals {
  stats::zone zone;                          // the months are months of this zone
  std::map<month_index, month_counts> months;
  // Queries that could not be counted because a recorder could not allocate
  // its month's counters; kept in memory only (not in the file).
  std::uint64_t unrecorded = 0;
  node_identity node;
  std::set<time_span> lost;
  // By entry key; the file keeps those of the keys some month counts.
  std::map<std::string, entry_metadata, std::less<>> metadata;

  // Adds `other`'s counts in, and its lost spans; its metadata replaces this
  // one's for a key both describe (merge the older first). The node stays
  // this one's. errc::out_of_range, changing nothing, when its months are
  // those of another zone (they cannot be re-bucketed).
  DNSFILTER_DECL result<void> merge(const totals& other);
  // Whether one of the lost spans touches month `m`.
  DNSFILTER_DECL bool lost_in(month_index m) const noexcept;
  friend bool operator==(const totals&, const totals&) = default;
};

// The statistics file's version that format_totals writes; parse_totals reads
// it and every older one.
inline constexpr int stats_file_version = 3;

// The statistics file's text (format: docs/design.md, "The statistics file").
DNSFILTER_DECL std::string format_totals(const totals& t);

// Turns the zone line's time-zone name ("zone Asia/Tokyo") into the zone, or
// fails with the reason in `why`: stats::tz::resolver() (stats/tz.hpp) reads
// the system's tz database.
using zone_resolver = std::function<result<zone>(std::string_view name, std::string& why)>;

// How the zone line of a statistics file is read.
struct totals_read_options {
  // Without it, a file counted in a named zone is refused, unless
  // expected_zone is that zone.
  zone_resolver resolve_zone{};
  // A file counted in another zone is refused, on its zone line: "counted in
  // zone +00:00, not Asia/Tokyo".
  std::optional<zone> expected_zone{};
};

// Parses a statistics file's text; errc::bad_stats_file (and, when `why` is
// given, the line and the reason) for anything but a complete, consistent file.
DNSFILTER_DECL result<totals> parse_totals(std::string_view text, diagnostic* why = nullptr,
                                           const totals_read_options& options = {});

// Reads and parses the file at `path`: errc::io_error when it cannot be read,
// otherwise as parse_totals.
DNSFILTER_DECL result<totals> read_totals(const std::string& path, diagnostic* why = nullptr,
                                          const totals_read_options& options = {});

// Replaces the file at `path` atomically: writes a temporary file beside it,
// fsyncs it, renames it over `path` and fsyncs the directory, so a crash
// leaves either the old file or the new one, never a mix. errc::write_failed
// (with errno telling why) when any step fails; `path` is then untouched.
DNSFILTER_DECL result<void> write_totals(const std::string& path, const totals& t);

}  // namespace dnsfilter::stats

#if DNSFILTER_HEADER_ONLY
#include <dnsfilter/stats/impl/totals.ipp>
#endif
