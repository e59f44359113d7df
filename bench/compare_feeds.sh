#!/usr/bin/env bash
# bench/compare_feeds.sh — the policy feed (issue 14): a Response Policy Zone of
# N triggers served by a local Knot DNS primary and transferred by each server
# (AXFR, then IXFR on NOTIFY), measured the same way for each:
#   dnsfilter-resolver  --feed "rpz.bench primary=127.0.0.1:KNOT seed=FILE"  (skipped while it has no --feed)
#   Unbound 1.17        rpz: clause, primary: 127.0.0.1@KNOT, allow-notify: 127.0.0.1, no zonefile
#   PowerDNS Rec. 4.8   rpzPrimary("127.0.0.1:KNOT", "rpz.bench", {refresh=1})  (4.8 answers NOTIFY but
#                       does not transfer on it: it polls the SOA every `refresh` seconds)
# Debian packages: knot, knot-dnsutils, unbound, pdns-recursor, dnsperf, dnsutils, python3.
#
#   bash bench/compare_feeds.sh [BUILD_DIR]       (default: build/release)
#
# Per server, in this order:
#   1. FEED_STARTS times (dnsfilter's seed file removed before each: a full AXFR
#      every time; Knot's AXFR read raw on the server CPU just before, the floor):
#      the time from just before the process starts until the fixed blocked probe
#      (blocked-probe.feedbench.example, a trigger of the zone) is answered
#      NXDOMAIN, polled every 50 ms (one UDP query per poll from bench/feed_probe.py:
#      a dig per poll would cost more CPU than the poll interval); VmRSS 2 s later
#      (steady) and VmHWM (peak of the load), from /proc/PID/status;
#   2. a full re-transfer: a new zone file (the same triggers, a new probe name,
#      serial + 1000) and `knotc zone-reload`: Knot loads it whole and drops its
#      journal, so the server's IXFR from its serial is answered with the whole
#      zone ("incomplete history, fallback to AXFR" in Knot's log, checked). The
#      server's VmHWM is reset first (echo 5 > /proc/PID/clear_refs, root only);
#      VmRSS is sampled every 50 ms from the reload until 3 s after the new probe
#      answers NXDOMAIN; the peak is the larger of the samples' maximum and VmHWM;
#   3. FEED_ROUNDS rounds of a 1,000-change IXFR (knotc zone-begin, 500 zone-set of
#      new names and 500 zone-unset of listed ones, zone-commit; Knot sends NOTIFY),
#      interleaved with idle rounds: a FEED_WINDOW-second dnsperf run at FEED_QPS
#      queries/s of unlisted names (warmed first, so answers come from the cache;
#      misses are forwarded to a local Unbound backend that answers every name)
#      with nothing changing, then the same run with zone-commit 1 s into it. Per
#      round: the time from zone-commit until a newly added name is answered
#      NXDOMAIN (polled every 10 ms), and the p99 and max latency of the dnsperf
#      answers (dnsperf -v) idle and during the apply. Also whether an answer cached
#      before the change (TTL 3600) is still served after it, for a name the change lists.
#   4. dnsfilter only: cold start from the seed file — stop it and knotd, start it
#      again, time until the blocked probe is answered NXDOMAIN.
# The probe names are under feedbench.example, which the backend answers with TTL 0
# (and PowerDNS Recursor runs with minimum-ttl-override=0), so no cached answer hides
# a policy change from the probes.
#
# Output: a Markdown table (one row per measure, one column per server), the
# ratios of dnsfilter-resolver's figures to each peer's when it ran, and the raw
# numbers. Servers on CPU 1, knotd, the probes and dnsperf on CPU 0; one thread
# per server where it has such a setting. Ports are random on 127.0.0.1.
#
# Environment: N (1000000 triggers), PEERS (dnsfilter,unbound,pdns), FEED_ROUNDS (3),
# FEED_STARTS (3 starts for the first-answer time; the median is reported),
# FEED_QPS (2000), FEED_WINDOW (4 s), RESOLVER (BUILD_DIR/examples/resolver/dnsfilter-resolver),
# FEED_KEEP (set: keep the scratch directory), SMOKE=1 (N=2000, 1 round, short windows;
# checks only that every step produced a number and exits 1 otherwise).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${1:-${root}/build/release}"
smoke="${SMOKE:-}"
if [[ -n "$smoke" ]]; then
    N="${N:-2000}" FEED_ROUNDS="${FEED_ROUNDS:-1}" FEED_STARTS="${FEED_STARTS:-1}" FEED_WINDOW="${FEED_WINDOW:-2}" FEED_QPS="${FEED_QPS:-500}"
