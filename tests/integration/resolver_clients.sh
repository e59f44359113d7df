#!/usr/bin/env bash
# dnsfilter-resolver against real clients: dig, kdig and drill over UDP and
# TCP, with Debian's Unbound as the upstream on loopback. Covers every list
# format, filtered A/AAAA/other types, subdomains, exceptions, an expired
# entry, RPZ actions, CNAME cloaking, each opt-out path (unfiltered listener,
# client prefix, subscriber id, ECS from a trusted forwarder), the access
# list, malformed packets, TCP pipelining limits and the idle timeout, and
# the statistics and query log those queries leave behind.
#
# usage: resolver_clients.sh PATH/TO/dnsfilter-resolver PATH/TO/dnsfilter-test-upstream
resolver="${1:?usage: resolver_clients.sh RESOLVER TEST_UPSTREAM}"
stub="${2:?usage: resolver_clients.sh RESOLVER TEST_UPSTREAM}"
source "$(dirname "$0")/lib.sh"
need dig kdig drill unbound

# ---- the lists, one per format the library loads
cat >"$work/operator.tsv" <<'EOF'
identifier	behaviour	start	end	fqdns
XX-20250109-0001	information theft	2025-01-09		c2.evil.example;backup.evil.example
XX-20240101-0003	ddos	2024-01-01	2024-07-01	old.botnet.example
EOF
cat >"$work/rules.rpz" <<'EOF'
$TTL 60
$ORIGIN rpz.test.
@ SOA ns.test. admin.test. ( 1 3600 600 86400 60 )
  NS ns.test.
nx.rpz-test.example CNAME .
drop.rpz-test.example CNAME rpz-drop.
EOF
printf '[Adblock Plus 2.0]\n||ads.example^\n@@||ok.c2.evil.example^\n' >"$work/adblock.txt"
printf '0.0.0.0 tracker.hosts.example\n' >"$work/blocklist.hosts"
printf 'plain-blocked.example\n' >"$work/plain.txt"
cat >"$work/policy.txt" <<'EOF'
client 127.0.0.2/32 opt-out
subscriber-option 65001
subscriber-trust any
subscriber alice opt-out
trusted-forwarder 127.0.0.3/32
client 10.99.0.0/16 opt-out
EOF

start_unbound up '
  local-zone: "plain.example." static
  local-data: "www.plain.example. 300 IN A 203.0.113.8"
  local-data: "pipe.plain.example. 300 IN A 203.0.113.12"
  local-zone: "shop.example." static
  local-data: "www.shop.example. 300 IN CNAME x.c2.evil.example."
  local-zone: "evil.example." static
  local-data: "c2.evil.example. 300 IN A 203.0.113.66"
  local-data: "ok.c2.evil.example. 300 IN A 203.0.113.11"
  local-zone: "botnet.example." static
  local-data: "old.botnet.example. 300 IN A 203.0.113.10"'

start_resolver r --upstream "127.0.0.1:$up_port" --listen 127.0.0.1:0,unfiltered --listen '[::1]:0' \
    --list "catalogue:$work/operator.tsv" --list "$work/rules.rpz" --list "$work/adblock.txt" \
    --list "$work/blocklist.hosts" --list "plain:$work/plain.txt" --policy "$work/policy.txt" \
    --deny 127.0.0.9/32 --sinkhole-ipv4 192.0.2.99 --sinkhole-ipv6 2001:db8::99 \
    --tcp-idle-timeout 1s --query-log "$work/query.log" --query-log-client full
p="$r_port"

