// dnsfilter-report: the report's tables and chart written out as Markdown,
// CSV, SVG and one self-contained HTML page. Everything here is text in, text
// out; what goes in the tables is decided in main.cpp.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

namespace report {

// printf into a std::string (the SVG is mostly numbers in fixed text).
template <class... Args>
std::string printf_string(const char* fmt, Args... args) {
  char buf[512];
  std::snprintf(buf, sizeof buf, fmt, args...);
  return buf;
}

// One set of rows, written as Markdown, CSV and HTML alike.
struct table {
  std::vector<std::string> header;
  std::string alignment;  // per column: 'l' or 'r'
  std::vector<std::vector<std::string>> rows;
};

// The entity of a character that HTML and XML read as markup; nullptr for others.
inline const char* entity_of(char c) {
  switch (c) {
    case '&': return "&amp;";
    case '<': return "&lt;";
    case '>': return "&gt;";
    case '"': return "&quot;";
    default: return nullptr;
  }
}

// Text safe in XML and HTML content and attribute values.
inline std::string xml_text(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (const char* entity = entity_of(c)) out += entity;
    else out += c;
  }
  return out;
}

// Text safe in a Markdown table cell: HTML as entities, and the characters that
// would end the cell or start markup escaped.
inline std::string markdown_cell(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (const char* entity = entity_of(c)) out += entity;
    else if (c == '\n' || c == '\r') out += ' ';
    else if (std::string_view("|\\*_`[]#").find(c) != std::string_view::npos) out.append({'\\', c});
    else out += c;
  }
  return out;
}

inline std::string markdown(const table& t) {
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
inline std::string csv_field(std::string_view text) {
  const bool formula = !text.empty() && std::string_view("=+-@\t\r").find(text.front()) != std::string_view::npos;
  if (!formula && text.find_first_of(",\"\r\n") == std::string_view::npos) return std::string(text);
  std::string out = formula ? "\"'" : "\"";
  for (char c : text) {
    if (c == '"') out += '"';
    out += c;
  }
  return out + '"';
}

inline std::string csv(const table& t) {
  std::string out;
  const auto line = [&](const std::vector<std::string>& fields) {
    for (std::size_t i = 0; i < fields.size(); ++i) out += (i ? "," : "") + csv_field(fields[i]);
    out += "\r\n";
  };
  line(t.header);
  for (const auto& row : t.rows) line(row);
  return out;
}

// An HTML table with an id; the last `footer_rows` rows go in its <tfoot>.
inline std::string html_table(const table& t, std::string_view id, std::size_t footer_rows = 0) {
  const auto cells = [&](const std::vector<std::string>& row, const char* tag) {
    std::string out = "<tr>";
    for (std::size_t i = 0; i < row.size(); ++i) {
      const bool number = i < t.alignment.size() && t.alignment[i] == 'r';
      out += printf_string("<%s%s>", tag, number ? " class=\"num\"" : "") + xml_text(row[i]) + "</" + tag + ">";
    }
    return out + "</tr>\n";
  };
  std::string out = "<table id=\"" + std::string(id) + "\">\n<thead>\n" + cells(t.header, "th") + "</thead>\n<tbody>\n";
  const std::size_t body = t.rows.size() - std::min(footer_rows, t.rows.size());
  for (std::size_t i = 0; i < body; ++i) out += cells(t.rows[i], "td");
  out += "</tbody>\n";
  if (body < t.rows.size()) {
    out += "<tfoot>\n";
    for (std::size_t i = body; i < t.rows.size(); ++i) out += cells(t.rows[i], "td");
    out += "</tfoot>\n";
  }
  return out + "</table>\n";
}

// ---- the chart ---------------------------------------------------------------

struct month_point {
  std::string label;    // the month as the report writes it
  bool has_data;
  bool partial;         // the month was not over when the counts were taken
  double share;
  std::string tooltip;  // the share as the report writes it
};

enum class scale { automatic, log, linear };

// The chart's words, in the report's language, and the form of its y axis.
struct chart_words {
  std::string title, x_axis, y_axis, log_note, no_data, partial;
  bool percent = false;  // ticks as percentages ("0.00001%"), as the tables write the share
};

// A y-axis tick: `%g` of the fraction, or the percentage in fixed notation
// with as many decimals as `precision` (a tick step or the value) needs.
inline std::string tick_label(double value, double precision, bool percent) {
  if (!percent) return printf_string("%g", value);
  if (value == 0) return "0%";
  const int decimals = std::max(0, static_cast<int>(-std::floor(std::log10(precision * 100) + 1e-9)));
  return printf_string("%.*f%%", decimals, value * 100);
}

// A hand-written SVG line chart of the monthly share: months on x, the share
// on y (decades on a log axis, 1-2-5 steps on a linear one), labelled ticks,
// the line broken at months without data, a marker with a tooltip per month
// (hollow and orange for a partial month). No XML declaration: the caller adds
// one for a file of its own and none when the chart goes inline in HTML.
inline std::string svg_chart(const std::vector<month_point>& points, scale requested, const chart_words& words) {
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
    for (double d = axis_min; d <= axis_max; ++d)
      ticks.emplace_back(d, tick_label(std::pow(10.0, d), std::pow(10.0, d), words.percent));
  } else {
    const double raw = hi > 0 ? hi / 4 : 1e-7;  // about four steps
    const double magnitude = std::pow(10.0, std::floor(std::log10(raw)));
    const double r = raw / magnitude;
    const double step = magnitude * (r <= 1 ? 1 : r <= 2 ? 2 : r <= 5 ? 5 : 10);
    axis_max = step * std::ceil(std::max(hi, step) / step);
    for (int i = 0; i * step <= axis_max * (1 + 1e-9); ++i)
      ticks.emplace_back(i * step, tick_label(i * step, step, words.percent));
  }
  const auto y_axis = [&](double v) { return top + plot_h * (1 - (v - axis_min) / (axis_max - axis_min)); };
  const auto y_of = [&](double share) { return y_axis(log ? (share > 0 ? std::log10(share) : axis_min) : share); };
  // Each month in the middle of its own band, so no marker sits on the y axis.
  const auto x_of = [&](std::size_t i) {
    return left + plot_w * (static_cast<double>(i) + 0.5) / static_cast<double>(points.size());
  };

  std::string out = printf_string(
      "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"%.0f\" height=\"%.0f\" viewBox=\"0 0 %.0f %.0f\" "
      "style=\"font-family: sans-serif; font-size: 12px\" role=\"img\">\n",
      width, height, width, height);
  out += "<title>" + xml_text(words.title) + "</title>\n<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  out += printf_string("<text x=\"%.1f\" y=\"28\" font-size=\"15\" text-anchor=\"middle\">", width / 2) +
         xml_text(words.title) + "</text>\n";
  for (const auto& [v, label] : ticks) {
    out += printf_string("<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#ccc\"/>\n", left, y_axis(v),
                         left + plot_w, y_axis(v));
    out += printf_string("<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\">", left - 8, y_axis(v) + 4) + xml_text(label) +
           "</text>\n";
  }
  // At most 12 month labels fit the width: a longer period labels every k-th month.
  const std::size_t label_every = (points.size() + 11) / 12;
  for (std::size_t i = 0; i < points.size(); i += label_every)
    out += printf_string("<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">", x_of(i), top + plot_h + 20) +
           xml_text(points[i].label) + "</text>\n";
  out += printf_string("<path d=\"M%.1f %.1f V%.1f H%.1f\" fill=\"none\" stroke=\"black\"/>\n", left, top, top + plot_h,
                       left + plot_w);
  out += printf_string("<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\">", left + plot_w / 2, height - 18) +
         xml_text(words.x_axis) + "</text>\n";
  out += printf_string("<text transform=\"translate(18 %.1f) rotate(-90)\" text-anchor=\"middle\">", top + plot_h / 2) +
         xml_text(log ? words.y_axis + words.log_note : words.y_axis) + "</text>\n";
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
    const auto& p = points[i];
    if (!p.has_data) {  // a grey cross on the x axis
      out += printf_string("<path d=\"M%.1f %.1f l6 6 m0 -6 l-6 6\" stroke=\"#888\"><title>", x_of(i) - 3,
                           top + plot_h - 10) +
             xml_text(p.label + ": " + words.no_data) + "</title></path>\n";
      continue;
    }
    // On a log axis a zero share sits on the bottom line, as a hollow marker;
    // a partial month's marker is hollow and orange.
    const bool hollow = p.partial || (log && p.share <= 0);
    const char* colour = p.partial ? "#c56a00" : "#1f5fa8";
    out += printf_string("<circle cx=\"%.1f\" cy=\"%.1f\" r=\"4\" fill=\"%s\" stroke=\"%s\"><title>", x_of(i),
                         y_of(p.share), hollow ? "white" : colour, colour) +
           xml_text(p.label + ": " + p.tooltip) + "</title></circle>\n";
  }
  std::string legend;
  if (std::any_of(points.begin(), points.end(), [](const month_point& p) { return !p.has_data; }))
    legend += "\u00d7 " + words.no_data;
  if (std::any_of(points.begin(), points.end(), [](const month_point& p) { return p.partial && p.has_data; }))
    legend += (legend.empty() ? "\u25cb " : " \u00b7 \u25cb ") + words.partial;
  if (!legend.empty())
    out += printf_string("<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"end\" fill=\"#888\">",
                         left + plot_w, height - 18) +
           xml_text(legend) + "</text>\n";
  out += "</svg>\n";
  return out;
}

