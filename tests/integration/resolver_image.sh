#!/usr/bin/env bash
# Compiled images end to end: dnsfilter-compile turns lists into one image,
# dnsfilter-resolver --image maps it and serves from it (dig), a new image
# renamed over the old one is picked up by the watcher and by SIGHUP, and a
# damaged, truncated or foreign-endian image is refused with its reason: at
# start the resolver does not start, at a reload the old image keeps serving.
# The image's pages are the page cache's, not the resolver's own memory.
#
# usage: resolver_image.sh RESOLVER TEST_UPSTREAM COMPILE
resolver="${1:?usage: resolver_image.sh RESOLVER TEST_UPSTREAM COMPILE}"
stub="${2:?usage: resolver_image.sh RESOLVER TEST_UPSTREAM COMPILE}"
compile="${3:?usage: resolver_image.sh RESOLVER TEST_UPSTREAM COMPILE}"
source "$(dirname "$0")/lib.sh"
need dig
fail() { echo "FAIL - $*"; failures=$((failures + 1)); }

cat >"$work/operator.tsv" <<'EOF2'
identifier	behaviour	start	end	fqdns	action
XX-20250109-0001	information theft	2025-01-09		c2.evil.example	sinkhole
XX-20250110-0002	backdoor	2025-01-10		shell.example	nxdomain
EOF2
printf 'ads.example\ngood.ads.example\n' >"$work/ads.txt"
printf '@@||good.ads.example^\n' >"$work/allow.txt"
for i in $(seq 1 20000); do echo "n$i.bulk.example"; done >"$work/bulk.txt"

# ---- the compiler: lists in, an image out; --check maps it as a device would
"$compile" -o "$work/policy.img" "catalogue:$work/operator.tsv" "plain:$work/ads.txt" "adblock:$work/allow.txt" \
    "plain:$work/bulk.txt" 2>"$work/compile.err" && echo "ok   - dnsfilter-compile writes an image" ||
    fail "dnsfilter-compile failed: $(cat "$work/compile.err")"
"$compile" --check "$work/policy.img" >"$work/check.out" 2>&1
expect "$work/check.out" 'policy\.img: 20005 rules, 5 entries, 4 lists, .* mapped and checked in' "--check reads it back"
if "$compile" -o "$work/x.img" "$work/missing.txt" 2>"$work/err"; then fail "a missing list was compiled"; else
    expect "$work/err" 'missing\.txt' "a missing list fails the compile, naming it"; fi
[ ! -e "$work/x.img" ] && echo "ok   - and writes nothing" || fail "an image was written for a failed compile"

# ---- --time-zone: the catalogue's dates begin at local midnight of the zone; the
# image keeps instants (entry 0's start and end, read from the entries section)
printf 'identifier\tbehaviour\tstart\tend\tfqdns\nXX-1\tbackdoor\t2025/01/09\t2025-02-01\tc2.evil.example\n' >"$work/dated.tsv"
window() {  # window IMAGE: "start end" of entry 0, seconds since 1970 (a little-endian image)
    python3 -c 'import struct,sys; d=open(sys.argv[1],"rb").read(); o=struct.unpack_from("<Q",d,64+24)[0]; print(*struct.unpack_from("<qq",d,o))' "$1"
}
for z in UTC='1736380800 1738368000' Asia/Tokyo='1736348400 1738335600' +09:00='1736348400 1738335600'; do
    zone="${z%%=*}" want="${z#*=}"
    "$compile" --time-zone "$zone" -o "$work/dated.img" "catalogue:$work/dated.tsv" 2>/dev/null
    check "--time-zone $zone: 2025/01/09 to 2025-02-01 begins and ends at its midnight" test "$(window "$work/dated.img")" = "$want"
done
if "$compile" --time-zone Nowhere/Land -o "$work/x.img" "catalogue:$work/dated.tsv" 2>"$work/err"; then
    fail "an unknown zone was accepted"; else expect "$work/err" "--time-zone: unknown time zone 'Nowhere/Land'" "an unknown zone is refused"; fi

# ---- serving from it
start_stub up
start_resolver r --upstream "127.0.0.1:$up_port" --image "$work/policy.img" --watch-interval 200ms \
    --sinkhole-ipv4 192.0.2.99
