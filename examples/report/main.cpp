// dnsfilter-report: the operator's periodic transparency report, from the
// statistics files the resolvers of a fleet persist (stats::write_totals) and
// the operator's catalogue of reputation entries (TSV/CSV, see
// lists/catalogue.hpp).
//
//   dnsfilter-report --stats FILE|DIR... --from YYYY-MM --to YYYY-MM [--out DIR]
//                    [--lang en|ja] [--share percent|fraction] [--volumes]
//                    [--as-of DATE] [--scale auto|log|linear] [--time-zone ZONE]
//                    [FORMAT:]CATALOGUE...
//
// --stats may be repeated, and may name a directory: every *.stats file in it,
// in name order. The files, one per node, are added up exactly (stats/fleet.hpp):
// two copies of one node (the same file twice, or an older copy beside a newer
// one) and files of different zones are refused, naming the files.
//
// Writes into DIR (default "."):
//   report.md    the report: the entries active in the period (identifier,
//                FQDN count, behaviour, start, end) and the monthly share of
//                filtered queries, with the chart below
//   report.html  the same as one self-contained HTML page (inline style, the
//                chart as inline SVG, no script, nothing loaded from elsewhere)
//   entries.csv  the entries table (RFC 4180)
//   monthly.csv  month, [queries, filtered,] share, status, and what makes a
//                partial month partial (nodes named when there are several)
//   share.svg    the monthly share as a chart (log axis when every month with
//                data has a share above zero, unless --scale says otherwise)
//   monitored.csv month, entry, monitored hits: only when a monitored entry was
//                hit in the period (report.md then has a section of its own)
//
// As the operator publishes it, by default: the share of a month is filtered
// queries / all queries, opted-out clients excluded from both, as a percentage
// with 15 decimal places, computed exactly from the counts and rounded half up
// ("0.000011987958742%"); --share fraction prints the fraction with 15
// significant digits instead (printf "%#.15g", trailing zeros kept). The
// counts themselves are published only with --volumes. --lang ja writes the
// headings in Japanese and dates as YYYY/MM/DD; English (YYYY-MM-DD) is the
// default. A month without data shows "n/a".
//
// An entry is active in the period when its [start, end) meets the period's
// first instant to its last; entries without an identifier (plain lists) are
// not reputation entries and are left out. Several catalogues may be given:
// an identifier in several catalogues takes its row from the last one. An
// entry that no catalogue given has (removed from today's catalogue) takes its
// row from the metadata the statistics files keep of the entries they counted,
// or from an older catalogue given too. Counted keys that nothing describes
// are named on stderr.
//
// A month is partial, and marked so ("(partial)", 「集計中」) in every output,
// never shown as complete, when a node's counts of it are not complete: the
// node's file was written before the month's end while the node went on
// running (a file a clean stop wrote last is the node's last word), a crash
// may have lost some of its counts, or the node has no data for it though it
// has some before and after; the report names the nodes and why. A file's
// counts are as of its node line's written time; for a file without one
// (versions 1 and 2), as of --as-of (YYYY-MM-DD, YYYY/MM/DD or
// YYYY-MM-DDTHH:MM:SSZ), by default the file's modification time.
// Monitored entries ("would be filtered", answered normally) are shown apart,
// by month and entry, and are never in the filtered counts or the share.
//
// Months and the catalogues' dates are those of the statistics files' zone
// (their zone line: an offset, or a tz database name such as Asia/Tokyo, read
// through stats/tz.hpp); the report names it. --time-zone ZONE (+HH:MM, UTC
// or a name) states the zone expected: a file counted in another one is
// refused with its zone line.
//
// Exit status: 0 on success, 1 when an input cannot be read or an output
// cannot be written, 2 on a usage error.
#include "render.hpp"
#include "time_zone_option.hpp"

#include <dnsfilter/lists.hpp>
#include <dnsfilter/stats.hpp>
#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include <sys/stat.h>

