// Definitions for stats/export.hpp.
#pragma once

#include <dnsfilter/stats/detail/common.hpp>
#include <dnsfilter/stats/export.hpp>

#include <charconv>
#include <string_view>

namespace dnsfilter::stats {

namespace detail {

class prometheus_writer {
 public:
  explicit prometheus_writer(std::string& out) : out_(out) {}

  void family(std::string_view name, std::string_view type, std::string_view help) {
    name_ = name;
    out_ += "# HELP ";
    out_ += name;
    out_ += ' ';
    out_ += help;  // our own text: nothing to escape
    out_ += "\n# TYPE ";
    out_ += name;
    out_ += ' ';
    out_ += type;
    out_ += '\n';
  }
  // A sample of the current family; `label` empty for none besides the month.
  void sample(month_index month, std::string_view label, std::string_view value, std::uint64_t n) {
    out_ += name_;
    out_ += "{month=\"";
    out_ += to_text(month).data();
    out_ += '"';
    if (!label.empty()) {
      out_ += ',';
      out_ += label;
      out_ += '=';
      put_label_value(o_, value);
    }
    out_ += "} ";
    put_uint(o_, n);
    out_ += '\n';
  }
  void sample(std::int64_t n) {
    out_ += name_;
    out_ += ' ';
    out_ += std::to_string(n);
    out_ += '\n';
  }
  void keyed(const totals& t, std::string_view label, month_counts::keyed month_counts::*which) {
    for (const auto& [month, m] : t.months)
      for (const auto& [key, n] : m.*which)
        if (n != 0) sample(month, label, key, n);
  }

 private:
  std::string& out_;
  string_out o_{out_};
  std::string_view name_;
};

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

DNSFILTER_DECL std::string to_prometheus(const totals& t) {
  std::string out;
  detail::prometheus_writer w(out);
  const auto per_month = [&](std::string_view name, std::string_view help, auto value) {
    w.family(name, "counter", help);
    for (const auto& [month, m] : t.months) w.sample(month, {}, {}, value(m));
  };
  per_month("dnsfilter_queries_total",
            "Queries answered, opted-out clients excluded (passed + filtered), by calendar month.",
            [](const month_counts& m) { return m.queries(); });
  per_month("dnsfilter_filtered_total", "Queries whose answer a blocking entry changed, by calendar month.",
            [](const month_counts& m) { return m.filtered; });
  per_month("dnsfilter_opted_out_total",
            "Queries of opted-out clients, counted here and nowhere else, by calendar month.",
            [](const month_counts& m) { return m.opted_out; });
  w.family("dnsfilter_action_hits_total", "counter",
           "Catalogue hits by the action taken (pass: an exception entry), by calendar month.");
  for (const auto& [month, m] : t.months)
    for (std::size_t a = 0; a < action_count; ++a)
      if (m.by_action[a] != 0) w.sample(month, "action", detail::action_name(a), m.by_action[a]);
  w.family("dnsfilter_entry_hits_total", "counter",
           "Catalogue hits by entry identifier (a list's name for entries without one), by calendar month.");
  w.keyed(t, "entry", &month_counts::by_entry);
  w.family("dnsfilter_category_hits_total", "counter", "Catalogue hits by entry category, by calendar month.");
  w.keyed(t, "category", &month_counts::by_category);
  w.family("dnsfilter_stats_unrecorded_total", "counter",
           "Queries not counted because a recorder could not allocate its month's counters.");
  w.sample(static_cast<std::int64_t>(t.unrecorded));
  w.family("dnsfilter_stats_zone_offset_seconds", "gauge", "Offset from UTC of the zone whose months are counted.");
  w.sample(t.zone.offset());
  return out;
}

DNSFILTER_DECL std::string to_json(const totals& t) {
  std::string out = R"({"format":"dnsfilter-stats","version":1,"zone":")";
  detail::string_out o{out};
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
                           {"opted_out", m.opted_out}}) {
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
    detail::put_json_keyed(out, "categories", m.by_category);
    out += '}';
  }
  out += "]}\n";
  return out;
}

}  // namespace dnsfilter::stats