p="$r_port"
r_server="$(server_pid r)"
answer() { dig @127.0.0.1 -p "$p" "$@" +tries=1 +time=2 +short 2>/dev/null | head -1; }
status() { dig @127.0.0.1 -p "$p" "$@" +tries=1 +time=2 2>/dev/null | sed -n 's/.*status: \([A-Z]*\).*/\1/p'; }
expect "$work/r.log" 'catalogue: 5 entries, 20005 rules from .*policy\.img \(mapped image\)' "the resolver maps the image"
check "a catalogue entry is sinkholed" test "$(answer x.c2.evil.example A)" = 192.0.2.99
check "an nxdomain entry answers NXDOMAIN" test "$(status shell.example A)" = NXDOMAIN
check "a plain list name is sinkholed" test "$(answer n777.bulk.example A)" = 192.0.2.99
check "the exception passes" test "$(answer good.ads.example A)" != 192.0.2.99
check "an unlisted name passes" test "$(answer www.example A)" != 192.0.2.99
# The rules and names stay in the page cache: the resolver's own memory is small.
anon="$(awk '/^RssAnon/ { print $2 }' "/proc/$r_server/status")"
file="$(awk '/^RssFile/ { print $2 }' "/proc/$r_server/status")"
echo "#    resident: ${anon} kB anonymous, ${file} kB file-backed"

# ---- a new image, renamed over the old one, is picked up
printf 'new.example\n' >"$work/new.txt"
"$compile" -o "$work/policy.img.new" "plain:$work/new.txt" 2>/dev/null
mv "$work/policy.img.new" "$work/policy.img"
wait_for "$work/r.log" 'reload \(a list file changed\): generation 2' 10 || true
check "the new image serves: new.example blocked" test "$(answer new.example A)" = 192.0.2.99
check "the old policy is gone: n777.bulk.example passes" test "$(answer n777.bulk.example A)" != 192.0.2.99

# ---- a damaged image at a reload: the old one keeps serving
cp "$work/policy.img" "$work/bad.img"
printf '\x55' | dd of="$work/bad.img" bs=1 seek=400 conv=notrunc 2>/dev/null
mv "$work/bad.img" "$work/policy.img"
wait_for "$work/r.log" 'reload .* failed' 10 || true
expect "$work/r.log" 'reload \(a list file changed\) failed, still serving generation 2: .*policy\.img: checksum mismatch' \
    "a damaged image is refused at a reload, with its reason"
check "and the old image keeps serving" test "$(answer new.example A)" = 192.0.2.99
"$compile" -o "$work/good.img" "plain:$work/new.txt" "plain:$work/ads.txt" 2>/dev/null
mv "$work/good.img" "$work/policy.img"
kill -HUP "$r_server"
wait_for "$work/r.log" 'reload \(SIGHUP\): generation' 10 || true
check "SIGHUP maps the repaired image: ads.example blocked" test "$(answer ads.example A)" = 192.0.2.99

# ---- refused at start: truncated, foreign byte order, not an image
head -c -100 "$work/policy.img" >"$work/short.img"
order=big; [ "$(printf '\1\0' | od -An -tu2 | tr -d ' ')" = 256 ] && order=little   # the other one
"$compile" --byte-order "$order" -o "$work/foreign.img" "plain:$work/new.txt" 2>/dev/null
for bad in short:'truncated or padded' foreign:"written for ${order}-endian hosts" operator:'not a dnsfilter compiled image'; do
    name="${bad%%:*}" reason="${bad#*:}"
    file="$work/$name.img"; [ "$name" = operator ] && file="$work/operator.tsv"
    if timeout 20 "$resolver" --listen 127.0.0.1:0 --upstream "127.0.0.1:$up_port" --image "$file" >"$work/$name.log" 2>&1; then
        fail "the resolver started on $name"
    else
        expect "$work/$name.log" "$reason" "$name image refused at start: $reason"
    fi
done
if timeout 20 "$resolver" --listen 127.0.0.1:0 --image "$work/policy.img" --list "$work/new.txt" >"$work/both.log" 2>&1; then
    fail "--image with --list was accepted"; else expect "$work/both.log" '--image: serves instead of --list' "--image with --list is a usage error"; fi

finish
