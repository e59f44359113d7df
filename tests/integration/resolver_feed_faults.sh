#!/usr/bin/env bash
# dnsfilter-resolver's policy feed (--feed) when things go wrong, against real
# primaries on loopback (issue 14), checked with dig:
#   - tests/integration/fault_proxy.py between the resolver and Knot DNS: a
#     transfer cut mid-stream, a corrupted octet, a truncated message, a stalled
#     primary (max-time=2s; the resolver answers meanwhile): each failure is
#     counted and leaves the serving policy as it was; once the proxy passes
#     the stream again, the next NOTIFY brings the change; a slow stream that
#     ends within max-time is taken;
#   - BIND 9 (named) as the primary: first AXFR, nsupdate + NOTIFY -> IXFR;
#   - the primary's serial going backwards (knotd restarted with an older zone):
#     the policy stays, the refusal is logged;
#   - a zone over max-size: refused with the reason, no policy taken;
#   - tests/integration/fake_primary.py serving what Knot will not: a record
#     outside the zone (the transfer is refused, the policy stays) and a record
#     twice in an AXFR (the zone holds it once: one IXFR deletion removes it);
#   - dnsperf load while 10 Knot changes arrive by NOTIFY + IXFR: no query lost.
#
# usage: resolver_feed_faults.sh PATH/TO/dnsfilter-resolver PATH/TO/dnsfilter-test-upstream
resolver="${1:?usage: resolver_feed_faults.sh RESOLVER STUB}"
stub="${2:?usage: resolver_feed_faults.sh RESOLVER STUB}"
source "$(dirname "$0")/lib.sh"
need knotd knotc named nsupdate dig dnsperf python3
here="$(cd "$(dirname "$0")" && pwd)"
zone=rpz.example.

# rcode NAME PORT: the rcode the resolver on PORT gives NAME.
rcode() { dig @127.0.0.1 -p "$2" +tries=1 +time=2 "$1" A 2>/dev/null | sed -n 's/.*status: \([A-Z]*\).*/\1/p'; }
# until_rcode NAME RCODE PORT: waits (at most 10 s) for NAME to get RCODE.
until_rcode() {
    local i
    for ((i = 0; i < 100; i++)); do [[ "$(rcode "$1" "$3")" == "$2" ]] && return 0; sleep 0.1; done
    return 1
}
# notify PORT: a NOTIFY for the zone from 127.0.0.1 (a primary's address).
notify() { dig @127.0.0.1 -p "$1" +opcode=notify +norec +tries=1 +time=2 rpz.example SOA >/dev/null 2>&1 || true; }
# transfers METRICS KIND RESULT: dnsfilter_feed_transfers_total for the zone.
transfers() { metric "$1" "dnsfilter_feed_transfers_total{zone=\"$zone\",kind=\"$2\",result=\"$3\"}"; }
failed() { echo $(($(transfers "$1" axfr failed) + $(transfers "$1" ixfr failed))); }
serial_of() { metric "$1" "dnsfilter_feed_serial{zone=\"$zone\"}"; }
# until_failed METRICS N: waits (at most 10 s) for more than N failed transfers.
until_failed() {
    local i
    for ((i = 0; i < 100; i++)); do (($(failed "$1") > $2)) && return 0; sleep 0.1; done
    return 1
}
stop_resolver() { kill -TERM "$(server_pid "$1")" 2>/dev/null || true; eval "wait \${$1_pid}" 2>/dev/null || true; }

