#!/usr/bin/env bash
# bench/compare_forwarding.sh — the forward path alone (issue 17): server CPU
# per forwarded query and QPS, dnsfilter-resolver beside dnsdist in one run.
#
#   bash bench/compare_forwarding.sh [BUILD_DIR]      (default: build/release)
#
# Every query is forwarded: dnsfilter-resolver with --cache-size 0 and one
# serving thread, dnsdist without a packet cache (its own receiver and
# responder threads), both forwarding to the same local Unbound that answers
# every name under bench.example. Each round sends the same NAMES distinct
# names once through each server (dnsperf -n 1 -c 4 -q 50), the servers
# interleaved so that the VM's noise hits all alike; a server's CPU is the sum
# over its threads of /proc/PID/task/*/schedstat (time on a CPU) over the pass.
#
# Environment: FWD_ROUNDS (5), FWD_NAMES (20000); FWD_BASELINE, the path of
# another dnsfilter-resolver build, run beside this one (an A/B); FWD_PEERS
# ("dnsdist"; empty for none); FWD_STRACE=1 also counts dnsfilter-resolver's
# system calls per forwarded query over one extra pass (strace -c -f).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${1:-${root}/build/release}"
rounds="${FWD_ROUNDS:-5}"
names="${FWD_NAMES:-20000}"
peers="${FWD_PEERS-dnsdist}"
resolver="${build}/examples/resolver/dnsfilter-resolver"
source "${root}/bench/lib.sh"
need_tools unbound dnsperf dig $peers ${FWD_STRACE:+strace}
need_resolver "$resolver"

start_backend

printf 'c2.evil.example\n' >"$work/list.txt"
for i in $(seq 1 "$names"); do echo "n$i.bench.example A"; done >"$work/queries.txt"

variants=()
start_resolver() {  # NAME BINARY
    local port; port="$(free_port)"
    "$2" --listen "127.0.0.1:$port" --metrics none --threads 1 --upstream "127.0.0.1:$up_port" \
        --list "plain:$work/list.txt" --cache-size 0 >"$work/$1.log" 2>&1 &
    pids+=($!)
    eval "${1}_pid=$! ${1}_port=$port"
    wait_answer "$port"
    variants+=("$1")
}
start_resolver dnsfilter "$resolver"
[[ -n "${FWD_BASELINE:-}" ]] && start_resolver baseline "$FWD_BASELINE"
if [[ " $peers " == *" dnsdist "* ]]; then
    dd_port="$(free_port)"
    cat >"$work/dnsdist.lua" <<EOF
setLocal("127.0.0.1:$dd_port")
setACL({"127.0.0.0/8"})
newServer({address="127.0.0.1:$up_port", name="backend", checkName="health.bench.example."})
EOF
    dnsdist --supervised --disable-syslog -C "$work/dnsdist.lua" >"$work/dnsdist.log" 2>&1 &
    pids+=($!)
    dnsdist_pid=$! dnsdist_port=$dd_port
    wait_answer "$dd_port"
    variants+=(dnsdist)
fi

pass() {  # NAME: one dnsperf pass; adds to cpu[NAME], queries[NAME], qps[NAME]
    local port pid before after done_queries
    eval "port=\$${1}_port pid=\$${1}_pid"
    before="$(cpu_ns "$pid")"
    dnsperf -s 127.0.0.1 -p "$port" -d "$work/queries.txt" -n 1 -c 4 -q 50 >"$work/perf.$1" 2>&1
    after="$(cpu_ns "$pid")"
    done_queries="$(awk '/Queries completed:/ { print $3 }' "$work/perf.$1")"
    cpu[$1]=$((cpu[$1] + after - before))
    queries[$1]=$((queries[$1] + done_queries))
    qps[$1]+="$(awk '/Queries per second:/ { printf "%.0f ", $4 }' "$work/perf.$1")"
}

declare -A cpu queries qps
for name in "${variants[@]}"; do cpu[$name]=0; queries[$name]=0; qps[$name]=""; done
for name in "${variants[@]}"; do pass "$name"; done  # warm-up: Unbound's cache, the servers' sockets
for name in "${variants[@]}"; do cpu[$name]=0; queries[$name]=0; qps[$name]=""; done
for _ in $(seq 1 "$rounds"); do
    for name in "${variants[@]}"; do pass "$name"; done
done

echo "machine: $(nproc) vCPU, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "forwarded queries: $rounds interleaved passes of $names distinct names (dnsperf -n 1 -c 4 -q 50); $resolver${FWD_BASELINE:+, baseline $FWD_BASELINE}"
base="${variants[-1]}"
for name in "${variants[@]}"; do
    awk -v n="$name" -v c="${cpu[$name]}" -v q="${queries[$name]}" -v qps="${qps[$name]}" -v bc="${cpu[$base]}" -v bq="${queries[$base]}" -v b="$base" \
        'BEGIN { us = c / q / 1e3; bus = bc / bq / 1e3;
                 printf "%-10s %8d queries  %6.2f us CPU/query  (%.2fx %s)  QPS per pass: %s\n", n, q, us, us / bus, b, qps }'
done

if [[ -n "${FWD_STRACE:-}" ]]; then
    strace -c -f -p "$dnsfilter_pid" -o "$work/strace.txt" &
    tracer=$!
    sleep 1
    before="$(awk '/Queries completed:/ { print $3 }' "$work/perf.dnsfilter")"
    dnsperf -s 127.0.0.1 -p "$dnsfilter_port" -d "$work/queries.txt" -n 1 -c 4 -q 50 >"$work/perf.strace" 2>&1
    kill -INT "$tracer"; wait "$tracer" 2>/dev/null || true
    done_queries="$(awk '/Queries completed:/ { print $3 }' "$work/perf.strace")"
    echo "system calls per forwarded query (strace -c -f over one pass of $done_queries queries):"
    awk -v q="$done_queries" '$NF ~ /^[a-z_0-9]+$/ && $4 ~ /^[0-9]+$/ && $NF != "total" { printf "  %-14s %6.2f\n", $NF, $4 / q; t += $4 }
                               END { printf "  %-14s %6.2f\n", "all", t / q }' "$work/strace.txt"
fi
