// dnsfilter-report: the operator's periodic transparency report, from the
// statistics file a resolver persists (stats::write_totals) and the
// operator's catalogue of reputation entries (TSV/CSV, see lists/catalogue.hpp).
//
//   dnsfilter-report --stats FILE --from YYYY-MM --to YYYY-MM [--out DIR]
//                    [--scale auto|log|linear] [FORMAT:]CATALOGUE...
//
// Writes into DIR (default "."):
//   report.md    the report: the entries active in the period (identifier,
//                FQDN count, behaviour, start, end) and the monthly share of
//                affected queries, with the chart below
//   entries.csv  the entries table (RFC 4180)
//   monthly.csv  month, queries, filtered, share
//   share.svg    the monthly share as a chart (log axis when every month with
//                data has a share above zero, unless --scale says otherwise)
//   monitored.csv month, entry, monitored hits: only when a monitored entry was
//                hit in the period (report.md then has a section of its own)
//
// An entry is active in the period when its [start, end) meets the period's
// first instant to its last; entries without an identifier (plain lists) are
// not reputation entries and are left out. The share of a month is filtered
// queries / all queries, opted-out clients excluded from both, printed with
// 15 significant digits (printf "%#.15g": '#' keeps trailing zeros, so 0.125
// prints as 0.125000000000000); a month without data shows "n/a".
// Monitored entries ("would be filtered", answered normally) are shown apart,
// by month and entry, and are never in the filtered counts or the share.
//
// Exit status: 0 on success, 1 when an input cannot be read or an output
// cannot be written, 2 on a usage error.
#include <dnsfilter/lists.hpp>
#include <dnsfilter/stats.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

namespace {

namespace lists = dnsfilter::lists;
namespace match = dnsfilter::match;
namespace stats = dnsfilter::stats;

int usage() {
  std::fputs(
      "usage: dnsfilter-report --stats FILE --from YYYY-MM --to YYYY-MM [--out DIR] [--scale auto|log|linear] "
      "[FORMAT:]CATALOGUE...\n",
      stderr);
  return 2;
}

// printf into a std::string (the SVG is mostly numbers in fixed text).
template <class... Args>
std::string printf_string(const char* fmt, Args... args) {
  char buf[512];
  std::snprintf(buf, sizeof buf, fmt, args...);
  return buf;
}

// 15 significant digits, trailing zeros kept.
std::string share_text(double share) { return printf_string("%#.15g", share); }

// ---- tables: one set of rows, written as Markdown and as CSV ----------------

struct table {
  std::vector<std::string> header;
  std::string alignment;  // per column: 'l' or 'r'
  std::vector<std::vector<std::string>> rows;
};

// The entity of a character that HTML and XML read as markup; nullptr for others.
const char* entity_of(char c) {
  switch (c) {
    case '&': return "&amp;";
    case '<': return "&lt;";
    case '>': return "&gt;";
    case '"': return "&quot;";
    default: return nullptr;
  }
}

// Text safe in a Markdown table cell: HTML as entities, and the characters that
// would end the cell or start markup escaped.
std::string markdown_cell(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (const char* entity = entity_of(c)) out += entity;
    else if (c == '\n' || c == '\r') out += ' ';
    else if (std::string_view("|\\*_`[]#").find(c) != std::string_view::npos) out.append({'\\', c});
    else out += c;
  }
  return out;
}

std::string markdown(const table& t) {
  std::string out = "|";
  for (const auto& h : t.header) out += " " + markdown_cell(h) + " |";
  out += "\n|";
  for (char a : t.alignment) out += a == 'r' ? "---:|" : "---|";
  out += '\n';
  for (const auto& row : t.rows) {
    out += '|';
    for (const auto& cell : row) out += " " + markdown_cell(cell) + " |";
    out += '\n';
  }
  return out;
}

// RFC 4180: a field with a comma, a quote or a line break is quoted. A text
// field that a spreadsheet would take for a formula (it starts with =, +, -,
// @, a tab or a carriage return: catalogue text comes from list authors) gets
// a leading apostrophe, so it is shown, never evaluated. No number this tool
// writes starts with one of those characters.
std::string csv_field(std::string_view text) {
  const bool formula = !text.empty() && std::string_view("=+-@\t\r").find(text.front()) != std::string_view::npos;
  if (!formula && text.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(text);
  std::string out = formula ? "\"'" : "\"";
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + '"';
}

std::string csv(const table& t) {
  std::string out;
  const auto line = [&](const std::vector<std::string>& fields) {
    for (std::size_t i = 0; i < fields.size(); ++i) out += (i ? "," : "") + csv_field(fields[i]);
    out += "\r\n";
  };
  line(t.header);
  for (const auto& row : t.rows) line(row);
  return out;
}

// ---- the chart ---------------------------------------------------------------

std::string xml_text(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (const char* entity = entity_of(c)) out += entity;
    else out += c;
  }
  return out;
}

