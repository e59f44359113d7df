#!/usr/bin/env bash
# dnsfilter-resolver's forwarding under faults, against dnsfilter-test-upstream
# (a stub that answers by query name: spoofed, slow, silent, truncated, ...):
# spoofed responses (wrong id, wrong question, wrong source port, wrong case
# under 0x20) are refused and counted, and a spike is logged; every upstream
# query has its own source port and id; timeouts retry and end in SERVFAIL
# with EDE 23; a silent or closed upstream fails over to the next; TC=1 is
# retried over TCP; answers too big for the client come with TC; positive and
# negative answers are cached; TCP answers come back out of order.
#
# usage: resolver_upstream.sh PATH/TO/dnsfilter-resolver PATH/TO/dnsfilter-test-upstream
resolver="${1:?usage: resolver_upstream.sh RESOLVER TEST_UPSTREAM}"
stub="${2:?usage: resolver_upstream.sh RESOLVER TEST_UPSTREAM}"
source "$(dirname "$0")/lib.sh"
need dig kdig drill

printf 'blocked.example\n' >"$work/list.txt"
start_stub good
start_stub mute --silent
start_resolver r --upstream "127.0.0.1:$good_port" --list "$work/list.txt" \
    --upstream-timeout 300ms --upstream-attempts 3 --mismatch-warn 3 --mismatch-window 500ms
p="$r_port"

# ---- spoofed responses: the forged 6.6.6.6 arrives first, the real 192.0.2.2 after
q id.out     dig @127.0.0.1 -p "$p" spoof-id.stub.example A +tries=1 +time=3
q quest.out  dig @127.0.0.1 -p "$p" spoof-question.stub.example A +tries=1 +time=3
q port.out   kdig @127.0.0.1 -p "$p" spoof-port.stub.example A +retry=0 +time=3
q only.out   kdig @127.0.0.1 -p "$p" spoof-only.stub.example A +edns +retry=0 +time=4
expect "$work/id.out" '192\.0\.2\.2' "wrong id: the forged answer is ignored, the real one used"
reject "$work/id.out" '6\.6\.6\.6' "wrong id: the forged address never reaches the client"
expect "$work/quest.out" '192\.0\.2\.2' "wrong question: ignored, the real answer used"
reject "$work/quest.out" '6\.6\.6\.6' "wrong question: the forged address never reaches the client"
expect "$work/port.out" '192\.0\.2\.2' "wrong source port: ignored (the socket is connected), the real answer used"
reject "$work/port.out" '6\.6\.6\.6' "wrong source port: the forged address never reaches the client"
expect "$work/only.out" 'status: SERVFAIL' "only forged answers: SERVFAIL once every attempt timed out"
expect "$work/only.out" 'EDE: 23 \(Network Error\)' "... with Extended DNS Error 23"
check "mismatched responses counted by reason (id)" test "$(metric "$r_metrics" 'dnsfilter_resolver_upstream_mismatched_total{reason="id"}')" -ge 10
check "mismatched responses counted by reason (question)" test "$(metric "$r_metrics" 'dnsfilter_resolver_upstream_mismatched_total{reason="question"}')" -ge 1
wait_for "$work/r.log" 'failed the spoofing checks' 5 || true
expect "$work/r.log" 'warning: [0-9]+ upstream responses failed the spoofing checks' "a spike of mismatches is logged as a warning"

# ---- a fresh source port and id for every upstream query
for i in $(seq 1 20); do dig @127.0.0.1 -p "$p" "n$i.rand.stub.example" A +tries=1 +time=2 >/dev/null 2>&1 || true; done
{ grep '\.rand\.stub\.example\. 1 ' "$work/good.queries" || true; } | awk '{print $3}' | sort -u >"$work/ports"
{ grep '\.rand\.stub\.example\. 1 ' "$work/good.queries" || true; } | awk '{print $4}' | sort -u >"$work/ids"
check "20 upstream queries came from at least 19 different source ports" test "$(wc -l <"$work/ports")" -ge 19
check "... with at least 19 different ids" test "$(wc -l <"$work/ids")" -ge 19

# ---- timeouts and retries: the stub answers slow.* after 2.5 s, each attempt waits 300 ms
q slow.out kdig @127.0.0.1 -p "$p" slow.stub.example A +edns +retry=0 +time=5
expect "$work/slow.out" 'status: SERVFAIL' "an upstream slower than every attempt: SERVFAIL"
check "three attempts, each with its own source port" \
    test "$({ grep -i '^slow\.stub\.example\. 1 ' "$work/good.queries" || true; } | awk '{print $3}' | sort -u | wc -l)" -eq 3
check "timeouts counted" test "$(metric "$r_metrics" "dnsfilter_resolver_upstream_timeouts_total{upstream=\"127.0.0.1:$good_port\"}")" -ge 3

