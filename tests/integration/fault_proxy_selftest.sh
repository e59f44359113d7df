#!/usr/bin/env bash
# Self-check of tests/integration/fault_proxy.py against Knot DNS: kdig AXFR
# through the proxy on loopback. Pass-through and a delay give the same records
# as a direct transfer; a cut, a stall, a corrupted length prefix and a message
# truncated in the middle make kdig report an error; the chosen port comes on
# the first line; the proxy ends by itself at --lifetime.
#
# usage: fault_proxy_selftest.sh
source "$(dirname "$0")/lib.sh"
need knotd knotc kdig python3
proxy_py="$(cd "$(dirname "$0")" && pwd)/fault_proxy.py"

# ---- the primary: a 3000-trigger RPZ zone, several messages of AXFR.
knot_port=$((20000 + RANDOM % 40000))
mkdir -p "$work/knot"
{
    printf '$ORIGIN rpz.example.\n$TTL 3600\n'
    printf '@ SOA ns.rpz.example. hostmaster.rpz.example. 2026120701 3600 600 86400 60\n'
    printf '@ NS ns.rpz.example.\nns A 127.0.0.1\n'
    for ((i = 1; i <= 3000; i++)); do printf 'c2-%04d.botnet.example CNAME .\n' "$i"; done
} >"$work/knot/rpz.example.zone"
cat >"$work/knot/knot.conf" <<CONF
server:
    rundir: "$work/knot"
    listen: 127.0.0.1@$knot_port
    udp-workers: 1
    tcp-workers: 1
    background-workers: 1
database:
    storage: "$work/knot"
log:
  - target: stdout
    any: info
acl:
  - id: loopback
    address: 127.0.0.1
    action: transfer
zone:
  - domain: rpz.example
    file: "$work/knot/rpz.example.zone"
    acl: loopback
CONF
start knot knotd -c "$work/knot/knot.conf"
for _ in $(seq 1 100); do knotc -c "$work/knot/knot.conf" zone-status rpz.example 2>/dev/null | grep -q 'serial: 2026120701' && break; sleep 0.1; done

# records FILE: the transfer's records, sorted, without kdig's comments.
records() { grep -vE '^(;|$)' "$1" | sort; }
# axfr OUT PORT [kdig options]: kdig's output into $work/OUT, its exit code into $work/OUT.rc.
axfr() {
    local out="$1" port="$2"; shift 2
    local rc=0
    timeout 30 kdig @127.0.0.1 -p "$port" +tcp +timeout=2 +retry=0 "$@" rpz.example AXFR >"$work/$out" 2>&1 || rc=$?
    echo "$rc" >"$work/$out.rc"
}
# proxy NAME ARGS...: a proxy to knotd; sets NAME_port from its first line.
proxy() {
    local name="$1"; shift
    start "$name" python3 "$proxy_py" --primary "127.0.0.1:$knot_port" "$@"
    wait_for "$work/$name.log" '^port [0-9]+' 5 || { echo "FAIL - $name did not start:"; cat "$work/$name.log"; exit 1; }
    check "$name: the chosen port comes on the first line" grep -qE '^port [0-9]+$' <(head -1 "$work/$name.log")
    eval "${name}_port=$(sed -n '1s/^port \([0-9]*\)$/\1/p' "$work/$name.log")"
}
failed_transfer() {  # NAME: kdig failed, or said so
    [[ "$(cat "$work/$1.rc")" != 0 ]] || grep -qiE 'error|failed|timed out|malformed|truncated' "$work/$1"
}

axfr direct "$knot_port"
check "direct AXFR: exit 0" test "$(cat "$work/direct.rc")" = 0
check "direct AXFR: 3000 triggers and SOA, NS, A, closing SOA" test "$(records "$work/direct" | wc -l)" -eq 3004
expect "$work/direct" 'Received [0-9]+ B \(([2-9]|[1-9][0-9]+) messages' "direct AXFR spans several messages"

proxy pass --lifetime 60
axfr pass "$pass_port"
check "pass-through: exit 0" test "$(cat "$work/pass.rc")" = 0
check "pass-through: the same records as direct" diff <(records "$work/direct") <(records "$work/pass")

proxy slow --delay 0.05 --lifetime 60
t0=$(date +%s%N)
axfr slow "$slow_port" +timeout=10
t1=$(date +%s%N)
check "delay: exit 0" test "$(cat "$work/slow.rc")" = 0
check "delay: the same records as direct" diff <(records "$work/direct") <(records "$work/slow")
check "delay: the transfer took at least 0.05 s" test $(( (t1 - t0) / 1000000 )) -ge 50

proxy cut --cut-after 5000 --lifetime 60
axfr cut "$cut_port"
check "cut after 5000 octets: kdig reports an error" failed_transfer cut
check "cut: fewer records than direct" test "$(records "$work/cut" | wc -l)" -lt 3004
wait_for "$work/cut.log" 'cut after 5000 octets' 5
expect "$work/cut.log" 'cut after 5000 octets from the primary' "cut: the proxy forwarded exactly 5000 octets"

proxy stall --stall --lifetime 60
axfr stall "$stall_port"
check "stall: kdig reports an error (time-out)" failed_transfer stall
check "stall: no record" test "$(records "$work/stall" | wc -l)" -eq 0
expect "$work/stall.log" 'stall: read [1-9][0-9]* octets of query' "stall: the proxy read the query"

proxy corrupt --corrupt-at 0 --lifetime 60
axfr corrupt "$corrupt_port"
check "corrupt the first length octet: kdig reports an error" failed_transfer corrupt
expect "$work/corrupt.log" 'flipped the octet at offset 0' "corrupt: the proxy flipped octet 0"

proxy trunc --truncate-message 2 --lifetime 60
axfr trunc "$trunc_port"
check "truncate in message 2: kdig reports an error" failed_transfer trunc
check "truncate: fewer records than direct" test "$(records "$work/trunc" | wc -l)" -lt 3004
wait_for "$work/trunc.log" 'truncated after' 5
expect "$work/trunc.log" 'truncated after [0-9]+ octets' "truncate: the proxy ended the stream"

proxy brief --lifetime 1
sleep 2.5
check "lifetime: the proxy exits by itself" bash -c "! kill -0 ${brief_pid} 2>/dev/null"
expect "$work/brief.log" 'lifetime over, exiting' "lifetime: it says so"

finish