struct month_point {
  stats::month_index month;
  bool has_data;
  double share;
};

enum class scale { automatic, log, linear };

// A hand-written SVG line chart of the monthly share: months on x, the share
// on y (decades on a log axis, 1-2-5 steps on a linear one), labelled ticks,
// the line broken at months without data, a marker with a tooltip per month.
std::string svg_chart(const std::vector<month_point>& points, scale requested, const std::string& title) {
  constexpr double width = 760, height = 380, left = 100, right = 24, top = 48, bottom = 70;
  constexpr double plot_w = width - left - right, plot_h = height - top - bottom;
  double lo = 0, hi = 0;
  bool any_zero = false, any_positive = false;
  for (const auto& p : points) {
    if (!p.has_data) continue;
    if (p.share <= 0) {
      any_zero = true;
    } else {
      lo = any_positive ? std::min(lo, p.share) : p.share;
      any_positive = true;
    }
    hi = std::max(hi, p.share);
  }
  // A zero share has no place on a log axis: automatic falls back to linear.
  const bool log = requested == scale::log || (requested == scale::automatic && any_positive && !any_zero);
  std::vector<std::pair<double, std::string>> ticks;  // position in axis units, label
  double axis_min = 0, axis_max = 1;
  if (log) {
    if (!any_positive) lo = hi = 1e-7;
    axis_min = std::floor(std::log10(lo));
    axis_max = std::ceil(std::log10(hi));
    if (axis_max - axis_min < 2) --axis_min, ++axis_max;  // a few decades in view
    for (double d = axis_min; d <= axis_max; ++d) ticks.emplace_back(d, printf_string("%g", std::pow(10.0, d)));
  } else {
    const double raw = hi > 0 ? hi / 4 : 1e-7;  // about four steps
    const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
    const double r = raw / magnitude;
    const double step = magnitude * (r <= 1 ? 1 : r <= 2 ? 2 : r <= 5 ? 5 : 10);
    axis_max = step * std::ceil(std::max(hi, step) / step);
    for (int i = 0; i * step <= axis_max * (1 + 1e-9); ++i) ticks.emplace_back(i * step, printf_string("%g", i * step));
  }
  const auto y_axis = [&](double v) { return top + plot_h * (1 - (v - axis_min) / (axis_max - axis_min)); };
  const auto y_of = [&](double share) { return y_axis(log ? (share > 0 ? std::log10(share) : axis_min) : share); };
  // Each month in the middle of its own band, so no marker sits on the y axis.
  const auto x_of = [&](std::size_t i) {
    return left + plot_w * (static_cast<double>(i) + 0.5) / static_cast<double>(points.size());
  };

  std::string out = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  out += printf_string(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" "
      "font-family=\"sans-serif\" font-size=\"12\">\n",
      width, height, width, height);
  out += "<title>" + xml_text(title) + "</title>\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  out += printf_string("<text x=\"%.1f\" y=\"28\" font-size=\"15\" text-anchor=\"middle\">", width / 2) +
         xml_text(title) + "</text>\n";
  for (const auto& [v, label] : ticks) {
    out += printf_string("<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#ccc\"/>\n", left, y_axis(v),
                         left + plot_w, y_axis(v));
    out += printf_string("<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">", left - 8, y_axis(v) + 4) + xml_text(label) +
           "</text>\n";
  }
  // At most 12 month labels fit the width: a longer period labels every k-th month.
  const std::size_t label_every = (points.size() + 11) / 12;
  for (std::size_t i = 0; i < points.size(); i += label_every)
    out += printf_string("<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">%s</text>\n", x_of(i), top + plot_h + 20,
                         stats::to_text(points[i].month).data());
  out += printf_string("<path d=\"M%.1f %.1f V%.1f H%.1f\" fill=\"none\" stroke=\"black\"/>\n", left, top, top + plot_h,
                       left + plot_w);
  out += printf_string("<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">Month</text>\n", left + plot_w / 2,
                       height - 18);
  out += printf_string("<text transform=\"translate(18 %.1f) rotate(-90)\" text-anchor=\"middle\">%s</text>\n",
                       top + plot_h / 2, log ? "Share of affected queries (log scale)" : "Share of affected queries");
  std::string path;
  bool pen_down = false;
  for (std::size_t i = 0; i < points.size(); ++i) {
    if (!points[i].has_data || (log && points[i].share <= 0)) {
      pen_down = false;
      continue;
    }
    path += printf_string(pen_down ? " L%.1f %.1f" : " M%.1f %.1f", x_of(i), y_of(points[i].share));
    pen_down = true;
  }
  if (!path.empty()) out += "<path d=\"" + path.substr(1) + "\" fill=\"none\" stroke=\"#1f5fa8\" stroke-width=\"2\"/>\n";
  for (std::size_t i = 0; i < points.size(); ++i) {
    if (!points[i].has_data) {  // a grey cross on the x axis
      out += printf_string("<path d=\"M%.1f %.1f l6 6 m0 -6 l-6 6\" stroke=\"#888\"><title>%s: no data</title></path>\n",
                           x_of(i) - 3, top + plot_h - 10, stats::to_text(points[i].month).data());
      continue;
    }
    // On a log axis a zero share sits on the bottom line, as a hollow marker.
    const bool hollow = log && points[i].share <= 0;
    out += printf_string("<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"%s\" stroke=\"#1f5fa8\"><title>%s: %s</title></circle>\n",
                         x_of(i), y_of(points[i].share), hollow ? "white" : "#1f5fa8",
                         stats::to_text(points[i].month).data(), share_text(points[i].share).c_str());
  }
  if (std::any_of(points.begin(), points.end(), [](const month_point& p) { return !p.has_data; }))
    out += printf_string("<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\" fill=\"#888\">\u00d7 no data</text>\n",
                         left + plot_w, height - 18);
  out += "</svg>\n";
  return out;
}