# ---- filtering
q a.out      dig  @127.0.0.1 -p "$p" C2.Evil.Example A +tries=1 +time=3
q aaaa.out   dig  @127.0.0.1 -p "$p" c2.evil.example AAAA +tries=1 +time=3
q mx.out     dig  @127.0.0.1 -p "$p" c2.evil.example MX +tries=1 +time=3
q ede.out    kdig @127.0.0.1 -p "$p" backup.evil.example A +edns +retry=0 +time=3
q sub.out    drill -p "$p" @127.0.0.1 deep.www.c2.evil.example A
q tcp.out    dig  @127.0.0.1 -p "$p" c2.evil.example A +tcp +tries=1 +time=3
q ktcp.out   kdig @127.0.0.1 -p "$p" c2.evil.example AAAA +tcp +edns +retry=0 +time=3
q exc.out    dig  @127.0.0.1 -p "$p" ok.c2.evil.example A +tries=1 +time=3
q old.out    dig  @127.0.0.1 -p "$p" old.botnet.example A +tries=1 +time=3
q rpznx.out  dig  @127.0.0.1 -p "$p" nx.rpz-test.example A +tries=1 +time=3
q rpzdrop.out dig @127.0.0.1 -p "$p" drop.rpz-test.example A +tries=1 +time=1
q ads.out    dig  @127.0.0.1 -p "$p" www.ads.example A +tries=1 +time=3
q hosts.out  drill -p "$p" @127.0.0.1 tracker.hosts.example A
q plain.out  kdig @127.0.0.1 -p "$p" plain-blocked.example A +retry=0 +time=3
q miss.out   dig  @127.0.0.1 -p "$p" www.plain.example A +tries=1 +time=3
q miss2.out  dig  @127.0.0.1 -p "$p" www.plain.example A +tries=1 +time=3
q misstcp.out drill -t -p "$p" @127.0.0.1 www.plain.example A
q cloak.out  dig  @127.0.0.1 -p "$p" www.shop.example A +tries=1 +time=3
r6_port="$(sed -n 's/.*listening on \[::1\]:\([0-9]*\) .*/\1/p' "$work/r.log")"
q v6.out     dig  @::1 -p "$r6_port" c2.evil.example AAAA +tries=1 +time=3
q v6tcp.out  kdig @::1 -p "$r6_port" www.plain.example A +tcp +retry=0 +time=3

expect "$work/a.out" '^C2\.Evil\.Example\.[[:space:]]+60[[:space:]]+IN[[:space:]]+A[[:space:]]+192\.0\.2\.99' \
    "dig: blocked A gets the sinkhole address, 60 s TTL, in the client's case"
expect "$work/a.out" 'flags: qr rd ra;' "dig: QR RD RA, not AA"
expect "$work/aaaa.out" 'IN[[:space:]]+AAAA[[:space:]]+2001:db8::99' "dig: blocked AAAA gets the IPv6 sinkhole"
expect "$work/mx.out" 'ANSWER: 0, AUTHORITY: 1' "dig: other types of a blocked name get NODATA with an SOA"
expect "$work/ede.out" 'EDE: 15 \(Blocked\)' "kdig: Extended DNS Error 15 over EDNS"
expect "$work/ede.out" 'blocked by entry XX-20250109-0001' "kdig: the EDE text names the entry"
expect "$work/sub.out" 'deep\.www\.c2\.evil\.example\.[[:space:]]+60[[:space:]]+IN[[:space:]]+A[[:space:]]+192\.0\.2\.99' \
    "drill: a subdomain of a listed name is blocked"
expect "$work/tcp.out" '192\.0\.2\.99' "dig +tcp: blocked over TCP"
expect "$work/ktcp.out" 'EDE: 15' "kdig +tcp: EDE over TCP"
expect "$work/exc.out" '203\.0\.113\.11' "adblock exception: ok.c2.evil.example is resolved upstream"
expect "$work/old.out" '203\.0\.113\.10' "an expired entry no longer blocks"
expect "$work/rpznx.out" 'status: NXDOMAIN' "RPZ CNAME . gives NXDOMAIN"
expect "$work/rpzdrop.out" 'timed out|no servers could be reached' "RPZ rpz-drop. gets no answer"
expect "$work/ads.out" '192\.0\.2\.99' "adblock ||ads.example^ blocks its subdomains"
expect "$work/hosts.out" '192\.0\.2\.99' "hosts file entries block"
expect "$work/plain.out" '192\.0\.2\.99' "plain list entries block"
expect "$work/miss.out" '203\.0\.113\.8' "a clean name is forwarded to Unbound"
expect "$work/miss2.out" 'www\.plain\.example\.[[:space:]]+(299|300)[[:space:]]' "... and the second answer comes from the cache"
expect "$work/misstcp.out" '203\.0\.113\.8' "drill -t: forwarded over TCP"
expect "$work/cloak.out" '^www\.shop\.example\.[[:space:]]+60[[:space:]]+IN[[:space:]]+A[[:space:]]+192\.0\.2\.99' \
    "CNAME cloaking: a chain into a blocked name gets the sinkhole answer"