# ---- truncation: TC=1 from the upstream is retried over TCP; big answers come with TC to small clients
q tc.out      dig @127.0.0.1 -p "$p" tc.stub.example A +tries=1 +time=3
q bigtc.out   dig @127.0.0.1 -p "$p" big.stub.example A +noedns +ignore +tries=1 +time=3
q bigtcp.out  dig @127.0.0.1 -p "$p" big.stub.example A +noedns +tries=1 +time=3
q bigedns.out kdig @127.0.0.1 -p "$p" big.stub.example A +edns +retry=0 +time=3
expect "$work/tc.out" 'ANSWER: 40' "TC=1 from the upstream: retried over TCP, all 40 records delivered"
expect "$work/good.queries" '^tc\.stub\.example\. 1 tcp ' "... the stub saw the TCP query"
expect "$work/bigtc.out" 'flags: qr tc rd ra' "an answer over 512 octets to a client without EDNS has TC"
expect "$work/bigtcp.out" 'ANSWER: 30' "... and dig's retry over TCP gets all 30 records"
expect "$work/bigedns.out" 'ANSWER: 30' "an EDNS client gets the same answer over UDP"

# ---- the cache: positive and negative answers are not asked twice
q c1.out dig @127.0.0.1 -p "$p" count.stub.example TXT +tries=1 +time=3
q c2.out dig @127.0.0.1 -p "$p" count.stub.example TXT +tries=1 +time=3
q n1.out dig @127.0.0.1 -p "$p" nodata.stub.example A +tries=1 +time=3
q n2.out dig @127.0.0.1 -p "$p" nodata.stub.example A +tries=1 +time=3
expect "$work/c2.out" 'TXT[[:space:]]+"1"' "a cached answer: the upstream saw the name once"
expect "$work/n2.out" 'ANSWER: 0, AUTHORITY: 1' "a cached NODATA keeps its SOA"
check "negative caching: one upstream query for two NODATA lookups" \
    test "$(grep -ci '^nodata\.stub\.example\. 1 ' "$work/good.queries" || true)" -eq 1

# ---- EDNS: the client's DO bit travels upstream, and DO answers are cached apart
q do1.out dig @127.0.0.1 -p "$p" do.stub.example TXT +dnssec +tries=1 +time=3
q do0.out dig @127.0.0.1 -p "$p" do.stub.example TXT +tries=1 +time=3
q do1b.out dig @127.0.0.1 -p "$p" do.stub.example TXT +dnssec +tries=1 +time=3
expect "$work/do1.out" '"do=1"' "EDNS: a DO query reaches the upstream with DO"
expect "$work/do0.out" '"do=0"' "EDNS: a query without DO reaches it without (not served the DO answer from the cache)"
expect "$work/do1b.out" '"do=1"' "EDNS: the cached DO answer goes to DO clients"
expect "$work/do1.out" 'flags: do; udp: 1232' "EDNS: our OPT with the DO bit and our payload size"

# ---- coalescing: five identical questions at once, one upstream query (spoof-id answers after 100 ms)
q coalesce.out "$stub" --client "127.0.0.1:$p" 'spoof-id.stub.example/TXT/11' 'spoof-id.stub.example/TXT/12' \
    'spoof-id.stub.example/TXT/13' 'spoof-id.stub.example/TXT/14' 'spoof-id.stub.example/TXT/15'
check "coalescing: all five answered" test "$(grep -c '^reply 1[1-5] 0 ' "$work/coalesce.out" || true)" -eq 5
check "coalescing: the upstream was asked once" test "$(grep -c '^spoof-id\.stub\.example\. 16 ' "$work/good.queries" || true)" -eq 1

# ---- TCP answers out of order: spoof-id takes 100 ms upstream, the blocked name none
q pipe.out "$stub" --client "127.0.0.1:$p" --tcp 'spoof-id.stub.example/AAAA/1' 'blocked.example/A/2'
check "TCP: the quick answer (id 2) overtakes the slow one (id 1)" \
    test "$({ grep '^reply' "$work/pipe.out" || true; } | awk '{print $2}' | tr '\n' ' ')" = "2 1 "

# ---- TCP connection limit: with --tcp-max-connections 1 a second connection is closed at once
start_resolver t --upstream "127.0.0.1:$good_port" --tcp-max-connections 1 --tcp-idle-timeout 3s
"$stub" --client "127.0.0.1:$t_port" --tcp --hold 2500 'c2.evil.example/A/1' >"$work/hold.out" 2>&1 &
hold_pid=$!
sleep 0.5
q second.out "$stub" --client "127.0.0.1:$t_port" --tcp 'c2.evil.example/A/2'
wait "$hold_pid" || true
expect "$work/hold.out" '^reply 1 0 ' "TCP limit: the first connection is served"
expect "$work/second.out" '^(closed|no reply)' "TCP limit: a second connection beyond --tcp-max-connections is closed"
check "TCP limit: counted" test "$(metric "$t_metrics" dnsfilter_resolver_tcp_refused_total)" -ge 1