fi
triggers="${N:-1000000}"
peers="${PEERS:-dnsfilter,unbound,pdns}"
rounds="${FEED_ROUNDS:-3}"
starts="${FEED_STARTS:-3}"
qps="${FEED_QPS:-2000}"
window="${FEED_WINDOW:-4}"
resolver="${RESOLVER:-${build}/examples/resolver/dnsfilter-resolver}"
server_cpu=1
client_cpu=0
probe_py="${root}/bench/feed_probe.py"
zone=rpz.bench
blocked_probe=blocked-probe.feedbench.example
unlisted_probe=unlisted-probe.feedbench.example

for tool in knotd knotc dnsperf dig taskset python3 awk; do
    command -v "$tool" >/dev/null || { echo "missing $tool: bash scripts/bootstrap-debian.sh installs it" >&2; exit 1; }
done
[[ ",$peers," == *,unbound,* ]] && { command -v unbound >/dev/null || { echo "missing unbound" >&2; exit 1; }; }
[[ ",$peers," == *,pdns,* ]] && { command -v pdns_recursor >/dev/null || { echo "missing pdns_recursor (pdns-recursor)" >&2; exit 1; }; }
command -v unbound >/dev/null || { echo "missing unbound (the backend)" >&2; exit 1; }

if [[ ! -x "${build}/bench/dnsfilter-bench-peer-data" ]]; then
    [[ "${build}" == "${root}/build/release" && ! -f "${build}/build.ninja" ]] && cmake --preset release >&2
    cmake --build "${build}" -j2 --target dnsfilter-bench-peer-data >&2
fi
if [[ ",$peers," == *,dnsfilter,* && -z "${RESOLVER:-}" && ! -x "$resolver" ]]; then
    [[ "${build}" == "${root}/build/release" && ! -f "${build}/build.ninja" ]] && cmake --preset release >&2
    cmake --build "${build}" -j2 --target dnsfilter-resolver >&2
fi

# The triggers: the same deterministic names as compare_peers.sh (generate.hpp).
data="${build}/peer-data-${triggers}"
if [[ ! -s "${data}/mixed.txt" ]]; then
    mkdir -p "${data}"
    echo "generating ${triggers} names in ${data} ..." >&2
    "${build}/bench/dnsfilter-bench-peer-data" "${data}" "${triggers}" >&2
fi

work="$(mktemp -d)"
pids=()
cleanup() {
    local pid
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    if [[ -n "${FEED_KEEP:-}" ]]; then echo "kept ${work}" >&2; else rm -rf "$work"; fi
}
trap cleanup EXIT

# Distinct random ports.
used_ports=" "
free_port() {
    local p
    while :; do p=$((20000 + RANDOM % 40000)); [[ "$used_ports" == *" $p "* ]] || break; done
    used_ports+="$p "
    echo "$p"
}
knot_port="$(free_port)"; backend_port="$(free_port)"
declare -A port=([dnsfilter]="$(free_port)" [unbound]="$(free_port)" [pdns]="$(free_port)")

# Unlisted queries: mixed.txt less the list's names and their subdomains, 10,000 at most.
awk 'NR == FNR { listed[$1] = 1; next }
     { n = $1; hit = 0
       while (n != "") { if (n in listed) { hit = 1; break }; i = index(n, "."); if (i == 0) break; n = substr(n, i + 1) }
       if (!hit && ++kept <= 10000) print $1, "A" }' "${data}/list.txt" "${data}/mixed.txt" >"$work/unlisted.txt"

log() { echo "[$(date +%T)] $*" >&2; }
kb_of() { awk -v k="$2" '$1 == k":" { print $2 }' "/proc/$1/status"; }
mb() { [[ -n "${1:-}" ]] && echo $(( ($1 + 512) / 1024 )) || echo ""; }
median() { printf '%s\n' "$@" | sort -g | awk '{ a[NR] = $1 } END { if (NR == 0) exit; if (NR % 2) print a[(NR + 1) / 2]; else printf "%.3f\n", (a[NR / 2] + a[NR / 2 + 1]) / 2 }'; }
maximum() { printf '%s\n' "$@" | sort -g | tail -1; }
ratio() { if [[ -n "${1:-}" && -n "${2:-}" ]] && awk -v b="$2" 'BEGIN { exit !(b > 0) }'; then awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; else echo "-"; fi; }

