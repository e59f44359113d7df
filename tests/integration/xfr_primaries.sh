#!/usr/bin/env bash
# Zone transfers from real primaries on loopback, read by dnsfilter-xfr (the
# library's query writer and transfer reader): Knot DNS (knotd, changes made
# with knotc zone-begin / zone-set / zone-unset / zone-commit, IXFR from its
# journal) and BIND 9 (named, changes sent with nsupdate). For each: a first
# AXFR of a zone that spans several messages; IXFR after a change (a newly
# listed name added, a removed one deleted, nothing else sent); the
# single-SOA reply when our serial is current; a zone the primary does not
# serve (refused, with where). From BIND also an IXFR it answers as AXFR (a
# change too large for its max-ixfr-ratio).
#
# usage: xfr_primaries.sh PATH/TO/dnsfilter-xfr
xfr="${1:?usage: xfr_primaries.sh DNSFILTER_XFR}"
source "$(dirname "$0")/lib.sh"
need knotd knotc named nsupdate

serial=2026120701
# write_zone FILE ORIGIN TRIGGERS: an RPZ zone with two listed names and TRIGGERS more.
write_zone() {
    local file="$1" origin="$2" triggers="$3"
    {
        printf '$ORIGIN %s.\n$TTL 3600\n' "$origin"
        printf '@ SOA ns.%s. hostmaster.%s. %s 3600 600 86400 60\n' "$origin" "$origin" "$serial"
        printf '@ NS ns.%s.\nns A 127.0.0.1\n' "$origin"
        printf 'old.example CNAME .\n*.evil.example CNAME .\n'
        for ((i = 1; i <= triggers; i++)); do printf 'c2-%04d.botnet.example CNAME .\n' "$i"; done
    } >"$file"
}

# transfers NAME PORT CHANGE: the checks every primary must pass; CHANGE is a
# command that lists new.example and removes old.example on the primary.
transfers() {
    local name="$1" port="$2" change="$3"
    q "$name-axfr.out" "$xfr" 127.0.0.1 "$port" rpz.example
    expect "$work/$name-axfr.out" "^full $serial\$" "$name AXFR: a whole zone at the zone's serial"
    expect "$work/$name-axfr.out" '^\+ old\.example\.rpz\.example\. CNAME$' "$name AXFR: a listed name"
    expect "$work/$name-axfr.out" '^\+ c2-3000\.botnet\.example\.rpz\.example\. CNAME$' "$name AXFR: the last of 3000 triggers"
    expect "$work/$name-axfr.out" "^end $serial\$" "$name AXFR: closed by the zone's SOA"
    check "$name AXFR: 3000 triggers and the 4 other records" test "$(grep -c '^+ ' "$work/$name-axfr.out")" -eq 3004
    expect "$work/$name-axfr.out" '^result full, ([2-9]|[1-9][0-9]+) messages' "$name AXFR: the stream spans several messages"

    "$change"
    q "$name-ixfr.out" "$xfr" 127.0.0.1 "$port" rpz.example "$serial"
    expect "$work/$name-ixfr.out" "^from $serial\$" "$name IXFR: one difference from our serial"
    expect "$work/$name-ixfr.out" '^- old\.example\.rpz\.example\. CNAME$' "$name IXFR: the removed name is deleted"
    expect "$work/$name-ixfr.out" "^to $((serial + 1))\$" "$name IXFR: ... to the new serial"
    expect "$work/$name-ixfr.out" '^\+ new\.example\.rpz\.example\. CNAME$' "$name IXFR: the newly listed name is added"
    expect "$work/$name-ixfr.out" '^result incremental' "$name IXFR: an incremental transfer"
    reject "$work/$name-ixfr.out" 'c2-0001' "$name IXFR: only the change travels, not the zone"

    q "$name-current.out" "$xfr" 127.0.0.1 "$port" rpz.example "$((serial + 1))"
    expect "$work/$name-current.out" '^result up-to-date, 1 messages, 1 records' "$name IXFR at the current serial: up to date"

    q "$name-other.out" "$xfr" 127.0.0.1 "$port" other.example
    expect "$work/$name-other.out" 'message 0, record 0: zone transfer refused by the primary' \
        "$name: a zone it does not serve is refused, and the reader says where"
}

# ---- Knot DNS
knot_port=$((20000 + RANDOM % 20000))
mkdir -p "$work/knot"
write_zone "$work/knot/rpz.example.zone" rpz.example 3000
knot_conf "$work/knot" "$knot_port"
knot() { knotc -c "$work/knot/knot.conf" "$@"; }
start knot knotd -c "$work/knot/knot.conf"
for _ in $(seq 1 100); do knot zone-status rpz.example 2>/dev/null | grep -q "serial: $serial" && break; sleep 0.1; done
knot_change() {
    knot zone-begin rpz.example >/dev/null
    knot zone-set rpz.example new.example.rpz.example. 3600 CNAME . >/dev/null
    knot zone-unset rpz.example old.example.rpz.example. CNAME >/dev/null
    knot zone-commit rpz.example >/dev/null
}
transfers knot "$knot_port" knot_change

# ---- BIND 9
bind_port=$((40000 + RANDOM % 20000))
mkdir -p "$work/bind"
write_zone "$work/bind/rpz.example.zone" rpz.example 3000
write_zone "$work/bind/small.example.zone" small.example 0
start_named "$work/bind" "$bind_port" "" rpz.example small.example
# nsupdate ZONE: lists new.example and removes old.example in ZONE.
bind_update() {
    printf 'server 127.0.0.1 %s\nzone %s\nupdate add new.example.%s. 3600 CNAME .\nupdate delete old.example.%s. CNAME\nsend\n' \
        "$bind_port" "$1" "$1" "$1" | nsupdate
}
bind_change() { bind_update rpz.example; }
transfers bind "$bind_port" bind_change

# A change as large as the zone: BIND answers the IXFR with the whole zone.
bind_update small.example
q bind-small.out "$xfr" 127.0.0.1 "$bind_port" small.example "$serial"
expect "$work/bind-small.out" "^full $((serial + 1))\$" "bind: IXFR answered as AXFR is read as a whole zone"
expect "$work/bind-small.out" '^\+ new\.example\.small\.example\. CNAME$' "bind: ... holding the new name"
reject "$work/bind-small.out" 'old\.example' "bind: ... and not the removed one"
expect "$work/bind-small.out" '^result full' "bind: ... and reported as full"

finish
