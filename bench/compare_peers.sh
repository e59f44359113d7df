#!/usr/bin/env bash
# bench/compare_peers.sh — dnsfilter-resolver against Unbound and dnsdist on
# the same 1M-name block list and the same query mix, measured with dnsperf
# in one run (Debian packages: unbound, dnsdist, dnsperf).
#
#   bash bench/compare_peers.sh [BUILD_DIR]       (default: build/release, built if needed)
#
# Each filtering server forwards misses to the same backend (another Unbound
# whose local-zone "." redirect answers every name, so misses resolve without
# the Internet) and is configured the way its users would block a list:
#   dnsfilter-resolver  --list list.txt (a plain list), its response cache
#   Unbound             local-zone "NAME" redirect + local-data A/AAAA per name, forward-zone "." to the backend
#   dnsdist             newSuffixMatchNode() filled from list.txt + SpoofAction, newPacketCache, the backend as server
# One serving thread each, pinned to one CPU; dnsperf on the other.
#
# Per server: load time (from just before the server starts until a listed
# name is first answered with the sinkhole address, timed by
# dnsfilter-bench-load-probe on the client CPU: one query every 10 ms from one
# process), resident memory after load (VmRSS, and the peak VmHWM),
# QPS on sinkhole hits and on warm mixed traffic (1 % hits; a first pass fills
# the caches), and the server's CPU time per answered query (utime + stime
# from /proc/PID/stat over the run). Then the traffic that is not blocked on
# its own: the first pass of the mix (a cold cache: mostly forwarded), and two
# passes of a large mix (mixed-large.txt, 400k names, nearly all distinct: more
# than dnsfilter-resolver's default 32M cache holds), each pass once through
# the file, CPU per query and QPS (dnsfilter-resolver runs with its default
# --cache-size). With PEER_SCALING=1 also dnsfilter-resolver with two serving
# threads against one, neither pinned: on a 2-vCPU machine dnsperf shares the
# cores with the server, so the ratio is a floor of what two free cores give. For dnsfilter-resolver also: dnsperf at a
# fixed rate while the 1M list is reloaded with SIGHUP every second — lost
# queries must be zero.
#
# Environment: PEER_SECONDS (10) per dnsperf run, PEER_LIST_SIZE (1000000),
# PEER_SERVER_CPU (1), PEER_CLIENT_CPU (0), PEER_ONLY ("dnsfilter unbound dnsdist"),
# PEER_CPU_SHARE (30; 0 skips the equal-budget runs), PEER_REPEAT (3 runs
# of each timed load; the best is reported, see run_load),
# PEER_KEEP (set: keep the scratch directory with every log and dnsperf output),
# PEER_SCALING (1: the two-threads-against-one runs).
# The machine should be otherwise idle: other load shows up as noise.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${1:-${root}/build/release}"
seconds="${PEER_SECONDS:-10}"
list_size="${PEER_LIST_SIZE:-1000000}"
server_cpu="${PEER_SERVER_CPU:-1}"
client_cpu="${PEER_CLIENT_CPU:-0}"
only="${PEER_ONLY:-dnsfilter unbound dnsdist}"
cpu_share="${PEER_CPU_SHARE:-30}"
repeat="${PEER_REPEAT:-3}"
tick="$(getconf CLK_TCK)"

for tool in unbound dnsdist dnsperf dig taskset; do
    command -v "$tool" >/dev/null || { echo "missing $tool: bash scripts/bootstrap-debian.sh installs it" >&2; exit 1; }
done

if [[ ! -x "${build}/examples/resolver/dnsfilter-resolver" || ! -x "${build}/bench/dnsfilter-bench-peer-data" ||
      ! -x "${build}/bench/dnsfilter-bench-load-probe" ]]; then
    if [[ "${build}" == "${root}/build/release" ]]; then
        cmake --preset release >&2
    fi
    cmake --build "${build}" --target dnsfilter-resolver dnsfilter-bench-peer-data dnsfilter-bench-load-probe >&2