# ---- the backend: answers every name (TTL 3600), the probes' domain with TTL 0.
# unbound_server PORT: the server: clause both Unbound instances share (one
# thread, loopback only, no daemon, no files of its own).
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
EOF
}
{ unbound_server "$backend_port"; cat <<EOF
  module-config: "iterator"
  local-zone: "." redirect
  local-data: ". 3600 IN A 198.51.100.1"
  local-zone: "feedbench.example." redirect
  local-data: "feedbench.example. 0 IN A 198.51.100.2"
EOF
} >"$work/backend.conf"
timeout 3600 taskset -c "$client_cpu" unbound -c "$work/backend.conf" >"$work/backend.log" 2>&1 &
pids+=($!)
for _ in $(seq 1 100); do dig @127.0.0.1 -p "$backend_port" +tries=1 +time=1 +short x.example A 2>/dev/null | grep -q 198 && break; sleep 0.1; done

# ---- the primary: Knot DNS, zone file + journal of changes, NOTIFY to every server's port.
serial=1000000
mkdir -p "$work/knot"
zonefile="$work/knot/${zone}.zone"
# write_zone SERIAL EXTRA_TRIGGER: the N triggers, the blocked probe, and one more name.
write_zone() {
    {
        printf '$ORIGIN %s.\n$TTL 3600\n' "$zone"
        printf '@ SOA ns.%s. hostmaster.%s. %s 60 10 864000 60\n' "$zone" "$zone" "$1"
        printf '@ NS ns.%s.\nns A 127.0.0.1\n%s CNAME .\n%s CNAME .\n' "$zone" "$blocked_probe" "$2"
        awk '{ print $1 " CNAME ." }' "${data}/list.txt"
    } >"${zonefile}.new"
    mv "${zonefile}.new" "$zonefile"
}
write_zone "$serial" "initial-probe.feedbench.example"
{
    cat <<EOF
server:
    rundir: "$work/knot"
    listen: 127.0.0.1@${knot_port}
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
    action: [transfer, notify]
remote:
EOF
    for name in dnsfilter unbound pdns; do
        printf '  - id: %s\n    address: 127.0.0.1@%s\n' "$name" "${port[$name]}"
    done
    cat <<EOF
template:
  - id: default
    storage: "$work/knot"
    journal-content: changes
    zonefile-sync: -1
zone:
  - domain: ${zone}
    file: "${zonefile}"
    acl: loopback
    notify: [dnsfilter, unbound, pdns]
EOF
} >"$work/knot/knot.conf"
# knotc on a binary copy of the configuration: with -c it parses the text file
# into a fresh database for every command, 20 ms each.
knotc -C "$work/knot/confdb" conf-import "$work/knot/knot.conf" >/dev/null
knot() { knotc -C "$work/knot/confdb" "$@"; }
knot_pid=""
start_knot() {
    timeout 3600 taskset -c "$client_cpu" knotd -c "$work/knot/knot.conf" >>"$work/knot.log" 2>&1 &
    pids+=($!)
    knot_pid=$!
    local i
    for ((i = 0; i < 3000; i++)); do
        knot zone-status "$zone" 2>/dev/null | grep -q 'serial: [0-9]' && return 0
        sleep 0.1
    done
    echo "knotd did not load the zone:" >&2; tail -20 "$work/knot.log" >&2; exit 1
}
stop_knot() {
    knot stop >/dev/null 2>&1 || kill "$knot_pid" 2>/dev/null || true
    wait "$knot_pid" 2>/dev/null || true
}
current_serial() { knot zone-status "$zone" | sed -n 's/.*serial: \([0-9]*\).*/\1/p'; }
load_at_start="$(cut -d' ' -f1-3 /proc/loadavg)"
log "knotd loading ${triggers} triggers ..."
start_knot
log "knotd serves ${zone} at serial $(current_serial)"

