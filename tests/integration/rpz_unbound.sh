#!/usr/bin/env bash
# The RPZ metadata convention (docs/rpz.md) against Unbound: a catalogue made
# into a zone by dnsfilter-rpz loads in Unbound (rpz: with zonefile:) without
# an error and in dnsfilter-resolver (--list rpz:ZONE), both forwarding to the
# same stub upstream, and both give the same answers: the same rcode for every
# listed name, a subdomain of each, the exception, name-only and
# subdomains-only names, unlisted names (answered normally), and the
# metadata's own owner names (local data to Unbound, which nobody asks for;
# never a trigger to dnsfilter). dnsfilter-match reports the entry ids.
#
# usage: rpz_unbound.sh PATH/TO/dnsfilter-rpz PATH/TO/dnsfilter-resolver PATH/TO/dnsfilter-test-upstream PATH/TO/dnsfilter-match
rpz="${1:?usage: rpz_unbound.sh RPZ RESOLVER TEST_UPSTREAM MATCH}"
resolver="${2:?usage: rpz_unbound.sh RPZ RESOLVER TEST_UPSTREAM MATCH}"
stub="${3:?usage: rpz_unbound.sh RPZ RESOLVER TEST_UPSTREAM MATCH}"
match="${4:?usage: rpz_unbound.sh RPZ RESOLVER TEST_UPSTREAM MATCH}"
source "$(dirname "$0")/lib.sh"
need dig unbound

# ---- the catalogue: windows active now; nxdomain, so that rcodes compare exactly
since="$(date -u -d '-30 days' +%Y-%m-%d)"
until="$(date -u -d '+30 days' +%Y-%m-%d)"
cat >"$work/catalogue.tsv" <<EOF2
id	category	start	end	fqdns	action
XX-20250109-0001	information theft	$since		c2.evil.stub.example;backup.evil.stub.example	
XX-20250110-0002	backdoor	$since	$until	=exact.stub.example =exact2.stub.example *.wild.stub.example	
XX-20250111-0003	allowed	$since		ok.c2.evil.stub.example	pass
EOF2
convert() { "$rpz" --origin rpz.test --serial 2025010901 --action nxdomain "$work/catalogue.tsv" >"$work/rpz.zone" 2>"$work/rpz.err"; }
check "dnsfilter-rpz converts the catalogue" convert
expect "$work/rpz.err" '3 loaded, 0 skipped, 0 invalid' "... every row loaded"
expect "$work/rpz.zone" '^xx-20250109-0001\.entry\._dnsfilter TXT "id=XX-20250109-0001" "category=information theft"' \
    "... an entry record per id"
expect "$work/rpz.zone" '^\*\.wild\.stub\.example\.link\._dnsfilter TXT "xx-20250110-0002"' "... a link per trigger"

# ---- the same upstream behind both resolvers
start_stub stub
start_unbound ub "
  module-config: \"respip iterator\"
  do-not-query-localhost: no
  verbosity: 1
forward-zone:
  name: \".\"
  forward-addr: 127.0.0.1@${stub_port}
rpz:
  name: rpz.test.
  zonefile: \"${work}/rpz.zone\"
  rpz-log: yes"
start_resolver df --upstream "127.0.0.1:$stub_port" --list "rpz:$work/rpz.zone"

reject "$work/ub.log" 'error|warning' "Unbound loads the zone without an error or a warning"
expect "$work/df.log" 'catalogue: 3 entries, 6 rules' "dnsfilter loads the zone (strictly, as it does by default): 3 entries, 6 rules"

# answer SERVER_PORT NAME TYPE: "STATUS ANSWER..." as dig prints them.
answer() {
    local out
    out="$(dig @127.0.0.1 -p "$1" "$2" "$3" +tries=1 +time=3 +noall +comments +answer 2>&1 || true)"
    printf '%s %s\n' "$(sed -n 's/.*status: \([A-Z]*\),.*/\1/p' <<<"$out" | head -1)" \
        "$(grep -v '^;' <<<"$out" | awk 'NF >= 5 { print $4, $5 }' | sort | tr '\n' ' ')"
}

