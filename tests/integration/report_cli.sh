#!/usr/bin/env bash
# dnsfilter-report end to end: tests/data/stats/sample.stats (written by the
# library: tests/unit/stats/test_totals.cpp checks it byte for byte) and catalogue.tsv give the
# transparency report for 2026-01..2026-06. Checks the entries in the period,
# the shares (15 significant digits, or a percentage with 15 decimal places),
# Markdown and CSV escaping, a well-formed SVG; seed 001's published form
# (seed001*: Japanese and English, byte for byte against the golden files),
# partial months, a removed entry's row; months of a tz zone (Asia/Tokyo,
# Europe/Berlin) and --time-zone refusing a file of another zone (on its zone
# line); and the errors for a bad statistics
# file and bad arguments. report_html.sh checks report.html in a browser.
#
# usage: report_cli.sh PATH/TO/dnsfilter-report PATH/TO/tests/data/stats
set -euo pipefail
bin="${1:?usage: report_cli.sh PATH/TO/dnsfilter-report DATA_DIR}"
data="${2:?usage: report_cli.sh PATH/TO/dnsfilter-report DATA_DIR}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
failures=0
fail() { echo "FAIL - $1"; failures=$((failures + 1)); }
expect() {  # expect FILE PATTERN DESCRIPTION
    if grep -qE -- "$2" "$1"; then echo "ok   - $3"; else
        echo "FAIL - $3: /$2/ not in:"; sed 's/^/       /' "$1"; failures=$((failures + 1)); fi
}
well_formed() {  # well_formed FILE DESCRIPTION: xmllint when installed, else python's parser
    if command -v xmllint >/dev/null; then xmllint --noout "$1"
    else python3 -c 'import sys, xml.etree.ElementTree as E; E.parse(sys.argv[1])' "$1"; fi &&
        echo "ok   - $2" || fail "$2"
}
expect_not() {  # expect_not FILE PATTERN DESCRIPTION
    if grep -qE -- "$2" "$1"; then fail "$3: /$2/ found in $1"; else echo "ok   - $3"; fi
}

# The counts published with the share as a fraction (--share fraction --volumes);
# the seeds' own form (the defaults) is checked further down.
full=(--share fraction --volumes --as-of 2026-07-01)
"$bin" --stats "$data/sample.stats" --from 2026-01 --to 2026-06 "${full[@]}" --out "$work" "$data/catalogue.tsv" 2>"$work/err" ||
    fail "the report of the sample failed: $(cat "$work/err")"
md="$work/report.md"
expect "$work/err" 'note: --as-of does not apply to .*sample\.stats: its node line says it was written at 2026-07-01T00:00:00Z' \
    "--as-of is for files without node line, and the report says so"
expect "$md" '^# Transparency report, 2026-01 to 2026-06$' "the title names the period"
expect "$md" 'calendar months of UTC\+00:00' "the zone of the months is stated"
expect "$md" '^\| XX-20251201-0001 \| 2 \| information theft \| 2025-12-01 \|  \|$' "an open entry that started before the period"
expect "$md" '^\| XX-20260110-0002 \| 3 \| backdoor, remote shell \| 2026-01-10 \| 2026-04-01 \|$' "an entry lifted inside the period"
expect "$md" '^\| XX-20260301-0003 \| 1 \| DDoS \\\| &lt;botnet&gt; &amp; co \| 2026-03-01 \|  \|$' \
    "Markdown cells escape | and HTML"
expect_not "$md" 'XX-20250601-0000' "an entry lifted before the period is left out"
expect_not "$md" 'XX-20260801-0004' "an entry starting after the period is left out"
expect "$md" '^\| 2026-01 \| 1234567893 \| 152 \| 1\.23120000821210e-07 \|$' "January's share, 15 significant digits"
expect "$md" '^\| 2026-04 \| 1250000100 \| 99 \| 7\.91999936640005e-08 \|$' "April's share"
expect "$md" '^\| 2026-06 \| 0 \| 0 \| n/a \|$' "a month without data"
expect "$md" '^\| Period \| 6170679111 \| 589 \| 9\.54514064667590e-08 \|$' "the period's share"
expect_not "$md" '2025-12 \|' "a month before the period is left out"
expect "$md" '!\[Share of affected queries, 2026-01 to 2026-06\]\(share\.svg\)' "the chart is linked"
# Every share has exactly 15 significant digits.
if grep -oE '[0-9]\.[0-9]+e-[0-9]+' "$md" | grep -vqE '^[0-9]\.[0-9]{14}e-[0-9]+$'; then
    fail "a share without 15 significant digits"; else echo "ok   - every share has 15 significant digits"; fi

