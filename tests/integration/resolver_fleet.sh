#!/usr/bin/env bash
# A fleet of three dnsfilter-resolver nodes on loopback, each with its own
# --node-name and --stats-file, queried with dig (hits on a catalogue entry,
# and passes); node-a is restarted cleanly, node-b killed with SIGKILL and
# restarted. dnsfilter-report over the folder of the three files then adds
# them exactly: its totals are the queries sent, to the query; node-b's month
# is partial (its crash may have lost counts), and a stale copy of node-a's
# file beside the folder is refused. The nodes' Prometheus counters, summed,
# give the same totals while they run.
#
# usage: resolver_fleet.sh PATH/TO/dnsfilter-resolver PATH/TO/dnsfilter-test-upstream PATH/TO/dnsfilter-report
resolver="${1:?usage: resolver_fleet.sh RESOLVER TEST_UPSTREAM REPORT}"
stub="${2:?usage: resolver_fleet.sh RESOLVER TEST_UPSTREAM REPORT}"
report="${3:?usage: resolver_fleet.sh RESOLVER TEST_UPSTREAM REPORT}"
source "$(dirname "$0")/lib.sh"
need dig

cat >"$work/operator.tsv" <<'EOF'
identifier	behaviour	start	end	fqdns
XX-20250109-0001	information theft	2025-01-09		c2.evil.example
EOF
mkdir -p "$work/fleet"
first_month="$(date -u +%Y-%m)"

start_stub up
# start_node NAME PROCESS: node NAME's resolver, as process PROCESS (its log: $work/PROCESS.log).
start_node() {
    start_resolver "$2" --upstream "127.0.0.1:$up_port" --list "catalogue:$work/operator.tsv" --sinkhole-ipv4 192.0.2.99 \
        --node-name "$1" --stats-file "$work/fleet/$1.stats" --stats-interval 1s
}
sent_hits=0 sent_passes=0
# queries PROCESS HITS PASSES: dig asks PROCESS's node HITS blocked names and PASSES others, one packet each.
queries() {
    local port i
    eval "port=\${$1_port}"
    for ((i = 0; i < $2; i++)); do
        dig @127.0.0.1 -p "$port" "h$i.$1.c2.evil.example" A +tries=1 +time=2 +short >>"$work/$1.answers" 2>&1 || true
    done
    for ((i = 0; i < $3; i++)); do
        dig @127.0.0.1 -p "$port" "p$i.$1.stub.example" A +tries=1 +time=2 +short >>"$work/$1.answers" 2>&1 || true
    done
    sent_hits=$((sent_hits + $2)) sent_passes=$((sent_passes + $3))
}
# written NODE: true once NODE's file holds every query it was sent (it is written every second).
written() {
    local want="$2" i
    for ((i = 0; i < 100; i++)); do
        [ "$(awk '$1 == "month" { q += $4 + $6 } END { print q + 0 }' "$work/fleet/$1.stats" 2>/dev/null)" = "$want" ] && return 0
        sleep 0.1
    done
    return 1
}
stop() {  # stop PROCESS: SIGTERM, and wait for it
    local pid
    eval "pid=\${$1_pid}"
    kill -TERM "$(server_pid "$1")" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
}

start_node node-a a
start_node node-b b
start_node node-c c
queries a 5 7
queries b 3 4
queries c 2 6
expect "$work/a.answers" '^192\.0\.2\.99$' "node-a sinkholes the catalogue's entry"
expect "$work/c.answers" '^192\.0\.2\.1$' "node-c forwards the others"
check "node-a's file holds its 12 queries" written node-a 12
check "node-b's file holds its 7 queries" written node-b 7
check "node-c's file holds its 8 queries" written node-c 8
expect "$work/fleet/node-a.stats" '^node node-a epoch 1 sequence [0-9]+ written [0-9TZ:-]+$' "a running node's file: epoch 1, not final"
expect "$work/fleet/node-a.stats" '^meta XX-20250109-0001 start 2025-01-09T00:00:00Z end - action sinkhole fqdns 1 category information%20theft$' \
    "the file keeps the metadata of the entry it counted"
cp "$work/fleet/node-a.stats" "$work/stale-node-a.stats"