# ---- Knot DNS: an RPZ of 2000 triggers (several messages), refresh 1 h, retry 10 min,
# so that only NOTIFY starts a transfer here. It notifies the load test's resolver.
serial=2026120701
knot_port=$((20000 + RANDOM % 20000))
notify_port=$((40000 + RANDOM % 20000))
mkdir -p "$work/knot/db"
# knot_zone SERIAL EXTRA: the zone file, with the names of EXTRA listed too.
knot_zone() {
    {
        printf '$ORIGIN rpz.example.\n$TTL 3600\n'
        printf '@ SOA ns.rpz.example. hostmaster.rpz.example. %s 3600 600 86400 60\n' "$1"
        printf '@ NS ns.rpz.example.\nns A 127.0.0.1\n'
        printf 'old.stub.example CNAME .\nkept.stub.example CNAME .\n'
        for ((i = 1; i <= 2000; i++)); do printf 'c2-%04d.botnet.stub.example CNAME .\n' "$i"; done
        for n in $2; do printf '%s CNAME .\n' "$n"; done
    } >"$work/knot/rpz.example.zone"
}
knot_zone "$serial" ""
knot_conf "$work/knot" "$knot_port" "$notify_port" "$work/knot/db"
knot() { knotc -c "$work/knot/knot.conf" "$@"; }
start_knot() {
    start knot knotd -c "$work/knot/knot.conf"
    for _ in $(seq 1 100); do knot zone-status rpz.example 2>/dev/null | grep -q "serial: $1" && return 0; sleep 0.1; done
    echo "FAIL - knotd did not load serial $1:"; cat "$work/knot.log"; exit 1
}
start_knot "$serial"
# knot_change ADD... [-REMOVE...]: one transaction on Knot (a NOTIFY follows).
knot_change() {
    local n
    knot zone-begin rpz.example >/dev/null
    for n in "$@"; do
        if [[ "$n" == -* ]]; then knot zone-unset rpz.example "${n#-}.rpz.example." CNAME >/dev/null
        else knot zone-set rpz.example "$n.rpz.example." 3600 CNAME . >/dev/null; fi
    done
    knot zone-commit rpz.example >/dev/null
}

start_stub stub

# ==== 1. faults between the resolver and Knot, through fault_proxy.py on one port
# respawn KIND PORT SCRIPT ARGS...: stops the KIND server running (if any) and
# starts python3 SCRIPT ARGS --listen PORT (0: the system chooses) as the next
# one, named KIND1, KIND2...; sets KIND_port. The port may take a moment to be free.
respawn() {
    local kind="$1" port="$2" script="$3" n name i; shift 3
    eval "n=\${${kind}_n:-0}"
    if ((n > 0)); then eval "kill \${${kind}${n}_pid}; wait \${${kind}${n}_pid}" 2>/dev/null || true; fi
    n=$((n + 1)); name="$kind$n"
    eval "${kind}_n=$n"
    for ((i = 0; i < 20; i++)); do
        start "$name" python3 "$here/$script" "$@" --listen "$port"
        wait_for "$work/$name.log" '^port [0-9]+' 2 && break
        sleep 0.1
    done
    port="$(sed -n '1s/^port \([0-9]*\)$/\1/p' "$work/$name.log")"
    [[ -n "$port" ]] || { echo "FAIL - $script did not start:"; cat "$work/$name.log"; exit 1; }
    eval "${kind}_port=$port"
}
proxy_port=0
# proxy ARGS...: (re)starts the proxy to Knot on proxy_port with these faults.
proxy() { respawn proxy "$proxy_port" fault_proxy.py --primary "127.0.0.1:$knot_port" --lifetime 120 "$@"; }
proxy  # pass-through
start_resolver r1 --upstream "127.0.0.1:$stub_port" --list-action nxdomain \
    --feed "rpz.example primary=127.0.0.1:$proxy_port seed=$work/r1.seed max-time=2s"
check "through the proxy: the first AXFR blocks a listed name" until_rcode c2-2000.botnet.stub.example NXDOMAIN "$r1_port"

