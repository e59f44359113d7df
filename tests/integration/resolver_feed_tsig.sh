#!/usr/bin/env bash
# The README's policy feed, as pasted: its Knot DNS configuration, its TSIG
# key file and its --feed line (only ports and paths made local), then TSIG
# gone wrong: a wrong secret and a missing key are refused by the primary,
# logged, counted as failed transfers, and nothing is blocked from them.
#
# usage: resolver_feed_tsig.sh PATH/TO/dnsfilter-resolver PATH/TO/dnsfilter-test-upstream
resolver="${1:?usage: resolver_feed_tsig.sh RESOLVER STUB}"
stub="${2:?usage: resolver_feed_tsig.sh RESOLVER STUB}"
source "$(dirname "$0")/lib.sh"
need knotd knotc dig
readme="$(cd "$(dirname "$0")/../.." && pwd)/README.md"

if [[ "$("$resolver" --help)" != *--feed* || "$(ldd "$resolver" 2>/dev/null)" != *libcrypto* ]]; then
    echo "skipped: no --feed or no OpenSSL"; exit 0
fi

dir="$work/readme"
mkdir -p "$dir"
knot_port=$((20000 + RANDOM % 20000))
notify_port=$((40000 + RANDOM % 20000))
# The README's first yaml block is the primary's configuration.
awk '/^```yaml$/ { inside = 1; next } /^```$/ { if (inside) exit } inside' "$readme" |
    sed "s|127.0.0.1@5300|127.0.0.1@$knot_port|; s|127.0.0.1@5353|127.0.0.1@$notify_port|; s|/var/lib/knot|$dir|g" >"$dir/knot.conf"
{
    printf '$ORIGIN rpz.example.\n$TTL 3600\n@ SOA ns hostmaster 1 3600 1 86400 60\n@ NS ns\nns A 127.0.0.1\n'
    printf 'signed.stub.example CNAME .\n'
} >"$dir/rpz.example.zone"
start knot knotd -c "$dir/knot.conf"
for _ in $(seq 1 100); do knotc -c "$dir/knot.conf" zone-status rpz.example 2>/dev/null | grep -q 'serial: 1' && break; sleep 0.1; done

# The README's key file line, run as written, in the scratch directory.
(cd "$dir" && eval "$(grep "^printf 'key:" "$readme")")
check "the README's key file is written" grep -q 'algorithm: hmac-sha256' "$dir/rpz.key"
# The README's --feed line, with the primary's port and the scratch paths.
feed="$(sed -n 's/^dnsfilter-resolver --feed "\(.*\)"$/\1/p' "$readme")"
check "the README has a --feed line" test -n "$feed"
feed="${feed//127.0.0.1:5300/127.0.0.1:$knot_port}"
feed="${feed//key=rpz.key/key=$dir/rpz.key}"
feed="${feed//seed=rpz.seed/seed=$dir/rpz.seed}"

start_stub stub
start_resolver r --listen "127.0.0.1:$notify_port" --upstream "127.0.0.1:$stub_port" --feed "$feed"
rcode() { dig @127.0.0.1 -p "$2" +tries=1 +time=2 "$1" A 2>/dev/null | sed -n 's/.*status: \([A-Z]*\).*/\1/p'; }
until_rcode() {
    local i
    for ((i = 0; i < 100; i++)); do [[ "$(rcode "$1" "$3")" == "$2" ]] && return 0; sleep 0.1; done
    return 1
}
check "README setup: the signed AXFR blocks the listed name" until_rcode signed.stub.example NXDOMAIN "$r_port"
expect "$work/knot.log" 'AXFR, outgoing, remote 127\.0\.0\.1.*finished' "Knot served the AXFR (its ACL admits only the key)"
knotc -c "$dir/knot.conf" zone-begin rpz.example >/dev/null
knotc -c "$dir/knot.conf" zone-set rpz.example later.stub.example.rpz.example. 3600 CNAME . >/dev/null
knotc -c "$dir/knot.conf" zone-commit rpz.example >/dev/null
check "README setup: NOTIFY, then a signed IXFR blocks a newly listed name" until_rcode later.stub.example NXDOMAIN "$r_port"
expect "$work/knot.log" 'IXFR, outgoing, remote 127\.0\.0\.1.*finished' "Knot served the IXFR"

# A wrong secret: the primary answers NOTAUTH (BADSIG); nothing is applied.
sed 's/secret: .*/secret: d3JvbmctZC1zZWNyZXQtd3Jvbmctc2VjcmV0LXdyb25nIQ==/' "$dir/rpz.key" >"$work/wrong.key"
start_resolver w --upstream "127.0.0.1:$stub_port" --feed "rpz.example primary=127.0.0.1:$knot_port key=$work/wrong.key"
wait_for "$work/w.log" 'transfer from .* failed' 10 || true
expect "$work/w.log" 'failed: .*(TSIG|refused|NOTAUTH)' "a wrong secret: the transfer fails, and the log says why"
check "a wrong secret: nothing is blocked" test "$(rcode signed.stub.example "$w_port")" = NOERROR
check "a wrong secret: the failure is counted" \
    test "$(metric "$w_metrics" 'dnsfilter_feed_transfers_total{zone="rpz.example.",kind="axfr",result="failed"}')" -ge 1

# No key where the primary wants one: refused.
start_resolver n --upstream "127.0.0.1:$stub_port" --feed "rpz.example primary=127.0.0.1:$knot_port"
wait_for "$work/n.log" 'transfer from .* failed' 10 || true
expect "$work/n.log" 'failed: .*refused' "no key: the primary refuses the transfer, and the log says so"
check "no key: nothing is blocked" test "$(rcode signed.stub.example "$n_port")" = NOERROR

# A key file that is not one: the resolver refuses to start, naming the file.
printf 'key "x" { algorithm hmac-sha256; secret "%%%%"; };\n' >"$work/bad.key"
q badkey.out "$resolver" --listen 127.0.0.1:0 --metrics none --feed "rpz.example primary=127.0.0.1:$knot_port key=$work/bad.key" --check
expect "$work/badkey.out" 'bad\.key' "a broken key file is refused at start, naming the file"

finish