# ---- per-server measurements
declare -A res=()   # res[measure,server]
raw=()              # raw lines
ran=()
next_unset=1        # the next line of list.txt an IXFR round removes
server_pid=""; server_wrapper=""
fresh_start_removes=""  # a file measure() removes before each start (dnsfilter's seed)
floors=()               # Knot's AXFR read raw, once before each start of every server (s)
start_server() {  # NAME COMMAND...: starts it on the server CPU; sets server_pid, server_wrapper
    local name="$1"; shift
    timeout 3600 taskset -c "$server_cpu" "$@" >"$work/$name.log" 2>&1 &
    server_wrapper=$!
    pids+=($!)
    local i
    for ((i = 0; i < 100; i++)); do
        server_pid="$(pgrep -P "$server_wrapper" | head -1 || true)"
        [[ -n "$server_pid" ]] && return 0
        sleep 0.01
    done
    server_pid="$server_wrapper"
}
stop_server() {
    kill "$server_pid" 2>/dev/null || true
    wait "$server_wrapper" 2>/dev/null || true
}
probe() { taskset -c "$client_cpu" python3 "$probe_py" poll "$@"; }

# perf_window NAME PORT OUT: dnsperf for FEED_WINDOW s; prints "p99_ms max_ms lost".
perf_window() {
    taskset -c "$client_cpu" dnsperf -v -s 127.0.0.1 -p "$2" -d "$work/unlisted.txt" -l "$window" -Q "$qps" -t 2 \
        >"$work/$3.perf" 2>&1 || true
    awk '/^> / { print $5 }' "$work/$3.perf" | sort -g |
        awk -v lost="$(awk '/Queries lost:/ { print $3 }' "$work/$3.perf")" \
            '{ a[NR] = $1 } END { if (NR == 0) { print "", "", lost; exit }
               i = int(NR * 0.99 + 0.999); if (i > NR) i = NR
               printf "%.3f %.3f %s\n", a[i] * 1000, a[NR] * 1000, lost }'
}