csv="$work/monthly.csv"
expect "$csv" $'^Month,Queries,Filtered,Share,Status,Note\r$' "monthly.csv header (CRLF, RFC 4180)"
expect "$csv" $'^2026-03,1300000002,131,1\\.00769230614201e-07,complete,\r$' "monthly.csv row"
[ "$(wc -l <"$csv")" -eq 7 ] && echo "ok   - monthly.csv has a row per month" || fail "monthly.csv rows: $(wc -l <"$csv")"
expect "$work/entries.csv" $'^XX-20260110-0002,3,"backdoor, remote shell",2026-01-10,2026-04-01\r$' \
    "entries.csv quotes a field with a comma"
# A behaviour text a spreadsheet would evaluate is written as text.
{ head -n 1 "$data/catalogue.tsv"
  printf 'XX-20260201-0009\t=HYPERLINK("http://x.example","y")\t2026-02-01\t\tf.example\n'
  printf 'XX-20260201-0010\t@SUM(1+1)\t2026-02-01\t\tg.example\n'; } >"$work/formula.tsv"
mkdir -p "$work/formula"
"$bin" --stats "$data/sample.stats" --from 2026-01 --to 2026-06 "${full[@]}" --out "$work/formula" "$work/formula.tsv" 2>/dev/null ||
    fail "the report with formula-like text failed"
expect "$work/formula/entries.csv" $'^XX-20260201-0009,1,"\'=HYPERLINK\\(""http://x\\.example"",""y""\\)",2026-02-01,\r$' \
    "entries.csv defuses a cell that starts with ="
expect "$work/formula/entries.csv" $'^XX-20260201-0010,1,"\'@SUM\\(1\\+1\\)",2026-02-01,\r$' \
    "entries.csv defuses a cell that starts with @"

svg="$work/share.svg"
well_formed "$svg" "share.svg is well-formed XML"
expect "$svg" '<svg xmlns="http://www.w3.org/2000/svg"' "an SVG root element"
expect "$svg" '\(log scale\)' "shares near 1e-7 get a log axis"
expect "$svg" '>1e-07</text>' "a labelled decade tick"
expect "$svg" '<title>2026-01: 1\.23120000821210e-07</title>' "a marker per month with its share"
expect "$svg" '<title>2026-06: no data</title>' "the month without data is marked"
"$bin" --stats "$data/sample.stats" --from 2026-01 --to 2026-06 "${full[@]}" --scale linear --out "$work" "$data/catalogue.tsv" 2>/dev/null
expect_not "$work/share.svg" 'log scale' "--scale linear gives a linear axis"
well_formed "$work/share.svg" "the linear chart is well-formed XML"

# The seeds' published form, by default: the share as a percentage with 15
# decimal places, no counts.
mkdir -p "$work/default"
"$bin" --stats "$data/sample.stats" --from 2026-01 --to 2026-06 --as-of 2026-07-01 --out "$work/default" \
    "$data/catalogue.tsv" 2>/dev/null || fail "the report with the defaults failed"
expect "$work/default/report.md" '^\| Month \| Share \|$' "by default only the share is published"
expect "$work/default/report.md" '^\| 2026-01 \| 0\.000012312000082% \|$' "January as a percentage, 15 decimal places"
expect "$work/default/report.md" '^\| Period \| 0\.000009545140647% \|$' "the period as a percentage (rounded half up)"
expect "$work/default/monthly.csv" $'^2026-01,0\\.000012312000082%,complete,\r$' "monthly.csv follows --share and --volumes"
expect "$work/default/share.svg" '>0\.00001%</text>' "the chart's ticks are percentages too"

