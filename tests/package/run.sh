#!/usr/bin/env bash
# Consumer-package tests: install dnsfilter into temporary prefixes and build a
# tiny program against it through every supported route:
#   find_package (header-only and separate compilation, plus a relocated
#   prefix), pkg-config (both modes), add_subdirectory and FetchContent.
# Prints PASS/FAIL per route; exits non-zero if any route failed.
# Set DNSFILTER_PACKAGE_KEEP=1 to keep the temporary directory.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "${here}/../.." && pwd)"
work="$(mktemp -d "${TMPDIR:-/tmp}/dnsfilter-package.XXXXXX")"

cleanup() {
    if [[ "${DNSFILTER_PACKAGE_KEEP:-0}" == 1 ]]; then
        echo "kept ${work}"
    else
        rm -rf "${work}"
    fi
}
trap cleanup EXIT

generator=()
if command -v ninja >/dev/null 2>&1; then
    generator=(-G Ninja)
fi
cxx="${CXX:-c++}"
export CMAKE_BUILD_PARALLEL_LEVEL="${CMAKE_BUILD_PARALLEL_LEVEL:-2}"

passed=0
failed=0
failed_routes=()
declare -A route_ok=()

# route NAME COMMAND...: runs COMMAND with its output in a log; reports.
route() {
    local name="$1"
    shift
    local log="${work}/log/${name}.log"
    mkdir -p "${work}/log"
    local rc=0
    # A subshell outside any `if`, so that `set -e` still stops a failing step
    # (bash ignores errexit inside functions called from a condition).
    set +e
    (set -e; "$@") >"${log}" 2>&1
    rc=$?
    set -e
    if ((rc == 0)); then
        printf 'PASS  %s\n' "${name}"
        passed=$((passed + 1))
        route_ok["${name}"]=1
    else
        printf 'FAIL  %s  (log: %s)\n' "${name}" "${log}"
        sed 's/^/    | /' "${log}" | tail -n 40
        failed=$((failed + 1))
        failed_routes+=("${name}")
        DNSFILTER_PACKAGE_KEEP=1
    fi
}

# install_library MODE SEPARATE: configure, build and install into prefix-MODE.
install_library() {
    local mode="$1" separate="$2"
    cmake -S "${root}" -B "${work}/build-${mode}" "${generator[@]}" \
        -DCMAKE_BUILD_TYPE=Release \
        -DCMAKE_CXX_COMPILER="${cxx}" \
        -DCMAKE_INSTALL_PREFIX="${work}/prefix-${mode}" \
        -DDNSFILTER_SEPARATE_COMPILATION="${separate}" \
        -DDNSFILTER_INSTALL=ON \
        -DDNSFILTER_BUILD_TESTS=OFF \
        -DDNSFILTER_BUILD_EXAMPLES=OFF \
        -DDNSFILTER_BUILD_BENCH=OFF \
        -DDNSFILTER_BUILD_FUZZ=OFF
    cmake --build "${work}/build-${mode}"
    cmake --install "${work}/build-${mode}"
    test -f "${work}/prefix-${mode}/include/dnsfilter/dnsfilter.hpp"
    find "${work}/prefix-${mode}" -type f | sort
}

# find_package_consumer NAME PREFIX EXPECTED_TYPE
find_package_consumer() {
    local name="$1" prefix="$2" type="$3"
    cmake -S "${here}/find_package" -B "${work}/consumer-${name}" "${generator[@]}" \
        -DCMAKE_CXX_COMPILER="${cxx}" \
        -DCMAKE_PREFIX_PATH="${prefix}" \
        -DEXPECT_DNSFILTER_TYPE="${type}"
    cmake --build "${work}/consumer-${name}"
    "${work}/consumer-${name}/consumer"
}

# pkgconfig_consumer NAME PREFIX
pkgconfig_consumer() {
    local name="$1" prefix="$2" flags libs
    local pcdir
    pcdir="$(dirname "$(find "${prefix}" -name dnsfilter.pc -print -quit)")"
    flags="$(PKG_CONFIG_PATH="${pcdir}" pkg-config --cflags dnsfilter)"
    libs="$(PKG_CONFIG_PATH="${pcdir}" pkg-config --libs dnsfilter)"
    echo "cflags: ${flags}"
    echo "libs:   ${libs}"
    mkdir -p "${work}/consumer-${name}"
    # shellcheck disable=SC2086 # the flags are meant to split into words
    "${cxx}" ${flags} "${here}/pkgconfig/main.cpp" -o "${work}/consumer-${name}/consumer" ${libs}
    "${work}/consumer-${name}/consumer"
}

# relocated_consumer: an installed tree must still work after being moved.
relocated_consumer() {
    cp -a "${work}/prefix-header-only" "${work}/prefix-moved"
    find_package_consumer find_package-relocated "${work}/prefix-moved" INTERFACE_LIBRARY
}

add_subdirectory_consumer() {
    cmake -S "${here}/add_subdirectory" -B "${work}/consumer-add_subdirectory" "${generator[@]}" \
        -DCMAKE_CXX_COMPILER="${cxx}" \
        -DDNSFILTER_SOURCE_DIR="${root}"
    cmake --build "${work}/consumer-add_subdirectory"
    "${work}/consumer-add_subdirectory/consumer"
}

fetchcontent_consumer() {
    cmake -S "${here}/fetchcontent" -B "${work}/consumer-fetchcontent" "${generator[@]}" \
        -DCMAKE_CXX_COMPILER="${cxx}" \
        -DFETCHCONTENT_FULLY_DISCONNECTED=ON \
        -DDNSFILTER_SOURCE_DIR="${root}"
    cmake --build "${work}/consumer-fetchcontent"
    "${work}/consumer-fetchcontent/consumer"
}

echo "== dnsfilter consumer-package tests (work dir ${work})"

route install-header-only install_library header-only OFF
route install-separate install_library separate ON

# Routes that need an install run only if it worked; otherwise they count as
# failed without running.
skip() {
    printf 'FAIL  %s  (not run: %s failed)\n' "$1" "$2"
    failed=$((failed + 1))
    failed_routes+=("$1")
}

if [[ -n "${route_ok[install-header-only]:-}" ]]; then
    route find_package-header-only find_package_consumer find_package-header-only \
        "${work}/prefix-header-only" INTERFACE_LIBRARY
    route find_package-relocated relocated_consumer
    route pkgconfig-header-only pkgconfig_consumer pkgconfig-header-only "${work}/prefix-header-only"
else
    for r in find_package-header-only find_package-relocated pkgconfig-header-only; do
        skip "${r}" install-header-only
    done
fi
if [[ -n "${route_ok[install-separate]:-}" ]]; then
    route find_package-separate find_package_consumer find_package-separate \
        "${work}/prefix-separate" STATIC_LIBRARY
    route pkgconfig-separate pkgconfig_consumer pkgconfig-separate "${work}/prefix-separate"
else
    for r in find_package-separate pkgconfig-separate; do
        skip "${r}" install-separate
    done
fi
route add_subdirectory add_subdirectory_consumer
route fetchcontent fetchcontent_consumer

echo "== package routes: ${passed} passed, ${failed} failed"
if ((failed > 0)); then
    printf '   failed: %s\n' "${failed_routes[*]}"
    exit 1
fi
