#!/usr/bin/env bash
# Installs the Debian 12 packages needed to build, test, fuzz and run dnsfilter.
# Idempotent: packages already installed are left alone, and `apt-get update`
# runs only when something is missing. Uses sudo when not run as root.
set -euo pipefail

# The one list of build and test dependencies.
packages=(
    cmake
    ninja-build
    g++
    clang-14
    libfuzzer-14-dev
    libclang-rt-14-dev
    libboost-dev
    libboost-program-options-dev
    libxxhash-dev
    libssl-dev
    robin-map-dev
    doctest-dev
    libhowardhinnant-date-dev
    tzdata
    libbenchmark-dev
    pkg-config
    g++-aarch64-linux-gnu
    g++-arm-linux-gnueabihf
    g++-mips-linux-gnu
    qemu-user
    # The reference resolver's aarch64 cross build: Debian's arm64 Boost and date/tz beside
    # the host's (multiarch; the arm64 architecture is added below).
    libboost-dev:arm64
    libboost-program-options-dev:arm64
    libhowardhinnant-date-dev:arm64
    python3
    time
    dnsutils
    knot-dnsutils
    knot
    bind9
    ldnsutils
    unbound
    pdns-recursor
    dnsperf
    dnsdist
    publicsuffix
    webext-ublock-origin-firefox
    chromium
    tidy
    # dnstap in the reference resolver (Frame Streams and the protobuf-c code
    # generated from dnstap.proto), and the readers its tests capture with.
    libfstrm-dev
    libprotobuf-c-dev
    protobuf-c-compiler
    fstrm-bin
    dnstap-ldns
)

missing=()
for package in "${packages[@]}"; do
    status="$(dpkg-query -W -f='${db:Status-Status}' "${package}" 2>/dev/null || true)"
    if [[ "${status}" != installed ]]; then
        missing+=("${package}")
    fi
done

if ((${#missing[@]} == 0)); then
    echo "bootstrap: all ${#packages[@]} packages present"
    exit 0
fi

echo "bootstrap: installing ${missing[*]}"
as_root=()
if ((EUID != 0)); then
    if ! command -v sudo >/dev/null 2>&1; then
        echo "bootstrap: not root and sudo is not available; install as root: ${missing[*]}" >&2
        exit 1
    fi
    as_root=(sudo)
fi

export DEBIAN_FRONTEND=noninteractive
if ! dpkg --print-foreign-architectures | grep -qx arm64; then
    echo "bootstrap: adding the arm64 architecture (multiarch) for the cross-built resolver's Boost"
    "${as_root[@]}" dpkg --add-architecture arm64
fi
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update
"${as_root[@]}" env DEBIAN_FRONTEND=noninteractive \
    apt-get install -y --no-install-recommends "${missing[@]}"
