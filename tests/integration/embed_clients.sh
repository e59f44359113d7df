#!/usr/bin/env bash
# The whole facade against real clients: dnsfilter-embed (examples/embed)
# serves on loopback with a small block list, Unbound (Debian's) is its
# upstream with a few local names, and dig, kdig and drill read every answer
# shape: sinkhole A, NODATA with SOA, EDE text, forwarded answers, CNAME
# cloaking caught in an upstream answer, NOTIMP and BADVERS.
#
# usage: embed_clients.sh PATH/TO/dnsfilter-embed (or dnsfilter-embed-c, its twin in C)
embed="${1:?usage: embed_clients.sh PATH/TO/dnsfilter-embed}"
source "$(dirname "$0")/lib.sh"
need dig kdig drill unbound

printf '# test list\nevil.example\nblocked.example\n' >"$work/list.txt"

start_unbound upstream '  local-zone: "shop.example." static
  local-data: "www.shop.example. 300 IN CNAME x.tracker.evil.example."
  local-zone: "plain.example." static
  local-data: "www.plain.example. 300 IN A 203.0.113.8"'

start_embed "$work/list.txt" "$upstream_port"
port="$embed_port"

q a.out      dig  @127.0.0.1 -p "$port" C2.Evil.Example A +tries=1 +time=3
q edns.out   kdig @127.0.0.1 -p "$port" blocked.example A +retry=0 +time=3 +edns
q aaaa.out   drill -p "$port" @127.0.0.1 www.blocked.example AAAA
q mx.out     dig  @127.0.0.1 -p "$port" evil.example MX +tries=1 +time=3
q https.out  kdig @127.0.0.1 -p "$port" evil.example TYPE65 +retry=0 +time=3
q miss.out   dig  @127.0.0.1 -p "$port" www.plain.example A +tries=1 +time=3
q cloak.out  dig  @127.0.0.1 -p "$port" www.shop.example A +tries=1 +time=3
q notify.out dig  @127.0.0.1 -p "$port" evil.example SOA +opcode=notify +tries=1 +time=3
q badvers.out dig @127.0.0.1 -p "$port" evil.example A +edns=1 +noednsnegotiation +tries=1 +time=3

expect "$work/a.out" 'status: NOERROR' "dig: blocked name answered NOERROR"
expect "$work/a.out" '^C2\.Evil\.Example\.[[:space:]]+60[[:space:]]+IN[[:space:]]+A[[:space:]]+127\.0\.0\.2' \
    "dig: sinkhole address, 60 s TTL, owner in the client's case"
expect "$work/a.out" 'flags: qr rd ra;' "dig: QR, RD and RA set, AA not"
expect "$work/edns.out" 'EDE: 15 \(Blocked\)' "kdig: Extended DNS Error 15"
expect "$work/edns.out" 'blocked by a filtering list' "kdig: EDE text"
expect "$work/aaaa.out" 'rcode: NOERROR' "drill: AAAA without an IPv6 sinkhole is NODATA"
expect "$work/aaaa.out" 'ANSWER: 0' "drill: no answer records"
expect "$work/aaaa.out" 'www\.blocked\.example\.[[:space:]]+60[[:space:]]+IN[[:space:]]+SOA' "drill: SOA in the authority section"
expect "$work/mx.out" 'status: NOERROR' "dig: MX of a blocked name is NOERROR"
expect "$work/mx.out" 'ANSWER: 0, AUTHORITY: 1' "dig: ... with no answer and an SOA (NODATA)"
expect "$work/https.out" 'NOERROR' "kdig: HTTPS of a blocked name is NODATA"
expect "$work/miss.out" '203\.0\.113\.8' "dig: a clean name is forwarded to the upstream"
expect "$work/cloak.out" '^www\.shop\.example\.[[:space:]]+60[[:space:]]+IN[[:space:]]+A[[:space:]]+127\.0\.0\.2' \
    "dig: a CNAME into a blocked name is replaced by the sinkhole answer"
reject "$work/cloak.out" 'CNAME' "dig: the cloaking CNAME is not passed on"
expect "$work/notify.out" 'status: NOTIMP' "dig: NOTIFY gets NOTIMP"
expect "$work/badvers.out" 'status: BADVERS' "dig: EDNS version 1 gets BADVERS"

finish