# The nodes' counters while they run, summed over the fleet (Prometheus: sum by (month)).
live=0
for p in a b c; do
    eval "m=\${${p}_metrics}"
    live=$((live + $(http_get "$m" /metrics | awk '$1 ~ /^dnsfilter_queries_total\{/ { q += $2 } END { print q + 0 }')))
done
check "the summed dnsfilter_queries_total is every query sent ($live)" test "$live" -eq $((sent_hits + sent_passes))

# ---- node-a: a clean restart
stop a
expect "$work/fleet/node-a.stats" '^node node-a epoch 1 sequence [0-9]+ written [0-9TZ:-]+ final$' "a clean stop marks the file final"
start_node node-a a2
expect "$work/a2.log" 'statistics: continuing .*node-a\.stats \(1 month\(s\)\) as node node-a, epoch 2' "node-a continues its file, epoch 2"
reject "$work/a2.log" 'not closed by a clean stop' "after a clean stop nothing is marked lost"
queries a2 2 3

# ---- node-b: killed once its file holds everything, then restarted
kill -KILL "$(server_pid b)"
wait "$b_pid" 2>/dev/null || true
reject "$work/fleet/node-b.stats" ' final$' "a killed node's file is not final"
start_node node-b b2
expect "$work/b2.log" 'warning: statistics: .*node-b\.stats was not closed by a clean stop' "node-b's restart says counts may be lost"
expect "$work/fleet/node-b.stats" '^node node-b epoch 2 sequence [0-9]+ written ' "node-b continues in epoch 2"
expect "$work/fleet/node-b.stats" '^lost [0-9TZ:-]+ [0-9TZ:-]+$' "node-b's file marks the span it may have lost"
queries b2 1 2
check "node-a's file holds its 17 queries" written node-a 17
check "node-b's file holds its 10 queries" written node-b 10

# ---- the node name is the file's: another name is refused
q wrongname.out "$resolver" --listen 127.0.0.1:0 --metrics none --upstream "127.0.0.1:$up_port" \
    --node-name node-z --stats-file "$work/fleet/node-c.stats"
expect "$work/wrongname.out" "the statistics of node 'node-c', not of 'node-z'" "a file of another node is refused at start"

# ---- the report over the folder, every node stopped cleanly
for p in a2 b2 c; do stop "$p"; done
last_month="$(date -u +%Y-%m)"
total=$((sent_hits + sent_passes))
mkdir -p "$work/report"
"$report" --stats "$work/fleet" --from "$first_month" --to "$last_month" --volumes --out "$work/report" \
    "$work/operator.tsv" 2>"$work/report.err" || echo "FAIL - the fleet report failed: $(cat "$work/report.err")"
expect "$work/report.err" '3 node\(s\)' "the report reads the three nodes"
expect "$work/report/report.md" "^\\| Period( \\(partial\\))? \\| $total \\| $sent_hits \\| " \
    "the report's totals are the $total queries sent ($sent_hits filtered), to the query"
month_label="$(date -u +%Y-%m)"
expect "$work/report/monthly.csv" "^$month_label,[0-9]+,[0-9]+,[0-9.]+%,partial,counts possibly lost at a restart: node-b"$'\r$' \
    "the killed node's month is partial, and names it"
expect "$work/report/report.md" "^\\| $month_label \\(partial\\) \\|" "report.md never shows that month as complete"
expect "$work/report/report.md" '^\| XX-20250109-0001 \| 1 \| information theft \| 2025-01-09 \|  \|$' "the entry's row"

# ---- a stale copy of node-a's file beside the folder is refused
status=0
"$report" --stats "$work/fleet" --stats "$work/stale-node-a.stats" --from "$first_month" --to "$last_month" \
    --out "$work/report" "$work/operator.tsv" 2>"$work/stale.err" || status=$?
check "a stale copy is refused (exit 1, got $status)" test "$status" -eq 1
expect "$work/stale.err" '^dnsfilter-report: stale copy of node node-a: .*stale-node-a\.stats \(epoch 1 sequence [0-9]+\) is older than .*fleet/node-a\.stats \(epoch 2 sequence [0-9]+\)$' \
    "the refusal names the node, both files, their epochs and sequences"

finish