reject "$work/cloak.out" 'CNAME' "... and the CNAME is not passed on"
expect "$work/v6.out" 'IN[[:space:]]+AAAA[[:space:]]+2001:db8::99' "IPv6 listener [::1]: filtered over UDP"
expect "$work/v6tcp.out" '203\.0\.113\.8' "IPv6 listener [::1]: forwarded over TCP"

# ---- opt-out, four ways: none of these is filtered, logged or counted
q opt_listener.out dig @127.0.0.1 -p "$r_port1" c2.evil.example A +tries=1 +time=3
q opt_prefix.out   dig @127.0.0.1 -p "$p" -b 127.0.0.2 c2.evil.example A +tries=1 +time=3
q opt_sub.out      dig @127.0.0.1 -p "$p" c2.evil.example A +ednsopt=65001:616c696365 +tries=1 +time=3
q opt_ecs.out      dig @127.0.0.1 -p "$p" -b 127.0.0.3 c2.evil.example A +subnet=10.99.1.0/24 +tries=1 +time=3
q noopt_ecs.out    dig @127.0.0.1 -p "$p" c2.evil.example A +subnet=10.99.1.0/24 +tries=1 +time=3
expect "$work/opt_listener.out" '203\.0\.113\.66' "opt-out by listener: the unfiltered address forwards"
expect "$work/opt_prefix.out" '203\.0\.113\.66' "opt-out by client prefix (127.0.0.2/32)"
expect "$work/opt_sub.out" '203\.0\.113\.66' "opt-out by subscriber id (EDNS option 65001)"
expect "$work/opt_ecs.out" '203\.0\.113\.66' "opt-out by ECS address from a trusted forwarder"
expect "$work/noopt_ecs.out" '192\.0\.2\.99' "ECS from an untrusted source is not believed"

# ---- access list
q acl.out  kdig @127.0.0.1 -p "$p" -b 127.0.0.9 www.plain.example A +edns +retry=0 +time=3
q acl2.out dig  @127.0.0.1 -p "$p" -b 127.0.0.9 www.plain.example A +tries=1 +time=3
expect "$work/acl.out" 'status: REFUSED' "a client outside the ACL gets REFUSED"
expect "$work/acl.out" 'EDE: 18 \(Prohibited\)' "... with Extended DNS Error 18"
expect "$work/acl2.out" 'status: REFUSED' "dig: REFUSED without EDNS too"
reject "$work/acl2.out" '203\.0\.113' "... and no answer data"

# ---- malformed and unusual packets
client() { "$stub" --client "127.0.0.1:$p" "$@"; }
q runt.out      client 'c0de0100'
q response.out  client 'c0de 8180 0001 0000 0000 0000 03777777 00 0001 0001'
q badlabel.out  client "c0de 0100 0001 0000 0000 0000 40$(printf '61%.0s' {1..64}) 00 0001 0001"
q twoq.out      client 'c0de 0100 0002 0000 0000 0000 0161 00 0001 0001 0162 00 0001 0001'
q trailing.out  client 'c0de 0100 0001 0000 0000 0000 0161 00 0001 0001 ff'
q notify.out    dig @127.0.0.1 -p "$p" c2.evil.example SOA +opcode=notify +tries=1 +time=3
q badvers.out   dig @127.0.0.1 -p "$p" c2.evil.example A +edns=1 +noednsnegotiation +tries=1 +time=3
q tcpshort.out  client --tcp '0000 00'
expect "$work/runt.out" '^no reply' "a 4-octet runt is dropped"
expect "$work/response.out" '^no reply' "a response (QR=1) is dropped, never answered"
expect "$work/badlabel.out" '^reply 49374 1 ' "a 64-octet label gets FORMERR"
expect "$work/twoq.out" '^reply 49374 1 ' "two questions get FORMERR"
expect "$work/trailing.out" '^reply 49374 1 ' "trailing garbage gets FORMERR"
expect "$work/notify.out" 'status: NOTIMP' "NOTIFY gets NOTIMP"
expect "$work/badvers.out" 'status: BADVERS' "EDNS version 1 gets BADVERS"
expect "$work/tcpshort.out" '^(closed|no reply)' "TCP: a message shorter than a header closes the connection"

