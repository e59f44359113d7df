// dnsfilter — the counters for monitoring systems: Prometheus text exposition
// (format 0.0.4) and JSON. Both are made from a totals value (registry::read()
// or a statistics file), allocate freely and are meant for a metrics endpoint
// or a timer, not the per-packet path.
//
// Prometheus: one counter family per quantity, each sample labelled with the
// month ("2026-01") it counts; entry, category and action hits carry the key,
// the category or the action as a second label. Every family has its HELP and
// TYPE lines and its samples together; label values are escaped as the format
// asks ('\\', '"', newline) and invalid UTF-8 becomes U+FFFD. Zero hits are
// not listed (a month lists only the entries that were hit). Samples carry no
// timestamp: the month label says when.
//
//   # HELP dnsfilter_queries_total Queries answered, opted-out clients excluded (passed + filtered), by month.
//   # TYPE dnsfilter_queries_total counter
//   dnsfilter_queries_total{month="2026-01"} 1000000000
//   ...
//   dnsfilter_entry_hits_total{month="2026-01",entry="XX-20250109-0001"} 100
//
// JSON: {"format":"dnsfilter-stats","version":3,"zone":"+00:00","unrecorded":0,
// "months":[{"month":"2026-01","queries":…,"passed":…,"filtered":…,"opted_out":…,
// "monitored":…,"share":1e-07,"actions":{…},"entries":{…},"monitored_entries":{…},
// "categories":{…}}]} — version is the statistics file's; share is
// filtered / queries as the shortest decimal that reads back to the same
// double, or null for a month without queries.
#pragma once

#include <dnsfilter/config.hpp>
#include <dnsfilter/stats/totals.hpp>

#include <cstdint>
#include <initializer_list>
#include <span>
#include <string>
#include <string_view>

namespace dnsfilter::stats {

DNSFILTER_DECL std::string to_prometheus(const totals& t);
DNSFILTER_DECL std::string to_json(const totals& t);

// One label of a Prometheus sample; the value is escaped as the format asks.
struct prometheus_label {
  std::string_view name;
  std::string_view value;
};

// Appends Prometheus text (format 0.0.4) to a string, for a program that
// exports counters of its own beside to_prometheus's:
//
//   stats::prometheus_writer w(text);
//   w.family("x_up", "gauge", "1 when healthy.");
//   w.sample("x_up", {{"upstream", "192.0.2.53:53"}}, std::uint64_t{1});
//
// Names, types and help texts are the caller's own and written as given.
class prometheus_writer {
 public:
  explicit prometheus_writer(std::string& out) noexcept : out_(out) {}

  // The HELP and TYPE lines of a family ("counter", "gauge", "histogram").
  DNSFILTER_DECL void family(std::string_view name, std::string_view type, std::string_view help);
  DNSFILTER_DECL void sample(std::string_view name, std::initializer_list<prometheus_label> labels, std::uint64_t value);
  DNSFILTER_DECL void sample(std::string_view name, std::initializer_list<prometheus_label> labels, std::int64_t value);
  // Up to 9 significant digits (%.9g).
  DNSFILTER_DECL void sample(std::string_view name, std::initializer_list<prometheus_label> labels, double value);
  // A family with one unlabelled sample.
  DNSFILTER_DECL void single(std::string_view name, std::string_view type, std::string_view help, std::uint64_t value);
  // The samples of one histogram of family `name`: NAME_bucket per upper
  // bound in `bounds` and for +Inf (le="%g"), with cumulative counts made from
  // `counts` (one per bucket, the +Inf bucket last: bounds.size() + 1 of
  // them), then NAME_sum and NAME_count; `labels` on each.
  DNSFILTER_DECL void histogram(std::string_view name, std::initializer_list<prometheus_label> labels,
                                std::span<const double> bounds, std::span<const std::uint64_t> counts, double sum);

 private:
  void start_sample(std::string_view name, std::initializer_list<prometheus_label> labels,
                    prometheus_label extra = {});
  std::string& out_;
};

}  // namespace dnsfilter::stats

#if DNSFILTER_HEADER_ONLY
#include <dnsfilter/stats/impl/export.ipp>
#endif
