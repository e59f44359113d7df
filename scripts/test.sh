#!/usr/bin/env bash
# The full check, as CI runs it (.ci/run): dependencies, the warnings-as-errors
# debug build and tests, the ASan/UBSan build and tests, the separate-compilation
# build and tests, cross builds for 64-bit ARM and big-endian 32-bit MIPS with
# their tests run under qemu-user, the reference resolver cross-built for 64-bit
# ARM (Debian's multiarch Boost) with its unit tests under qemu-aarch64, every
# libFuzzer target for a bounded time
# over its seed corpus, and the consumer-package tests (CMake routes, the Conan
# recipe and the vcpkg port).
#
# Every step runs even if an earlier one failed; the last line is the summary
# "N passed, M failed", and the exit status is 1 if anything failed.
#
# Environment:
#   DNSFILTER_FUZZ_SECONDS      seconds per fuzz target (default 30)
#   DNSFILTER_FUZZ_JOBS         fuzz targets run at once (default 2)
#   CMAKE_BUILD_PARALLEL_LEVEL  build jobs (default 2)
#   DNSFILTER_CROSS_ARMHF=1     also the 32-bit ARM cross build (not in CI by default)
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "${root}"

fuzz_seconds="${DNSFILTER_FUZZ_SECONDS:-30}"
fuzz_jobs="${DNSFILTER_FUZZ_JOBS:-2}"
export CMAKE_BUILD_PARALLEL_LEVEL="${CMAKE_BUILD_PARALLEL_LEVEL:-2}"
export CTEST_PARALLEL_LEVEL="${CTEST_PARALLEL_LEVEL:-2}"

passed=0
failed=0
failed_steps=()

banner() {
    printf '\n==============================================================\n'
    printf '== %s\n' "$*"
    printf '==============================================================\n'
}

# step NAME COMMAND...: runs one step, records PASS/FAIL, never aborts the script.
step() {
    local name="$1"
    shift
    banner "${name}"
    local rc=0 start=${SECONDS}
    # A subshell outside any `if`, so that `set -e` still applies inside the
    # step (bash ignores errexit in functions called from a condition).
    set +e
    (set -e; "$@")
    rc=$?
    set -e
    record "${name}" "${rc}" "${start}"
}

# record NAME RC START: counts a finished step as passed or failed.
record() {
    local name="$1" rc="$2" start="$3"
    if ((rc == 0)); then
        printf -- '-- PASS %s (%ds)\n' "${name}" $((SECONDS - start))
        passed=$((passed + 1))
    else
        printf -- '-- FAIL %s (exit %d, %ds)\n' "${name}" "${rc}" $((SECONDS - start))
        failed=$((failed + 1))
        failed_steps+=("${name}")
    fi
}

# cross_workflow PRESET: configure, build and test a cross preset
# (cmake/toolchains/: Debian's g++-<triple>, ctest runs the programs under
# qemu-user), then check that no host (x86-64) library reached a link line.
cross_workflow() {
    local preset="$1"
    cmake --workflow --preset "${preset}"
    if grep -E -- '-lxxhash|libxxhash|/usr/lib/x86_64-linux-gnu' "${root}/build/${preset}/build.ninja"; then
        echo "a host library is on a ${preset} link line (above)" >&2
        return 1
    fi
}

fuzz_build() {
    cmake --preset fuzz
    cmake --build --preset fuzz
}

