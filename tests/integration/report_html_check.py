#!/usr/bin/env python3
"""Reads the tables back from the DOM that headless Chromium rendered from
dnsfilter-report's report.html and compares every cell with what it must be.

The expected monthly shares are computed here, apart from the report tool,
from the statistics file's month lines with exact fractions (percent with 15
decimal places, rounded half up).

usage: report_html_check.py DOM STATS LANG AS_OF_MONTH VOLUMES(0|1)
  DOM          chromium --dump-dom output
  STATS        the statistics file the report was made from
  LANG         en or ja
  AS_OF_MONTH  YYYY-MM: that month and later ones are partial
  VOLUMES      1 when the report was made with --volumes
Prints one "ok"/"FAIL" line per check; exits 1 on a failure.
"""
import sys
from fractions import Fraction
from html.parser import HTMLParser

ENTRIES = {
    "en": [["Identifier", "FQDNs", "Behaviour", "Start", "End"],
           ["XX-20250109-0001", "3", "情報窃取", "2025-01-09", "2025-03-01"],
           ["XX-20250110-0002", "2", "バックドア", "2025-01-10", "2025-04-01"],
           ["XX-20250301-0003", "1", "DDoS", "2025-03-01", ""],
           ["XX-20250415-0004", "4", "情報窃取", "2025-04-15", ""]],
    "ja": [["識別子", "FQDN数", "挙動", "開始日", "終了日"],
           ["XX-20250109-0001", "3", "情報窃取", "2025/01/09", "2025/03/01"],
           ["XX-20250110-0002", "2", "バックドア", "2025/01/10", "2025/04/01"],
           ["XX-20250301-0003", "1", "DDoS", "2025/03/01", ""],
           ["XX-20250415-0004", "4", "情報窃取", "2025/04/15", ""]],
}
MONTHLY_HEADER = {"en": ["Month", "Queries", "Filtered", "Share"], "ja": ["月", "全クエリ数", "フィルタリング数", "フィルタリング率"]}
PERIOD = {"en": "Period", "ja": "期間全体"}
PARTIAL = {"en": " (partial)", "ja": "（集計中）"}


class Tables(HTMLParser):
    """The text of every cell of every table with an id; the html element's lang; the SVG markers."""

    def __init__(self):
        super().__init__()
        self.tables, self.table, self.row, self.cell = {}, None, None, None
        self.lang, self.circles, self.scripts = None, 0, 0

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "html":
            self.lang = attrs.get("lang")
        elif tag == "table" and "id" in attrs:
            self.table = self.tables.setdefault(attrs["id"], [])
        elif tag == "tr" and self.table is not None:
            self.row = []
            self.table.append(self.row)
        elif tag in ("td", "th") and self.row is not None:
            self.cell = ""
        elif tag == "circle":
            self.circles += 1
        elif tag == "script":
            self.scripts += 1

    def handle_endtag(self, tag):
        if tag in ("td", "th") and self.cell is not None:
            self.row.append(self.cell)
            self.cell = None
        elif tag == "table":
            self.table = None

    def handle_data(self, data):
        if self.cell is not None:
            self.cell += data


def percent(filtered, queries):
    scaled = Fraction(filtered * 100, queries) * 10**15 + Fraction(1, 2)
    units = scaled.numerator // scaled.denominator
    return "%d.%015d%%" % (units // 10**15, units % 10**15)


def main():
    dom, stats, lang, as_of_month, volumes = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5] == "1"
    failures = 0

    def check(ok, what, detail=""):
        nonlocal failures
        print(("ok   - " if ok else "FAIL - ") + what + ("" if ok else ": " + detail))
        failures += 0 if ok else 1

    months = []  # (YYYY-MM, queries, filtered)
    with open(stats, encoding="utf-8") as f:
        for line in f:
            t = line.split()
            if t and t[0] == "month":
                passed, filtered = int(t[3]), int(t[5])
                months.append((t[1], passed + filtered, filtered))
    sep = "/" if lang == "ja" else "-"
    header = MONTHLY_HEADER[lang] if volumes else [MONTHLY_HEADER[lang][0], MONTHLY_HEADER[lang][3]]
    expected_monthly = [header]
    total_q = total_f = 0
    for month, q, f in months:
        label = month.replace("-", sep) + (PARTIAL[lang] if month >= as_of_month else "")
        expected_monthly.append([label] + ([str(q), str(f)] if volumes else []) + [percent(f, q)])
        total_q, total_f = total_q + q, total_f + f
    any_partial = any(m >= as_of_month for m, _, _ in months)
    expected_monthly.append([PERIOD[lang] + (PARTIAL[lang] if any_partial else "")] +
                            ([str(total_q), str(total_f)] if volumes else []) + [percent(total_f, total_q)])

    parser = Tables()
    with open(dom, encoding="utf-8") as f:
        parser.feed(f.read())
    check(parser.lang == lang, "the rendered page has lang=\"%s\"" % lang, repr(parser.lang))
    check(parser.scripts == 0, "no script in the rendered page", str(parser.scripts))
    for name, expected in (("entries", ENTRIES[lang]), ("monthly", expected_monthly)):
        got = parser.tables.get(name)
        if got is None:
            check(False, "the %s table is rendered" % name, "no table with that id in the DOM")
            continue
        check(len(got) == len(expected), "the %s table has %d rows" % (name, len(expected)), "it has %d" % len(got))
        for i, (want_row, got_row) in enumerate(zip(expected, got)):
            check(got_row == want_row, "%s row %d: %s" % (name, i, " | ".join(want_row)), "rendered as %s" % got_row)
    check(parser.circles == len(months), "the inline chart has a marker per month with data",
          "%d markers" % parser.circles)
    print("report html (%s): %d failure(s)" % (lang, failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