# Seed 001's published form, byte for byte: JST months, YYYY/MM/DD dates, the
# Japanese headings, an entry removed from today's catalogue kept from the
# catalogue of February, a month still being counted marked as such.
seed=("$data/seed001.stats" --from 2025-01 --to 2025-04 --as-of 2025-04-20)
seed_catalogues=("$data/seed001-catalogue-2025-02.tsv" "$data/seed001-catalogue.tsv")
for lang in ja en; do
    mkdir -p "$work/seed-$lang"
    "$bin" --stats "${seed[@]}" --lang "$lang" --out "$work/seed-$lang" "${seed_catalogues[@]}" 2>"$work/err" ||
        fail "the seed 001 report ($lang) failed: $(cat "$work/err")"
    if diff -u "$data/seed001-report.$lang.md" "$work/seed-$lang/report.md" >"$work/diff"; then
        echo "ok   - seed 001 ($lang): report.md equals seed001-report.$lang.md byte for byte"
    else fail "seed 001 ($lang): report.md differs from the golden file:"; sed 's/^/       /' "$work/diff"; fi
done
expect "$work/seed-ja/report.md" '^\| 2025/01 \| 0\.000011987958742% \|$' "seed 001: the published January figure"
expect "$work/seed-ja/monthly.csv" $'^2025/04,0\\.000005117102980%,\xe9\x9b\x86\xe8\xa8\x88\xe4\xb8\xad,\xe9\x9b\x86\xe8\xa8\x88\xe4\xb8\xad\r$' \
    "seed 001: the partial month is 集計中 in monthly.csv, and why"
expect "$work/seed-ja/share.svg" '<title>2025/04: 0\.000005117102980%（集計中）</title>' "seed 001: the chart marks the partial month"
expect "$work/seed-en/share.svg" 'partial month</text>' "the chart's legend names a partial month"
# Without February's catalogue the removed entry has no row, and stderr names it.
mkdir -p "$work/seed-current"
"$bin" --stats "${seed[@]}" --out "$work/seed-current" "$data/seed001-catalogue.tsv" 2>"$work/err" ||
    fail "the seed 001 report with today's catalogue failed"
expect_not "$work/seed-current/report.md" 'XX-20250109-0001' "an entry in no catalogue given has no row"
expect "$work/err" 'described by no catalogue given nor by the statistics files .*: XX-20250109-0001$' \
    "the counted entry nothing describes is named"
expect "$work/seed-current/report.md" '^\| XX-20250110-0002 \| 2 \| バックドア \| 2025-01-10 \| 2025-04-01 \|$' \
    "the last catalogue's row wins (today's end date)"
# A version 3 file keeps the metadata of the entries it counted: the removed
# entry gets its row from the file; a catalogue that has the entry wins.
{ printf 'dnsfilter-stats 3\nzone +09:00\nnode ns1 epoch 1 sequence 9 written 2025-04-20T00:00:00Z\n'
  printf 'meta XX-20250109-0001 start 2025-01-09T00:00:00Z end 2025-03-01T00:00:00Z action sinkhole fqdns 3 category %%E6%%83%%85%%E5%%A0%%B1%%E7%%AA%%83%%E5%%8F%%96\n'
  printf 'meta XX-20250110-0002 start 2025-01-10T00:00:00Z end - action sinkhole fqdns 9 category old\n'
  sed -e '1,2d' -e 's/^end 24$/end 27/' -e 's/^month .*/& monitored 0/' "$data/seed001.stats"; } >"$work/seed-v3.stats"
mkdir -p "$work/seed-v3"
"$bin" --stats "$work/seed-v3.stats" "${seed[@]:1}" --out "$work/seed-v3" "$data/seed001-catalogue.tsv" 2>"$work/err" ||
    fail "the seed 001 report from a version 3 file failed: $(cat "$work/err")"
expect "$work/seed-v3/report.md" '^\| XX-20250109-0001 \| 3 \| 情報窃取 \| 2025-01-09 \| 2025-03-01 \|$' \
    "a removed entry's row from the statistics file's metadata"
expect "$work/seed-v3/report.md" '^\| XX-20250110-0002 \| 2 \| バックドア \| 2025-01-10 \| 2025-04-01 \|$' \
    "the catalogue given wins over the file's metadata"
reject_in() { if grep -qE -- "$2" "$1"; then fail "$3"; else echo "ok   - $3"; fi; }
reject_in "$work/err" 'XX-20250109-0001' "an entry the file describes is not named on stderr"
cmp -s "$work/seed-v3/report.md" "$work/seed-en/report.md" &&
    echo "ok   - the version 3 file with metadata gives seed 001's report without February's catalogue" ||
    fail "the version 3 file's report differs from seed 001's: $(diff "$work/seed-en/report.md" "$work/seed-v3/report.md")"