namespace {

namespace lists = dnsfilter::lists;
namespace match = dnsfilter::match;
namespace stats = dnsfilter::stats;
using report::table;

int usage() {
  std::fputs(
      "usage: dnsfilter-report --stats FILE|DIR... --from YYYY-MM --to YYYY-MM [--out DIR] [--lang en|ja]\n"
      "                        [--share percent|fraction] [--volumes] [--as-of DATE] [--scale auto|log|linear]\n"
      "                        [--time-zone ZONE] [FORMAT:]CATALOGUE...\n",
      stderr);
  return 2;
}

enum class share_form { percent, fraction };

// The report's words and date form in one language.
struct language {
  std::string code;
  char date_separator;
  std::string period_between, title_before, title_after, chart_before, chart_after;
  std::string months_are, or_word, counted_once, percent_note, fraction_note, as_of_before, as_of_after;
  std::string entries_heading, no_entries, monthly_heading;
  std::vector<std::string> entry_columns, monthly_columns;  // monthly: month, queries, filtered, share, status, note
  std::string period_row, no_data, partial_mark, complete, partial, x_axis, y_axis, log_note;
  std::string chart_no_data, chart_partial;  // the chart's tooltips and legend
  // Why a month is partial, for a node (monthly.csv's note and the paragraph below the title).
  std::string not_over, lost, missing, incomplete_before, incomplete_after, list_separator, note_open, note_close;
};

language english() {
  return {.code = "en",
          .date_separator = '-',
          .period_between = " to ",
          .title_before = "Transparency report, ",
          .title_after = "",
          .chart_before = "Share of affected queries, ",
          .chart_after = "",
          .months_are = "Months are calendar months of ",
          .or_word = " or ",
          .counted_once = ". Every query our resolvers answered is counted once, except the queries of customers "
                          "who opted out of filtering, which are counted in neither number.",
          .percent_note = " The share is filtered queries / all queries, as a percentage with 15 decimal places.",
          .fraction_note = " The share is filtered queries / all queries, with 15 significant digits.",
          .as_of_before = "Counted until ",
          .as_of_after = "; a month marked (partial) was not over then, and its figures are not final.",
          .entries_heading = "Reputation entries active in the period",
          .no_entries = "No entry was active in the period.",
          .monthly_heading = "Share of affected queries by month",
          .entry_columns = {"Identifier", "FQDNs", "Behaviour", "Start", "End"},
          .monthly_columns = {"Month", "Queries", "Filtered", "Share", "Status", "Note"},
          .period_row = "Period",
          .no_data = "n/a",
          .partial_mark = " (partial)",
          .complete = "complete",
          .partial = "partial",
          .x_axis = "Month",
          .y_axis = "Share of affected queries",
          .log_note = " (log scale)",
          .chart_no_data = "no data",
          .chart_partial = "partial month",
          .not_over = "not over",
          .lost = "counts possibly lost at a restart",
          .missing = "no data",
          .incomplete_before = "Months whose counts are incomplete: ",
          .incomplete_after = ". Their figures are not final.",
          .list_separator = ", ",
          .note_open = " (",
          .note_close = ")"};
}

// The seeds' headings; the text as a Japanese operator would publish it.
language japanese() {
  return {.code = "ja",
          .date_separator = '/',
          .period_between = "〜",
          .title_before = "透明性レポート（",
          .title_after = "）",
          .chart_before = "月別のフィルタリング率（",
          .chart_after = "）",
          .months_are = "月は ",
          .or_word = " または ",
          .counted_once = " の暦月です。当社のリゾルバが応答したクエリはすべて1回ずつ数えていますが、"
                          "フィルタリングを希望されなかった（オプトアウトした）お客様のクエリはどちらの数にも"
                          "含めていません。",
          .percent_note = "フィルタリング率は、フィルタリングしたクエリ数を全クエリ数で割った値を百分率で表し、"
                          "小数点以下15桁まで示しています。",
          .fraction_note = "フィルタリング率は、フィルタリングしたクエリ数を全クエリ数で割った値で、"
                           "有効数字15桁で示しています。",
          .as_of_before = "集計時点は ",
          .as_of_after = " です。「集計中」の月はその時点で終わっておらず、数値は確定していません。",
          .entries_heading = "期間中にフィルタリングの対象としたエントリ",
          .no_entries = "期間中に対象としたエントリはありません。",
          .monthly_heading = "月別のフィルタリング率",
          .entry_columns = {"識別子", "FQDN数", "挙動", "開始日", "終了日"},
          .monthly_columns = {"月", "全クエリ数", "フィルタリング数", "フィルタリング率", "状態", "備考"},
          .period_row = "期間全体",
          .no_data = "データなし",
          .partial_mark = "（集計中）",
          .complete = "確定",
          .partial = "集計中",
          .x_axis = "月",
          .y_axis = "フィルタリング率",
          .log_note = "（対数目盛）",
          .chart_no_data = "データなし",
          .chart_partial = "集計中の月",
          .not_over = "集計中",
          .lost = "再起動時に一部欠損の可能性",
          .missing = "データなし",
          .incomplete_before = "集計が不完全な月：",
          .incomplete_after = "。これらの月の数値は確定していません。",
          .list_separator = "、",
          .note_open = "（",
          .note_close = "）"};
}

// The next decimal digit of a fraction r / q (r < q): 10 r = digit q + r',
// computed without overflow for any q below 2^64.
unsigned next_digit(std::uint64_t& r, std::uint64_t q) {
  std::uint64_t acc = 0;
  unsigned digit = 0;
  for (int i = 0; i < 10; ++i) {
    if (acc >= q - r) acc -= q - r, ++digit;  // acc + r >= q
    else acc += r;
  }
  r = acc;
  return digit;
}

// filtered / queries as a percentage with 15 decimal places, exact and rounded
// half up: "0.000011987958742%". queries > 0 and filtered <= queries.
std::string percent_text(std::uint64_t filtered, std::uint64_t queries) {
  if (filtered >= queries) return "100.000000000000000%";
  std::uint64_t r = filtered;
  std::string digits;  // of the fraction: 2 before the percent's point, 15 after
  for (int i = 0; i < 17; ++i) digits += static_cast<char>('0' + next_digit(r, queries));
  bool carry = r >= queries - r;  // the rest is at least one half
  for (std::size_t i = digits.size(); carry && i-- > 0;) {
    carry = digits[i] == '9';
    digits[i] = carry ? '0' : static_cast<char>(digits[i] + 1);
  }
  std::string whole = carry ? "100" : std::to_string((digits[0] - '0') * 10 + (digits[1] - '0'));
  return whole + "." + digits.substr(2) + "%";
}

std::string share_text(const stats::month_counts& c, share_form form) {
  if (form == share_form::percent) return percent_text(c.filtered, c.queries());
  return report::printf_string("%#.15g", c.share());
}

std::string month_label(stats::month_index m, const language& lang) {
  std::string text = stats::to_text(m).data();
  std::replace(text.begin(), text.end(), '-', lang.date_separator);
  return text;
}

std::string date_label(match::timestamp t, const stats::zone& zone, const language& lang) {
  std::string text = lists::format_date(t, zone);
  std::replace(text.begin(), text.end(), '-', lang.date_separator);
  return text;
}

// The time the counts were taken, in UTC: "2025-04-20T00:00:00Z", or
// "2025/04/20 00:00:00 UTC" in the slash date form.
std::string as_of_label(match::timestamp t, const language& lang) {
  std::string text = stats::format_rfc3339(t).data();
  if (lang.date_separator == '-') return text;
  std::replace(text.begin(), text.end(), '-', lang.date_separator);
  text[10] = ' ';
  text.pop_back();  // the 'Z'
  return text + " UTC";
}

// The zone of the months as the report names it: "UTC+09:00" for an offset,
// "Asia/Tokyo (UTC+09:00)" for a named zone, with each offset it had in
// [start, end) ("Europe/Berlin (UTC+01:00 or UTC+02:00)").
std::string zone_label(const stats::zone& zone, match::timestamp start, match::timestamp end, const language& lang) {
  const auto utc = [](std::int32_t offset) { return "UTC" + std::string(stats::zone::offset_text(offset).data()); };
  if (!zone.named()) return utc(zone.offset_at(start));
  std::vector<std::int32_t> offsets{zone.offset_at(start)};
  for (const auto& change : zone.transitions())
    if (change.at > start && change.at < end &&
        std::find(offsets.begin(), offsets.end(), change.offset) == offsets.end())
      offsets.push_back(change.offset);
  std::string text;
  for (const std::int32_t offset : offsets) text += (text.empty() ? "" : lang.or_word) + utc(offset);
  const bool ja = lang.code == "ja";
  return std::string(zone.name()) + (ja ? "（" : " (") + text + (ja ? "）" : ")");
}

bool write_text(const std::string& path, const std::string& text) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) return false;
  const bool ok = std::fwrite(text.data(), 1, text.size(), f) == text.size();
  return std::fclose(f) == 0 && ok;
}