fi
resolver="${build}/examples/resolver/dnsfilter-resolver"
load_probe="${build}/bench/dnsfilter-bench-load-probe"

data="${build}/peer-data-${list_size}"
if [[ ! -s "${data}/mixed.txt" || ! -s "${data}/mixed-large.txt" ]]; then
    mkdir -p "${data}"
    echo "generating ${list_size} names and the query files in ${data} ..." >&2
    "${build}/bench/dnsfilter-bench-peer-data" "${data}" "${list_size}" >&2
fi
probe="$(head -1 "${data}/list.txt")"

work="$(mktemp -d)"
pids=()
cgroup=""
cleanup() {
    local pid
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    if [[ -n "$cgroup" ]]; then rmdir "$cgroup" 2>/dev/null || true; fi
    if [[ -n "${PEER_KEEP:-}" ]]; then echo "kept ${work}" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT

free_port() { echo $((20000 + RANDOM % 40000)); }

# The equal-budget cgroup: v1 "cpu" controller, or v2 with cpu enabled at the root.
cgroup_root=""
if [[ "$cpu_share" != 0 ]]; then
    if [[ -w /sys/fs/cgroup/cpu/cgroup.procs && -e /sys/fs/cgroup/cpu/cpu.cfs_quota_us ]]; then
        cgroup_root=/sys/fs/cgroup/cpu
        cgroup="${cgroup_root}/dnsfilter-compare-$$"
        mkdir "$cgroup"
        echo 10000 >"$cgroup/cpu.cfs_period_us"
        echo $((cpu_share * 100)) >"$cgroup/cpu.cfs_quota_us"
    elif [[ -w /sys/fs/cgroup/cgroup.procs ]] && grep -qw cpu /sys/fs/cgroup/cgroup.subtree_control 2>/dev/null; then
        cgroup_root=/sys/fs/cgroup
        cgroup="${cgroup_root}/dnsfilter-compare-$$"
        mkdir "$cgroup"
        echo "$((cpu_share * 100)) 10000" >"$cgroup/cpu.max"
    else
        echo "no writable cgroup cpu controller: the equal-budget runs are skipped" >&2
        cpu_share=0
    fi
fi

# The backend: answers every name, on the client CPU (it works only while the caches warm).
backend_port="$(free_port)"
# unbound_server PORT: the server: clause both Unbound instances share (one
# thread, loopback only, iterator only, no daemon, no files of its own).
unbound_server() {
    cat <<EOF
server:
  interface: 127.0.0.1
  port: $1
  do-daemonize: no
  username: ""
  chroot: ""
  directory: "${work}"
  pidfile: ""
  use-syslog: no
  logfile: ""
  do-ip6: no
  num-threads: 1
  access-control: 127.0.0.0/8 allow
  module-config: "iterator"
  # The backend is on loopback: without this, Unbound refuses to forward
  # there and answers SERVFAIL to every name it does not have.
  do-not-query-localhost: no
EOF
}
{ unbound_server "$backend_port"
  cat <<EOF
  local-zone: "." redirect
  local-data: ". 3600 IN A 198.51.100.1"
  local-data: ". 3600 IN AAAA 2001:db8::1"
EOF
} >"$work/backend.conf"
timeout 3600 taskset -c "${client_cpu}" unbound -c "$work/backend.conf" >"$work/backend.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do dig @127.0.0.1 -p "$backend_port" +tries=1 +time=1 +short x.example A 2>/dev/null | grep -q 198 && break; sleep 0.1; done

# Per-server configuration files.
write_unbound() {  # PORT
    echo "writing the Unbound configuration (2 local-data lines per name) ..." >&2
    awk '{ printf "local-zone: \"%s.\" redirect\nlocal-data: \"%s. 60 IN A 0.0.0.0\"\nlocal-data: \"%s. 60 IN AAAA ::\"\n", $1, $1, $1 }' \
        "${data}/list.txt" >"$work/unbound-list.conf"
    { unbound_server "$1"
      cat <<EOF
  msg-cache-size: 64m
  rrset-cache-size: 128m
  include: "${work}/unbound-list.conf"
forward-zone:
  name: "."
  forward-addr: 127.0.0.1@${backend_port}
EOF
    } >"$work/unbound.conf"
}
write_dnsdist() {  # PORT
    cat >"$work/dnsdist.lua" <<EOF
setLocal("127.0.0.1:$1")
setACL({"127.0.0.0/8"})
newServer({address="127.0.0.1:${backend_port}", name="backend"})
getPool(""):setCache(newPacketCache(500000, {maxTTL=86400, minTTL=0}))
blocked = newSuffixMatchNode()
for name in io.lines("${data}/list.txt") do blocked:add(name) end
addAction(SuffixMatchNodeRule(blocked, true), SpoofAction({"0.0.0.0", "::"}, {ttl=60}))
EOF
}

# cpu_ticks PID: utime + stime of the whole process.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
rss_kb() { awk -v k="$2" '$1 == k":" { print $2 }' "/proc/$1/status"; }

# perf NAME PORT FILE [extra dnsperf args]: one dnsperf run on the client CPU.
perf_run() {
    local name="$1" port="$2" file="$3"; shift 3
    taskset -c "${client_cpu}" dnsperf -s 127.0.0.1 -p "$port" -d "$file" -c 8 -q 500 -t 2 "$@" >"$work/$name.perf" 2>&1 || true
}
perf_field() {  # FILE FIELD
    case "$2" in
        qps) awk '/Queries per second:/ { printf "%.0f", $4 }' "$1" ;;
        completed) awk '/Queries completed:/ { print $3 }' "$1" ;;
        lost) awk '/Queries lost:/ { print $3 }' "$1" ;;
    esac
}