# The default time of the counts is the file's modification time.
cp "$data/seed001.stats" "$work/mtime.stats"
touch -d '2025-05-01T00:00:00Z' "$work/mtime.stats"
"$bin" --stats "$work/mtime.stats" --from 2025-01 --to 2025-04 --out "$work/seed-current" "${seed_catalogues[@]}" 2>/dev/null
expect_not "$work/seed-current/report.md" 'partial' "a file written after the period ends: every month complete"
touch -d '2025-04-30T14:59:59Z' "$work/mtime.stats"  # one second before May in UTC+09:00
"$bin" --stats "$work/mtime.stats" --from 2025-01 --to 2025-04 --out "$work/seed-current" "${seed_catalogues[@]}" 2>/dev/null
expect "$work/seed-current/report.md" '^\| 2025-04 \(partial\) \|' "a file written before the month's last second: partial"

# Errors: a damaged statistics file, a period backwards, missing arguments.
head -n 20 "$data/sample.stats" >"$work/truncated.stats"
if "$bin" --stats "$work/truncated.stats" --from 2026-01 --to 2026-06 --out "$work" "$data/catalogue.tsv" 2>"$work/err"; then
    fail "a truncated statistics file was accepted"; else
    expect "$work/err" 'truncated\.stats:20: the file ends without its .end. line' "a truncated file: file:line: reason"; fi
# A later version and hand edits are refused with the file, the line and the reason.
printf 'dnsfilter-stats 4\nzone +09:00\nnode a epoch 1 sequence 1\nend 1\n' >"$work/future.stats"
sed 's/^month 2025-02 passed 1101234500 filtered 132/month 2025-02 passed 1101234500 filtered 133/' \
    "$data/seed001.stats" >"$work/edited.stats"
{ head -n 2 "$data/seed001.stats"; echo '# numbers checked by hand'; tail -n +3 "$data/seed001.stats"; } >"$work/noted.stats"
for bad in "future.stats:1: unsupported version '4'" \
           "edited.stats:15: counts of month 2025-02 do not add up: filtered is not the sum" \
           "noted.stats:3: unknown record '#'"; do
    file="${bad%%:*}"
    if "$bin" --stats "$work/$file" "${seed[@]:1}" --out "$work" "$data/seed001-catalogue.tsv" 2>"$work/err"; then
        fail "$file was accepted"
    else expect "$work/err" "$(printf '%s' "$bad" | sed 's/[.]/\\./g')" "$file refused: ${bad#*: }"; fi
done
status=0
"$bin" --stats "$data/sample.stats" --from 2026-01 --to 2026-06 --lang fr "$data/catalogue.tsv" 2>/dev/null || status=$?
[ "$status" -eq 2 ] && echo "ok   - an unknown --lang is a usage error" || fail "--lang fr: status $status"
status=0
"$bin" --stats "$data/sample.stats" --from 2026-06 --to 2026-01 "$data/catalogue.tsv" 2>/dev/null || status=$?
[ "$status" -eq 2 ] && echo "ok   - --to before --from is a usage error" || fail "--to before --from: status $status"
status=0
"$bin" --from 2026-01 --to 2026-06 "$data/catalogue.tsv" 2>/dev/null || status=$?
[ "$status" -eq 2 ] && echo "ok   - --stats is required" || fail "without --stats: status $status"

# Monitored entries: a section and a CSV of their own, never in the filtered counts or the share.
expect_not "$md" 'Monitored' "no monitored section when nothing was monitored"
[ ! -e "$work/monitored.csv" ] && echo "ok   - no monitored.csv when nothing was monitored" || fail "monitored.csv without data"
printf '%s\n' 'dnsfilter-stats 2' 'zone +00:00' 'month 2026-02 passed 1000 filtered 2 opted-out 5 monitored 9' \
    'action sinkhole 2' 'action monitor 9' 'entry XX-20251201-0001 2' 'entry XX-20260301-0003 9' \
    'monitored-entry XX-20260301-0003 9' 'category DDoS 9' 'category information%20theft 2' 'end 8' >"$work/monitored.stats"
mkdir -p "$work/monitored"
"$bin" --stats "$work/monitored.stats" --from 2026-02 --to 2026-02 --volumes --share fraction --out "$work/monitored" "$data/catalogue.tsv" \
    2>"$work/err" || fail "the report with monitored counts failed: $(cat "$work/err")"