# A change of 400 names (an IXFR of several kilobytes), then one fault at a time.
new_names=()
for ((i = 1; i <= 400; i++)); do new_names+=("$(printf 'new-%03d.stub.example' "$i")"); done
knot_change fresh.stub.example "${new_names[@]}" -old.stub.example
# still_serving WHAT: the policy of the first AXFR, serial and all.
still_serving() {
    check "$1: the policy stays (a listed name is blocked)" test "$(rcode old.stub.example "$r1_port")" = NXDOMAIN
    check "$1: ... a name of the new zone only is not" test "$(rcode fresh.stub.example "$r1_port")" = NOERROR
    check "$1: ... the serial stays" test "$(serial_of "$r1_metrics")" = "$serial"
}
# logged NAME LINES PATTERN: waits (at most 5 s) for PATTERN in NAME's log past its first LINES lines.
logged() {
    local i
    for ((i = 0; i < 50; i++)); do tail -n "+$(($2 + 1))" "$work/$1.log" | grep -qE -- "$3" && return 0; sleep 0.1; done
    return 1
}
lines() { wc -l <"$work/$1.log"; }
# fault WHAT PATTERN ARGS...: the proxy with a fault, a NOTIFY; the transfer fails and
# the resolver logs PATTERN.
fault() {
    local what="$1" pattern="$2"; shift 2
    proxy "$@"
    local before at; before="$(failed "$r1_metrics")"; at="$(lines r1)"
    notify "$r1_port"
    check "$what: the failed transfer is counted (result=\"failed\")" until_failed "$r1_metrics" "$before"
    check "$what: the resolver says why" logged r1 "$at" "$pattern"
    still_serving "$what"
}
fault "cut mid-stream" 'transfer from 127.0.0.1:[0-9]+ failed: the stream ended inside a message' --cut-after 5000
fault "corrupted octet (the first record's type)" 'transfer from 127.0.0.1:[0-9]+ failed: message 0, record 0: malformed' --corrupt-at 34
fault "truncated message" 'transfer from 127.0.0.1:[0-9]+ failed: the stream ended inside a message' --truncate-message 1
proxy --stall
before="$(failed "$r1_metrics")"; at="$(lines r1)"
notify "$r1_port"
sleep 0.5
t0=$(date +%s%N)
check "stall: the resolver answers meanwhile (blocked name)" test "$(rcode c2-0001.botnet.stub.example "$r1_port")" = NXDOMAIN
check "stall: the resolver answers meanwhile (unlisted name)" test "$(rcode during-stall.stub.example "$r1_port")" = NOERROR
check "stall: ... at once" test $(( ($(date +%s%N) - t0) / 1000000 )) -lt 1000
check "stall: the transfer fails once max-time (2 s) is over" until_failed "$r1_metrics" "$before"
check "stall: the resolver says why" logged r1 "$at" 'transfer from 127.0.0.1:[0-9]+ failed: over max-time'
still_serving "stall"

# SIGTERM while a transfer stalls: the resolver stops at once, not after max-time.
start_resolver rs --upstream "127.0.0.1:$stub_port" --feed "rpz.example primary=127.0.0.1:$proxy_port max-time=60s"
sleep 1  # its first transfer is now waiting on the stalled proxy
t0=$(date +%s%N)
kill -TERM "$(server_pid rs)"
wait "$rs_pid" 2>/dev/null || true
check "a stalled transfer does not hold SIGTERM (stopped in under 3 s, max-time 60 s)" \
    test $(( ($(date +%s%N) - t0) / 1000000 )) -lt 3000

proxy  # the fault removed: pass-through on the same port
notify "$r1_port"
check "fault removed: the next NOTIFY brings the change (new name blocked)" until_rcode fresh.stub.example NXDOMAIN "$r1_port"
check "fault removed: ... the removed name resolves" until_rcode old.stub.example NOERROR "$r1_port"
check "fault removed: ... the serial is the primary's" test "$(serial_of "$r1_metrics")" = "$((serial + 1))"
check "fault removed: ... by IXFR" test "$(transfers "$r1_metrics" ixfr incremental)" = 1

knot_change slow.stub.example
proxy --delay 0.4
t0=$(date +%s%N)
notify "$r1_port"
check "slow stream within max-time: the change is taken" until_rcode slow.stub.example NXDOMAIN "$r1_port"
check "slow stream: ... and it was slow (at least 0.4 s)" test $(( ($(date +%s%N) - t0) / 1000000 )) -ge 400
check "slow stream: ... the serial follows" test "$(serial_of "$r1_metrics")" = "$((serial + 2))"
stop_resolver r1


# ==== 6. dnsperf load while 10 changes come from Knot, each by NOTIFY + IXFR
# (Knot notifies this resolver's second listener itself).
start_resolver r6 --listen "127.0.0.1:$notify_port" --upstream "127.0.0.1:$stub_port" --list-action nxdomain \
    --feed "rpz.example primary=127.0.0.1:$knot_port seed=$work/r6.seed"
check "load: the resolver has the zone" until_rcode slow.stub.example NXDOMAIN "$r6_port"
load_serial="$(serial_of "$r6_metrics")"
for ((i = 1; i <= 300; i++)); do
    printf 'q-%03d.stub.example A\n' "$i"
    ((i % 30 == 0)) && printf 'c2-%04d.botnet.stub.example A\n' "$i"
