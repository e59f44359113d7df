#!/usr/bin/env bash
# dnsfilter-report's report.html in a real browser: the seed 001 fixture
# (tests/data/stats/seed001*) reported in Japanese and in English, checked as
# HTML5 by tidy, with nothing loaded from elsewhere, then rendered by headless
# Chromium (--dump-dom) and its tables read back from the rendered DOM by
# report_html_check.py, cell by cell.
#
# Skipped (exit 77) only when chromium is missing; scripts/bootstrap-debian.sh
# installs it, and tidy.
#
# usage: report_html.sh PATH/TO/dnsfilter-report PATH/TO/tests/data/stats
set -euo pipefail
bin="${1:?usage: report_html.sh PATH/TO/dnsfilter-report DATA_DIR}"
data="${2:?usage: report_html.sh PATH/TO/dnsfilter-report DATA_DIR}"
here="$(cd "$(dirname "$0")" && pwd)"
browser="$(command -v chromium || command -v chromium-browser || true)"
if [[ -z "$browser" ]]; then
    echo "SKIP: chromium is not installed, so report.html was not checked in a browser" \
         "(scripts/bootstrap-debian.sh installs it)"
    exit 77
fi
command -v tidy >/dev/null || { echo "FAIL - missing tidy (scripts/bootstrap-debian.sh installs it)"; exit 1; }
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
failures=0
fail() { echo "FAIL - $1"; failures=$((failures + 1)); }
ok() { echo "ok   - $1"; }

run_case() {  # run_case LANG VOLUMES(0|1)
    local lang="$1" volumes="$2" out="$work/$1-$2"
    mkdir -p "$out"
    local extra=()
    [[ "$volumes" == 1 ]] && extra+=(--volumes)
    "$bin" --stats "$data/seed001.stats" --from 2025-01 --to 2025-04 --as-of 2025-04-20 --lang "$lang" \
        "${extra[@]}" --out "$out" "$data/seed001-catalogue-2025-02.tsv" "$data/seed001-catalogue.tsv" \
        2>"$out/err" || { fail "the $lang report failed: $(cat "$out/err")"; return; }
    local html="$out/report.html"
    # HTML5 as tidy reads it: no error, no warning.
    if tidy -q -e -utf8 "$html" >"$out/tidy" 2>&1; then ok "$lang: report.html is valid HTML5 (tidy)"
    else fail "$lang: tidy finds fault with report.html: $(cat "$out/tidy")"; fi
    # Self-contained: nothing fetched, nothing run.
    if grep -qiE '<script|<link|<img|<iframe|<object|src=|href=|url\(|@import' "$html"; then
        fail "$lang: report.html refers to something outside itself: $(grep -oiE '<script|<link|<img|<iframe|<object|src=|href=|url\(|@import' "$html" | head -3 | tr '\n' ' ')"
    else ok "$lang: report.html loads nothing from outside and runs no script"; fi
    grep -q "<html lang=\"$lang\">" "$html" && ok "$lang: <html lang=\"$lang\">" || fail "$lang: no lang=\"$lang\" on <html>"
    # The rendered page, as the browser built it.
    if ! timeout 60 "$browser" --headless --no-sandbox --disable-gpu --user-data-dir="$work/profile" \
            --dump-dom "file://$html" >"$out/dom.html" 2>"$out/chromium.log" || [[ ! -s "$out/dom.html" ]]; then
        fail "$lang: chromium did not render report.html: $(tail -5 "$out/chromium.log")"
        return
    fi
    ok "$lang: chromium rendered report.html ($(wc -c <"$out/dom.html") bytes of DOM)"
    python3 "$here/report_html_check.py" "$out/dom.html" "$data/seed001.stats" "$lang" 2025-04 "$volumes" ||
        failures=$((failures + 1))
}

run_case ja 0
run_case en 1

echo "report html: $failures failure(s)"
exit $((failures > 0))
