// Definitions for stats/export.hpp.
#pragma once

#include <dnsfilter/stats/detail/common.hpp>
#include <dnsfilter/stats/export.hpp>

#include <charconv>
#include <string_view>

namespace dnsfilter::stats {

namespace detail {

template <class Out>
void put_json_key(Out& out, std::string_view key) {
  put_json_string(out, key);
  out(':');
}

inline void put_json_keyed(std::string& out, std::string_view name, const month_counts::keyed& counts) {
  string_out o{out};
  out += ',';
  put_json_key(o, name);
  char sep = '{';
  for (const auto& [key, n] : counts) {
    out += sep;
    sep = ',';
    put_json_key(o, key);
    put_uint(o, n);
  }
  if (sep == '{') out += '{';
  out += '}';
}

}  // namespace detail

DNSFILTER_DECL void prometheus_writer::family(std::string_view name, std::string_view type, std::string_view help) {
  out_ += "# HELP ";
  out_ += name;
  out_ += ' ';
  out_ += help;  // the caller's own text: nothing to escape
  out_ += "\n# TYPE ";
  out_ += name;
  out_ += ' ';
  out_ += type;
  out_ += '\n';
}

inline void prometheus_writer::start_sample(std::string_view name, std::initializer_list<prometheus_label> labels,
                                            prometheus_label extra) {
  detail::string_out o{out_};
  out_ += name;
  char sep = '{';
  const auto put = [&](const prometheus_label& l) {
    out_ += sep;
    sep = ',';
    out_ += l.name;
    out_ += '=';
    detail::put_label_value(o, l.value);
  };
  for (const auto& l : labels) put(l);
  if (!extra.name.empty()) put(extra);
  if (sep != '{') out_ += '}';
  out_ += ' ';
}

DNSFILTER_DECL void prometheus_writer::sample(std::string_view name, std::initializer_list<prometheus_label> labels,
                                              std::uint64_t value) {
  start_sample(name, labels);
  detail::string_out o{out_};
  detail::put_uint(o, value);
  out_ += '\n';
}

DNSFILTER_DECL void prometheus_writer::sample(std::string_view name, std::initializer_list<prometheus_label> labels,
                                              std::int64_t value) {
  start_sample(name, labels);
  out_ += std::to_string(value);
  out_ += '\n';
}

DNSFILTER_DECL void prometheus_writer::sample(std::string_view name, std::initializer_list<prometheus_label> labels,
                                              double value) {
  start_sample(name, labels);
  char text[32];
  const auto r = std::to_chars(text, text + sizeof text, value, std::chars_format::general, 9);
  out_.append(text, r.ptr);
  out_ += '\n';
}

DNSFILTER_DECL void prometheus_writer::single(std::string_view name, std::string_view type, std::string_view help,
                                              std::uint64_t value) {
  family(name, type, help);
  sample(name, {}, value);
}

DNSFILTER_DECL void prometheus_writer::histogram(std::string_view name, std::initializer_list<prometheus_label> labels,
                                                 std::span<const double> bounds, std::span<const std::uint64_t> counts,
                                                 double sum) {
  const std::string bucket = std::string(name) + "_bucket";
  std::uint64_t cumulative = 0;
  for (std::size_t b = 0; b <= bounds.size(); ++b) {
    if (b < counts.size()) cumulative += counts[b];
    char le[32] = "+Inf";
    if (b < bounds.size()) *std::to_chars(le, le + sizeof le - 1, bounds[b], std::chars_format::general, 6).ptr = '\0';
    start_sample(bucket, labels, {"le", le});
    detail::string_out o{out_};
    detail::put_uint(o, cumulative);
    out_ += '\n';
  }
  sample(std::string(name) + "_sum", labels, sum);
  sample(std::string(name) + "_count", labels, cumulative);
}

DNSFILTER_DECL std::string to_prometheus(const totals& t) {
  std::string out;
  prometheus_writer w(out);
  const auto per_month = [&](std::string_view name, std::string_view help, auto value) {
    w.family(name, "counter", help);
    for (const auto& [month, m] : t.months) w.sample(name, {{"month", to_text(month).data()}}, value(m));
  };
  per_month("dnsfilter_queries_total",
            "Queries answered, opted-out clients excluded (passed + filtered), by calendar month.",
            [](const month_counts& m) { return m.queries(); });
  per_month("dnsfilter_filtered_total", "Queries whose answer a blocking entry changed, by calendar month.",
            [](const month_counts& m) { return m.filtered; });
  per_month("dnsfilter_monitored_total",
            "Hits on monitored entries: answered normally, would have been filtered; not in filtered, by calendar "
            "month.",
            [](const month_counts& m) { return m.monitored; });
  per_month("dnsfilter_opted_out_total",
            "Queries of opted-out clients, counted here and nowhere else, by calendar month.",
            [](const month_counts& m) { return m.opted_out; });
  w.family("dnsfilter_action_hits_total", "counter",
           "Catalogue hits by the action taken (pass: an exception entry), by calendar month.");
  for (const auto& [month, m] : t.months)
    for (std::size_t a = 0; a < action_count; ++a)
      if (m.by_action[a] != 0)
        w.sample("dnsfilter_action_hits_total", {{"month", to_text(month).data()}, {"action", detail::action_name(a)}},
                 m.by_action[a]);
  w.family("dnsfilter_entry_hits_total", "counter",
           "Catalogue hits by entry identifier (a list's name for entries without one), by calendar month.");
  const auto keyed = [&](std::string_view name, std::string_view label, month_counts::keyed month_counts::*which) {
    for (const auto& [month, m] : t.months)
      for (const auto& [key, n] : m.*which)
        if (n != 0) w.sample(name, {{"month", to_text(month).data()}, {label, key}}, n);
  };
  keyed("dnsfilter_entry_hits_total", "entry", &month_counts::by_entry);
  w.family("dnsfilter_entry_monitored_total", "counter",
           "Hits on monitored entries by entry identifier (also in dnsfilter_entry_hits_total), by calendar month.");
  keyed("dnsfilter_entry_monitored_total", "entry", &month_counts::monitored_by_entry);
  w.family("dnsfilter_category_hits_total", "counter", "Catalogue hits by entry category, by calendar month.");
  keyed("dnsfilter_category_hits_total", "category", &month_counts::by_category);
  w.family("dnsfilter_stats_unrecorded_total", "counter",
           "Queries not counted because a recorder could not allocate its month's counters.");
  w.sample("dnsfilter_stats_unrecorded_total", {}, std::uint64_t{t.unrecorded});
  // A named zone's offset when the newest month began.
  w.family("dnsfilter_stats_zone_offset_seconds", "gauge", "Offset from UTC of the zone whose months are counted.");
  const match::timestamp newest = t.months.empty() ? 0 : t.zone.start_of(t.months.rbegin()->first);
  w.sample("dnsfilter_stats_zone_offset_seconds", {}, std::int64_t{t.zone.offset_at(newest)});
  return out;
}

DNSFILTER_DECL std::string to_json(const totals& t) {
  std::string out = R"({"format":"dnsfilter-stats","version":)";
  detail::string_out o{out};
  detail::put_uint(o, static_cast<std::uint64_t>(stats_file_version));
  out += R"(,"zone":")";
  out += t.zone.text().data();
  out += R"(","unrecorded":)";
  detail::put_uint(o, t.unrecorded);
  out += R"(,"months":[)";
  bool first = true;
  for (const auto& [month, m] : t.months) {
    out += first ? "" : ",";
    first = false;
    out += R"({"month":")";
    out += to_text(month).data();
    out += '"';
    for (auto [name, n] : {std::pair{"queries", m.queries()}, {"passed", m.passed}, {"filtered", m.filtered},
                           {"opted_out", m.opted_out}, {"monitored", m.monitored}}) {
      out += ',';
      detail::put_json_key(o, name);
      detail::put_uint(o, n);
    }
    out += R"(,"share":)";
    if (m.queries() == 0) {
      out += "null";
    } else {
      char buf[32];
      const auto r = std::to_chars(buf, buf + sizeof buf, m.share());
      out.append(buf, r.ptr);
    }
    month_counts::keyed actions;
    for (std::size_t a = 0; a < action_count; ++a)
      if (m.by_action[a] != 0) actions.emplace(detail::action_name(a), m.by_action[a]);
    detail::put_json_keyed(out, "actions", actions);
    detail::put_json_keyed(out, "entries", m.by_entry);
    detail::put_json_keyed(out, "monitored_entries", m.monitored_by_entry);
    detail::put_json_keyed(out, "categories", m.by_category);
    out += '}';
  }
  out += "]}\n";
  return out;
}

}  // namespace dnsfilter::stats