expect "$work/monitored/report.md" '^\| 2026-02 \| 1002 \| 2 \| 0\.00199600798403194 \|$' \
    "monitored hits are in neither the filtered count nor the share"
expect "$work/monitored/report.md" '^## Monitored entries$' "a section of their own"
expect "$work/monitored/report.md" '^\| 2026-02 \| XX-20260301-0003 \| 9 \|$' "monitored hits by month and entry"
expect "$work/monitored/monitored.csv" $'^2026-02,XX-20260301-0003,9\r$' "monitored.csv row"
# Files of versions 1 (before monitored counts) and 2 (before the node line)
# give the same report as the version 3 file of the same counts (written
# 2026-07-01, the --as-of the older ones are given).
mkdir -p "$work/v1" "$work/v2" "$work/v3"
for v in v1 v2 v3; do
    stats="$data/sample-$v.stats"; [ "$v" = v3 ] && stats="$data/sample.stats"
    "$bin" --stats "$stats" --from 2026-01 --to 2026-06 "${full[@]}" --out "$work/$v" "$data/catalogue.tsv" 2>/dev/null ||
        fail "the report of the $v file failed"
done
for v in v1 v2; do
    cmp -s "$work/$v/report.md" "$work/v3/report.md" && echo "ok   - a version ${v#v} file reads as its version 3 copy" ||
        fail "the version ${v#v} file's report differs"
done

# A fleet: several files, or a folder of them, added up exactly; copies of one
# node refused; months a node lost or missed flagged, naming the node.
mkdir -p "$work/fleet" "$work/fleet-out"
node_file() {  # node_file FILE NODE EPOCH SEQUENCE WRITTEN [FINAL] [LOST] -- MONTH:PASSED:FILTERED...
    local file="$1" node="$2" epoch="$3" sequence="$4" written="$5" final="${6:-}" lost="${7:-}" records=0 m
    shift 7 || shift $#
    [ "${1:-}" = "--" ] && shift
    { echo 'dnsfilter-stats 3'; echo 'zone +00:00'
      echo "node $node epoch $epoch sequence $sequence written $written${final:+ final}"
      [ -z "$lost" ] || echo "lost $lost"
      for m in "$@"; do
          IFS=: read -r month passed filtered <<<"$m"
          echo "month $month passed $passed filtered $filtered opted-out 0 monitored 0"
          echo "action sinkhole $filtered"; echo "entry XX-20251201-0001 $filtered"; echo "category information%20theft $filtered"
      done; } >"$file.tmp"
    records=$(( $(wc -l <"$file.tmp") - 2 ))
    { cat "$file.tmp"; echo "end $records"; } >"$file"; rm "$file.tmp"
}
node_file "$work/fleet/ns1.stats" ns1 2 40 2026-04-01T00:00:10Z '' '' -- 2026-01:1000:2 2026-02:1000:2 2026-03:1000:1
node_file "$work/fleet/ns2.stats" ns2 5 7 2026-04-01T00:00:20Z '' '2026-02-10T01:00:00Z 2026-02-10T01:05:00Z' -- \
    2026-01:500:1 2026-02:400:1 2026-03:450:1
node_file "$work/fleet/ns3.stats" ns3 1 99 2026-03-10T00:00:00Z final '' -- 2026-01:300:0 2026-03:100:1
fleet_report() {  # fleet_report NAME ARGS...: the report of 2026-01..2026-03 into $work/fleet-out/NAME
    local name="$1"; shift
    mkdir -p "$work/fleet-out/$name"
    "$bin" "$@" --from 2026-01 --to 2026-03 --volumes --share fraction --out "$work/fleet-out/$name" \
        "$data/catalogue.tsv" 2>"$work/fleet-out/$name.err"
}
fleet_report folder --stats "$work/fleet" || fail "the report of a folder failed: $(cat "$work/fleet-out/folder.err")"
fleet_report files --stats "$work/fleet/ns3.stats" --stats "$work/fleet/ns1.stats" --stats "$work/fleet/ns2.stats" ||
    fail "the report of three files failed: $(cat "$work/fleet-out/files.err")"
