#!/usr/bin/env bash
# Fresh machine to running program: installs dependencies, builds the release
# preset's main program and runs it with the given arguments.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "${root}"

bash scripts/bootstrap-debian.sh >&2
export CMAKE_BUILD_PARALLEL_LEVEL="${CMAKE_BUILD_PARALLEL_LEVEL:-2}"
# Build output goes to stderr so that stdout is the program's alone.
cmake --preset release >&2
cmake --build --preset release --target dnsfilter-resolver >&2

# The reference resolver; with no arguments it serves 127.0.0.1:5353 (UDP and
# TCP) with its embedded example catalogue and the resolvers of
# /etc/resolv.conf as upstreams (--help lists every option).
exec "${root}/build/release/examples/resolver/dnsfilter-resolver" "$@"