# fuzz_run NAME: fuzzes build/fuzz/tests/fuzz/NAME for fuzz_seconds over a
# scratch copy of tests/fuzz/corpus/<NAME without fuzz_>/ (the seeds are never
# modified). Crashing inputs are kept in build/fuzz/artifacts/NAME/.
fuzz_run() {
    local name="$1"
    local binary="${root}/build/fuzz/tests/fuzz/${name}"
    local seeds="${root}/tests/fuzz/corpus/${name#fuzz_}"
    local artifacts="${root}/build/fuzz/artifacts/${name}"
    if [[ ! -x "${binary}" ]]; then
        echo "missing fuzz binary ${binary} (did the fuzz build fail?)" >&2
        return 1
    fi
    local corpus
    corpus="$(mktemp -d "${TMPDIR:-/tmp}/dnsfilter-${name}.XXXXXX")"
    # shellcheck disable=SC2064 # expand now: the variable is local
    trap "rm -rf '${corpus}'" EXIT
    if [[ -d "${seeds}" ]]; then
        cp -R "${seeds}/." "${corpus}/"
    else
        echo "warning: no seed corpus at ${seeds}; starting from an empty corpus" >&2
    fi
    mkdir -p "${artifacts}"
    echo "fuzzing ${name} for ${fuzz_seconds}s, $(find "${corpus}" -type f | wc -l) seed inputs"
    "${binary}" \
        -max_total_time="${fuzz_seconds}" \
        -timeout=10 \
        -rss_limit_mb=2048 \
        -print_final_stats=1 \
        -artifact_prefix="${artifacts}/" \
        "${corpus}"
}

step "bootstrap (Debian packages)" bash scripts/bootstrap-debian.sh
step "dev: debug build, warnings as errors, unit tests" cmake --workflow --preset dev
step "asan: AddressSanitizer + UBSan build, unit tests" cmake --workflow --preset asan
step "separate: separate-compilation build, unit tests" cmake --workflow --preset separate
step "cross-aarch64: 64-bit ARM build, tests under qemu-aarch64" cross_workflow cross-aarch64
step "cross-mips: big-endian 32-bit MIPS build, tests under qemu-mips" cross_workflow cross-mips
step "cross-aarch64-resolver: the resolver for 64-bit ARM (multiarch Boost), unit tests under qemu-aarch64" \
    cross_workflow cross-aarch64-resolver
if [[ "${DNSFILTER_CROSS_ARMHF:-0}" == 1 ]]; then
    step "cross-armhf: 32-bit ARM build, tests under qemu-arm" cross_workflow cross-armhf
fi
step "fuzz: build libFuzzer targets (clang-14)" fuzz_build

# Without nullglob a tree with no target leaves the pattern itself, whose
# binary is missing: that step fails, as any missing target does.
fuzz_sources=("${root}"/tests/fuzz/fuzz_*.cpp)
fuzz_names=()
for source in "${fuzz_sources[@]}"; do
    fuzz_names+=("$(basename "${source}" .cpp)")
done
# The targets run fuzz_jobs at a time (one per core), each into its own log,
# printed whole when it ends, so the output reads as if they had run in turn.
fuzz_logs="${root}/build/fuzz/logs"
mkdir -p "${fuzz_logs}"
for ((i = 0; i < ${#fuzz_names[@]}; i += fuzz_jobs)); do
    batch=("${fuzz_names[@]:i:fuzz_jobs}")
    pids=()
    start=${SECONDS}
    for name in "${batch[@]}"; do
        (set -e; fuzz_run "${name}") >"${fuzz_logs}/${name}.log" 2>&1 &
        pids+=($!)
    done
    for j in "${!batch[@]}"; do
        rc=0
        wait "${pids[j]}" || rc=$?
        banner "fuzz: run ${batch[j]} for ${fuzz_seconds}s"
        cat "${fuzz_logs}/${batch[j]}.log"
        record "fuzz: run ${batch[j]} for ${fuzz_seconds}s" "${rc}" "${start}"
    done
done

step "package: install + find_package/add_subdirectory/FetchContent/pkg-config consumers, Conan recipe, vcpkg port" \
    bash tests/package/run.sh

banner "summary"
if ((failed > 0)); then
    printf 'failed: %s\n' "${failed_steps[@]}"
fi
echo "${passed} passed, ${failed} failed"
if ((failed > 0)); then
    exit 1
fi