# same NAME TYPE WANT: both resolvers answer NAME/TYPE alike, with status WANT.
same() {
    local name="$1" type="$2" want="$3" u d
    u="$(answer "$ub_port" "$name" "$type")"
    d="$(answer "$df_port" "$name" "$type")"
    if [[ "$u" == "$d" && "$u" == "$want "* ]]; then
        echo "ok   - $name $type: $u"
    else
        echo "FAIL - $name $type: Unbound '$u', dnsfilter '$d', expected $want"
        failures=$((failures + 1))
    fi
}

for name in c2.evil.stub.example backup.evil.stub.example; do
    same "$name" A NXDOMAIN
    same "www.$name" A NXDOMAIN              # a name covers its subdomains
    same "deep.www.$name" AAAA NXDOMAIN
done
same exact.stub.example A NXDOMAIN           # =name: the name only
same exact2.stub.example AAAA NXDOMAIN
same www.exact.stub.example A NOERROR
same a.wild.stub.example A NXDOMAIN          # *.name: the names below only
same b.a.wild.stub.example A NXDOMAIN
same wild.stub.example A NOERROR
same ok.c2.evil.stub.example A NOERROR       # the exception
same www.ok.c2.evil.stub.example A NOERROR
same www.stub.example A NOERROR              # unlisted names, answered normally
same evil.stub.example A NOERROR
same c3.evil.stub.example A NOERROR
same unlisted.example A NXDOMAIN             # the stub's own NXDOMAIN
answer "$ub_port" www.stub.example A >"$work/ub-unlisted"
expect "$work/ub-unlisted" '^NOERROR A 192\.0\.2\.1 $' "Unbound answers an unlisted name with the upstream's address"
check "... which both resolvers asked the stub for" \
    test "$(grep -ci '^www\.stub\.example\. 1 ' "$work/stub.queries" || true)" -ge 2

# ---- the metadata's owner names: nobody asks for them, and they are no trigger
for owner in xx-20250109-0001.entry._dnsfilter c2.evil.stub.example.link._dnsfilter '*.wild.stub.example.link._dnsfilter'; do
    q "ub-$owner.out" dig @127.0.0.1 -p "$ub_port" "${owner/\*/x}" TXT +tries=1 +time=3
    q "df-$owner.out" dig @127.0.0.1 -p "$df_port" "${owner/\*/x}" TXT +tries=1 +time=3
    expect "$work/df-$owner.out" 'status: NXDOMAIN' "dnsfilter: ${owner} is no trigger (the upstream's answer)"
done
expect "$work/ub-xx-20250109-0001.entry._dnsfilter.out" 'status: NOERROR' \
    "Unbound: an entry's owner is local data under the non-existent TLD _dnsfilter"
expect "$work/ub-xx-20250109-0001.entry._dnsfilter.out" 'TXT[[:space:]]+"id=XX-20250109-0001"' "... answered with the TXT itself"
expect "$work/ub-c2.evil.stub.example.link._dnsfilter.out" 'TXT[[:space:]]+"xx-20250109-0001"' "... and a link's likewise"
same xx-20250109-0001.entry._dnsfilter.stub.example A NOERROR   # the label is special only below the apex

# ---- dnsfilter reports the deciding entries
"$match" --strict rpz:"$work/rpz.zone" -- www.c2.evil.stub.example exact.stub.example a.wild.stub.example \
    ok.c2.evil.stub.example www.stub.example >"$work/match.out" 2>"$work/match.err" || true
expect "$work/match.out" '^www\.c2\.evil\.stub\.example\.	nxdomain	XX-20250109-0001	information theft	' \
    "dnsfilter-match: the entry id and category of a subdomain's decision"
expect "$work/match.out" '^exact\.stub\.example\.	nxdomain	XX-20250110-0002	backdoor	.*exact' "... of a name-only rule"
expect "$work/match.out" '^a\.wild\.stub\.example\.	nxdomain	XX-20250110-0002	backdoor	' "... of a subdomains-only rule"
expect "$work/match.out" '^ok\.c2\.evil\.stub\.example\.	pass	XX-20250111-0003	allowed	' "... of the exception"
expect "$work/match.out" '^www\.stub\.example\.	pass	-' "... and no entry for an unlisted name"
expect "$work/match.err" '0 invalid' "... the zone loads in strict mode"
q ede.out dig @127.0.0.1 -p "$df_port" www.c2.evil.stub.example A +tries=1 +time=3
expect "$work/ede.out" 'XX-20250109-0001' "dnsfilter-resolver names the entry in its Extended DNS Error"

finish