// The rows of the entries table: one per identifier active in the period, the
// last catalogue's row for an identifier in several, the statistics files'
// metadata for one in no catalogue; by start date then id. Dates in `zone`.
table entries_table(const std::vector<match::catalogue>& catalogues,
                    const std::map<std::string, stats::entry_metadata, std::less<>>& metadata, const stats::zone& zone,
                    match::timestamp period_start, match::timestamp period_end, const language& lang,
                    std::set<std::string>& described) {
  std::map<std::string, std::vector<std::string>> latest;  // id → the last catalogue's row
  std::map<std::string, match::timestamp> start_of;
  const auto add_row = [&](const std::string& id, std::uint64_t fqdns, const std::string& category,
                           match::timestamp start, match::timestamp end) {
    described.insert(id);
    latest.erase(id);
    if (start >= period_end || (end != match::until_forever && end <= period_start)) return;
    latest[id] = {id, std::to_string(fqdns), category, date_label(start, zone, lang), date_label(end, zone, lang)};
    start_of[id] = start;
  };
  for (const auto& cat : catalogues) {
    std::vector<std::size_t> fqdns(cat.entries().size());
    for (const auto& r : cat.rules()) ++fqdns[r.entry()];
    for (std::size_t i = 0; i < cat.entries().size(); ++i) {
      const auto& e = cat.entries()[i];
      if (!e.id.empty()) add_row(e.id, fqdns[i], e.category, e.start, e.end);
    }
  }
  for (const auto& [id, m] : metadata)
    if (!described.contains(id)) add_row(id, m.fqdns, m.category, m.start, m.end);
  std::vector<std::string> ids;
  for (const auto& [id, row] : latest) ids.push_back(id);
  std::stable_sort(ids.begin(), ids.end(), [&](const std::string& a, const std::string& b) { return start_of[a] < start_of[b]; });
  table t{lang.entry_columns, "lrlll", {}};
  for (const auto& id : ids) t.rows.push_back(latest[id]);
  return t;
}

