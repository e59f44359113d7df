// The Prometheus and JSON exports (golden).
#include <doctest/doctest.h>

#include <dnsfilter/lists.hpp>
#include <dnsfilter/stats.hpp>

#include "stats_helpers.hpp"
#include "stats_sample.hpp"

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <unistd.h>

using namespace dnsfilter_test;
using dnsfilter::errc;
namespace lists = dnsfilter::lists;

TEST_CASE("stats: Prometheus text exposition (golden)") {
  stats::totals t;
  t.zone = *stats::zone::parse("+09:00");
  auto& jan = t.months[stats::make_month(2026, 1)];
  jan.passed = 999;
  jan.opted_out = 7;
  dnsfilter_test::add_hits(jan, "XX-1", "back\\door \"x\"\nline", match::action::sinkhole, 1);
  dnsfilter_test::add_hits(jan, "bad\xff", "caf\xc3\xa9", match::action::pass, 2);
  dnsfilter_test::add_hits(jan, "XX-2", "caf\xc3\xa9", match::action::monitor, 4);
  t.months[stats::make_month(2026, 2)].passed = 5;
  t.unrecorded = 3;
  const std::string expected =
      "# HELP dnsfilter_queries_total Queries answered, opted-out clients excluded (passed + filtered), by calendar month.\n"
      "# TYPE dnsfilter_queries_total counter\n"
      "dnsfilter_queries_total{month=\"2026-01\"} 1006\n"
      "dnsfilter_queries_total{month=\"2026-02\"} 5\n"
      "# HELP dnsfilter_filtered_total Queries whose answer a blocking entry changed, by calendar month.\n"
      "# TYPE dnsfilter_filtered_total counter\n"
      "dnsfilter_filtered_total{month=\"2026-01\"} 1\n"
      "dnsfilter_filtered_total{month=\"2026-02\"} 0\n"
      "# HELP dnsfilter_monitored_total Hits on monitored entries: answered normally, would have been filtered; not in "
      "filtered, by calendar month.\n"
      "# TYPE dnsfilter_monitored_total counter\n"
      "dnsfilter_monitored_total{month=\"2026-01\"} 4\n"
      "dnsfilter_monitored_total{month=\"2026-02\"} 0\n"
      "# HELP dnsfilter_opted_out_total Queries of opted-out clients, counted here and nowhere else, by calendar month.\n"
      "# TYPE dnsfilter_opted_out_total counter\n"
      "dnsfilter_opted_out_total{month=\"2026-01\"} 7\n"
      "dnsfilter_opted_out_total{month=\"2026-02\"} 0\n"
      "# HELP dnsfilter_action_hits_total Catalogue hits by the action taken (pass: an exception entry), by calendar month.\n"
      "# TYPE dnsfilter_action_hits_total counter\n"
      "dnsfilter_action_hits_total{month=\"2026-01\",action=\"sinkhole\"} 1\n"
      "dnsfilter_action_hits_total{month=\"2026-01\",action=\"pass\"} 2\n"
      "dnsfilter_action_hits_total{month=\"2026-01\",action=\"monitor\"} 4\n"
      "# HELP dnsfilter_entry_hits_total Catalogue hits by entry identifier (a list's name for entries without one), by calendar month.\n"
      "# TYPE dnsfilter_entry_hits_total counter\n"
      "dnsfilter_entry_hits_total{month=\"2026-01\",entry=\"XX-1\"} 1\n"
      "dnsfilter_entry_hits_total{month=\"2026-01\",entry=\"XX-2\"} 4\n"
      "dnsfilter_entry_hits_total{month=\"2026-01\",entry=\"bad\xef\xbf\xbd\"} 2\n"
      "# HELP dnsfilter_entry_monitored_total Hits on monitored entries by entry identifier (also in "
      "dnsfilter_entry_hits_total), by calendar month.\n"
      "# TYPE dnsfilter_entry_monitored_total counter\n"
      "dnsfilter_entry_monitored_total{month=\"2026-01\",entry=\"XX-2\"} 4\n"
      "# HELP dnsfilter_category_hits_total Catalogue hits by entry category, by calendar month.\n"
      "# TYPE dnsfilter_category_hits_total counter\n"
      "dnsfilter_category_hits_total{month=\"2026-01\",category=\"back\\\\door \\\"x\\\"\\nline\"} 1\n"
      "dnsfilter_category_hits_total{month=\"2026-01\",category=\"caf\xc3\xa9\"} 6\n"
      "# HELP dnsfilter_stats_unrecorded_total Queries not counted because a recorder could not allocate its month's counters.\n"
      "# TYPE dnsfilter_stats_unrecorded_total counter\n"
      "dnsfilter_stats_unrecorded_total 3\n"
      "# HELP dnsfilter_stats_zone_offset_seconds Offset from UTC of the zone whose months are counted.\n"
      "# TYPE dnsfilter_stats_zone_offset_seconds gauge\n"
      "dnsfilter_stats_zone_offset_seconds 32400\n";
  CHECK(stats::to_prometheus(t) == expected);
}