# ---- 0x20: random case upstream; a case-flipped forgery is refused
start_resolver x --upstream "127.0.0.1:$good_port" --randomize-case --upstream-timeout 500ms
q case.out dig @127.0.0.1 -p "$x_port" spoof-case.stub.example A +tries=1 +time=3
for i in $(seq 1 5); do dig @127.0.0.1 -p "$x_port" "mixedcase$i.stub.example" A +tries=1 +time=2 >/dev/null 2>&1 || true; done
expect "$work/case.out" '192\.0\.2\.2' "0x20: the answer echoing our case is used"
reject "$work/case.out" '6\.6\.6\.6' "0x20: the case-flipped forgery is refused"
check "0x20: the forgery counted as a wrong question" test "$(metric "$x_metrics" 'dnsfilter_resolver_upstream_mismatched_total{reason="question"}')" -ge 1
grep -i '^mixedcase' "$work/good.queries" >"$work/mixed" || true
expect "$work/mixed" '[A-Z]' "0x20: the upstream sees mixed-case names"

# ---- failover: a silent upstream first, then a closed port, then the good one
closed_port=$((20000 + RANDOM % 40000))
start_resolver f --upstream "127.0.0.1:$mute_port" --upstream "127.0.0.1:$closed_port" --upstream "127.0.0.1:$good_port" \
    --upstream-timeout 200ms --upstream-attempts 3 --upstream-down-after 2 --upstream-retry-after 30s
for i in 1 2 3 4; do q "fo$i.out" dig @127.0.0.1 -p "$f_port" "fo$i.stub.example" A +tries=1 +time=3; done
expect "$work/fo1.out" '192\.0\.2\.1' "failover: answered by the third upstream after a timeout and a refusal"
expect "$work/fo4.out" '192\.0\.2\.1' "failover: still answered"
expect "$work/f.log" "upstream 127\.0\.0\.1:$mute_port is down" "failover: the silent upstream is marked down"
expect "$work/f.log" "upstream 127\.0\.0\.1:$closed_port is down" "failover: the closed port is marked down"
check "failover: the down upstream is skipped (no timeouts after it went down)" \
    test "$(metric "$f_metrics" "dnsfilter_resolver_upstream_timeouts_total{upstream=\"127.0.0.1:$mute_port\"}")" -eq 2
check "failover: upstream_up is 0 for the silent one" \
    test "$(metric "$f_metrics" "dnsfilter_resolver_upstream_up{upstream=\"127.0.0.1:$mute_port\"}")" -eq 0
check "failover: port unreachable counted as an error" \
    test "$(metric "$f_metrics" "dnsfilter_resolver_upstream_errors_total{upstream=\"127.0.0.1:$closed_port\"}")" -ge 1

# ---- one parse each: a forwarded query is parsed once (by the filter facade)
# and its answer once (by the upstream transaction's validation); the CNAME
# check and the answer's shaping reuse both. Test builds count the library's
# parses (DNSFILTER_RESOLVER_COUNT_PARSES); the cache is off so that every
# query goes upstream.
start_resolver pc --upstream "127.0.0.1:$good_port" --list "$work/list.txt" --cache-size 0
parses() { metric "$pc_metrics" "dnsfilter_resolver_wire_parses_total{kind=\"$1\"}"; }
if http_get "$pc_metrics" /metrics | grep -q '^dnsfilter_resolver_wire_parses_total'; then
    q0="$(parses query)" m0="$(parses message)"
    for i in 1 2 3 4 5 6 7 8 9 10; do q "pc$i.out" dig @127.0.0.1 -p "$pc_port" "parse$i.stub.example" A +tries=1 +time=3; done
    q pcc.out dig @127.0.0.1 -p "$pc_port" cname.stub.example A +tries=1 +time=3  # an answer with a CNAME chain
    expect "$work/pc10.out" '192\.0\.2\.1' "one parse each: the queries were answered"
    expect "$work/pcc.out" 'CNAME' "one parse each: the CNAME answer was answered"
    check "one parse each: 11 forwarded queries, 11 query parses" test "$(($(parses query) - q0))" -eq 11
    check "one parse each: 11 upstream answers, 11 message parses" test "$(($(parses message) - m0))" -eq 11
else
    echo "SKIP - one parse each: this build does not count parses (DNSFILTER_RESOLVER_COUNT_PARSES=OFF)"
fi

finish