// The files --stats names: a file as given, a directory as its *.stats files
// in name order. false, having said why, when a directory cannot be read or
// holds none.
bool list_stats_files(const std::vector<std::string>& args, std::vector<std::string>& files) {
  namespace fs = std::filesystem;
  for (const auto& arg : args) {
    std::error_code ec;
    if (!fs::is_directory(arg, ec)) {
      files.push_back(arg);
      continue;
    }
    std::vector<std::string> found;
    for (fs::directory_iterator it(arg, ec), end; !ec && it != end; it.increment(ec))
      if (it->path().extension() == ".stats" && it->is_regular_file(ec)) found.push_back(it->path().string());
    if (ec) return std::fprintf(stderr, "dnsfilter-report: cannot read %s: %s\n", arg.c_str(), ec.message().c_str()), false;
    if (found.empty()) return std::fprintf(stderr, "dnsfilter-report: no *.stats file in %s\n", arg.c_str()), false;
    std::sort(found.begin(), found.end());
    files.insert(files.end(), found.begin(), found.end());
  }
  return true;
}

// The statistics files read and added up as one fleet; nullopt, having said
// why, when one cannot be read or they cannot be added. A file without node
// line counts as of `as_of`, by default its modification time. Each file's
// zone line is read as `reading` says (--time-zone, the tz database).
std::optional<stats::fleet> read_fleet(const std::vector<std::string>& paths, std::optional<match::timestamp> as_of,
                                       const stats::totals_read_options& reading) {
  std::vector<stats::node_file> files;
  for (const auto& path : paths) {
    lists::diagnostic why;
    auto counts = stats::read_totals(path, &why, reading);
    if (!counts) return std::fprintf(stderr, "%s\n", lists::to_string(path, why).c_str()), std::nullopt;
    match::timestamp taken = counts->node.written;
    if (counts->node.known() && as_of)
      std::fprintf(stderr, "dnsfilter-report: note: --as-of does not apply to %s: its node line says it was written at %s\n",
                   path.c_str(), stats::format_rfc3339(taken).data());
    if (!counts->node.known()) {
      struct ::stat st {};
      if (!as_of && ::stat(path.c_str(), &st) != 0)
        return std::fprintf(stderr, "dnsfilter-report: cannot stat %s\n", path.c_str()), std::nullopt;
      taken = as_of ? *as_of : st.st_mtime;
    }
    files.push_back({path, std::move(*counts), taken});
  }
  lists::diagnostic why;
  auto fleet = stats::fleet::add(std::move(files), &why);
  if (!fleet) return std::fprintf(stderr, "dnsfilter-report: %s\n", why.message.c_str()), std::nullopt;
  return std::move(*fleet);
}

