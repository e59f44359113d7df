#!/usr/bin/env bash
# dnsfilter-embed's forwarding (the library's transaction table) seen from the
# upstream's side: recording_upstream.py, a small UDP server on loopback,
# records the id and source port of every query it receives and misbehaves
# on request. Checked: each upstream query has its own random id (never the
# client's, which dig fixes with +qid) and its own source port; a forged
# answer from another port, or with another id, is ignored and the real one
# used; four queries are in flight at once; a silent upstream gets two
# attempts (new id, new port) and the client SERVFAIL with EDE 23.
#
# usage: embed_forwarding.sh PATH/TO/dnsfilter-embed (or dnsfilter-embed-c, its twin in C)
embed="${1:?usage: embed_forwarding.sh PATH/TO/dnsfilter-embed}"
source "$(dirname "$0")/lib.sh"
need dig python3

printf 'blocked.example\n' >"$work/list.txt"
start upstream python3 "$(dirname "$0")/recording_upstream.py" --log "$work/queries" --hold 4
wait_for "$work/upstream.log" '^port [0-9]+' 5 || { echo "FAIL - the upstream did not start:"; cat "$work/upstream.log"; exit 1; }
upstream_port="$(sed -n 's/^port \([0-9]*\)$/\1/p' "$work/upstream.log" | head -1)"

start_embed "$work/list.txt" "$upstream_port"
port="$embed_port"

# ---- ids and source ports: 20 queries, all with the client id 4660 (0x1234)
for i in $(seq 1 20); do q "rand$i.out" dig @127.0.0.1 -p "$port" "n$i.rand.example" A +qid=4660 +tries=1 +time=3; done
expect "$work/rand1.out" '192\.0\.2\.1' "a forwarded query is answered"
expect "$work/rand1.out" 'id: 4660' "... under the client's own id"
check "all 20 answered" test "$(grep -l '192\.0\.2\.1' "$work"/rand*.out | wc -l)" -eq 20
{ grep '\.rand\.example ' "$work/queries" || true; } | awk '{print $2}' >"$work/ids"
{ grep '\.rand\.example ' "$work/queries" || true; } | awk '{print $3}' >"$work/ports"
check "the upstream saw 20 queries" test "$(wc -l <"$work/ids")" -eq 20
check "... with at least 19 different ids" test "$(sort -u "$work/ids" | wc -l)" -ge 19
check "... none of them (but by a 2^-16 chance) the client's 4660" test "$(grep -cx 4660 "$work/ids" || true)" -le 1
check "... and high and low octets both varying" \
    test "$(awk '{print int($1/256)}' "$work/ids" | sort -u | wc -l)" -ge 15 -a "$(awk '{print $1%256}' "$work/ids" | sort -u | wc -l)" -ge 15
check "... from at least 19 different source ports" test "$(sort -u "$work/ports" | wc -l)" -ge 19

# ---- spoofed answers: the forged 6.6.6.6 arrives first, the real 192.0.2.1 after
q port.out dig @127.0.0.1 -p "$port" spoof-port.example A +tries=1 +time=3
q id.out   dig @127.0.0.1 -p "$port" spoof-id.example A +tries=1 +time=3
expect "$work/port.out" '192\.0\.2\.1' "a forged answer from another port is ignored, the real one used"
reject "$work/port.out" '6\.6\.6\.6' "... the forged address never reaches the client"
expect "$work/id.out" '192\.0\.2\.1' "a forged answer with another id is ignored, the real one used"
reject "$work/id.out" '6\.6\.6\.6' "... the forged address never reaches the client"

# ---- several queries in flight: the upstream answers hold.* only when four wait together
digs=()
for i in 1 2 3 4; do
    dig @127.0.0.1 -p "$port" "h$i.hold.example" A +tries=1 +time=5 >"$work/hold$i.out" 2>&1 &
    digs+=($!)
done
wait "${digs[@]}" || true
check "four queries in flight at once, all answered" test "$(grep -l '192\.0\.2\.1' "$work"/hold*.out | wc -l)" -eq 4

# ---- a silent upstream: two attempts, each with its own id and port, then SERVFAIL
q silent.out dig @127.0.0.1 -p "$port" silent.example A +tries=1 +time=6
expect "$work/silent.out" 'status: SERVFAIL' "a silent upstream: SERVFAIL after the attempts"
expect "$work/silent.out" 'EDE: 23 \(Network Error\)' "... with Extended DNS Error 23"
check "two attempts" test "$(grep -c '^silent\.example ' "$work/queries" || true)" -eq 2
check "... with two ids and two source ports" \
    test "$(grep '^silent\.example ' "$work/queries" | awk '{print $2}' | sort -u | wc -l)" -eq 2 -a \
         "$(grep '^silent\.example ' "$work/queries" | awk '{print $3}' | sort -u | wc -l)" -eq 2

finish