f="$work/fleet-out/folder"
expect "$f/report.md" '^\| 2026-01 \| 1803 \| 3 \| ' "fleet: January's counts are the three nodes' added"
expect "$f/report.md" '^\| Period \(partial\) \| 4759 \| 9 \| ' "fleet: the period's counts, exactly"
expect "$f/monthly.csv" $'^2026-01,1803,3,[0-9.e-]+,complete,\r$' "fleet: a month every node counted in full is complete"
expect "$f/monthly.csv" $'^2026-02,1403,3,[0-9.e-]+,partial,counts possibly lost at a restart: ns2; no data: ns3\r$' \
    "fleet: a month a node lost, and a month a node missed, name the nodes"
expect "$f/monthly.csv" $'^2026-03,1553,3,[0-9.e-]+,complete,\r$' "fleet: a node stopped cleanly in March leaves March complete"
expect "$f/report.md" '^\| 2026-02 \(partial\) \| 1403 \|' "fleet: report.md marks the month partial"
expect "$f/report.md" '^Months whose counts are incomplete: 2026-02 \(counts possibly lost at a restart: ns2; no data: ns3\)\. ' \
    "fleet: report.md says why, naming the nodes"
expect "$f/report.html" '<p>Months whose counts are incomplete: 2026-02 \(counts possibly lost' "fleet: report.html says so too"
cmp -s "$f/report.md" "$work/fleet-out/files/report.md" && echo "ok   - fleet: a folder reads as its files" ||
    fail "fleet: the folder's report differs from the files'"
mkdir -p "$work/fleet-out/ja"
"$bin" --stats "$work/fleet" --from 2026-01 --to 2026-03 --lang ja --out "$work/fleet-out/ja" "$data/catalogue.tsv" 2>/dev/null ||
    fail "the Japanese fleet report failed"
expect "$work/fleet-out/ja/monthly.csv" $'^2026/02,[0-9.]+%,集計中,再起動時に一部欠損の可能性: ns2; データなし: ns3\r$' \
    "fleet (ja): the partial month and why"
expect "$work/fleet-out/ja/report.md" '^集計が不完全な月：2026/02（再起動時に一部欠損の可能性: ns2; データなし: ns3）' "fleet (ja): report.md names the nodes"
# A node still running when its file was written: the month is not over for it.
node_file "$work/fleet/ns3.stats" ns3 2 1 2026-03-20T00:00:00Z '' '' -- 2026-01:300:0 2026-03:100:1
fleet_report running --stats "$work/fleet" || fail "the report with a running node failed"
expect "$work/fleet-out/running/monthly.csv" $'^2026-03,1553,3,[0-9.e-]+,partial,not over: ns3\r$' \
    "fleet: a running node's file written before the month's end leaves the month partial"
expect "$work/fleet-out/running/report.md" '^Counted until 2026-03-20T00:00:00Z \(ns3\); ' "fleet: until when that node counted"
# Refused: copies of one node, an older copy, other zones, a file without node line beside others.
cp "$work/fleet/ns1.stats" "$work/ns1-copy.stats"
node_file "$work/ns1-old.stats" ns1 2 39 2026-03-31T23:59:10Z '' '' -- 2026-01:1000:2 2026-02:1000:2 2026-03:990:1
sed 's/^zone +00:00$/zone +09:00/' "$work/fleet/ns2.stats" >"$work/ns2-tokyo.stats"
for bad in "ns1-copy.stats|duplicated node ns1: .*fleet/ns1\.stats and .*ns1-copy\.stats are copies of its file \(epoch 2 sequence 40\)" \
           "ns1-old.stats|stale copy of node ns1: .*ns1-old\.stats \(epoch 2 sequence 39\) is older than .*fleet/ns1\.stats \(epoch 2 sequence 40\)" \
           "ns2-tokyo.stats|counts the months of zone \+00:00, .*ns2-tokyo\.stats those of zone \+09:00" \
           "../sample-v2.stats|sample-v2\.stats names no node"; do
    file="${bad%%|*}"; [ "$file" = ../sample-v2.stats ] && file="$data/sample-v2.stats" || file="$work/$file"
    status=0
    "$bin" --stats "$work/fleet" --stats "$file" --from 2026-01 --to 2026-03 --out "$work/fleet-out" \
        "$data/catalogue.tsv" 2>"$work/err" || status=$?
    [ "$status" -eq 1 ] && echo "ok   - $(basename "$file") beside the fleet: exit 1" || fail "$(basename "$file"): status $status"
    expect "$work/err" "^dnsfilter-report: .*${bad#*|}" "$(basename "$file") refused: ${bad#*|}"