// Why a month is partial, for monthly.csv: "not over: a, b; no data: c", the
// nodes named when there are several.
std::string month_note(const stats::month_gaps& g, const language& lang, bool name_nodes) {
  std::string note;
  for (const auto& [reason, nodes] : {std::pair{&lang.not_over, &g.not_over}, {&lang.lost, &g.lost}, {&lang.missing, &g.missing}}) {
    if (nodes->empty()) continue;
    note += (note.empty() ? "" : "; ") + *reason;
    for (std::size_t i = 0; name_nodes && i < nodes->size(); ++i) note += (i == 0 ? ": " : lang.list_separator) + (*nodes)[i];
  }
  return note;
}

// The time the counts were taken, for the paragraph on partial months: the
// one node's, or each node's whose file ended before a month did ("T1 (a), T2
// (b)"); empty when no month of the period was counted before its end.
std::string counted_until(const stats::fleet& fleet, const std::vector<stats::month_gaps>& gaps, const language& lang) {
  std::set<std::string> early;
  for (const auto& g : gaps) early.insert(g.not_over.begin(), g.not_over.end());
  std::string text;
  for (const auto& n : fleet.nodes()) {
    if (!early.contains(n.name())) continue;
    text += (text.empty() ? "" : lang.list_separator) + as_of_label(n.taken, lang);
    if (fleet.nodes().size() > 1) text += lang.note_open + n.name() + lang.note_close;
  }
  return text;
}

