#!/usr/bin/env bash
# dnsfilter-rpz end to end: the operator's catalogue → a zone → dnsfilter-match
# gives the same decisions (entry ids, categories, windows, actions, scopes)
# from the zone as from the catalogue; the output is deterministic (row order
# does not matter); hostile input is reported with its line, --strict fails
# on it, and usage errors exit 2.
#
# usage: rpz_cli.sh PATH/TO/dnsfilter-rpz PATH/TO/dnsfilter-match
rpz="${1:?usage: rpz_cli.sh PATH/TO/dnsfilter-rpz PATH/TO/dnsfilter-match}"
match="${2:?usage: rpz_cli.sh PATH/TO/dnsfilter-rpz PATH/TO/dnsfilter-match}"
source "$(dirname "$0")/lib.sh"
# run OUT ERR COMMAND...: the command's status, its output in OUT and ERR.
run() { local out="$1" err="$2"; shift 2; "$@" >"$out" 2>"$err"; }

header='id	category	start	end	fqdns	action'
rows=(
    'XX-20250109-0001	information theft	2025-01-09	2025-04-01	c2.evil.example;backup.evil.example	'
    'XX-20250110-0002	backdoor "remote"	2025-01-10		=exact.example *.wild.example	sinkhole'
    'XX-20250111-0003	allowed	2025-01-01		ok.c2.evil.example	pass'
    'Odd Id/4	café	2024-06-01	2026-01-01	drop.example	drop'
)
{ echo "$header"; printf '%s\n' "${rows[@]}"; } >"$work/catalogue.tsv"
{ echo "$header"; printf '%s\n' "${rows[3]}" "${rows[1]}" "${rows[0]}" "${rows[2]}"; } >"$work/shuffled.tsv"

check "the zone is written" run "$work/zone" "$work/rpz.log" \
    "$rpz" --origin rpz.example --serial 7 --action sinkhole "$work/catalogue.tsv"
expect "$work/rpz.log" '4 loaded, 0 skipped, 0 invalid' "the catalogue's load report on standard error"
expect "$work/zone" '^@ SOA localhost\. hostmaster \( 7 ' "an SOA with the serial"
expect "$work/zone" '^\*\.wild\.example\.link\._dnsfilter TXT "xx-20250110-0002"$' "a link for a subdomains-only name"
expect "$work/zone" '"category=caf\\195\\169"' "UTF-8 escaped as \\DDD"
expect "$work/zone" '^k[0-9a-f]{16}\.entry\._dnsfilter TXT "id=Odd Id/4"' "an id that is no label gets a hashed key"
"$rpz" --origin rpz.example --serial 7 --action sinkhole "$work/shuffled.tsv" >"$work/zone2" 2>/dev/null
check "the same catalogue in another row order gives the same bytes" cmp -s "$work/zone" "$work/zone2"

expect "$work/zone" '^c2\.evil\.example A 0\.0\.0\.0$' "--action sinkhole: local data"
"$rpz" --action nxdomain "$work/catalogue.tsv" >"$work/nx.zone" 2>/dev/null
expect "$work/nx.zone" '^c2\.evil\.example CNAME \.$' "--action nxdomain: CNAME ."
expect "$work/nx.zone" '^exact\.example A 0\.0\.0\.0$' "... except where the row's action column says otherwise"

# dnsfilter-match loads a catalogue with sinkhole, the zone above says sinkhole too.
names=(c2.evil.example www.c2.evil.example backup.evil.example exact.example www.exact.example
       wild.example a.wild.example ok.c2.evil.example x.ok.c2.evil.example drop.example x.drop.example
       unlisted.example)
for at in 2025-02-01 2025-05-01 2024-01-01; do
    "$match" --strict --at "$at" "catalogue:$work/catalogue.tsv" -- "${names[@]}" 2>/dev/null |
        sed 's/	(rule .*//' >"$work/from-catalogue"
    "$match" --strict --at "$at" "rpz:$work/zone" -- "${names[@]}" 2>/dev/null |
        sed 's/	(rule .*//' >"$work/from-zone"
    check "at $at the zone decides as the catalogue does (action, id, category)" \
        cmp -s "$work/from-catalogue" "$work/from-zone"
done
expect "$work/from-zone" '^drop\.example\.	pass	-' "... an entry outside its window does not decide"
"$match" --at 2025-02-01 "rpz:$work/zone" -- www.c2.evil.example a.wild.example wild.example >"$work/decided" 2>/dev/null
expect "$work/decided" '^www\.c2\.evil\.example\.	sinkhole	XX-20250109-0001	information theft' "the entry's id and category"
expect "$work/decided" '^a\.wild\.example\.	sinkhole	XX-20250110-0002	backdoor "remote"' "*.name covers the names below"
expect "$work/decided" '^wild\.example\.	pass	-' "... and not the name"

# Hostile input: a bad row is reported with its line and left out; --strict fails.
{ echo "$header"; printf '%s\n' "${rows[0]}" 'XX-5	x	2025-13-01		bad.example	' 'XX-6	x	2025-01-01		b..example	'; } \
    >"$work/bad.tsv"
check "lenient: the zone is still written" run "$work/bad.zone" "$work/bad.err" "$rpz" "$work/bad.tsv"
expect "$work/bad.err" 'bad\.tsv:3: entry .XX-5.: start date' "a bad date, with its line"
expect "$work/bad.err" 'bad\.tsv:4: entry .XX-6.: no valid FQDN' "a bad name, with its line"
expect "$work/bad.zone" '^c2\.evil\.example CNAME \.$' "the good row is in the zone"
if "$rpz" --strict "$work/bad.tsv" >"$work/strict.zone" 2>"$work/strict.err"; then
    echo "FAIL - --strict succeeded on a bad catalogue"; failures=$((failures + 1))
else
    echo "ok   - --strict fails on a bad catalogue"
fi
expect "$work/strict.err" 'bad\.tsv:3: ' "... naming the first bad line"
printf 'id,start,fqdns\n\x00\xff,2025-01-01,x.example\n' >"$work/binary.csv"
check "binary junk is an invalid row, not a crash" run /dev/null "$work/binary.err" "$rpz" "$work/binary.csv"
expect "$work/binary.err" 'binary\.csv:2: ' "... reported with its line"
set +e
"$rpz" "$work/missing.tsv" >/dev/null 2>"$work/missing.err"; missing=$?
"$rpz" --action refused "$work/catalogue.tsv" >/dev/null 2>&1; bad_action=$?
"$rpz" --serial 4294967296 "$work/catalogue.tsv" >/dev/null 2>&1; bad_serial=$?
"$rpz" --origin 'a..b' "$work/catalogue.tsv" >/dev/null 2>&1; bad_origin=$?
"$rpz" >/dev/null 2>&1; no_file=$?
set -e
check "a missing file: exit 1" test "$missing" -eq 1
expect "$work/missing.err" 'missing\.tsv' "... naming the file"
check "usage errors exit 2 (action, serial, origin, no file)" \
    test "$bad_action$bad_serial$bad_origin$no_file" = 2222

finish