# measure NAME COMMAND...: the measurements 1-3 of one server (left running; stop_server after).
measure() {
    local name="$1"; shift
    local p="${port[$name]}" t0 first rss hwm s
    local -a firsts=()
    ran+=("$name")
    for ((s = 1; s <= starts; s++)); do
        ((s == 1)) || { stop_server; sleep 1; }
        # Every start loads by a full transfer: a seed file the previous start
        # wrote would make it a cold start from the seed (measured apart).
        [[ -z "$fresh_start_removes" ]] || rm -f "$fresh_start_removes"
        # The floor, interleaved with the starts: Knot sending the whole zone to
        # a reader on the server CPU that does not interpret it.
        floors+=("$(taskset -c "$server_cpu" python3 "$probe_py" axfr "$knot_port" "$zone" | cut -d' ' -f1 || true)")
        log "$name: start $s of ${starts}, waiting for the first policy answer ..."
        t0="$(date +%s%N)"
        start_server "$name" "$@"
        if ! first="$(probe "$p" "$blocked_probe" NXDOMAIN 0.05 900 --since "$t0")"; then
            echo "$name gave no policy answer in 900 s:" >&2; tail -30 "$work/$name.log" >&2; stop_server; return 1
        fi
        firsts+=("$first")
    done
    raw+=("$name first_answer_s (each start)=${firsts[*]}")
    first="$(median "${firsts[@]}")"
    sleep 2
    rss="$(kb_of "$server_pid" VmRSS)"; hwm="$(kb_of "$server_pid" VmHWM)"
    res[first,$name]="$first"; res[rss,$name]="$(mb "$rss")"; res[hwm,$name]="$(mb "$hwm")"
    raw+=("$name first_answer_s=$first rss_kb=$rss hwm_kb=$hwm")
    log "$name: first policy answer after ${first} s, RSS $(mb "$rss") MB (peak $(mb "$hwm") MB)"
    if probe "$p" "$unlisted_probe" NOERROR 0.1 5 >/dev/null; then res[unlisted,$name]=NOERROR; else res[unlisted,$name]=none; fi

    # 2. Full re-transfer.
    local new_serial axfr_before axfr_after peak samples hwm2 t_apply settled
    new_serial=$(( $(current_serial) + 1000 ))
    write_zone "$new_serial" "retransfer-${name}.feedbench.example"
    axfr_before="$(grep -c 'fallback to AXFR' "$work/knot.log" || true)"
    echo 5 >"/proc/$server_pid/clear_refs" 2>/dev/null || log "$name: cannot reset VmHWM (not root?): the peak includes the first load"
    rm -f "$work/rss.stop"
    taskset -c "$client_cpu" python3 "$probe_py" rss "$server_pid" 0.05 "$work/rss.stop" >"$work/$name.rss" &
    local sampler=$!
    taskset -c "$client_cpu" python3 "$probe_py" watch "$p" "$blocked_probe" 0.05 "$work/rss.stop" >"$work/$name.watch" &
    local watcher=$!
    log "$name: full re-transfer (zone-reload of serial ${new_serial}) ..."
    local out t_ready=""
    if out="$(probe "$p" "retransfer-${name}.feedbench.example" NXDOMAIN 0.05 900 \
                --primary-serial "$knot_port" "$zone" "$new_serial" --run knotc -C "$work/knot/confdb" zone-reload "$zone")"; then
        read -r t_apply t_ready <<<"$out" || true
        sleep 3
    else
        t_apply=""
    fi
    touch "$work/rss.stop"; wait "$sampler" || true; wait "$watcher" || true
    res[during,$name]="$(cat "$work/$name.watch")"
    peak=0 samples=0 hwm2=0
    read -r peak samples hwm2 <"$work/$name.rss" || true
    settled="$(kb_of "$server_pid" VmRSS)"
    (( hwm2 > peak )) && peak="$hwm2"
    axfr_after="$(grep -c 'fallback to AXFR' "$work/knot.log" || true)"
    res[retransfer,$name]="$t_apply"
    [[ -n "$t_apply" && -n "$t_ready" ]] && res[retransfer_server,$name]="$(awk -v a="$t_apply" -v b="$t_ready" 'BEGIN { d = a - b; printf "%.3f", (d > 0 ? d : 0) }')"
    res[peak,$name]="$(mb "$peak")"
    res[peak_ratio,$name]="$(ratio "$peak" "$rss")"
    res[settled,$name]="$(mb "$settled")"
    res[axfr,$name]=$(( axfr_after > axfr_before ? 1 : 0 ))
    raw+=("$name retransfer_s=$t_apply primary_served_new_serial_s=$t_ready peak_kb=$peak samples=$samples hwm_after_reset_kb=$hwm2 rss_after_kb=$settled axfr_fallbacks=$((axfr_after - axfr_before)) blocked_probe_during: ${res[during,$name]}")
    log "$name: re-transfer answered after ${t_apply:-never} s, peak RSS $(mb "$peak") MB ($samples samples), AXFR fallbacks $((axfr_after - axfr_before))"

    # 3. IXFR rounds, each an idle window then an apply window.
    local r i tag added visible ready want idle apply cached_rcode
    local -a vis=() vis_server=() vis_primary=() idle_p99=() apply_p99=() apply_max=() lost_idle=() lost_apply=() stale=()
    log "$name: warming the cache with $(wc -l <"$work/unlisted.txt") unlisted names ..."
    taskset -c "$client_cpu" dnsperf -s 127.0.0.1 -p "$p" -d "$work/unlisted.txt" -n 1 -Q 5000 -t 2 >"$work/$name-warm.perf" 2>&1 || true
    for ((r = 1; r <= rounds; r++)); do
        tag="${name}-${r}"
        added="ixfr-${tag}-1.feedbench.example"
        # The change: 500 names added (the probe first, and a name cached before the change), 500 listed names removed.
        dig @127.0.0.1 -p "$p" +tries=1 +time=2 "cached-${tag}.feedbench.net" A >/dev/null 2>&1 || true
        {
            echo "zone-begin $zone"
            echo "zone-set $zone cached-${tag}.feedbench.net.${zone}. 3600 CNAME ."
            for ((i = 1; i <= 499; i++)); do echo "zone-set $zone ixfr-${tag}-${i}.feedbench.example.${zone}. 3600 CNAME ."; done
            sed -n "${next_unset},$((next_unset + 499))p" "${data}/list.txt" | awk -v z="$zone" '{ print "zone-unset " z " " $1 "." z ". CNAME" }'
        } >"$work/tx-${tag}.txt"
        next_unset=$((next_unset + 500))
        knot <"$work/tx-${tag}.txt" >"$work/tx-${tag}.out" 2>&1
        if [[ "$(grep -c '^OK' "$work/tx-${tag}.out")" -ne 1001 ]]; then
            echo "$name: the transaction was not built (knotc said):" >&2; grep -v '^OK' "$work/tx-${tag}.out" | head >&2
        fi
        sleep 1
        # Idle: the same dnsperf run, and the same 10 ms polling on the client CPU
        # for 1 s (of a name that stays unlisted), with nothing changing.
        perf_window "$name" "$p" "${tag}-idle" >"$work/${tag}-idle.lat" &
        local perf=$!
        sleep 1
        probe "$p" "$unlisted_probe" NXDOMAIN 0.01 1 >/dev/null || true
        wait "$perf" || true
        read -r idle max lost <"$work/${tag}-idle.lat"
        idle_p99+=("$idle"); lost_idle+=("$lost")
        perf_window "$name" "$p" "${tag}-apply" >"$work/${tag}-apply.lat" &
        perf=$!
        sleep 1
        want=$(( $(current_serial) + 1 ))
        out="$(probe "$p" "$added" NXDOMAIN 0.01 30 --primary-serial "$knot_port" "$zone" "$want" \
                 --run knotc -C "$work/knot/confdb" zone-commit "$zone" || true)"
        visible="" ready=""
        read -r visible ready <<<"$out" || true
        wait "$perf" || true
        read -r apply max lost <"$work/${tag}-apply.lat"
        apply_p99+=("$apply"); apply_max+=("$max"); lost_apply+=("$lost")
        if [[ -n "$visible" ]]; then
            vis+=("$(awk -v s="$visible" 'BEGIN { printf "%.0f", s * 1000 }')")
            if [[ -n "$ready" ]]; then
                vis_primary+=("$(awk -v s="$ready" 'BEGIN { printf "%.0f", s * 1000 }')")
                vis_server+=("$(awk -v s="$visible" -v r="$ready" 'BEGIN { d = (s - r) * 1000; printf "%.0f", (d > 0 ? d : 0) }')")
            fi
        fi
        cached_rcode="$(dig @127.0.0.1 -p "$p" +tries=1 +time=2 "cached-${tag}.feedbench.net" A | sed -n 's/.*status: \([A-Z]*\).*/\1/p')"
        stale+=("${cached_rcode:-none}")
        raw+=("$name round=$r ixfr_visible_s=${visible:-never} primary_served_new_serial_s=${ready:-never} p99_idle_ms=$idle p99_apply_ms=$apply max_apply_ms=$max lost_idle=${lost_idle[-1]} lost_apply=$lost cached_after=${cached_rcode:-none}")
        log "$name: round $r: IXFR visible after ${visible:-never} s (Knot served it after ${ready:-?} s); p99 idle ${idle} ms, during apply ${apply} ms (max ${max} ms)"
    done
    res[ixfr,$name]="$(median "${vis[@]}")"
    res[ixfr_max,$name]="$(maximum "${vis[@]}")"
    res[ixfr_primary,$name]="$(median "${vis_primary[@]}")"
    res[ixfr_server,$name]="$(median "${vis_server[@]}")"
    res[ixfr_server_max,$name]="$(maximum "${vis_server[@]}")"
    res[p99_idle,$name]="$(median "${idle_p99[@]}")"
    res[p99_apply,$name]="$(median "${apply_p99[@]}")"
    res[p99_ratio,$name]="$(ratio "${res[p99_apply,$name]}" "${res[p99_idle,$name]}")"
    res[max_apply,$name]="$(maximum "${apply_max[@]}")"
    res[lost,$name]="$(( $(printf '%s+' "${lost_idle[@]}")0 )) / $(( $(printf '%s+' "${lost_apply[@]}")0 ))"
    res[stale,$name]="$(printf '%s\n' "${stale[@]}" | sort | uniq -c | awk '{ printf "%s%s×%s", sep, $2, $1; sep = ", " }')"
}