// The paragraph that names the months a node lost or missed, with why; empty
// when there are none.
std::string incomplete_months(stats::month_index from, const std::vector<stats::month_gaps>& gaps,
                              const std::vector<std::string>& notes, const language& lang) {
  std::string items;
  for (std::size_t i = 0; i < gaps.size(); ++i) {
    if (gaps[i].lost.empty() && gaps[i].missing.empty()) continue;
    items += (items.empty() ? "" : lang.list_separator) + month_label(from + static_cast<stats::month_index>(i), lang) +
             lang.note_open + notes[i] + lang.note_close;
  }
  return items.empty() ? items : lang.incomplete_before + items + lang.incomplete_after;
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> stats_args;
  std::string out_dir = ".";
  std::vector<lists::list_argument> catalogue_args;
  stats::month_index from = 0, to = 0;
  report::scale chart_scale = report::scale::automatic;
  share_form form = share_form::percent;
  bool volumes = false, as_of_given = false;
  std::optional<stats::zone> expected_zone;
  match::timestamp as_of = 0;
  language lang = english();
  for (int i = 1; i < argc; ++i) {
    const std::string_view arg = argv[i];
    const bool has_value = i + 1 < argc;
    if (arg == "--stats" && has_value) {
      stats_args.push_back(argv[++i]);
    } else if (arg == "--out" && has_value) {
      out_dir = argv[++i];
    } else if ((arg == "--from" || arg == "--to") && has_value) {
      auto m = stats::parse_month(argv[++i]);
      if (!m) return std::fprintf(stderr, "dnsfilter-report: bad month %s (expected YYYY-MM)\n", argv[i]), 2;
      (arg == "--from" ? from : to) = *m;
    } else if (arg == "--as-of" && has_value) {
      auto t = lists::parse_utc_time(argv[++i]);
      if (!t) return std::fprintf(stderr, "dnsfilter-report: bad --as-of %s (expected YYYY-MM-DD[THH:MM:SSZ])\n", argv[i]), 2;
      as_of = *t;
      as_of_given = true;
    } else if (arg == "--scale" && has_value) {
      const std::string_view s = argv[++i];
      if (s == "auto") chart_scale = report::scale::automatic;
      else if (s == "log") chart_scale = report::scale::log;
      else if (s == "linear") chart_scale = report::scale::linear;
      else return usage();
    } else if (arg == "--share" && has_value) {
      const std::string_view s = argv[++i];
      if (s == "percent") form = share_form::percent;
      else if (s == "fraction") form = share_form::fraction;
      else return usage();
    } else if (arg == "--lang" && has_value) {
      const std::string_view s = argv[++i];
      if (s == "en") lang = english();
      else if (s == "ja") lang = japanese();
      else return std::fprintf(stderr, "dnsfilter-report: unknown --lang %s (en or ja)\n", argv[i]), 2;
    } else if (arg == "--time-zone" && has_value) {
      std::string why;
      auto z = examples::parse_time_zone(argv[++i], why);
      if (!z) return std::fprintf(stderr, "dnsfilter-report: bad --time-zone: %s\n", why.c_str()), 2;
      expected_zone = *z;
    } else if (arg == "--volumes") {
      volumes = true;
    } else if (arg == "-h" || arg == "--help") {
      return usage(), 0;
    } else if (!arg.empty() && arg[0] == '-') {
      return usage();
    } else {
      lists::diagnostic why;
      auto catalogue = lists::parse_list_argument(arg, &why);
      if (!catalogue) return std::fprintf(stderr, "dnsfilter-report: %s\n", why.message.c_str()), 2;
      catalogue_args.push_back(std::move(*catalogue));
    }
  }
  if (stats_args.empty() || from == 0 || to == 0 || catalogue_args.empty()) return usage();
  if (to < from) return std::fputs("dnsfilter-report: --to comes before --from\n", stderr), 2;

  std::vector<std::string> stats_paths;
  if (!list_stats_files(stats_args, stats_paths)) return 1;
  stats::totals_read_options reading;
  reading.expected_zone = expected_zone;
#if DNSFILTER_EXAMPLE_TZ
  reading.resolve_zone = stats::tz::resolver();
#endif
  auto nodes = read_fleet(stats_paths, as_of_given ? std::optional<match::timestamp>(as_of) : std::nullopt, reading);
  if (!nodes) return 1;
  const stats::totals* counts = &nodes->sum();
  lists::diagnostic why;

  // The catalogues' dates begin at midnight in the months' zone.
  const stats::zone zone = counts->zone;
  lists::load_options load;
  load.time_zone = zone;
  std::vector<match::catalogue> catalogues(catalogue_args.size());
  for (std::size_t i = 0; i < catalogue_args.size(); ++i) {
    const auto& [format, path] = catalogue_args[i];
    auto loaded = lists::load_file(path, format, catalogues[i], load, &why);
    if (!loaded) return std::fprintf(stderr, "%s\n", lists::to_string(path, why).c_str()), 1;
    for (const auto& d : loaded->diagnostics) std::fprintf(stderr, "%s\n", lists::to_string(path, d).c_str());
  }

  const match::timestamp period_start = zone.start_of(from), period_end = zone.start_of(to + 1);
  const std::string period = month_label(from, lang) + lang.period_between + month_label(to, lang);

  std::set<std::string> described;
  const table entries = entries_table(catalogues, counts->metadata, zone, period_start, period_end, lang, described);

  // The monthly table and the chart's points. A month is complete once every
  // node has counted its last second (stats::fleet::gaps).
  table monthly{{lang.monthly_columns[0]}, "l", {}};
  if (volumes) monthly.header.insert(monthly.header.end(), {lang.monthly_columns[1], lang.monthly_columns[2]});
  monthly.header.push_back(lang.monthly_columns[3]);
  monthly.alignment.append(monthly.header.size() - 1, 'r');
  std::vector<report::month_point> points;
  std::vector<bool> partial_rows;
  std::vector<std::string> notes;  // why each month is partial
  std::vector<stats::month_gaps> gaps;
  stats::month_counts period_sum;
  std::set<std::string> undescribed;
  const auto add_row = [&](table& t, std::string label, const stats::month_counts& c, bool has_data) {
    std::vector<std::string> row{std::move(label)};
    if (volumes) row.insert(row.end(), {std::to_string(c.queries()), std::to_string(c.filtered)});
    row.push_back(has_data ? share_text(c, form) : lang.no_data);
    t.rows.push_back(std::move(row));
  };
  for (stats::month_index m = from; m <= to; ++m) {
    const auto it = counts->months.find(m);
    const bool has_data = it != counts->months.end() && it->second.queries() > 0;
    gaps.push_back(nodes->gaps(m));
    const bool partial = gaps.back().partial();
    notes.push_back(month_note(gaps.back(), lang, nodes->nodes().size() > 1));
    const stats::month_counts empty;
    const auto& c = has_data ? it->second : empty;
    period_sum.passed += c.passed;
    period_sum.filtered += c.filtered;
    for (const auto& [key, n] : c.by_entry)
      if (n != 0 && !described.contains(key)) undescribed.insert(key);
    const std::string label = month_label(m, lang);
    add_row(monthly, partial ? label + lang.partial_mark : label, c, has_data);
    partial_rows.push_back(partial);
    points.push_back({label, has_data, partial, c.share(), has_data ? share_text(c, form) : lang.no_data});
    if (partial) points.back().tooltip += lang.partial_mark;
  }
  const bool any_partial = std::find(partial_rows.begin(), partial_rows.end(), true) != partial_rows.end();
  table monthly_with_period = monthly;
  add_row(monthly_with_period, any_partial ? lang.period_row + lang.partial_mark : lang.period_row, period_sum,
          period_sum.queries() > 0);
  // The CSV keeps the month plain and says whether it is final, and why not,
  // in columns of their own.
  table monthly_csv = monthly;
  monthly_csv.header.insert(monthly_csv.header.end(), {lang.monthly_columns[4], lang.monthly_columns[5]});
  for (std::size_t i = 0; i < monthly_csv.rows.size(); ++i) {
    monthly_csv.rows[i][0] = month_label(from + static_cast<stats::month_index>(i), lang);
    monthly_csv.rows[i].insert(monthly_csv.rows[i].end(), {partial_rows[i] ? lang.partial : lang.complete, notes[i]});
  }
  if (!undescribed.empty()) {
    std::string keys;
    for (const auto& k : undescribed) keys += (keys.empty() ? "" : ", ") + k;
    std::fprintf(stderr,
                 "dnsfilter-report: note: counted in the period but described by no catalogue given nor by the "
                 "statistics files (a list's name, or an entry counted by an older version: give a catalogue that "
                 "has it to keep its row): %s\n",
                 keys.c_str());
  }

  const std::string title = lang.title_before + period + lang.title_after;
  std::vector<std::string> paragraphs{lang.months_are + zone_label(zone, period_start, period_end, lang) +
                                      lang.counted_once +
                                      (form == share_form::percent ? lang.percent_note : lang.fraction_note)};
  if (std::string until = counted_until(*nodes, gaps, lang); !until.empty())
    paragraphs.push_back(lang.as_of_before + until + lang.as_of_after);
  if (std::string incomplete = incomplete_months(from, gaps, notes, lang); !incomplete.empty())
    paragraphs.push_back(incomplete);
  const report::chart_words words{lang.chart_before + period + lang.chart_after, lang.x_axis, lang.y_axis,
                                  lang.log_note, lang.chart_no_data, lang.chart_partial,
                                  form == share_form::percent};
  const std::string chart = report::svg_chart(points, chart_scale, words);

  // Monitored entries: their hits by month and entry, apart from the share.
  table monitored{{"Month", "Entry", "Monitored"}, "llr", {}};
  for (stats::month_index m = from; m <= to; ++m) {
    const auto it = counts->months.find(m);
    if (it == counts->months.end()) continue;
    for (const auto& [key, n] : it->second.monitored_by_entry)
      monitored.rows.push_back({month_label(m, lang), key, std::to_string(n)});
  }

  std::string md = "# " + title + "\n\n";
  for (const auto& p : paragraphs) md += p + "\n\n";
  md += "## " + lang.entries_heading + "\n\n";
  md += entries.rows.empty() ? lang.no_entries + "\n" : report::markdown(entries);
  md += "\n## " + lang.monthly_heading + "\n\n" + report::markdown(monthly_with_period);
  md += "\n![" + words.title + "](share.svg)\n";
  if (!monitored.rows.empty()) {
    md += "\n## Monitored entries\n\nEntries watched before enforcement: a query that matched one was answered "
          "normally, logged and counted here as \"would be filtered\". These counts are not in the filtered "
          "queries nor in the share above.\n\n" +
          report::markdown(monitored);
  }

  report::html_page page{lang.code, title, paragraphs, lang.entries_heading,
                         entries.rows.empty() ? "<p>" + report::xml_text(lang.no_entries) + "</p>\n"
                                              : report::html_table(entries, "entries"),
                         lang.monthly_heading, report::html_table(monthly_with_period, "monthly", 1), chart};

  std::vector<std::pair<const char*, std::string>> outputs = {
      {"report.md", md},
      {"report.html", report::html(page)},
      {"entries.csv", report::csv(entries)},
      {"monthly.csv", report::csv(monthly_csv)},
      {"share.svg", "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + chart}};
  if (!monitored.rows.empty()) outputs.push_back({"monitored.csv", report::csv(monitored)});
  for (const auto& [name, text] : outputs) {
    const std::string path = out_dir + "/" + name;
    if (!write_text(path, text)) return std::fprintf(stderr, "dnsfilter-report: cannot write %s\n", path.c_str()), 1;
  }
  std::fprintf(stderr,
               "dnsfilter-report: %s: %zu node(s), %zu entries active, %zu months%s; wrote "
               "%s/{report.md,report.html,entries.csv,monthly.csv,share.svg%s}\n",
               period.c_str(), nodes->nodes().size(), entries.rows.size(), points.size(),
               any_partial ? " (some partial)" : "",
               out_dir.c_str(), monitored.rows.empty() ? "" : ",monitored.csv");
  return 0;
}
