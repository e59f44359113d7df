#!/usr/bin/env bash
# bench/compare_dnstap.sh — what dnstap of every query costs dnsfilter-resolver:
# server CPU per query and QPS, three resolvers side by side in one run:
#   off      no --dnstap
#   reading  --dnstap unix:... to fstrm_capture writing to /dev/null
#   stopped  --dnstap unix:... to an fstrm_capture that was sent SIGSTOP
#            (it stops reading: the socket fills, the queue fills, frames are dropped)
# Each with one serving thread, CLIENT_QUERY and CLIENT_RESPONSE for every
# query (--dnstap-sample 1), the same catalogue, answers from its cache (an
# Unbound backend answers every name once, in a warm-up pass). Rounds are
# interleaved (off, reading, stopped, off, ...) so that the VM's noise hits
# all three alike; the server's CPU time is the sum over its threads of
# /proc/PID/task/*/schedstat (nanoseconds on a CPU) over each dnsperf run.
#
#   bash bench/compare_dnstap.sh [BUILD_DIR]      (default: build/release)
#
# Environment: DNSTAP_SECONDS (5) per dnsperf run, DNSTAP_ROUNDS (3),
# DNSTAP_NAMES (20000) distinct names in the query file; DNSTAP_BASELINE, the
# path of another dnsfilter-resolver build: a fourth resolver, "baseline",
# runs it as "reading" runs this one, interleaved with the others (an A/B of
# two versions in one run). DNSTAP_PEERS ("dnsdist"): dnsdist 1.7 answering
# from its packet cache, without and with its own dnstap of every query and
# response, compared with itself.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${1:-${root}/build/release}"
seconds="${DNSTAP_SECONDS:-5}"
rounds="${DNSTAP_ROUNDS:-3}"
names="${DNSTAP_NAMES:-20000}"
resolver="${build}/examples/resolver/dnsfilter-resolver"
source "${root}/bench/lib.sh"
need_tools unbound dnsperf fstrm_capture dig
need_resolver "$resolver"

start_backend

printf 'c2.evil.example\n' >"$work/list.txt"
for i in $(seq 1 "$names"); do echo "n$i.bench.example A"; done >"$work/queries.txt"

start_collector() {  # NAME: fstrm_capture to /dev/null on $work/NAME.sock
    fstrm_capture -t protobuf:dnstap.Dnstap -u "$work/$1.sock" -w /dev/null >"$work/$1.capture.log" 2>&1 &
    pids+=($!)
    eval "${1}_collector=$!"
    for i in $(seq 1 50); do [[ -S "$work/$1.sock" ]] && break; sleep 0.1; done
}
start_resolver() {  # NAME ARGS... (RESOLVER_BINARY: another build)
    local name="$1"; shift
    "${RESOLVER_BINARY:-$resolver}" --listen 127.0.0.1:0 --metrics none --threads 1 --upstream "127.0.0.1:$up_port" \
        --list "plain:$work/list.txt" --cache-size 64M "$@" >"$work/$name.log" 2>&1 &
    pids+=($!)
    eval "${name}_pid=$!"
    for i in $(seq 1 100); do grep -q 'listening on' "$work/$name.log" && break; sleep 0.1; done
    eval "${name}_port=$(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\) .*/\1/p' "$work/$name.log" | head -1)"
}

variants=(off reading stopped)
start_collector reading
start_collector stopped
start_resolver off
start_resolver reading --dnstap "unix:$work/reading.sock" --dnstap-sample 1
start_resolver stopped --dnstap "unix:$work/stopped.sock" --dnstap-sample 1
if [[ -n "${DNSTAP_BASELINE:-}" ]]; then
    variants+=(baseline)
    start_collector baseline
    RESOLVER_BINARY="$DNSTAP_BASELINE" start_resolver baseline --dnstap "unix:$work/baseline.sock" --dnstap-sample 1
