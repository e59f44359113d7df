#!/usr/bin/env bash
# Footprint of the embedding examples (examples/embed, dnsfilter-embed, and its
# twin in C through the C API, examples/embed-c, dnsfilter-embed-c) as firmware
# builds them: -Os -fno-exceptions -fno-rtti, stripped; and their peak resident
# memory (GNU time's "Maximum resident set size") once loaded with a plain block
# list of 100k and of 1M names and having answered a query from it.
#
#   bash scripts/embed-footprint.sh [host|aarch64|armhf|mips]...   (default: all four)
#   PROGRAMS="dnsfilter-embed" bash scripts/embed-footprint.sh host   (default: both programs)
#
# Cross targets use the toolchain files in cmake/toolchains/ and run under
# qemu-user: their RSS is qemu's, so the figure with a one-name list is
# printed too (the emulator's and libc's own share) next to the host's.
# Build trees: build/footprint-<target>. Not part of CI (it takes minutes).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "${root}"
export CMAKE_BUILD_PARALLEL_LEVEL="${CMAKE_BUILD_PARALLEL_LEVEL:-2}"
targets=("$@")
((${#targets[@]})) || targets=(host aarch64 armhf mips)

work="$(mktemp -d "${TMPDIR:-/tmp}/dnsfilter-footprint.XXXXXX")"
server_pid=""
cleanup() {
    [[ -n "${server_pid}" ]] && kill "${server_pid}" 2>/dev/null || true
    rm -rf "${work}"
}
trap cleanup EXIT

# Deterministic lists: 2-4-label names under a mix of TLDs.
make_list() {
    local count="$1" out="$2"
    awk -v n="${count}" 'BEGIN {
        split("com net org info biz example xyz top io de", tld, " ");
        for (i = 1; i <= n; i++) {
            t = tld[i % 10 + 1];
            if (i % 3 == 0)      printf "c%d.h%x.%s\n", i, i * 7, t;
            else if (i % 3 == 1) printf "m%x-%d.%s\n", i * 13, i, t;
            else                 printf "a.b%d.s%x.%s\n", i, i, t;
        }
    }' >"${out}"
}
make_list 1 "${work}/list-1.txt"
make_list 100000 "${work}/list-100k.txt"
make_list 1000000 "${work}/list-1M.txt"

toolchain_of() {
    case "$1" in
        host) echo "" ;;
        aarch64) echo "${root}/cmake/toolchains/aarch64-linux-gnu.cmake" ;;
        armhf) echo "${root}/cmake/toolchains/arm-linux-gnueabihf.cmake" ;;
        mips) echo "${root}/cmake/toolchains/mips-linux-gnu.cmake" ;;
        *) echo "unknown target $1" >&2; return 1 ;;
    esac
}
run_prefix_of() {
    case "$1" in
        host) echo "" ;;
        # The sysroot's libc first, as the toolchain files do (cmake/toolchains/debian-cross.cmake).
        aarch64) echo "qemu-aarch64 -L /usr/aarch64-linux-gnu -E LD_LIBRARY_PATH=/lib" ;;
        armhf) echo "qemu-arm -L /usr/arm-linux-gnueabihf -E LD_LIBRARY_PATH=/lib" ;;
        mips) echo "qemu-mips -L /usr/mips-linux-gnu -E LD_LIBRARY_PATH=/lib" ;;
    esac
}
strip_of() {
    case "$1" in
        host) echo strip ;;
        aarch64) echo aarch64-linux-gnu-strip ;;
        armhf) echo arm-linux-gnueabihf-strip ;;
        mips) echo mips-linux-gnu-strip ;;
    esac
}

# peak_rss PROGRAM LIST: starts the server, waits until it answers a listed
# name with the sinkhole address (so the list is loaded and compiled), stops
# it, and prints GNU time's maximum resident set size in KiB.
peak_rss() {
    local program="$1" list="$2" port name
    name="$(head -n 1 "${list}")"
    port=$((20000 + RANDOM % 40000))
    # shellcheck disable=SC2086 # the run prefix splits into words
    /usr/bin/time -v -o "${work}/time.txt" ${run_prefix} "${program}" "${list}" "${port}" 127.0.0.1 9 \
        >/dev/null 2>&1 &
    server_pid=$!
    local answered=""
    for _ in $(seq 600); do
        if dig @127.0.0.1 -p "${port}" "${name}" A +tries=1 +time=1 +short 2>/dev/null | grep -q '^127\.0\.0\.2$'; then
            answered=1
            break
        fi
        sleep 0.5
    done
    local child
    child="$(ps -o pid= --ppid "${server_pid}" | tr -d ' ')"
    kill "${child:-${server_pid}}" 2>/dev/null || true
    wait "${server_pid}" 2>/dev/null || true
    server_pid=""
    [[ -n "${answered}" ]] || { echo "no sinkhole answer for ${name}" >&2; return 1; }
    sed -n 's/^\tMaximum resident set size (kbytes): //p' "${work}/time.txt"
}

read -r -a programs <<<"${PROGRAMS:-dnsfilter-embed dnsfilter-embed-c}"
printf '%-8s %-18s %12s %12s %14s %14s %14s\n' target program "stripped B" "text B" "RSS 1 name" "RSS 100k" "RSS 1M"
for target in "${targets[@]}"; do
    build="${root}/build/footprint-${target}"
    toolchain="$(toolchain_of "${target}")"
    args=(-S "${root}" -B "${build}" -G Ninja
        -DCMAKE_BUILD_TYPE=MinSizeRel
        "-DCMAKE_CXX_FLAGS=-fno-exceptions -fno-rtti"
        -DDNSFILTER_BUILD_TESTS=OFF -DDNSFILTER_BUILD_BENCH=OFF -DDNSFILTER_BUILD_EXAMPLES=ON
        -DDNSFILTER_BUILD_RESOLVER=OFF -DDNSFILTER_INSTALL=OFF)
    [[ -n "${toolchain}" ]] && args+=("-DCMAKE_TOOLCHAIN_FILE=${toolchain}")
    cmake "${args[@]}" >"${work}/configure-${target}.log"
    cmake --build "${build}" --target "${programs[@]}" >"${work}/build-${target}.log"
    strip="$(strip_of "${target}")"
    run_prefix="$(run_prefix_of "${target}")"
    for program in "${programs[@]}"; do
        binary="$(find "${build}/examples" -name "${program}" -type f | head -n 1)"
        "${strip}" -o "${build}/${program}.stripped" "${binary}"
        bytes="$(stat -c %s "${build}/${program}.stripped")"
        text="$("${strip%strip}size" -A "${build}/${program}.stripped" | awk '$1 == ".text" { print $2 }')"
        rss1="$(peak_rss "${build}/${program}.stripped" "${work}/list-1.txt")"
        rss100k="$(peak_rss "${build}/${program}.stripped" "${work}/list-100k.txt")"
        rss1m="$(peak_rss "${build}/${program}.stripped" "${work}/list-1M.txt")"
        printf '%-8s %-18s %12s %12s %11s KiB %11s KiB %11s KiB\n' "${target}" "${program}" "${bytes}" "${text}" \
            "${rss1}" "${rss100k}" "${rss1m}"
    done
done