# ---------------------------------------------------------------------------
# dnsfilter-resolver's slot: the measurements are the peers' (measure), every
# start a full AXFR (the seed removed), then a cold start from the seed.
run_dnsfilter() {
    # The help captured whole: with pipefail, grep -q closing the pipe early
    # kills the writer (SIGPIPE) and would make the check fail at random.
    local help=""
    [[ -x "$resolver" ]] && help="$("$resolver" --help 2>&1 || true)"
    if [[ "$help" != *--feed* ]]; then
        log "dnsfilter: SKIPPED — ${resolver} does not accept --feed yet"
        res[skip,dnsfilter]="pending (no --feed)"
        return 0
    fi
    local p="${port[dnsfilter]}" seed="$work/${zone}.seed" t0 cold
    fresh_start_removes="$seed"
    local -a cmd=("$resolver" --listen "127.0.0.1:$p" --upstream "127.0.0.1:${backend_port}" --threads 1 --metrics none
                  --feed "${zone} primary=127.0.0.1:${knot_port} seed=${seed}")
    measure dnsfilter "${cmd[@]}" || { fresh_start_removes=""; return 1; }
    fresh_start_removes=""
    stop_server
    # 4. Cold start from the seed file, the primary down.
    [[ -s "$seed" ]] || log "dnsfilter: no seed file at ${seed} after the run"
    stop_knot
    log "dnsfilter: cold start from the seed file, knotd stopped ..."
    t0="$(date +%s%N)"
    start_server dnsfilter-cold "${cmd[@]}"
    cold="$(probe "$p" "$blocked_probe" NXDOMAIN 0.05 120 --since "$t0" || true)"
    res[cold,dnsfilter]="$cold"
    raw+=("dnsfilter cold_start_from_seed_s=${cold:-never} seed_bytes=$(stat -c %s "$seed" 2>/dev/null || echo 0)")
    log "dnsfilter: cold start answered after ${cold:-never} s"
    stop_server
    start_knot
}

