#!/usr/bin/env bash
# dnsfilter-resolver's policy feed (--feed) against a real primary on
# loopback: Knot DNS serves an RPZ, changed with knotc zone transactions (IXFR
# from its journal) and sends NOTIFY to the resolver. Checked with dig: the
# first AXFR blocks the listed names; after a change and its NOTIFY a newly
# listed name is blocked and a removed one resolves again; a NOTIFY from a
# stranger is refused and counted; the seed file serves after a restart with
# the primary down; --feed-stale servfail answers SERVFAIL until a policy is
# there; metrics give the serial and the transfers.
#
# usage: resolver_feed.sh PATH/TO/dnsfilter-resolver PATH/TO/dnsfilter-test-upstream
resolver="${1:?usage: resolver_feed.sh RESOLVER STUB}"
stub="${2:?usage: resolver_feed.sh RESOLVER STUB}"
source "$(dirname "$0")/lib.sh"
need knotd knotc dig

serial=2026120701
knot_port=$((20000 + RANDOM % 20000))
notify_port=$((40000 + RANDOM % 20000))
mkdir -p "$work/knot"
{
    printf '$ORIGIN rpz.example.\n$TTL 3600\n'
    printf '@ SOA ns.rpz.example. hostmaster.rpz.example. %s 3600 1 86400 60\n' "$serial"
    printf '@ NS ns.rpz.example.\nns A 127.0.0.1\n'
    printf 'old.stub.example CNAME .\n*.evil.stub.example CNAME .\nkept.stub.example CNAME .\n'
    for ((i = 1; i <= 2000; i++)); do printf 'c2-%04d.botnet.stub.example CNAME .\n' "$i"; done
} >"$work/knot/rpz.example.zone"
knot_conf "$work/knot" "$knot_port" "$notify_port"
knot() { knotc -c "$work/knot/knot.conf" "$@"; }
start knot knotd -c "$work/knot/knot.conf"
for _ in $(seq 1 100); do knot zone-status rpz.example 2>/dev/null | grep -q "serial: $serial" && break; sleep 0.1; done

start_stub stub
feed="rpz.example primary=127.0.0.1:$knot_port seed=$work/rpz.seed"
start_resolver r --listen "127.0.0.1:$notify_port" --upstream "127.0.0.1:$stub_port" --list-action nxdomain \
    --feed "$feed"

# rcode NAME [PORT]: the rcode the resolver gives NAME.
rcode() { dig @127.0.0.1 -p "${2:-$r_port}" +tries=1 +time=2 "$1" A 2>/dev/null | sed -n 's/.*status: \([A-Z]*\).*/\1/p'; }
# until_rcode NAME RCODE: waits (at most 10 s) for NAME to get RCODE.
until_rcode() {
    local i
    for ((i = 0; i < 100; i++)); do [[ "$(rcode "$1")" == "$2" ]] && return 0; sleep 0.1; done
    return 1
}

check "first AXFR: a listed name is blocked" until_rcode c2-2000.botnet.stub.example NXDOMAIN
check "first AXFR: old.stub.example is blocked" test "$(rcode old.stub.example)" = NXDOMAIN
check "*.evil.stub.example covers the names below" test "$(rcode a.evil.stub.example)" = NXDOMAIN
check "... and not evil.stub.example itself (RPZ semantics)" test "$(rcode evil.stub.example)" = NOERROR
check "an unlisted name resolves" test "$(rcode fine.stub.example)" = NOERROR
check "metrics: the zone's serial" test "$(metric "$r_metrics" "dnsfilter_feed_serial{zone=\"rpz.example.\"}")" = "$serial"
check "metrics: one full transfer" \
    test "$(metric "$r_metrics" "dnsfilter_feed_transfers_total{zone=\"rpz.example.\",kind=\"axfr\",result=\"full\"}")" = 1
check "a seed file was written" test -s "$work/rpz.seed"

