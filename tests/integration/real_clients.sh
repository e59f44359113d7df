#!/usr/bin/env bash
# Real DNS clients against the codec: dig, kdig and drill send queries over UDP
# on loopback to `dnsfilter-decode --listen`, which parses each with the
# library, prints it, and answers REFUSED with an Extended DNS Error built by
# the library's writer. The clients' own output proves they read our answers.
#
# usage: real_clients.sh PATH/TO/dnsfilter-decode
set -euo pipefail

decode="${1:?usage: real_clients.sh PATH/TO/dnsfilter-decode}"
for tool in dig kdig drill; do
    command -v "$tool" >/dev/null || { echo "missing $tool (scripts/bootstrap-debian.sh installs it)"; exit 1; }
done

work="$(mktemp -d)"
server_pid=""
cleanup() {
    [[ -n "$server_pid" ]] && kill "$server_pid" 2>/dev/null || true
    rm -rf "$work"
}
trap cleanup EXIT

# Port 0: the server takes a free port on loopback and prints it.
queries=4
timeout 60 "$decode" --listen 127.0.0.1:0 --count "$queries" >"$work/server.out" 2>&1 &
server_pid=$!
port=""
for _ in $(seq 50); do
    port="$(sed -n 's/^;; listening on 127\.0\.0\.1:\([0-9]*\) .*/\1/p' "$work/server.out" 2>/dev/null)"
    [[ -n "$port" ]] && break
    sleep 0.1
done
[[ -n "$port" ]] || { echo "FAIL - dnsfilter-decode did not start:"; cat "$work/server.out"; exit 1; }

failures=0
expect() {  # expect FILE PATTERN DESCRIPTION
    if grep -qE -- "$2" "$1"; then
        echo "ok   - $3"
    else
        echo "FAIL - $3: /$2/ not found in:"; sed 's/^/       /' "$1"
        failures=$((failures + 1))
    fi
}

dig @127.0.0.1 -p "$port" www.Example.com AAAA +subnet=192.0.2.0/24 +tries=1 +time=3 >"$work/dig.out" 2>&1 || true
kdig @127.0.0.1 -p "$port" example.org MX +retry=0 +time=3 +nsid >"$work/kdig.out" 2>&1 || true
drill -p "$port" @127.0.0.1 example.net TXT -D >"$work/drill.out" 2>&1 || true
# A query without EDNS: the answer must then carry no OPT record.
dig @127.0.0.1 -p "$port" plain.example.com A +noedns +tries=1 +time=3 >"$work/noedns.out" 2>&1 || true
wait "$server_pid" || true
server_pid=""

expect "$work/dig.out" 'status: REFUSED' "dig reads our REFUSED answer"
expect "$work/dig.out" 'EDE: 18 \(Prohibited\).*dnsfilter-decode does not resolve' "dig reads our Extended DNS Error"
expect "$work/dig.out" '^;www\.Example\.com\.[[:space:]]+IN[[:space:]]+AAAA' "dig sees its question echoed with its case"
expect "$work/kdig.out" "status: REFUSED" "kdig reads our REFUSED answer"
expect "$work/kdig.out" 'EDE: 18 \(Prohibited\)' "kdig reads our Extended DNS Error"
expect "$work/drill.out" 'rcode: REFUSED' "drill reads our REFUSED answer"
expect "$work/noedns.out" 'status: REFUSED' "dig without EDNS reads our answer"
if grep -q 'OPT PSEUDOSECTION' "$work/noedns.out"; then
    echo "FAIL - answer to a query without EDNS carries an OPT record"; failures=$((failures + 1))
else
    echo "ok   - no OPT record in the answer to a query without EDNS"
fi

expect "$work/server.out" 'CLIENT-SUBNET: 192\.0\.2\.0/24/0' "dig's ECS option decoded"
expect "$work/server.out" ';www\.Example\.com\.[[:space:]]+IN[[:space:]]+AAAA' "dig's question decoded"
expect "$work/server.out" "OPTION 3:" "kdig's NSID option kept as an unknown option"
expect "$work/server.out" ';example\.org\.[[:space:]]+IN[[:space:]]+MX' "kdig's question decoded"
expect "$work/server.out" 'flags: do; udp' "drill's DO bit decoded"
expect "$work/server.out" ';plain\.example\.com\.[[:space:]]+IN[[:space:]]+A$' "plain query decoded"
if grep -q 'malformed' "$work/server.out"; then
    echo "FAIL - a real client's query was rejected:"; grep malformed "$work/server.out"; failures=$((failures + 1))
fi

echo "real clients: $failures failure(s)"
exit $((failures > 0))