# run_load NAME PORT PID FILE: PEER_REPEAT timed dnsperf runs; prints the
# best QPS, the best server CPU µs per completed query, and the queries lost
# over all runs. Best, not median: other tenants of a VM only ever slow a run
# down (their time is charged to whatever vCPU they preempt, and this guest
# reports no steal time), so the best run is the closest to the machine's speed.
run_load() {
    local name="$1" port="$2" pid="$3" file="$4" t0 t1 r qps us best_qps=0 best_us="" lost=0
    for r in $(seq 1 "$repeat"); do
        t0="$(cpu_ticks "$pid")"
        perf_run "$name-$r" "$port" "$file" -l "$seconds"
        t1="$(cpu_ticks "$pid")"
        qps="$(perf_field "$work/$name-$r.perf" qps)"
        us="$(echo "scale=2; ($t1 - $t0) * 1000000 / $tick / $(perf_field "$work/$name-$r.perf" completed)" | bc)"
        lost=$((lost + $(perf_field "$work/$name-$r.perf" lost)))
        if (( qps > best_qps )); then best_qps="$qps"; fi
        if [[ -z "$best_us" ]] || (( $(echo "$us < $best_us" | bc) )); then best_us="$us"; fi
    done
    echo "$best_qps" "$best_us" "$lost"
}

# one_pass NAME PORT PID FILE: dnsperf once through FILE; prints its QPS and
# the server's CPU µs per completed query.
one_pass() {
    local name="$1" port="$2" pid="$3" file="$4" t0 t1 qps us
    t0="$(cpu_ticks "$pid")"
    perf_run "$name" "$port" "$file" -n 1
    t1="$(cpu_ticks "$pid")"
    qps="$(perf_field "$work/$name.perf" qps)"
    us="$(echo "scale=2; ($t1 - $t0) * 1000000 / $tick / $(perf_field "$work/$name.perf" completed)" | bc)"
    echo "$qps" "$us"
}