done
mkdir -p "$work/empty"
status=0
"$bin" --stats "$work/empty" --from 2026-01 --to 2026-03 "$data/catalogue.tsv" 2>"$work/err" || status=$?
[ "$status" -eq 1 ] && echo "ok   - a folder without statistics files: exit 1" || fail "empty folder: status $status"
expect "$work/err" 'no \*\.stats file in .*/empty' "an empty folder is named"

# Time zones: the months and the catalogues' dates of the file's zone, named
# in the report; --time-zone refuses a file of another zone on its zone line.
mkdir -p "$work/zone"
zoned() {  # zoned ZONE FILE: sample.stats counted in ZONE
    sed "2s|.*|zone $1|" "$data/sample.stats" >"$work/$2"
}
zoned +09:00 offset.stats
"$bin" --stats "$work/offset.stats" --from 2026-01 --to 2026-06 "${full[@]}" --time-zone +09:00 --out "$work/zone" \
    "$data/catalogue.tsv" 2>"$work/err" || fail "--time-zone as the file's offset failed: $(cat "$work/err")"
expect "$work/zone/report.md" 'calendar months of UTC\+09:00\.' "an offset zone is named by its offset"
if "$bin" --stats "$data/sample.stats" --from 2026-01 --to 2026-06 --time-zone +09:00 --out "$work/zone" \
    "$data/catalogue.tsv" 2>"$work/err"; then fail "a file of another zone was accepted"
else expect "$work/err" '/sample\.stats:2: counted in zone \+00:00, not \+09:00$' \
    "--time-zone +09:00 refuses a UTC file on its zone line"; fi
status=0
"$bin" --stats "$data/sample.stats" --from 2026-01 --to 2026-06 --time-zone +25:00 "$data/catalogue.tsv" 2>"$work/err" || status=$?
[ "$status" -eq 2 ] && echo "ok   - a bad --time-zone is a usage error" || fail "--time-zone +25:00: status $status"
zoned Asia/Tokyo tokyo.stats
if ! "$bin" --stats "$work/tokyo.stats" --from 2026-01 --to 2026-06 --out "$work/zone" "$data/catalogue.tsv" \
    2>"$work/err" && grep -q 'no time-zone database' "$work/err"; then
    echo "ok   - (this build reads no tz database: the named-zone checks are left out)"
