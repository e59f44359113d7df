#!/usr/bin/env bash
# What a list update costs in memory, the router's question (issue 16): the
# reference resolver with a 1M-name plain list, loaded from the list and from
# a compiled image (dnsfilter-compile), at start and at a SIGHUP reload.
#
#   bash bench/memory_profile.sh [BUILD_DIR]     (default build/release)
#
# For each way of loading, from /proc/PID/status: VmRSS once the first answer
# comes (steady), RssAnon and RssFile (the process's own memory and the
# file pages it maps), VmHWM (the peak of the load); then VmHWM is reset
# (clear_refs 5, root only), the policy is replaced (the same list rewritten,
# or a new image renamed over the old one) and SIGHUP sent, and the peak of
# the reload is read once the log says it is done. Ratios are to the steady
# VmRSS of the same run. Also the time dnsfilter-compile --check takes to map
# and check the image (wall and CPU, five runs). Environment: N (1000000).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
build="${1:-${root}/build/release}"
n="${N:-1000000}"

if [[ ! -x "${build}/examples/resolver/dnsfilter-resolver" || ! -x "${build}/examples/compile/dnsfilter-compile" ||
      ! -x "${build}/bench/dnsfilter-bench-peer-data" || ! -x "${build}/bench/dnsfilter-bench-load-probe" ]]; then
    [[ "${build}" == "${root}/build/release" ]] && cmake --preset release >&2
    cmake --build "${build}" --target dnsfilter-resolver dnsfilter-compile dnsfilter-bench-peer-data \
        dnsfilter-bench-load-probe >&2
fi
resolver="${build}/examples/resolver/dnsfilter-resolver"
compile="${build}/examples/compile/dnsfilter-compile"
load_probe="${build}/bench/dnsfilter-bench-load-probe"
data="${build}/peer-data-${n}"
if [[ ! -s "${data}/list.txt" ]]; then
    mkdir -p "${data}"
    "${build}/bench/dnsfilter-bench-peer-data" "${data}" "${n}" >&2
fi
probe="$(head -1 "${data}/list.txt")"
work="$(mktemp -d)"
pid=""
cleanup() {
    [[ -n "$pid" ]] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
    rm -rf "$work"
}
trap cleanup EXIT

kb() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }
mb() { awk -v v="$1" 'BEGIN { printf "%.1f", v / 1024 }'; }  # KiB to MiB
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }

cp "${data}/list.txt" "$work/list.txt"
"$compile" -o "$work/policy.img" "plain:$work/list.txt" 2>/dev/null
image_mb="$(mb $(($(stat -c %s "$work/policy.img") / 1024)))"

# run LABEL POLICY_ARGS... : one resolver, its start and one reload.
run() {
    local label="$1"; shift
    local port=$((20000 + RANDOM % 20000)) start_ns
    start_ns="$(date +%s%N)"
    "$resolver" --listen "127.0.0.1:${port}" --upstream 127.0.0.1:9 --metrics none --threads 1 "$@" \
        >"$work/$label.log" 2>&1 &
    pid=$!
    "$load_probe" "$port" "$probe" "$start_ns" 600 "$pid" >/dev/null
    sleep 1
    local rss anon file hwm
    rss="$(kb "$pid" VmRSS)"; anon="$(kb "$pid" RssAnon)"; file="$(kb "$pid" RssFile)"; hwm="$(kb "$pid" VmHWM)"
    echo 5 >"/proc/$pid/clear_refs" 2>/dev/null || echo "cannot reset VmHWM (not root?)" >&2
    if [[ "$label" == image ]]; then
        "$compile" -o "$work/policy.img.new" "plain:$work/list.txt" 2>/dev/null
        mv "$work/policy.img.new" "$work/policy.img"
    else
        cp "$work/list.txt" "$work/list.txt.new" && mv "$work/list.txt.new" "$work/list.txt"
    fi
    kill -HUP "$pid"
    for _ in $(seq 1 600); do
        grep -q 'reload (SIGHUP): generation' "$work/$label.log" && break
        sleep 0.1
    done
    sleep 1
    local reload_hwm after
    reload_hwm="$(kb "$pid" VmHWM)"; after="$(kb "$pid" VmRSS)"
    kill "$pid"; wait "$pid" 2>/dev/null || true; pid=""
    printf '| %s | %s MiB | %s MiB | %s MiB | %s MiB (%s×) | %s MiB (%s×) | %s MiB |\n' "$label" "$(mb "$rss")" "$(mb "$anon")" \
        "$(mb "$file")" "$(mb "$hwm")" "$(ratio "$hwm" "$rss")" "$(mb "$reload_hwm")" "$(ratio "$reload_hwm" "$rss")" \
        "$(mb "$after")"
}

echo "# ${n} names; image ${image_mb} MiB; $(uname -m), $(nproc) vCPU, $(date -u +%F)"
echo
echo "| loaded from | steady VmRSS | RssAnon | RssFile | peak of the load | peak of a reload | VmRSS after |"
echo "|---|---|---|---|---|---|---|"
run list --list "plain:$work/list.txt"
run image --image "$work/policy.img"
echo
for _ in 1 2 3 4 5; do "$compile" --check "$work/policy.img"; done | sed 's/^/    /'
