#!/usr/bin/env bash
# dnsfilter-match end to end: the sample lists in tests/data/lists loaded
# through lists::load_file, compiled, and queried. Checks decisions, the
# validity window, exceptions, IDN input, the strict mode's failure and the
# [FORMAT:]FILE form.
#
# usage: match_cli.sh PATH/TO/dnsfilter-match PATH/TO/tests/data/lists
set -euo pipefail
bin="${1:?usage: match_cli.sh PATH/TO/dnsfilter-match DATA_DIR}"
data="${2:?usage: match_cli.sh PATH/TO/dnsfilter-match DATA_DIR}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
failures=0
expect() {  # expect FILE PATTERN DESCRIPTION
    if grep -qE -- "$2" "$1"; then echo "ok   - $3"; else
        echo "FAIL - $3: /$2/ not in:"; sed 's/^/       /' "$1"; failures=$((failures + 1)); fi
}

"$bin" --at 2025-06-01 "$data/operator.tsv" "$data/adblock.txt" -- \
    a.C2.evil.example good.evil.example x.good.evil.example other.evil.example notevil.example \
    bücher.example >"$work/out" 2>"$work/err"
expect "$work/out" '^a\.c2\.evil\.example\.	sinkhole	XX-20250109-0001	information theft	\(rule c2\.evil\.example\.\)' \
    "a catalogue entry decides for a subdomain, case-insensitively"
expect "$work/out" '^good\.evil\.example\.	pass	' "an adblock exception frees its name"
expect "$work/out" '^x\.good\.evil\.example\.	pass	' "... and the subtree below it"
expect "$work/out" '^other\.evil\.example\.	sinkhole	.*\(rule evil\.example\.\)' "the blocked parent still decides elsewhere"
expect "$work/out" '^notevil\.example\.	pass	-' "matching is on whole labels"
expect "$work/out" '^xn--bcher-kva\.example\.	pass	-' "an IDN query name is converted to its A-label"
expect "$work/err" 'operator\.tsv: 1 loaded, 0 skipped, 0 invalid \(2 rules\)' "the catalogue's load report"

# Before the entry's start date, the entry is not in force.
"$bin" --at 2025-01-08 "$data/operator.tsv" -- c2.evil.example >"$work/early" 2>/dev/null
expect "$work/early" '^c2\.evil\.example\.	pass	-' "an entry is inactive before its start date"

# A broken line: lenient loading reports it and keeps the good ones; strict fails.
printf 'good.example\nbad..example\nalso-good.example\n' >"$work/list.txt"
"$bin" "$work/list.txt" -- also-good.example >"$work/lenient" 2>"$work/lenient.err"
expect "$work/lenient" '^also-good\.example\.	sinkhole' "lenient mode keeps the good line after a bad one"
expect "$work/lenient.err" 'list\.txt:2: ' "the bad line is reported with its number"
if "$bin" --strict "$work/list.txt" -- good.example >"$work/strict" 2>"$work/strict.err"; then
    echo "FAIL - strict mode accepted a broken list"; failures=$((failures + 1))
else
    expect "$work/strict.err" 'list\.txt:2: ' "strict mode fails with the line number"
fi

# [FORMAT:]FILE, as the resolver's --list takes it: the format overrides detection.
printf '0.0.0.0 hosts-line.example\n' >"$work/as-plain"
"$bin" "hosts:$work/as-plain" -- hosts-line.example >"$work/format" 2>"$work/format.err"
expect "$work/format" '^hosts-line\.example\.	sinkhole' "hosts:FILE loads a hosts file without a telling name"
expect "$work/format.err" 'as-plain: 1 loaded, 0 skipped, 0 invalid' "... with its path after the format"
"$bin" "plain:$work/as-plain" -- hosts-line.example >"$work/plain" 2>"$work/plain.err" || true
expect "$work/plain.err" 'as-plain: 0 loaded, 0 skipped, 1 invalid' "plain:FILE forces the plain format"
rc=0
"$bin" "zone:$work/as-plain" -- x.example >/dev/null 2>"$work/unknown.err" || rc=$?
if [[ $rc -eq 2 ]]; then echo "ok   - an unknown FORMAT is a usage error (2)"; else
    echo "FAIL - an unknown FORMAT exited $rc, not 2"; failures=$((failures + 1)); fi
expect "$work/unknown.err" "unknown list format 'zone'" "... that names the format"

echo "match cli: $failures failure(s)"
exit $((failures > 0))