else
    for lang in en ja; do
        mkdir -p "$work/tokyo-$lang"
        "$bin" --stats "$work/tokyo.stats" --from 2026-01 --to 2026-06 "${full[@]}" --lang "$lang" --time-zone Asia/Tokyo \
            --out "$work/tokyo-$lang" "$data/catalogue.tsv" 2>"$work/err" ||
            fail "the report of a file counted in Asia/Tokyo ($lang) failed: $(cat "$work/err")"
    done
    expect "$work/tokyo-en/report.md" 'calendar months of Asia/Tokyo \(UTC\+09:00\)\. Every' "the report names the tz zone and its offset"
    expect "$work/tokyo-ja/report.md" '月は Asia/Tokyo（UTC\+09:00） の暦月です' "so does the Japanese report"
    expect "$work/tokyo-en/report.md" '^\| XX-20260110-0002 \| 3 \| backdoor, remote shell \| 2026-01-10 \| 2026-04-01 \|$' \
        "catalogue dates are Tokyo dates"
    expect "$work/tokyo-en/report.md" '^\| 2026-01 \| 1234567893 \| 152 \|' "the months are the file's"
    for bad in "+09:00|counted in zone Asia/Tokyo, not \+09:00" "Europe/Berlin|counted in zone Asia/Tokyo, not Europe/Berlin"; do
        if "$bin" --stats "$work/tokyo.stats" --from 2026-01 --to 2026-06 --time-zone "${bad%%|*}" --out "$work/zone" \
            "$data/catalogue.tsv" 2>"$work/err"; then fail "--time-zone ${bad%%|*} accepted a file counted in Asia/Tokyo"
        else expect "$work/err" "tokyo\.stats:2: ${bad#*|}\$" "--time-zone ${bad%%|*} refuses the Asia/Tokyo file on its zone line"; fi
    done
    zoned Europe/Berlin berlin.stats
    "$bin" --stats "$work/berlin.stats" --from 2026-01 --to 2026-06 "${full[@]}" --out "$work/zone" "$data/catalogue.tsv" \
        2>"$work/err" || fail "the report of a file counted in Europe/Berlin failed: $(cat "$work/err")"
    expect "$work/zone/report.md" 'calendar months of Europe/Berlin \(UTC\+01:00 or UTC\+02:00\)\.' \
        "a zone with daylight saving: both offsets of the period"
    zoned Asia/Atlantis atlantis.stats
    if "$bin" --stats "$work/atlantis.stats" --from 2026-01 --to 2026-06 --out "$work/zone" "$data/catalogue.tsv" 2>"$work/err"; then
        fail "a file counted in an unknown zone was accepted"
    else expect "$work/err" "atlantis\.stats:2: zone Asia/Atlantis: unknown time zone 'Asia/Atlantis'" \
        "a file counted in an unknown zone is refused on its zone line"; fi
    status=0
    "$bin" --stats "$data/sample.stats" --from 2026-01 --to 2026-06 --time-zone Mars/Olympus "$data/catalogue.tsv" \
        2>"$work/err" || status=$?
    [ "$status" -eq 2 ] && expect "$work/err" "bad --time-zone: unknown time zone 'Mars/Olympus'" "an unknown --time-zone is a usage error" ||
        fail "--time-zone Mars/Olympus: status $status"

    # A fleet counted in Asia/Tokyo: the nodes' files add up in Tokyo months,
    # and whether a month is over for a node is judged in Tokyo (ns3 wrote at
    # 01:00 JST on April 1: March is over there, not yet in UTC). A node
    # counted in UTC beside them is refused.
    mkdir -p "$work/fleet-tokyo" "$work/fleet-out/tokyo"
    cp "$work/fleet/ns1.stats" "$work/fleet/ns2.stats" "$work/fleet-tokyo/"
    node_file "$work/fleet-tokyo/ns3.stats" ns3 2 1 2026-03-31T16:00:00Z '' '' -- 2026-01:300:0 2026-03:100:1
    sed -i '2s|.*|zone Asia/Tokyo|' "$work/fleet-tokyo/"*.stats
    "$bin" --stats "$work/fleet-tokyo" --from 2026-01 --to 2026-03 --volumes --share fraction --time-zone Asia/Tokyo \
        --out "$work/fleet-out/tokyo" "$data/catalogue.tsv" 2>"$work/err" ||
        fail "the report of a fleet counted in Asia/Tokyo failed: $(cat "$work/err")"
    expect "$work/fleet-out/tokyo/report.md" '^\| 2026-01 \| 1803 \| 3 \| ' "a Tokyo fleet: January's counts are the three nodes' added"
    expect "$work/fleet-out/tokyo/monthly.csv" $'^2026-03,1553,3,[0-9.e-]+,complete,\r$' \
        "a Tokyo fleet: a file written after March's end in Tokyo leaves March complete"
    expect "$work/fleet-out/tokyo/report.md" 'calendar months of Asia/Tokyo \(UTC\+09:00\)\.' "a Tokyo fleet: the zone is named"
    node_file "$work/ns4-utc.stats" ns4 1 5 2026-04-01T00:00:00Z '' '' -- 2026-01:10:0
    if "$bin" --stats "$work/fleet-tokyo" --stats "$work/ns4-utc.stats" --from 2026-01 --to 2026-03 --out "$work/zone" \
        "$data/catalogue.tsv" 2>"$work/err"; then fail "a UTC node beside a Tokyo fleet was accepted"
    else expect "$work/err" 'counts the months of zone Asia/Tokyo, .*ns4-utc\.stats those of zone \+00:00' \
        "a UTC node beside a Tokyo fleet is refused, naming both zones"; fi
    if "$bin" --stats "$work/fleet-tokyo" --stats "$work/ns4-utc.stats" --from 2026-01 --to 2026-03 --time-zone Asia/Tokyo \
        --out "$work/zone" "$data/catalogue.tsv" 2>"$work/err"; then fail "--time-zone Asia/Tokyo accepted a UTC node"
    else expect "$work/err" 'ns4-utc\.stats:2: counted in zone \+00:00, not Asia/Tokyo$' \
        "--time-zone refuses a fleet's node of another zone on its zone line"; fi
fi

echo "report cli: $failures failure(s)"
exit $((failures > 0))