bool write_text(const std::string& path, const std::string& text) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) return false;
  const bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size();
  return std::fclose(f) == 0 && ok;
}

}  // namespace

int main(int argc, char** argv) {
  std::string stats_path, out_dir = ".";
  std::vector<lists::list_argument> catalogues;
  stats::month_index from = 0, to = 0;
  scale chart_scale = scale::automatic;
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "--stats" && has_value) {
      stats_path = argv[++i];
    } else if (arg == "--out" && has_value) {
      out_dir = argv[++i];
    } else if ((arg == "--from" || arg == "--to") && has_value) {
      auto m = stats::parse_month(argv[++i]);
      if (!m) return std::fprintf(stderr, "dnsfilter-report: bad month %s (expected YYYY-MM)\n", argv[i]), 2;
      (arg == "--from" ? from : to) = *m;
    } else if (arg == "--scale" && has_value) {
      const std::string_view s = argv[++i];
      if (s == "auto") chart_scale = scale::automatic;
      else if (s == "log") chart_scale = scale::log;
      else if (s == "linear") chart_scale = scale::linear;
      else return usage();
    } else if (arg == "-h" || arg == "--help") {
      return usage(), 0;
    } else if (!arg.empty() && arg[0] == '-') {
      return usage();
    } else {
      lists::diagnostic why;
      auto catalogue = lists::parse_list_argument(arg, &why);
      if (!catalogue) return std::fprintf(stderr, "dnsfilter-report: %s\n", why.message.c_str()), 2;
      catalogues.push_back(std::move(*catalogue));
    }
  }
  if (stats_path.empty() || from == 0 || to == 0 || catalogues.empty()) return usage();
  if (to < from) return std::fputs("dnsfilter-report: --to comes before --from\n", stderr), 2;

  lists::diagnostic why;
  auto counts = stats::read_totals(stats_path, &why);
  if (!counts) return std::fprintf(stderr, "%s\n", lists::to_string(stats_path, why).c_str()), 1;

  match::catalogue cat;
  for (const auto& [format, path] : catalogues) {
    auto report = lists::load_file(path, format, cat, {}, &why);
    if (!report) return std::fprintf(stderr, "%s\n", lists::to_string(path, why).c_str()), 1;
    for (const auto& d : report->diagnostics) std::fprintf(stderr, "%s\n", lists::to_string(path, d).c_str());
  }

  const stats::zone zone = counts->zone;
  const match::timestamp period_start = zone.start_of(from), period_end = zone.start_of(to + 1);
  const std::string period = std::string(stats::to_text(from).data()) + " to " + stats::to_text(to).data();

  // The entries table.
  std::vector<std::size_t> fqdns(cat.entries().size());
  for (const auto& r : cat.rules()) ++fqdns[r.entry];
  std::vector<std::size_t> active;
  for (std::size_t i = 0; i < cat.entries().size(); ++i) {
    const auto& e = cat.entries()[i];
    if (!e.id.empty() && e.start < period_end && (e.end == match::until_forever || e.end > period_start))
      active.push_back(i);
  }
  std::sort(active.begin(), active.end(), [&](std::size_t a, std::size_t b) {
    const auto &ea = cat.entries()[a], &eb = cat.entries()[b];
    return ea.start != eb.start ? ea.start < eb.start : ea.id < eb.id;
  });
  table entries{{"Identifier", "FQDNs", "Behaviour", "Start", "End"}, "lrlll", {}};
  for (std::size_t i : active) {
    const auto& e = cat.entries()[i];
    entries.rows.push_back({e.id, std::to_string(fqdns[i]), e.category, lists::format_date(e.start), lists::format_date(e.end)});
  }

  // The monthly table and the chart's points.
  table monthly{{"Month", "Queries", "Filtered", "Share"}, "lrrr", {}};
  std::vector<month_point> points;
  stats::month_counts period_sum;
  for (stats::month_index m = from; m <= to; ++m) {
    const auto it = counts->months.find(m);
    const bool has_data = it != counts->months.end() && it->second.queries() > 0;
    const stats::month_counts empty;
    const auto& c = has_data ? it->second : empty;
    period_sum.passed += c.passed;
    period_sum.filtered += c.filtered;
    monthly.rows.push_back({stats::to_text(m).data(), std::to_string(c.queries()), std::to_string(c.filtered),
                            has_data ? share_text(c.share()) : "n/a"});
    points.push_back({m, has_data, c.share()});
  }
  table monthly_md = monthly;
  monthly_md.rows.push_back({"Period", std::to_string(period_sum.queries()), std::to_string(period_sum.filtered),
                             period_sum.queries() > 0 ? share_text(period_sum.share()) : "n/a"});

  const std::string title = "Share of affected queries, " + period;
  std::string md = "# Transparency report, " + period + "\n\n";
  md += "Months are calendar months of UTC" + std::string(zone.text().data()) +
        ". Every query our resolvers answered is counted once, except the queries of customers who opted out "
        "of filtering, which are counted in neither number. The share is filtered queries / all queries, "
        "with 15 significant digits.\n\n";
  md += "## Reputation entries active in the period\n\n";
  md += entries.rows.empty() ? "No entry was active in the period.\n" : markdown(entries);
  md += "\n## Share of affected queries by month\n\n" + markdown(monthly_md);
  md += "\n![" + title + "](share.svg)\n";

  // Monitored entries: their hits by month and entry, apart from the share.
  table monitored{{"Month", "Entry", "Monitored"}, "llr", {}};
  for (stats::month_index m = from; m <= to; ++m) {
    const auto it = counts->months.find(m);
    if (it == counts->months.end()) continue;
    for (const auto& [key, n] : it->second.monitored_by_entry)
      monitored.rows.push_back({stats::to_text(m).data(), key, std::to_string(n)});
  }
  std::vector<std::pair<const char*, std::string>> outputs = {{"report.md", ""},
                                                              {"entries.csv", csv(entries)},
                                                              {"monthly.csv", csv(monthly)},
                                                              {"share.svg", svg_chart(points, chart_scale, title)}};
  if (!monitored.rows.empty()) {
    md += "\n## Monitored entries\n\nEntries watched before enforcement: a query that matched one was answered "
          "normally, logged and counted here as \"would be filtered\". These counts are not in the filtered "
          "queries nor in the share above.\n\n" +
          markdown(monitored);
    outputs.push_back({"monitored.csv", csv(monitored)});
  }
  outputs[0].second = md;
  for (const auto& [name, text] : outputs) {
    const std::string path = out_dir + "/" + name;
    if (!write_text(path, text)) return std::fprintf(stderr, "dnsfilter-report: cannot write %s\n", path.c_str()), 1;
  }
  std::fprintf(stderr, "dnsfilter-report: %s: %zu entries active, %zu months; wrote %s/{report.md,entries.csv,monthly.csv,share.svg%s}\n",
               period.c_str(), entries.rows.size(), points.size(), out_dir.c_str(),
               monitored.rows.empty() ? "" : ",monitored.csv");
  return 0;
}
