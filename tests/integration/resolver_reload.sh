#!/usr/bin/env bash
# dnsfilter-resolver's hot reload and shutdown: a changed list is picked up by
# the watcher, a broken one keeps the old snapshot (and says why), SIGHUP
# reloads, a changed policy file applies at once; under dnsperf load, repeated
# reloads of a 100k-name list lose no query; SIGTERM writes the statistics
# file and leaves a complete query log.
#
# usage: resolver_reload.sh PATH/TO/dnsfilter-resolver PATH/TO/dnsfilter-test-upstream
resolver="${1:?usage: resolver_reload.sh RESOLVER TEST_UPSTREAM}"
stub="${2:?usage: resolver_reload.sh RESOLVER TEST_UPSTREAM}"
source "$(dirname "$0")/lib.sh"
need dig dnsperf

list="$work/list.txt"
policy="$work/policy.txt"
# replace FILE TEXT: the way an operator should update a list (write, then rename).
replace() { printf '%b' "$2" >"$1.new"; mv "$1.new" "$1"; }
replace "$list" 'one.example\n'
replace "$policy" '# nobody opted out\n'

start_stub up
start_resolver r --upstream "127.0.0.1:$up_port" --list "$list" --policy "$policy" --watch-interval 200ms \
    --stats-file "$work/stats" --query-log "$work/query.log" --sinkhole-ipv4 192.0.2.99
p="$r_port"
r_server="$(server_pid r)"
answer() { dig @127.0.0.1 -p "$p" "$@" +tries=1 +time=2 +short 2>/dev/null | head -1; }

check "before: one.example is blocked" test "$(answer one.example A)" = 192.0.2.99
check "before: two.example is not" test "$(answer two.example A)" = ""

# ---- a changed file is reloaded by the watcher
replace "$list" 'one.example\ntwo.example\n'
wait_for "$work/r.log" 'reload \(a list file changed\): generation 2' 10 || true
expect "$work/r.log" 'reload \(a list file changed\): generation 2, 2 entries|reload \(a list file changed\): generation 2' \
    "the watcher reloads a changed list"
check "after: two.example is blocked" test "$(answer two.example A)" = 192.0.2.99

# ---- a broken file keeps the old snapshot
replace "$list" 'one.example\nbad..name\nthree.example\n'
wait_for "$work/r.log" 'reload .* failed' 10 || true
expect "$work/r.log" 'error: reload \(a list file changed\) failed, still serving generation 2: .*list\.txt:2: ' \
    "a broken list is refused, naming file and line"
check "broken: two.example still blocked (old snapshot)" test "$(answer two.example A)" = 192.0.2.99
check "broken: three.example not blocked (new file not used)" test "$(answer three.example A)" = ""
check "metrics: the failed reload" test "$(metric "$r_metrics" 'dnsfilter_resolver_reloads_total{result="failed"}')" -ge 1
check "metrics: reload_failing is 1" test "$(metric "$r_metrics" 'dnsfilter_resolver_reload_failing')" -eq 1

replace "$list" 'one.example\nthree.example\n'
wait_for "$work/r.log" 'generation 3' 10 || true
check "fixed: three.example blocked" test "$(answer three.example A)" = 192.0.2.99
check "fixed: two.example no longer" test "$(answer two.example A)" = ""
check "metrics: reload_failing back to 0" test "$(metric "$r_metrics" 'dnsfilter_resolver_reload_failing')" -eq 0

# ---- SIGHUP, and a policy change applied at run time
kill -HUP "$r_server"
wait_for "$work/r.log" 'reload \(SIGHUP\)' 10 || true
expect "$work/r.log" 'reload \(SIGHUP\): generation 4' "SIGHUP reloads"
replace "$policy" 'client 127.0.0.5/32 opt-out\n'
wait_for "$work/r.log" 'policy reload \(the policy file changed\)' 10 || true
check "policy reload: 127.0.0.5 opted out at run time" \
    test "$(dig @127.0.0.1 -p "$p" -b 127.0.0.5 one.example A +tries=1 +time=2 +short)" = ""
check "policy reload: others still filtered" test "$(answer one.example A)" = 192.0.2.99

# ---- reloads under load lose no query
for i in $(seq 1 100000); do echo "n$i.bulk-list.example"; done >"$work/big.txt"
echo one.example >>"$work/big.txt"
replace "$list" "$(cat "$work/big.txt")\n"
wait_for "$work/r.log" 'generation 5' 20 || true
: >"$work/queries"
for i in $(seq 1 200); do
    echo "n$i.bulk-list.example A" >>"$work/queries"     # sinkhole hits
    echo "w$i.warm.stub.example A" >>"$work/queries"     # cached after the first round
done
dnsperf -s 127.0.0.1 -p "$p" -d "$work/queries" -n 1 >/dev/null 2>&1 || true   # warm the cache
reloads_before="$(metric "$r_metrics" 'dnsfilter_resolver_reloads_total{result="ok"}')"
dnsperf -s 127.0.0.1 -p "$p" -d "$work/queries" -l 5 -Q 20000 -t 2 >"$work/perf.out" 2>&1 &
perf_pid=$!
pids+=("$perf_pid")
for _ in $(seq 1 16); do sleep 0.25; kill -HUP "$r_server"; done
wait "$perf_pid" || true
sleep 1
reloads_after="$(metric "$r_metrics" 'dnsfilter_resolver_reloads_total{result="ok"}')"
sed 's/^/       /' "$work/perf.out" | grep -E 'Queries (sent|completed|lost)|Queries per second' || true
# SIGHUPs that arrive while a reload runs are merged into one: a slow
# (sanitizer) build manages fewer reloads in the same time.
echo "       $((reloads_after - reloads_before)) reloads of the 100k list during the run"
check "under load: at least 3 reloads of the 100k list happened" test $((reloads_after - reloads_before)) -ge 3
expect "$work/perf.out" 'Queries lost: +0 ' "under load: dnsperf lost no query during the reloads"

# ---- SIGTERM: statistics written, query log complete
kill -TERM "$r_server"
wait "$r_pid" 2>/dev/null || true
expect "$work/r.log" 'info: stopped: [0-9]+ queries counted \([0-9]+ filtered' "SIGTERM: a clean stop with the final counts"
expect "$work/stats" '^month [0-9-]+ passed [0-9]+ filtered [1-9][0-9]* opted-out 1 monitored 0$' \
    "SIGTERM: the statistics file holds the month (and the one opted-out query)"
expect "$work/stats" '^end [0-9]+$' "SIGTERM: the statistics file is complete"
expect "$work/query.log" '"name":"one\.example\."' "the query log holds the filtered queries"
reject "$work/query.log" '127\.0\.0\.5' "the query log holds no opted-out client"

finish