run_unbound() {
    local p="${port[unbound]}"
    { unbound_server "$p"; cat <<EOF
  # Forwarding to 127.0.0.1 is refused (SERVFAIL) without this.
  do-not-query-localhost: no
  module-config: "respip iterator"
  msg-cache-size: 64m
  rrset-cache-size: 128m
rpz:
  name: ${zone}
  primary: 127.0.0.1@${knot_port}
  allow-notify: 127.0.0.1
forward-zone:
  name: "."
  forward-addr: 127.0.0.1@${backend_port}
EOF
    } >"$work/unbound.conf"
    measure unbound unbound -c "$work/unbound.conf" || return 1
    stop_server
}

run_pdns() {
    local p="${port[pdns]}"
    mkdir -p "$work/pdns"
    cat >"$work/pdns/recursor.conf" <<EOF
local-address=127.0.0.1
local-port=${p}
threads=1
pdns-distributes-queries=no
socket-dir=${work}/pdns
lua-config-file=${work}/pdns/rpz.lua
forward-zones-recurse=.=127.0.0.1:${backend_port}
allow-from=127.0.0.0/8
dnssec=off
daemon=no
write-pid=no
disable-syslog=yes
# Answered (NOERROR) but no transfer follows in 4.8: RPZ refresh is the poll below.
allow-notify-from=127.0.0.1/32
allow-notify-for=${zone}
# The probes' TTL-0 answers stay uncached (the default raises them to 1 s).
minimum-ttl-override=0
EOF
    echo "rpzPrimary(\"127.0.0.1:${knot_port}\", \"${zone}\", {refresh=1})" >"$work/pdns/rpz.lua"
    measure pdns pdns_recursor --config-dir="$work/pdns" || return 1
    stop_server
}

IFS=, read -r -a order <<<"$peers"
for name in "${order[@]}"; do
    case "$name" in
        dnsfilter) run_dnsfilter ;;
        unbound) run_unbound ;;
        pdns) run_pdns ;;
        *) echo "unknown server $name (dnsfilter, unbound, pdns)" >&2; exit 2 ;;
    esac
done

