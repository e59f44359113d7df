#!/usr/bin/env bash
# Real DNS clients against the codec: dig, kdig and drill send queries over UDP
# on loopback to `dnsfilter-decode --listen`, which parses each with the
# library, prints it, and answers REFUSED with an Extended DNS Error built by
# the library's writer. The clients' own output proves they read our answers.
#
# usage: real_clients.sh PATH/TO/dnsfilter-decode
decode="${1:?usage: real_clients.sh PATH/TO/dnsfilter-decode}"
source "$(dirname "$0")/lib.sh"
need dig kdig drill

# Port 0: the server takes a free port on loopback and prints it.
queries=4
start decode "$decode" --listen 127.0.0.1:0 --count "$queries"
wait_for "$work/decode.log" '^;; listening on 127\.0\.0\.1:[0-9]+ ' 5 ||
    { echo "FAIL - dnsfilter-decode did not start:"; cat "$work/decode.log"; exit 1; }
port="$(sed -n 's/^;; listening on 127\.0\.0\.1:\([0-9]*\) .*/\1/p' "$work/decode.log")"

dig @127.0.0.1 -p "$port" www.Example.com AAAA +subnet=192.0.2.0/24 +tries=1 +time=3 >"$work/dig.out" 2>&1 || true
kdig @127.0.0.1 -p "$port" example.org MX +retry=0 +time=3 +nsid >"$work/kdig.out" 2>&1 || true
drill -p "$port" @127.0.0.1 example.net TXT -D >"$work/drill.out" 2>&1 || true
# A query without EDNS: the answer must then carry no OPT record.
dig @127.0.0.1 -p "$port" plain.example.com A +noedns +tries=1 +time=3 >"$work/noedns.out" 2>&1 || true
wait "$decode_pid" || true  # it stops by itself after $queries queries

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

expect "$work/decode.log" 'CLIENT-SUBNET: 192\.0\.2\.0/24/0' "dig's ECS option decoded"
expect "$work/decode.log" ';www\.Example\.com\.[[:space:]]+IN[[:space:]]+AAAA' "dig's question decoded"
expect "$work/decode.log" "OPTION 3:" "kdig's NSID option kept as an unknown option"
expect "$work/decode.log" ';example\.org\.[[:space:]]+IN[[:space:]]+MX' "kdig's question decoded"
expect "$work/decode.log" 'flags: do; udp' "drill's DO bit decoded"
expect "$work/decode.log" ';plain\.example\.com\.[[:space:]]+IN[[:space:]]+A$' "plain query decoded"
if grep -q 'malformed' "$work/decode.log"; then
    echo "FAIL - a real client's query was rejected:"; grep malformed "$work/decode.log"; failures=$((failures + 1))
fi

finish