TEST_CASE("stats: JSON export (golden)") {
  stats::totals t;
  auto& jan = t.months[stats::make_month(2026, 1)];
  jan.passed = 9'999'999;
  jan.opted_out = 4;
  dnsfilter_test::add_hits(jan, "XX-\"1\"", "tab\there\x01", match::action::nxdomain, 1);
  dnsfilter_test::add_hits(jan, "XX-2", "tab\there\x01", match::action::monitor, 3);
  t.months[stats::make_month(2026, 2)].opted_out = 2;
  CHECK(stats::to_json(t) ==
        R"({"format":"dnsfilter-stats","version":3,"zone":"+00:00","unrecorded":0,"months":[)"
        R"({"month":"2026-01","queries":10000003,"passed":10000002,"filtered":1,"opted_out":4,"monitored":3,)"
        R"("share":9.9999970000009e-08,"actions":{"monitor":3,"nxdomain":1},"entries":{"XX-\"1\"":1,"XX-2":3},)"
        R"("monitored_entries":{"XX-2":3},"categories":{"tab\there\u0001":4}},)"
        R"({"month":"2026-02","queries":0,"passed":0,"filtered":0,"opted_out":2,"monitored":0,"share":null,)"
        R"("actions":{},"entries":{},"monitored_entries":{},"categories":{}}]})"
        "\n");
}

TEST_CASE("prometheus_writer: gauges, labels escaped, and a histogram with cumulative buckets") {
  std::string text;
  stats::prometheus_writer w(text);
  w.single("x_open", "gauge", "Open now.", 3);
  w.family("x_up", "gauge", "1 when up.");
  w.sample("x_up", {{"upstream", "a\"b\\c\nd"}, {"kind", "udp"}}, std::uint64_t{1});
  w.sample("x_delta", {}, std::int64_t{-5});
  w.sample("x_ratio", {}, 0.123456789012);
  w.family("x_latency_seconds", "histogram", "Latency.");
  const double bounds[] = {0.0005, 1.0, 2.5};
  const std::uint64_t counts[] = {1, 2, 0, 4};
  w.histogram("x_latency_seconds", {{"upstream", "u"}}, bounds, counts, 1.5);
  CHECK(text ==
        "# HELP x_open Open now.\n# TYPE x_open gauge\nx_open 3\n"
        "# HELP x_up 1 when up.\n# TYPE x_up gauge\n"
        "x_up{upstream=\"a\\\"b\\\\c\\nd\",kind=\"udp\"} 1\n"
        "x_delta -5\n"
        "x_ratio 0.123456789\n"
        "# HELP x_latency_seconds Latency.\n# TYPE x_latency_seconds histogram\n"
        "x_latency_seconds_bucket{upstream=\"u\",le=\"0.0005\"} 1\n"
        "x_latency_seconds_bucket{upstream=\"u\",le=\"1\"} 3\n"
        "x_latency_seconds_bucket{upstream=\"u\",le=\"2.5\"} 3\n"
        "x_latency_seconds_bucket{upstream=\"u\",le=\"+Inf\"} 7\n"
        "x_latency_seconds_sum{upstream=\"u\"} 1.5\n"
        "x_latency_seconds_count{upstream=\"u\"} 7\n");
}