# ---- report
version() {
    case "$1" in
        dnsfilter) echo "dnsfilter-resolver" ;;
        unbound) unbound -V | sed -n '1s/Version /Unbound /p' ;;
        pdns) pdns_recursor --version 2>&1 | grep -o 'PowerDNS Recursor [0-9.]*' | head -1 ;;
    esac
}
echo
echo "$(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), servers on CPU ${server_cpu}, knotd/probes/dnsperf on CPU ${client_cpu};"
echo "load average at start ${load_at_start}, at the end $(cut -d' ' -f1-3 /proc/loadavg) (other work on the machine shows as noise);"
((${#floors[@]} > 0)) && echo "Knot sends the whole zone by AXFR (read raw on the server CPU, not interpreted: the floor under every first policy answer) in $(median "${floors[@]}") s, median of ${#floors[@]} (each: ${floors[*]});"
echo "${triggers} triggers from $(knotd --version | head -1); ${rounds} IXFR rounds of 1000 changes, dnsperf $(dnsperf -h 2>&1 | grep -o 'Version [0-9.]*' | cut -d' ' -f2) at ${qps} q/s for ${window} s; $(date -u +%F)"
echo
cols=()
for name in "${order[@]}"; do cols+=("$name"); done
header="| measure |"; rule="|---|"
for name in "${cols[@]}"; do header+=" $(version "$name") |"; rule+="---|"; done
echo "$header"; echo "$rule"
row() {  # LABEL KEY FORMAT(printf, %s = value)
    local line="| $1 |" name v
    for name in "${cols[@]}"; do
        if [[ -n "${res[skip,$name]:-}" ]]; then line+=" ${res[skip,$name]} |"; continue; fi
        v="${res[$2,$name]:-}"
        if [[ -z "$v" ]]; then line+=" - |"; else line+=" $(printf "$3" "$v") |"; fi
    done
    echo "$line"
}
row "first policy answer after start (full AXFR), median of starts" first "%s s"
row "RSS after the load, steady (VmRSS)" rss "%s MB"
row "peak RSS of the load (VmHWM)" hwm "%s MB"
row "peak RSS during a full re-transfer" peak "%s MB"
row "... / steady RSS" peak_ratio "%s×"
row "RSS after the re-transfer" settled "%s MB"
row "re-transfer: zone-reload until the new zone answers" retransfer "%s s"
row "... from Knot serving the new serial" retransfer_server "%s s"
row "re-transfer served as AXFR (Knot's fallback logged)" axfr "%s"
row "blocked probe during the re-transfer (every 50 ms): answers, slowest" during "%s"
row "1,000-change IXFR: zone-commit until visible, median" ixfr "%s ms"
row "... worst round" ixfr_max "%s ms"
row "... of which Knot's commit (until it serves the new serial)" ixfr_primary "%s ms"
row "IXFR: Knot serving the new serial until visible, median" ixfr_server "%s ms"
row "... worst round" ixfr_server_max "%s ms"
row "p99 latency idle, median of rounds" p99_idle "%s ms"
row "p99 latency during the IXFR apply, median" p99_apply "%s ms"
row "... / idle" p99_ratio "%s×"
row "max latency during the apply" max_apply "%s ms"
row "dnsperf queries lost (idle / apply)" lost "%s"
row "answer cached before the change, asked after it" stale "%s"
row "unlisted probe answered" unlisted "%s"
row "cold start from the seed file, primary down" cold "%s s"

if [[ -n "${res[first,dnsfilter]:-}" ]]; then
    echo
    for name in unbound pdns; do
        [[ -n "${res[first,$name]:-}" ]] || continue
        echo "dnsfilter / ${name}: first answer $(ratio "${res[first,dnsfilter]}" "${res[first,$name]}")× (target ≤ 0.2)," \
             "steady RSS $(ratio "${res[rss,dnsfilter]}" "${res[rss,$name]}")× (≤ 0.2)," \
             "re-transfer peak $(ratio "${res[peak,dnsfilter]}" "${res[peak,$name]}")×," \
             "IXFR visible after the new serial is served $(ratio "${res[ixfr_server,dnsfilter]:-}" "${res[ixfr_server,$name]:-}")×"
    done
    echo "dnsfilter targets: first answer ≤ 2 s, re-transfer peak ≤ 1.3× steady, IXFR ≤ 100 ms, p99 apply ≤ 2× idle, cold start ≤ 0.5 s"
fi
if ((${#raw[@]} > 0)); then
    echo
    echo "raw:"
    printf '  %s\n' "${raw[@]}"
fi

if [[ -n "$smoke" ]]; then
    failed=0
    for name in "${ran[@]}"; do
        for key in first rss hwm peak retransfer ixfr ixfr_server p99_idle p99_apply; do
            if ! [[ "${res[$key,$name]:-}" =~ ^[0-9.]+$ ]]; then echo "SMOKE FAIL - $name: no number for $key" >&2; failed=1; fi
        done
        [[ "${res[axfr,$name]:-0}" == 1 ]] || { echo "SMOKE FAIL - $name: the re-transfer was not an AXFR" >&2; failed=1; }
        [[ "$name" != dnsfilter || "${res[cold,$name]:-}" =~ ^[0-9.]+$ ]] || { echo "SMOKE FAIL - dnsfilter: no cold start figure" >&2; failed=1; }
    done
    ((${#ran[@]} > 0)) || [[ -n "${res[skip,dnsfilter]:-}" ]] || { echo "SMOKE FAIL - no server ran" >&2; failed=1; }
    echo "compare_feeds smoke: ${#ran[@]} server(s) measured${res[skip,dnsfilter]:+, dnsfilter skipped (no --feed)}, $([[ $failed == 0 ]] && echo ok || echo FAILED)"
    exit "$failed"
fi