# A change on the primary: Knot sends NOTIFY, the resolver takes the IXFR.
knot zone-begin rpz.example >/dev/null
knot zone-set rpz.example new.stub.example.rpz.example. 3600 CNAME . >/dev/null
knot zone-unset rpz.example old.stub.example.rpz.example. CNAME >/dev/null
knot zone-commit rpz.example >/dev/null
check "after NOTIFY and IXFR: a newly listed name is blocked" until_rcode new.stub.example NXDOMAIN
check "after NOTIFY and IXFR: the removed name resolves" until_rcode old.stub.example NOERROR
check "the rest of the zone is untouched" test "$(rcode kept.stub.example)" = NXDOMAIN
check "metrics: one incremental transfer" \
    test "$(metric "$r_metrics" "dnsfilter_feed_transfers_total{zone=\"rpz.example.\",kind=\"ixfr\",result=\"incremental\"}")" = 1
check "metrics: the NOTIFY was accepted" \
    test "$(metric "$r_metrics" "dnsfilter_feed_notifies_total{zone=\"rpz.example.\"}")" -ge 1
check "metrics: the new serial" \
    test "$(metric "$r_metrics" "dnsfilter_feed_serial{zone=\"rpz.example.\"}")" = "$((serial + 1))"

# Deleting and re-adding a name, in two transactions.
knot zone-begin rpz.example >/dev/null
knot zone-unset rpz.example kept.stub.example.rpz.example. CNAME >/dev/null
knot zone-commit rpz.example >/dev/null
check "a deleted name resolves" until_rcode kept.stub.example NOERROR
knot zone-begin rpz.example >/dev/null
knot zone-set rpz.example kept.stub.example.rpz.example. 3600 CNAME . >/dev/null
knot zone-commit rpz.example >/dev/null
check "... and is blocked again once re-added" until_rcode kept.stub.example NXDOMAIN

# A NOTIFY from a stranger: REFUSED, counted, nothing transferred.
q stranger.out dig @127.0.0.1 -p "$notify_port" -b 127.0.0.2 +opcode=notify +norec +tries=1 +time=2 rpz.example SOA
expect "$work/stranger.out" 'status: REFUSED' "a NOTIFY from a stranger is refused"
check "metrics: the stranger's NOTIFY is counted" test "$(metric "$r_metrics" dnsfilter_notify_refused_total)" -ge 1
q primary.out dig @127.0.0.1 -p "$notify_port" +opcode=notify +norec +tries=1 +time=2 rpz.example SOA
expect "$work/primary.out" 'opcode: NOTIFY, status: NOERROR' "a NOTIFY from the primary's address is answered NOERROR"
expect "$work/primary.out" 'flags: qr aa' "... with QR and AA set (RFC 1996)"

# Restart with the primary down: the seed serves at once.
kill -TERM "$(server_pid r)"; wait "$r_pid" 2>/dev/null || true
kill "$knot_pid" 2>/dev/null; wait "$knot_pid" 2>/dev/null || true
start_resolver r2 --upstream "127.0.0.1:$stub_port" --list-action nxdomain --feed "$feed"
expect "$work/r2.log" "serial $((serial + 3)) from the seed" "restart: the seed file is loaded"
check "restart, primary down: the seed blocks new.stub.example" test "$(rcode new.stub.example "$r2_port")" = NXDOMAIN
check "restart, primary down: kept.stub.example is blocked" test "$(rcode kept.stub.example "$r2_port")" = NXDOMAIN
check "restart, primary down: old.stub.example resolves" test "$(rcode old.stub.example "$r2_port")" = NOERROR

# A corrupt seed is refused: the feed waits for its primary.
printf 'X' | dd of="$work/rpz.seed" bs=1 seek=40 conv=notrunc 2>/dev/null
start_resolver r3 --upstream "127.0.0.1:$stub_port" --list-action nxdomain --feed "$feed" --feed-stale servfail
expect "$work/r3.log" 'checksum mismatch' "a corrupt seed file is refused, with the reason"
check "--feed-stale servfail: SERVFAIL while no policy is loaded" test "$(rcode fine.stub.example "$r3_port")" = SERVFAIL

finish