results=()
passes=()
measure() {  # NAME PORT COMMAND...: start, measure, stop
    local name="$1" port="$2"; shift 2
    local start_ns pid load rss hwm hits_qps hits_us mixed_qps mixed_us lost mixed_lost
    local capped="- | - | - | -" capped_hits_qps=0 capped_hits_us=0 capped_mixed_qps=0 capped_mixed_us=0 capped_lost=0
    start_ns="$(date +%s%N)"
    timeout 3600 taskset -c "${server_cpu}" "$@" >"$work/$name.log" 2>&1 &
    pids+=($!)
    # Not a dig per poll: each costs ~0.1 s of start-up, which coarsened the
    # figure, and unpinned it took CPU time from the loading server.
    if ! load="$(taskset -c "${client_cpu}" "$load_probe" "$port" "$probe" "$start_ns" 3600 "${pids[-1]}")"; then
        echo "$name gave no sinkhole answer:" >&2
        cat "$work/$name.log" >&2
        return 1
    fi
    pid="$(pgrep -P "${pids[-1]}" | head -1)"  # timeout -> taskset, which execs the server
    sleep 1
    rss="$(rss_kb "$pid" VmRSS)"
    hwm="$(rss_kb "$pid" VmHWM)"

    read -r hits_qps hits_us lost < <(run_load "$name-hits" "$port" "$pid" "${data}/hits.txt")
    local first_qps first_us large1_qps large1_us large2_qps large2_us
    read -r first_qps first_us < <(one_pass "$name-first" "$port" "$pid" "${data}/mixed.txt")  # cold: forwarded
    perf_run "$name-warm" "$port" "${data}/mixed.txt" -n 1   # a second pass for anything lost in the first
    read -r mixed_qps mixed_us mixed_lost < <(run_load "$name-mixed" "$port" "$pid" "${data}/mixed.txt")
    lost=$((lost + mixed_lost))

    # The large mix: more distinct names than dnsfilter-resolver's default cache.
    read -r large1_qps large1_us < <(one_pass "$name-large-1" "$port" "$pid" "${data}/mixed-large.txt")
    read -r large2_qps large2_us < <(one_pass "$name-large-2" "$port" "$pid" "${data}/mixed-large.txt")
    passes+=("$(printf '| %s | %s | %s µs | %s | %s µs | %s | %s µs | %s | %s µs |' "$name" "$first_qps" "$first_us" \
        "$mixed_qps" "$mixed_us" "$large1_qps" "$large1_us" "$large2_qps" "$large2_us")")
    eval "qps_first_${name}=${first_qps}; us_first_${name}=${first_us}; us_large1_${name}=${large1_us}; us_large2_${name}=${large2_us}"
    echo "${passes[-1]}" >&2

    local reload_note="-"
    if [[ "$name" == dnsfilter ]]; then
        # Reload the 1M list every second under a steady load of half the warm QPS.
        local rate=$((mixed_qps / 2)) before after
        before="$(grep -c 'reload (SIGHUP)' "$work/$name.log" || true)"
        perf_run "$name-reload" "$port" "${data}/mixed.txt" -l "$seconds" -Q "$rate" &
        local perf_pid=$!
        for i in $(seq 1 $((seconds - 1))); do sleep 1; kill -HUP "$pid"; done
        wait "$perf_pid" || true
        after="$(grep -c 'reload (SIGHUP)' "$work/$name.log" || true)"
        reload_note="$((after - before)) reloads at ${rate} q/s: $(perf_field "$work/$name-reload.perf" lost) lost"
    fi
    if [[ "$cpu_share" != 0 ]]; then
        # The whole process (every thread) into the budget, the same runs again.
        echo "$pid" >"$cgroup/cgroup.procs"
        read -r capped_hits_qps capped_hits_us capped_lost < <(run_load "$name-hits-capped" "$port" "$pid" "${data}/hits.txt")
        read -r capped_mixed_qps capped_mixed_us mixed_lost < <(run_load "$name-mixed-capped" "$port" "$pid" "${data}/mixed.txt")
        capped_lost=$((capped_lost + mixed_lost))
        echo "$pid" >"${cgroup_root}/cgroup.procs"
        capped="${capped_hits_qps} | ${capped_hits_us} µs | ${capped_mixed_qps} | ${capped_mixed_us} µs"
    fi
    kill "$pid" 2>/dev/null || true
    wait "${pids[-1]}" 2>/dev/null || true
    results+=("$(printf '| %s | %.2f s | %d MB (peak %d MB) | %s | %s µs | %s | %s µs | %s | %s | %s |' "$name" "$load" \
        $((rss / 1024)) $((hwm / 1024)) "$hits_qps" "$hits_us" "$mixed_qps" "$mixed_us" "$capped" \
        "$lost / ${capped_lost}" "$reload_note")")
    eval "qps_hits_${name}=${hits_qps}; qps_mixed_${name}=${mixed_qps}; us_hits_${name}=${hits_us}; us_mixed_${name}=${mixed_us}"
    eval "cqps_hits_${name}=${capped_hits_qps}; cqps_mixed_${name}=${capped_mixed_qps}"
    eval "cus_hits_${name}=${capped_hits_us}; cus_mixed_${name}=${capped_mixed_us}"
    echo "${results[-1]}" >&2
}