fi
# dnsdist beside it, where dnstap applies the same way: its packet cache
# answering, with and without dnstap of every query and response (cache hits
# included) to its own fstrm_capture. DNSTAP_PEERS="" leaves it out.
start_dnsdist() {  # NAME [tap]
    local port; port="$(free_port)"
    {
        echo "setLocal(\"127.0.0.1:$port\")"
        echo 'setACL({"127.0.0.0/8"})'
        echo "newServer({address=\"127.0.0.1:$up_port\", name=\"backend\", checkName=\"health.bench.example.\"})"
        echo 'getPool(""):setCache(newPacketCache(100000, {maxTTL=86400, minTTL=0}))'
        if [[ "${2:-}" == tap ]]; then
            echo "tap = newFrameStreamUnixLogger(\"$work/$1.sock\")"
            echo 'addAction(AllRule(), DnstapLogAction("dnsdist", tap))'
            echo 'addResponseAction(AllRule(), DnstapLogResponseAction("dnsdist", tap))'
            echo 'addCacheHitResponseAction(AllRule(), DnstapLogResponseAction("dnsdist", tap))'
        fi
    } >"$work/$1.lua"
    dnsdist --supervised --disable-syslog -C "$work/$1.lua" >"$work/$1.log" 2>&1 &
    pids+=($!)
    eval "${1}_pid=$! ${1}_port=$port"
    wait_answer "$port"
    variants+=("$1")
}
if [[ " ${DNSTAP_PEERS-dnsdist} " == *" dnsdist "* ]] && command -v dnsdist >/dev/null; then
    start_dnsdist dnsdist_off
    start_collector dnsdist_tap
    start_dnsdist dnsdist_tap tap
fi
sleep 1
kill -STOP "$stopped_collector"

# Warm-up: every name into each cache (and fill the stopped collector's socket and queue).
for name in "${variants[@]}"; do
    eval "port=\$${name}_port"
    dnsperf -s 127.0.0.1 -p "$port" -d "$work/queries.txt" -n 1 -c 4 -q 200 >/dev/null 2>&1
done

declare -A cpu queries qps
for name in "${variants[@]}"; do cpu[$name]=0; queries[$name]=0; qps[$name]=""; done
for round in $(seq 1 "$rounds"); do
    for name in "${variants[@]}"; do
        eval "port=\$${name}_port; pid=\$${name}_pid"
        before="$(cpu_ns "$pid")"
        dnsperf -s 127.0.0.1 -p "$port" -d "$work/queries.txt" -l "$seconds" -c 4 -q 200 >"$work/perf.$name.$round" 2>&1
        after="$(cpu_ns "$pid")"
        done_queries="$(awk '/Queries completed:/ { print $3 }' "$work/perf.$name.$round")"
        cpu[$name]=$((cpu[$name] + after - before))
        queries[$name]=$((queries[$name] + done_queries))
        qps[$name]+="$(awk '/Queries per second:/ { printf "%.0f ", $4 }' "$work/perf.$name.$round")"
    done
done

echo "machine: $(nproc) vCPU, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "resolver: $resolver${DNSTAP_BASELINE:+ (baseline: $DNSTAP_BASELINE)}; $rounds interleaved rounds of $seconds s each, dnsperf -c 4 -q 200, cache hits"
for name in "${variants[@]}"; do
    base=off
    [[ "$name" == dnsdist_* ]] && base=dnsdist_off
    awk -v n="$name" -v c="${cpu[$name]}" -v q="${queries[$name]}" -v qps="${qps[$name]}" -v base_c="${cpu[$base]}" -v base_q="${queries[$base]}" -v b="$base" \
        'BEGIN { us = c / q / 1e3; base = base_c / base_q / 1e3;
                 printf "%-11s %9d queries  %6.2f us CPU/query  (%+.2f us, %.2fx %s)  QPS per round: %s\n", n, q, us, us - base, us / base, b, qps }'
done