# ---- TCP: pipelining (several queries in one write) and the idle timeout
q pipe.out client --tcp 'pipe.plain.example/A/1' 'c2.evil.example/A/2' 'ads.example/A/3'
expect "$work/pipe.out" '^reply 2 0 ' "TCP pipelining: every query of one write is answered"
check "TCP pipelining: three answers on one connection" test "$(grep -c '^reply' "$work/pipe.out")" -eq 3
q idle.out client --tcp --hold 4000 'c2.evil.example/A/7'
expect "$work/idle.out" 'closed after (9[0-9][0-9]|1[0-9]{3}|2[0-4][0-9]{2}) ms' "TCP: an idle connection closes after --tcp-idle-timeout (1 s)"

# ---- the operator's counters, the query log and the metrics endpoint
http_get "$r_metrics" /metrics >"$work/metrics.out"
expect "$work/metrics.out" '^dnsfilter_opted_out_total\{month="[0-9-]+"\} 4$' "metrics: the four opted-out queries"
expect "$work/metrics.out" '^dnsfilter_entry_hits_total\{month="[0-9-]+",entry="XX-20250109-0001"\} [1-9]' \
    "metrics: hits per entry"
expect "$work/metrics.out" '^dnsfilter_resolver_cloaked_total 1$' "metrics: the cloaked answer"
expect "$work/metrics.out" '^dnsfilter_resolver_acl_refused_total 2$' "metrics: ACL refusals"
expect "$work/metrics.out" '^dnsfilter_resolver_cache_hits_total [1-9]' "metrics: cache hits"
expect "$work/metrics.out" '^dnsfilter_resolver_upstream_latency_seconds_count\{upstream="127\.0\.0\.1:[0-9]+"\} [1-9]' \
    "metrics: upstream latency histogram"
expect "$work/metrics.out" '^dnsfilter_resolver_rejected_total [4-9]' "metrics: malformed queries rejected"
http_get "$r_metrics" /nope >"$work/404.out"
expect "$work/404.out" '404' "metrics: other paths are 404"

expect "$work/query.log" '"name":"C2\.Evil\.Example\.","type":"A","entry":"XX-20250109-0001","action":"sinkhole"' \
    "query log: a JSON line per filtered query"
expect "$work/query.log" '"name":"www\.shop\.example\.".*"entry":"XX-20250109-0001"' "query log: the cloaked query"
reject "$work/query.log" '127\.0\.0\.2|alice|10\.99' "query log: no opted-out client"
reject "$work/query.log" '"action":"pass"' "query log: exceptions are not logged"

# ---- a second instance cannot share our port (SO_REUSEPORT would allow it silently)
q dup.out timeout 10 "$resolver" --listen "127.0.0.1:$p" --metrics none --upstream 127.0.0.1
expect "$work/dup.out" 'already in use' "a second resolver on the same port refuses to start"

# ---- --help, --check
"$resolver" --help >"$work/help.out" 2>&1 || true
for option in --listen --upstream --allow --list --policy --cache-size --metrics --query-log --randomize-case \
    --tcp-idle-timeout --upstream-attempts --watch-interval --stats-file; do
    grep -q -- "$option" "$work/help.out" || { echo "FAIL - --help does not document $option"; failures=$((failures + 1)); }
done
echo "ok   - --help documents the options"
q check.out "$resolver" --check --upstream 127.0.0.1 --metrics none
expect "$work/check.out" 'configuration OK' "--check with the embedded defaults"
example_conf="$(cd "$(dirname "$0")/../../examples/resolver" && pwd)/dnsfilter-resolver.conf"
q conf.out "$resolver" --config "$example_conf" --list "$work/operator.tsv" --policy "$work/policy.txt" --check
expect "$work/conf.out" 'configuration OK' "the example configuration file parses (its lists replaced by the test's)"
printf 'evil.example\nbad..name\n' >"$work/broken.txt"
q checkbad.out "$resolver" --check --upstream 127.0.0.1 --metrics none --list "$work/broken.txt"
expect "$work/checkbad.out" 'broken\.txt:2: ' "--check names the bad line of a broken list"

finish