for server in $only; do
    port="$(free_port)"
    case "$server" in
        dnsfilter)
            measure dnsfilter "$port" "$resolver" --threads 1 --listen "127.0.0.1:$port" --list "${data}/list.txt" \
                --upstream "127.0.0.1:${backend_port}" --metrics none --watch-interval 0 ;;
        unbound)
            write_unbound "$port"
            measure unbound "$port" unbound -c "$work/unbound.conf" ;;
        dnsdist)
            write_dnsdist "$port"
            measure dnsdist "$port" dnsdist --supervised --disable-syslog -C "$work/dnsdist.lua" ;;
    esac
done

echo
echo "$(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), server on CPU ${server_cpu}, dnsperf on CPU ${client_cpu};"
echo "${list_size} names; best of ${repeat} runs of ${seconds} s each; $(unbound -V | head -1), dnsdist $(dnsdist --version 2>/dev/null | awk 'NR==1{print $2}'), $(dnsperf -h 2>&1 | grep -m1 -o 'DNS Performance Testing Tool version [0-9.]*' || echo dnsperf)"
echo
budget="at ${cpu_share} % CPU"
echo "| server | load | RSS after load | QPS, sinkhole hits | CPU/query | QPS, warm mixed | CPU/query | QPS, hits ${budget} | CPU/query | QPS, mixed ${budget} | CPU/query | lost (free / budget) | reload under load |"
echo "|---|---|---|---|---|---|---|---|---|---|---|---|---|"
printf '%s\n' "${results[@]}"
echo
echo "Traffic that is not blocked: one pass each through the mix (cold cache: forwarded), the warm mix (best of ${repeat}), the large mix twice"
echo
echo "| server | QPS, first pass (forwarded) | CPU/query | QPS, warm mix (cache hits) | CPU/query | QPS, large mix 1st pass | CPU/query | QPS, large mix 2nd pass | CPU/query |"
echo "|---|---|---|---|---|---|---|---|---|"
printf '%s\n' "${passes[@]}"
ratio() { if [[ -n "${1:-}" && "${1:-0}" != 0 && -n "${2:-}" && "${2:-0}" != 0 ]]; then echo "scale=2; $1 / $2" | bc; else echo "-"; fi; }
if [[ -n "${qps_hits_dnsfilter:-}" ]]; then
    echo
    echo "dnsfilter / dnsdist: QPS hits $(ratio "${qps_hits_dnsfilter}" "${qps_hits_dnsdist:-}")x, mixed $(ratio "${qps_mixed_dnsfilter}" "${qps_mixed_dnsdist:-}")x;" \
         "CPU per query hits $(ratio "${us_hits_dnsdist:-0}" "${us_hits_dnsfilter}")x less, mixed $(ratio "${us_mixed_dnsdist:-0}" "${us_mixed_dnsfilter}")x less"
    echo "dnsfilter / Unbound: QPS hits $(ratio "${qps_hits_dnsfilter}" "${qps_hits_unbound:-}")x, mixed $(ratio "${qps_mixed_dnsfilter}" "${qps_mixed_unbound:-}")x;" \
         "CPU per query hits $(ratio "${us_hits_unbound:-0}" "${us_hits_dnsfilter}")x less, mixed $(ratio "${us_mixed_unbound:-0}" "${us_mixed_dnsfilter}")x less"
    for peer in dnsdist unbound; do
        f="us_first_${peer}" w="us_mixed_${peer}" h="us_hits_${peer}" l1="us_large1_${peer}" l2="us_large2_${peer}"
        echo "dnsfilter's CPU per query as a share of ${peer}'s: forwarded (first pass) $(ratio "${us_first_dnsfilter}" "${!f:-0}")," \
             "cache hits (warm mix) $(ratio "${us_mixed_dnsfilter}" "${!w:-0}"), sinkhole hits $(ratio "${us_hits_dnsfilter}" "${!h:-0}")," \
             "large mix $(ratio "${us_large1_dnsfilter}" "${!l1:-0}") / $(ratio "${us_large2_dnsfilter}" "${!l2:-0}")"
    done
    if [[ "$cpu_share" != 0 ]]; then
        for peer in dnsdist unbound; do
            h="cqps_hits_${peer}" m="cqps_mixed_${peer}" uh="cus_hits_${peer}" um="cus_mixed_${peer}"
            echo "${budget}, dnsfilter / ${peer}: QPS hits $(ratio "${cqps_hits_dnsfilter}" "${!h:-}")x," \
                 "mixed $(ratio "${cqps_mixed_dnsfilter}" "${!m:-}")x;" \
                 "CPU per query hits $(ratio "${!uh:-0}" "${cus_hits_dnsfilter}")x less," \
                 "mixed $(ratio "${!um:-0}" "${cus_mixed_dnsfilter}")x less"
        done
    fi