done >"$work/queries"
timeout 30 dnsperf -s 127.0.0.1 -p "$r6_port" -d "$work/queries" -Q 2000 -l 5 -t 2 >"$work/dnsperf.out" 2>&1 &
perf_pid=$!
sleep 0.5
for ((i = 1; i <= 10; i++)); do knot_change "load-$i.stub.example"; sleep 0.3; done
wait "$perf_pid" || true
check "load: dnsperf ran (queries sent)" grep -qE 'Queries sent: +[1-9][0-9]{3,}' "$work/dnsperf.out"
expect "$work/dnsperf.out" 'Queries lost: +0 ' "load: no query lost while 10 IXFRs applied"
reject "$work/dnsperf.out" 'SERVFAIL' "load: ... and no SERVFAIL"
check "load: the last change is served" until_rcode load-10.stub.example NXDOMAIN "$r6_port"
check "load: ... and the first" test "$(rcode load-1.stub.example "$r6_port")" = NXDOMAIN
check "load: 10 more serials" test "$(serial_of "$r6_metrics")" = "$((load_serial + 10))"
check "load: by IXFR" test "$(transfers "$r6_metrics" ixfr incremental)" -ge 10

# ==== 3. the primary's serial goes backwards: Knot restarted, journal dropped,
# with an older zone (no load-*, old.stub.example listed again).
kill "$knot_pid"; wait "$knot_pid" 2>/dev/null || true
rm -rf "$work/knot/db"; mkdir -p "$work/knot/db"
knot_zone "$((serial - 1))" "backwards.stub.example"
start_knot "$((serial - 1))"
at="$(lines r6)"; before="$(failed "$r6_metrics")"
notify "$r6_port"
check "serial backwards: the resolver refuses the older zone, and says so" \
    logged r6 "$at" "failed: the primary's serial $((serial - 1)) is older than ours \\($((load_serial + 10))\\)"
sleep 1
check "serial backwards: the serial stays" test "$(serial_of "$r6_metrics")" = "$((load_serial + 10))"
check "serial backwards: a name of the newer zone stays blocked" test "$(rcode load-10.stub.example "$r6_port")" = NXDOMAIN
check "serial backwards: a name of the older zone only is not" test "$(rcode backwards.stub.example "$r6_port")" = NOERROR
check "serial backwards: the resolver still answers" test "$(rcode after-backwards.stub.example "$r6_port")" = NOERROR
stop_resolver r6

# ==== 4. a zone over max-size (4k; the zone is over 80k): refused, no policy taken.
start_resolver r4 --upstream "127.0.0.1:$stub_port" --list-action nxdomain \
    --feed "rpz.example primary=127.0.0.1:$knot_port max-size=4k"
check "max-size: the transfer is refused, with the reason" wait_for "$work/r4.log" 'transfer from 127\.0\.0\.1:[0-9]+ failed: over max-size \(4096 octets\)' 10
check "max-size: counted as failed" until_failed "$r4_metrics" 0
check "max-size: no policy taken (a listed name resolves)" test "$(rcode c2-0001.botnet.stub.example "$r4_port")" = NOERROR
check "max-size: no serial" test "$(serial_of "$r4_metrics")" = 0
stop_resolver r4


# ==== 5. what Knot will not serve, from fake_primary.py: a record twice, a record outside the zone.
mkdir -p "$work/fake"
printf '@ NS ns\nns A 127.0.0.1\ndup.stub.example CNAME .\nx.stub.example CNAME .\ndup.stub.example CNAME .\n' >"$work/fake/v5"
printf '@ NS ns\nns A 127.0.0.1\ndup.stub.example CNAME .\nx.stub.example CNAME .\nnew6.stub.example CNAME .\noutside.stub.example. CNAME .\n' >"$work/fake/v6"
printf '@ NS ns\nns A 127.0.0.1\nx.stub.example CNAME .\n' >"$work/fake/v7"
printf 'dup.stub.example CNAME .\n' >"$work/fake/del7"
: >"$work/fake/add7"
fake_port=0
# fake ARGS...: (re)starts the fake primary on fake_port.
fake() { respawn fake "$fake_port" fake_primary.py --zone rpz.example --per-message 2 --lifetime 60 "$@"; }
fake --axfr "5:$work/fake/v5"
start_resolver r5 --upstream "127.0.0.1:$stub_port" --list-action nxdomain \
    --feed "rpz.example primary=127.0.0.1:$fake_port max-time=2s"
check "a record twice in an AXFR: the zone is taken" until_rcode x.stub.example NXDOMAIN "$r5_port"
check "a record twice in an AXFR: its name is blocked" test "$(rcode dup.stub.example "$r5_port")" = NXDOMAIN
check "a record twice in an AXFR: the serial" test "$(serial_of "$r5_metrics")" = 5