// The parts of the HTML page, already in the report's language.
struct html_page {
  std::string lang, title;
  std::vector<std::string> paragraphs;
  std::string entries_heading, entries_html, monthly_heading, monthly_html, chart_svg;
};

// One self-contained HTML5 page: inline style, the chart as inline SVG, no
// script and nothing loaded from elsewhere, so it can be published as is.
inline std::string html(const html_page& p) {
  std::string out = "<!DOCTYPE html>\n<html lang=\"" + xml_text(p.lang) + "\">\n<head>\n<meta charset=\"utf-8\">\n";
  out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n";
  out += "<title>" + xml_text(p.title) + "</title>\n";
  out +=
      "<style>\n"
      "body { font-family: sans-serif; max-width: 60em; margin: 2em auto; padding: 0 1em; line-height: 1.5; color: #222; }\n"
      "table { border-collapse: collapse; margin: 1em 0; }\n"
      "th, td { border: 1px solid #bbb; padding: 0.3em 0.6em; text-align: left; }\n"
      "thead th, tfoot td { background: #f2f2f2; }\n"
      ".num { text-align: right; font-variant-numeric: tabular-nums; }\n"
      "figure { margin: 1em 0; } svg { max-width: 100%; height: auto; }\n"
      "</style>\n</head>\n<body>\n";
  out += "<h1>" + xml_text(p.title) + "</h1>\n";
  for (const auto& para : p.paragraphs) out += "<p>" + xml_text(para) + "</p>\n";
  out += "<h2>" + xml_text(p.entries_heading) + "</h2>\n" + p.entries_html;
  out += "<h2>" + xml_text(p.monthly_heading) + "</h2>\n" + p.monthly_html;
  out += "<figure>\n" + p.chart_svg + "</figure>\n</body>\n</html>\n";
  return out;
}

}  // namespace report