fi

# Two serving threads against one, neither pinned (dnsperf shares the cores).
if [[ "${PEER_SCALING:-0}" == 1 && " $only " == *" dnsfilter "* ]]; then
    declare -A scaled
    for threads in 1 2; do
        port="$(free_port)"
        timeout 3600 "$resolver" --threads "$threads" --listen "127.0.0.1:$port" --list "${data}/list.txt" \
            --upstream "127.0.0.1:${backend_port}" --metrics none --watch-interval 0 >"$work/scaling-$threads.log" 2>&1 &
        pids+=($!)
        taskset -c "${client_cpu}" "$load_probe" "$port" "$probe" "$(date +%s%N)" 3600 "${pids[-1]}" >/dev/null
        dnsperf -s 127.0.0.1 -p "$port" -d "${data}/mixed.txt" -c 8 -q 500 -t 2 -n 2 >/dev/null 2>&1 || true
        for file in hits mixed; do
            best=0
            for r in $(seq 1 "$repeat"); do
                dnsperf -s 127.0.0.1 -p "$port" -d "${data}/${file}.txt" -c 16 -q 1000 -t 2 -T 2 -l "$seconds" \
                    >"$work/scaling-$threads-$file-$r.perf" 2>&1 || true
                qps="$(perf_field "$work/scaling-$threads-$file-$r.perf" qps)"
                if (( qps > best )); then best="$qps"; fi
            done
            scaled["$threads-$file"]="$best"
        done
        kill "${pids[-1]}" 2>/dev/null || true
        wait "${pids[-1]}" 2>/dev/null || true
    done
    echo
    echo "two serving threads / one (dnsperf -T 2 on the same $(nproc) CPUs, unpinned): sinkhole hits ${scaled[2-hits]} / ${scaled[1-hits]} q/s =" \
         "$(ratio "${scaled[2-hits]}" "${scaled[1-hits]}")x, warm mix ${scaled[2-mixed]} / ${scaled[1-mixed]} q/s = $(ratio "${scaled[2-mixed]}" "${scaled[1-mixed]}")x"
fi