fake --axfr "6:$work/fake/v6"
at="$(lines r5)"; before="$(failed "$r5_metrics")"
notify "$r5_port"
check "a record outside the zone: the transfer fails, counted" until_failed "$r5_metrics" "$before"
check "a record outside the zone: the resolver says why" logged r5 "$at" \
    'transfer from 127\.0\.0\.1:[0-9]+ failed: message [0-9]+, record [0-9]+: record outside the zone'
check "a record outside the zone: the policy stays (serial)" test "$(serial_of "$r5_metrics")" = 5
check "a record outside the zone: ... a name of the refused zone only is not blocked" \
    test "$(rcode new6.stub.example "$r5_port")" = NOERROR
check "a record outside the zone: ... the out-of-zone name itself is not blocked" \
    test "$(rcode outside.stub.example "$r5_port")" = NOERROR
check "a record outside the zone: ... the listed names stay blocked" test "$(rcode dup.stub.example "$r5_port")" = NXDOMAIN

# The zone held the repeated record once: one IXFR deletion of it unlists the name.
fake --axfr "7:$work/fake/v7" --ixfr "5:$work/fake/del7:$work/fake/add7"
notify "$r5_port"
check "a record twice, then deleted once by IXFR: the name resolves" until_rcode dup.stub.example NOERROR "$r5_port"
check "... by IXFR" test "$(transfers "$r5_metrics" ixfr incremental)" = 1
check "... the other names stay blocked" test "$(rcode x.stub.example "$r5_port")" = NXDOMAIN
stop_resolver r5

# ==== 2. BIND 9 as the primary: AXFR, then nsupdate and its NOTIFY -> IXFR.
bind_port=$((20000 + RANDOM % 20000))
bind_notify_port=$((40000 + RANDOM % 20000))
mkdir -p "$work/bind"
{
    printf '$ORIGIN rpz.example.\n$TTL 3600\n'
    printf '@ SOA ns.rpz.example. hostmaster.rpz.example. %s 3600 600 86400 60\n' "$serial"
    printf '@ NS ns.rpz.example.\nns A 127.0.0.1\nold.stub.example CNAME .\nkept.stub.example CNAME .\n'
    for ((i = 1; i <= 500; i++)); do printf 'b-%04d.botnet.stub.example CNAME .\n' "$i"; done
} >"$work/bind/rpz.example.zone"
start_named "$work/bind" "$bind_port" "  notify explicit;
  notify-delay 0;
  also-notify { 127.0.0.1 port $bind_notify_port; };
" rpz.example
start_resolver r2 --listen "127.0.0.1:$bind_notify_port" --upstream "127.0.0.1:$stub_port" --list-action nxdomain \
    --feed "rpz.example primary=127.0.0.1:$bind_port"
check "BIND: the first AXFR blocks a listed name" until_rcode b-0500.botnet.stub.example NXDOMAIN "$r2_port"
check "BIND: ... old.stub.example too" test "$(rcode old.stub.example "$r2_port")" = NXDOMAIN
check "BIND: ... by AXFR" test "$(transfers "$r2_metrics" axfr full)" = 1
printf 'server 127.0.0.1 %s\nzone rpz.example\nupdate add new.stub.example.rpz.example. 3600 CNAME .\nupdate delete old.stub.example.rpz.example. CNAME\nsend\n' \
    "$bind_port" | timeout 10 nsupdate >"$work/nsupdate.out" 2>&1 || true
check "BIND: after nsupdate and its NOTIFY, the new name is blocked" until_rcode new.stub.example NXDOMAIN "$r2_port"
check "BIND: ... the removed name resolves" until_rcode old.stub.example NOERROR "$r2_port"
check "BIND: ... the rest stays" test "$(rcode kept.stub.example "$r2_port")" = NXDOMAIN
check "BIND: ... by IXFR" test "$(transfers "$r2_metrics" ixfr incremental)" = 1
check "BIND: ... the serial follows" test "$(serial_of "$r2_metrics")" = "$((serial + 1))"
check "BIND: ... the NOTIFY came from named" test "$(metric "$r2_metrics" "dnsfilter_feed_notifies_total{zone=\"$zone\"}")" -ge 1
stop_resolver r2

finish
