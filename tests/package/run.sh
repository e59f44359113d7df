#!/usr/bin/env bash
# Consumer-package tests: install dnsfilter into temporary prefixes and build a
# tiny program against it through every supported route:
#   find_package (header-only and separate compilation, plus a relocated
#   prefix), pkg-config (both modes), add_subdirectory and FetchContent; the
#   C API from a C-only CMake project and from pkg-config (both modes);
#   conan/test_package against both installs; the Conan recipe
#   (conan/conanfile.py) under a stand-in for Conan's Python API, building and
#   packaging with real CMake (conan_recipe.py); and the vcpkg overlay port
#   (ports/dnsfilter) under stand-ins for vcpkg's helpers, with a consumer
#   written from the port's `usage` lines (vcpkg_port.cmake).
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
cc="${CC:-cc}"
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
    # The C API: its header and static library (the top-level default).
    test -f "${work}/prefix-${mode}/include/dnsfilter.h"
    find "${work}/prefix-${mode}" -name libdnsfilter_c.a | grep -q .
    # Test and benchmark support (tests/support) is not part of the package.
    if grep -rl "naive_matcher" "${work}/prefix-${mode}/include"; then
        echo "the install ships the naive test matcher" >&2
        return 1
    fi
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

# c_consumer NAME PREFIX: the C API from C, as firmware uses it: a C-only
# CMake project (dnsfilter::dnsfilter_c) and the pkg-config module dnsfilter-c.
c_consumer() {
    local name="$1" prefix="$2" pcdir flags libs
    cmake -S "${here}/c_consumer" -B "${work}/consumer-${name}" "${generator[@]}" \
        -DCMAKE_C_COMPILER="${cc}" \
        -DCMAKE_PREFIX_PATH="${prefix}"
    cmake --build "${work}/consumer-${name}"
    "${work}/consumer-${name}/consumer"
    pcdir="$(dirname "$(find "${prefix}" -name dnsfilter-c.pc -print -quit)")"
    flags="$(PKG_CONFIG_PATH="${pcdir}" pkg-config --cflags dnsfilter-c)"
    libs="$(PKG_CONFIG_PATH="${pcdir}" pkg-config --libs dnsfilter-c)"
    echo "pkg-config dnsfilter-c: ${flags} ${libs}"
    # shellcheck disable=SC2086 # the flags are meant to split into words
    "${cc}" -std=c99 -Wall -Wextra -pedantic -Werror ${flags} "${root}/conan/test_package/test_package_c.c" \
        -o "${work}/consumer-${name}/pkgconfig-consumer" ${libs}
    "${work}/consumer-${name}/pkgconfig-consumer"
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

# test_package_consumer MODE PREFIX: conan/test_package is an ordinary CMake
# consumer too (find_package(dnsfilter CONFIG), dnsfilter::dnsfilter).
test_package_consumer() {
    local mode="$1" prefix="$2"
    cmake -S "${root}/conan/test_package" -B "${work}/consumer-test_package-${mode}" "${generator[@]}" \
        -DCMAKE_CXX_COMPILER="${cxx}" \
        -DCMAKE_PREFIX_PATH="${prefix}"
    cmake --build "${work}/consumer-test_package-${mode}"
    "${work}/consumer-test_package-${mode}/test_package"
}

fetchcontent_consumer() {
    cmake -S "${here}/fetchcontent" -B "${work}/consumer-fetchcontent" "${generator[@]}" \
        -DCMAKE_CXX_COMPILER="${cxx}" \
        -DFETCHCONTENT_FULLY_DISCONNECTED=ON \
        -DDNSFILTER_SOURCE_DIR="${root}"
    cmake --build "${work}/consumer-fetchcontent"
    "${work}/consumer-fetchcontent/consumer"
}

# conan_recipe_check MODE [--separate]: conan/conanfile.py's declarations,
# then generate/build/package with real CMake and conan/test_package built
# from what package_info() declares.
conan_recipe_check() {
    local mode="$1"
    shift
    # Syntax first (compile() writes no __pycache__ into the source tree).
    python3 -B -c 'import sys
for f in sys.argv[1:]:
    compile(open(f).read(), f, "exec")' "${root}/conan/conanfile.py" "${root}/conan/test_package/conanfile.py"
    python3 -B "${here}/conan_recipe.py" "$@" --build "${work}/conan-${mode}" --cxx "${cxx}"
}

# vcpkg_manifest_check: ports/dnsfilter/vcpkg.json is valid and complete.
vcpkg_manifest_check() {
    python3 - "${root}/ports/dnsfilter" <<'PY'
import json, os, re, sys
port = sys.argv[1]
m = json.load(open(os.path.join(port, "vcpkg.json")))
# vcpkg needs the version as a literal; the one source is config.hpp.
config = open(os.path.join(port, "..", "..", "include", "dnsfilter", "config.hpp")).read()
version = ".".join(re.search(rf"^#define DNSFILTER_VERSION_{p} +([0-9]+)$", config, re.M).group(1)
                   for p in ("MAJOR", "MINOR", "PATCH"))
names = [d if isinstance(d, str) else d["name"] for d in m["dependencies"]]
host = {d["name"] for d in m["dependencies"] if isinstance(d, dict) and d.get("host")}
checks = [
    (m["name"] == os.path.basename(port), "name is the port directory's name"),
    (m.get("version-semver") == version, f"version-semver is config.hpp's version ({version})"),
    (m.get("license") == "MIT", "licence MIT"),
    ({"xxhash", "robin-map"} <= set(names), "depends on xxhash and robin-map (vcpkg's names)"),
    ({"vcpkg-cmake", "vcpkg-cmake-config"} <= host, "vcpkg-cmake and vcpkg-cmake-config as host tools"),
    (names == sorted(names), "dependencies sorted (vcpkg format-manifest order)"),
    ("separate-compilation" in m.get("features", {}), "feature separate-compilation"),
    ("c-api" in m.get("features", {}), "feature c-api"),
    (os.path.isfile(os.path.join(port, "usage")), "a usage file"),
]
for ok, what in checks:
    print(("ok   - " if ok else "FAIL - ") + what)
sys.exit(0 if all(ok for ok, _ in checks) else 1)
PY
}

# vcpkg_port_check MODE FEATURES: runs the portfile under the stand-in, then
# builds conan/test_package's program with the CMake lines of the port's
# `usage` file (Release, and Debug too when there is a library) and with
# pkg-config against the installed tree.
vcpkg_port_check() {
    local mode="$1" features="$2"
    local dir="${work}/vcpkg-${mode}"
    local packages="${dir}/packages/dnsfilter_x64-linux"
    cmake -DWORK="${dir}" -DFEATURES="${features}" -DCXX="${cxx}" -DGENERATOR="${generator[1]:-}" \
        -P "${here}/vcpkg_port.cmake"
    # A consumer made of exactly the usage file's lines.
    local usage="${packages}/share/dnsfilter/usage" src="${dir}/consumer"
    mkdir -p "${src}"
    cp "${root}/conan/test_package/test_package.cpp" "${src}/main.cpp"
    {
        echo 'cmake_minimum_required(VERSION 3.25)'
        echo 'project(vcpkg_usage LANGUAGES CXX)'
        grep -E '^\s*find_package\(' "${usage}"
        echo 'add_executable(main main.cpp)'
        grep -E '^\s*target_link_libraries\(' "${usage}"
    } >"${src}/CMakeLists.txt"
    cat "${src}/CMakeLists.txt"
    grep -q 'find_package(dnsfilter CONFIG REQUIRED)' "${src}/CMakeLists.txt"
    grep -q 'dnsfilter::dnsfilter' "${src}/CMakeLists.txt"
    local types=(Release)
    [[ -n "${features}" ]] && types+=(Debug)
    local type
    for type in "${types[@]}"; do
        cmake -S "${src}" -B "${dir}/consumer-${type}" "${generator[@]}" -DCMAKE_CXX_COMPILER="${cxx}" \
            -DCMAKE_BUILD_TYPE="${type}" -DCMAKE_PREFIX_PATH="${packages}"
        cmake --build "${dir}/consumer-${type}" --verbose
        "${dir}/consumer-${type}/main"
    done
    if [[ "${features}" == *separate-compilation* ]]; then
        # The Debug consumer must link the debug/ library.
        grep -q "${packages}/debug/lib/libdnsfilter.a" "${dir}/consumer-Debug/build.ninja" \
            "${dir}/consumer-Debug/CMakeFiles/main.dir/link.txt" 2>/dev/null
    fi
    # pkg-config: the module name the usage file gives.
    local module pcdir flags libs
    module="$(sed -n '/pkg-config modules/,$ { /^  [a-z]/ { s/^ *//; p } }' "${usage}" | head -n 1)"
    [[ "${module}" == dnsfilter ]]
    pcdir="$(dirname "$(find "${packages}" -path "${packages}/debug" -prune -o -name "${module}.pc" -print -quit)")"
    flags="$(PKG_CONFIG_PATH="${pcdir}" pkg-config --cflags "${module}")"
    libs="$(PKG_CONFIG_PATH="${pcdir}" pkg-config --libs "${module}")"
    echo "pkg-config: ${flags} ${libs}"
    # shellcheck disable=SC2086 # the flags are meant to split into words
    "${cxx}" ${flags} "${src}/main.cpp" -o "${dir}/pkgconfig-main" ${libs}
    "${dir}/pkgconfig-main"
    if [[ "${features}" == *c-api* ]]; then
        grep -q 'dnsfilter::dnsfilter_c' "${usage}"
        grep -q 'dnsfilter-c' "${usage}"
        c_consumer "vcpkg-${mode}-c" "${packages}"
    fi
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
    route conan-test_package-header-only test_package_consumer header-only "${work}/prefix-header-only"
    route c-api-header-only c_consumer c-api-header-only "${work}/prefix-header-only"
else
    for r in find_package-header-only find_package-relocated pkgconfig-header-only \
        conan-test_package-header-only c-api-header-only; do
        skip "${r}" install-header-only
    done
fi
if [[ -n "${route_ok[install-separate]:-}" ]]; then
    route find_package-separate find_package_consumer find_package-separate \
        "${work}/prefix-separate" STATIC_LIBRARY
    route pkgconfig-separate pkgconfig_consumer pkgconfig-separate "${work}/prefix-separate"
    route conan-test_package-separate test_package_consumer separate "${work}/prefix-separate"
    route c-api-separate c_consumer c-api-separate "${work}/prefix-separate"
else
    for r in find_package-separate pkgconfig-separate conan-test_package-separate c-api-separate; do
        skip "${r}" install-separate
    done
fi
route add_subdirectory add_subdirectory_consumer
route fetchcontent fetchcontent_consumer
route conan-recipe-header-only conan_recipe_check header-only
route conan-recipe-separate conan_recipe_check separate --separate
route conan-recipe-c-api conan_recipe_check c-api --c-api
route vcpkg-manifest vcpkg_manifest_check
route vcpkg-port-header-only vcpkg_port_check header-only ""
route vcpkg-port-separate vcpkg_port_check separate separate-compilation
route vcpkg-port-c-api vcpkg_port_check c-api c-api

echo "== package routes: ${passed} passed, ${failed} failed"
if ((failed > 0)); then
    printf '   failed: %s\n' "${failed_routes[*]}"
    exit 1
fi
