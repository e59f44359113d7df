#!/usr/bin/env bash
# dnsfilter-resolver's dnstap output, read by a real collector: fstrm_capture
# (Frame Streams over a Unix socket, bidirectional handshake) captures, and
# dnstap-ldns decodes every message; dnstap_decode.py (beside this script)
# reads the policy field, which dnstap-ldns 0.2 predates. Unbound upstream,
# dig and dnsperf as clients, all on loopback.
#
#   1. message types, addresses and the policy field of a sinkhole hit, an
#      NXDOMAIN entry, a monitored entry, a CNAME-cloaking hit, an exception
#      and a query no entry matched; an opted-out client makes no frame;
#   2. a collector that stops reading, then disappears, then comes back: every
#      query is answered, and the frames missing from the captures are
#      exactly the frames the resolver counted as dropped;
#   3. --query-log-all and SIGUSR1: every query in the JSON-Lines log, which
#      is reopened after a rename (logrotate).
#
# usage: resolver_dnstap.sh PATH/TO/dnsfilter-resolver PATH/TO/dnsfilter-test-upstream
resolver="${1:?usage: resolver_dnstap.sh RESOLVER TEST_UPSTREAM}"
source "$(dirname "$0")/lib.sh"
if ! "$resolver" --version | grep -q 'built with: dnstap'; then
    echo "skipped: this dnsfilter-resolver was built without dnstap (scripts/bootstrap-debian.sh installs its packages)"
    exit 77
fi
need dig dnsperf unbound fstrm_capture dnstap-ldns python3 ss
decode="$(dirname "$0")/dnstap_decode.py"

cat >"$work/operator.tsv" <<'EOF'
identifier	behaviour	start	end	fqdns	action
XX-20250109-0001	information theft	2025-01-09		c2.evil.example	sinkhole
XX-20250109-0002	backdoor	2025-01-09		nx.evil.example	nxdomain
CL-20250109-0003	tracking	2025-01-09		tracker.cloak.example	sinkhole
MON-20260201-0001	backdoor	2025-01-09		watch.example	monitor
EOF
printf '[Adblock Plus 2.0]\n@@||ok.c2.evil.example^\n' >"$work/exceptions.txt"
printf 'client 127.0.0.2/32 opt-out\n' >"$work/policy.txt"

start_unbound up '
  local-zone: "watch.example." static
  local-data: "watch.example. 300 IN A 203.0.113.20"
  local-zone: "cdn.example." static
  local-data: "www.cdn.example. 300 IN CNAME tracker.cloak.example."
  local-zone: "cloak.example." static
  local-data: "tracker.cloak.example. 300 IN A 203.0.113.30"
  local-zone: "evil.example." static
  local-data: "c2.evil.example. 300 IN A 203.0.113.66"
  local-data: "ok.c2.evil.example. 300 IN A 203.0.113.11"
  local-zone: "plain.example." static
  local-data: "www.plain.example. 300 IN A 203.0.113.8"
  local-zone: "bulk.example." static'

# start_collector NAME SOCKET: fstrm_capture reading SOCKET, writing $work/NAME.fstrm.
start_collector() {
    start "$1" fstrm_capture -t protobuf:dnstap.Dnstap -u "$2" -w "$work/$1.fstrm"
    local i
    for ((i = 0; i < 100; i++)); do [[ -S "$2" ]] && return 0; sleep 0.05; done
    echo "FAIL - fstrm_capture did not open $2"; cat "$work/$1.log"; exit 1
}
# stop_collector NAME SOCKET: SIGTERM once the collector has read what its socket holds.
stop_collector() {
    local i
    for ((i = 0; i < 100; i++)); do
        [[ -z "$(ss -xHn src "$2" | awk '$3 ~ /^[0-9]+$/ && $3 != 0')" ]] && break
        sleep 0.05
    done
    kill -TERM "$(server_pid "$1")" 2>/dev/null || true
    eval "wait \${$1_pid}" 2>/dev/null || true
    rm -f "$2"
}
# wait_metric PORT NAME VALUE: until the resolver's metric reaches VALUE (at most 20 s).
wait_metric() {
    local i
    for ((i = 0; i < 200; i++)); do
        [[ "$(metric "$1" "$2")" == "$3" ]] && return 0
        sleep 0.1
    done
    echo "     ($2 is $(metric "$1" "$2"), not $3)"
    return 1
}
dropped() {
    echo $(($(metric "$1" 'dnsfilter_resolver_dnstap_dropped_total{reason="queue_full"}') + \
            $(metric "$1" 'dnsfilter_resolver_dnstap_dropped_total{reason="write_failed"}')))
}

sock1="$work/tap1.sock"
start_collector cap1 "$sock1"
start_resolver r --upstream "127.0.0.1:$up_port" \
    --list "catalogue:$work/operator.tsv" --list "adblock:$work/exceptions.txt" --policy "$work/policy.txt" \
    --sinkhole-ipv4 192.0.2.99 --query-log "$work/query.log" --query-log-client full --query-log-all \
    --dnstap "unix:$sock1" --dnstap-identity node-7 \
    --dnstap-messages client-query,client-response,forwarder-query,forwarder-response
p="$r_port"
check "the resolver connected to the collector" wait_metric "$r_metrics" dnsfilter_resolver_dnstap_connected 1

# ---- 1. one query of each kind
q sink.out   dig @127.0.0.1 -p "$p" c2.evil.example A +tries=1 +time=3
q nx.out     dig @127.0.0.1 -p "$p" nx.evil.example A +tries=1 +time=3
q watch.out  dig @127.0.0.1 -p "$p" watch.example A +tries=1 +time=3
q cloak.out  dig @127.0.0.1 -p "$p" www.cdn.example A +tries=1 +time=3
q exc.out    dig @127.0.0.1 -p "$p" ok.c2.evil.example A +tries=1 +time=3
q plain.out  dig @127.0.0.1 -p "$p" www.plain.example A +tries=1 +time=3 +tcp
q opt1.out   dig @127.0.0.1 -p "$p" -b 127.0.0.2 c2.evil.example A +tries=1 +time=3
q opt2.out   dig @127.0.0.1 -p "$p" -b 127.0.0.2 www.plain.example A +tries=1 +time=3
expect "$work/sink.out" 'IN[[:space:]]+A[[:space:]]+192\.0\.2\.99' "sinkhole answer"
expect "$work/nx.out" 'status: NXDOMAIN' "NXDOMAIN entry"
expect "$work/watch.out" 'IN[[:space:]]+A[[:space:]]+203\.0\.113\.20' "monitored entry resolves"
expect "$work/cloak.out" 'IN[[:space:]]+A[[:space:]]+192\.0\.2\.99' "CNAME cloaking blocked"
expect "$work/exc.out" 'IN[[:space:]]+A[[:space:]]+203\.0\.113\.11' "exception resolves"
expect "$work/opt1.out" 'IN[[:space:]]+A[[:space:]]+203\.0\.113\.66' "opted-out client is not filtered"

# Frames: CQ+CR for each of 6 queries, FQ+FR for the 4 forwarded ones (FQ
# once per attempt: a retry would add one); none for the opted-out client.
for ((i = 0; i < 200; i++)); do
    (($(metric "$r_metrics" dnsfilter_resolver_dnstap_sent_total) >= 20)) && break
    sleep 0.1
done
check "all frames written" wait_metric "$r_metrics" dnsfilter_resolver_dnstap_queued 0
sent1="$(metric "$r_metrics" dnsfilter_resolver_dnstap_sent_total)"
stop_collector cap1 "$sock1"
python3 "$decode" "$work/cap1.fstrm" >"$work/cap1.json"
dnstap-ldns -y -r "$work/cap1.fstrm" >"$work/cap1.yaml" 2>&1 || true
check "dnstap-ldns decodes every message ($sent1)" test "$(grep -c '^type: MESSAGE' "$work/cap1.yaml")" -eq "$sent1"
check "the decoder reads every message" test "$(wc -l <"$work/cap1.json")" -eq "$sent1"
check "at least 20 messages" test "$sent1" -ge 20
check "no drops" test "$(dropped "$r_metrics")" -eq 0
expect "$work/cap1.yaml" 'identity: "?node-7' "dnstap-ldns: identity"
expect "$work/cap1.yaml" 'version: "?dnsfilter-resolver ' "dnstap-ldns: version"
expect "$work/cap1.yaml" 'query_address: "?127\.0\.0\.1' "dnstap-ldns: the client's address in full"
j="$work/cap1.json"
pol() {  # pol TYPE QNAME: that message's line
    grep "\"type\": \"$1\"" "$j" | grep "\"qname\": \"$2\"" || true
}
pol CLIENT_QUERY c2.evil.example. >"$work/m.sink.q"
pol CLIENT_RESPONSE c2.evil.example. >"$work/m.sink.r"
expect "$work/m.sink.q" '"action": "LOCAL_DATA", "match": "QNAME", "rule": "XX-20250109-0001 [^"]*operator.tsv", "type": "dnsfilter/sinkhole", "value": "c2.evil.example."' \
    "sinkhole hit: CLIENT_QUERY carries the policy"
expect "$work/m.sink.r" '"rule": "XX-20250109-0001 [^"]*operator.tsv", "type": "dnsfilter/sinkhole"' "sinkhole hit: CLIENT_RESPONSE carries the policy"
expect "$work/m.sink.q" '"query_address": "127.0.0.1", "query_port": [1-9]' "sinkhole hit: client address and port"
expect "$work/m.sink.q" '"protocol": "UDP"' "sinkhole hit: over UDP"
pol CLIENT_RESPONSE nx.evil.example. >"$work/m.nx"
expect "$work/m.nx" '"action": "NXDOMAIN", "match": "QNAME", "rule": "XX-20250109-0002 [^"]*", "type": "dnsfilter/nxdomain", "value": "nx.evil.example."' \
    "NXDOMAIN entry: action NXDOMAIN"
expect "$work/m.nx" '"rcode": "NXDOMAIN"' "NXDOMAIN entry: the response is NXDOMAIN"
pol CLIENT_RESPONSE watch.example. >"$work/m.watch"
expect "$work/m.watch" '"action": "PASS", "match": "QNAME", "rule": "MON-20260201-0001 [^"]*", "type": "dnsfilter/monitor", "value": "watch.example."' \
    "monitored entry: PASS with the rule"
pol CLIENT_RESPONSE www.cdn.example. >"$work/m.cloak"
expect "$work/m.cloak" '"action": "LOCAL_DATA", "match": "QNAME", "rule": "CL-20250109-0003 [^"]*", "type": "dnsfilter/sinkhole", "value": "tracker.cloak.example."' \
    "CNAME cloaking: the policy names the CNAME target"
pol CLIENT_QUERY www.cdn.example. >"$work/m.cloak.q"
reject "$work/m.cloak.q" '"policy"' "CNAME cloaking: the query, sent before the answer came, has no policy yet"
pol CLIENT_RESPONSE ok.c2.evil.example. >"$work/m.exc"
expect "$work/m.exc" '"action": "PASS", "match": "QNAME", "rule": "[^"]*exceptions.txt", "type": "dnsfilter/pass", "value": "ok.c2.evil.example."' \
    "exception: PASS with the exception's list"
pol CLIENT_QUERY www.plain.example. >"$work/m.plain"
reject "$work/m.plain" '"policy"' "no entry: no policy"
expect "$work/m.plain" '"protocol": "TCP"' "a TCP query is marked TCP"
pol FORWARDER_QUERY www.plain.example. >"$work/m.fq"
expect "$work/m.fq" "\"response_address\": \"127.0.0.1\", \"response_port\": $up_port" "FORWARDER_QUERY: to the upstream"
pol FORWARDER_RESPONSE www.plain.example. >"$work/m.fr"
expect "$work/m.fr" '"ancount": 1' "FORWARDER_RESPONSE: the upstream's answer"
check "FORWARDER_RESPONSE once per forwarded query (4)" test "$(grep -c '"type": "FORWARDER_RESPONSE"' "$j")" -eq 4
check "CLIENT_QUERY and CLIENT_RESPONSE once per query (6 each)" \
    test "$(grep -c '"type": "CLIENT_QUERY"' "$j")" -eq 6 -a "$(grep -c '"type": "CLIENT_RESPONSE"' "$j")" -eq 6
reject "$j" '127\.0\.0\.2' "opted-out client: no frame carries its address"
check "opted-out client: the only c2.evil.example frames are the filtered client's two" \
    test "$(grep -c '"qname": "c2.evil.example."' "$j")" -eq 2

# ---- 2. the collector stops reading (SIGSTOP), disappears, comes back. A
# resolver of its own with CLIENT_QUERY and CLIENT_RESPONSE only: two frames
# per query, whatever the upstream exchanges, so what was made is known.
sock2="$work/tap2.sock"
start_collector cap2 "$sock2"
start_resolver r2 --upstream "127.0.0.1:$up_port" --dnstap "unix:$sock2" --dnstap-queue 64
check "resolver 2 connected" wait_metric "$r2_metrics" dnsfilter_resolver_dnstap_connected 1
for i in $(seq 1 3000); do echo "n$i.bulk.example A"; done >"$work/bulk1.txt"
kill -STOP "$(server_pid cap2)"
dnsperf -s 127.0.0.1 -p "$r2_port" -d "$work/bulk1.txt" -n 1 -c 2 -q 100 -t 5 >"$work/perf1.out" 2>&1 || true
expect "$work/perf1.out" 'Queries completed:[[:space:]]+3000 ' "collector not reading: every query answered"
check "collector not reading: frames dropped" test "$(dropped "$r2_metrics")" -gt 0
kill -CONT "$(server_pid cap2)"
check "the queue drains once the collector reads again" wait_metric "$r2_metrics" dnsfilter_resolver_dnstap_queued 0
stop_collector cap2 "$sock2"
for i in $(seq 1 500); do echo "m$i.bulk.example A"; done >"$work/bulk2.txt"
dnsperf -s 127.0.0.1 -p "$r2_port" -d "$work/bulk2.txt" -n 1 -c 2 -q 100 -t 5 >"$work/perf2.out" 2>&1 || true
expect "$work/perf2.out" 'Queries completed:[[:space:]]+500 ' "collector gone: every query answered"
check "collector gone: the resolver knows" wait_metric "$r2_metrics" dnsfilter_resolver_dnstap_connected 0
start_collector cap3 "$sock2"
check "the collector is back: reconnected" wait_metric "$r2_metrics" dnsfilter_resolver_dnstap_connects_total 2
check "the queue drains to the collector that came back" wait_metric "$r2_metrics" dnsfilter_resolver_dnstap_queued 0
q after.out dig @127.0.0.1 -p "$r2_port" after.bulk.example A +tries=1 +time=3
expect "$work/after.out" 'status: NXDOMAIN' "answered after the collector came back"
made=$(((3000 + 500 + 1) * 2))
check "every frame sent or dropped" wait_metric "$r2_metrics" dnsfilter_resolver_dnstap_sent_total "$((made - $(dropped "$r2_metrics")))"
stop_collector cap3 "$sock2"
python3 "$decode" "$work/cap2.fstrm" "$work/cap3.fstrm" >"$work/cap23.json"
captured="$(wc -l <"$work/cap23.json")"
echo "     frames: $made made, $captured captured, $(dropped "$r2_metrics") dropped, $(metric "$r2_metrics" dnsfilter_resolver_dnstap_sent_total) sent"
check "what the captures miss is exactly the drop counter" test "$((made - captured))" -eq "$(dropped "$r2_metrics")"
check "and what they hold is what was sent" test "$captured" -eq "$(metric "$r2_metrics" dnsfilter_resolver_dnstap_sent_total)"
expect "$work/cap23.json" 'after\.bulk\.example' "the query after the comeback is captured"
check "truncated client addresses by default (127.0.0.0)" test "$(grep -c '"query_address": "127.0.0.0"' "$work/cap23.json")" -eq "$captured"
reject "$work/cap23.json" '"query_port"' "no client port when truncated"

# ---- TCP: the same stream to a collector on a TCP port
for ((attempt = 0; attempt < 5; attempt++)); do
    tcp_port=$((20000 + RANDOM % 40000))
    start cap4 fstrm_capture -t protobuf:dnstap.Dnstap -a 127.0.0.1 -p "$tcp_port" -w "$work/cap4.fstrm"
    for ((i = 0; i < 40; i++)); do ss -tlnH "sport = :$tcp_port" | grep -q . && break 2; sleep 0.05; done
done
start_resolver r3 --upstream "127.0.0.1:$up_port" --dnstap "tcp:127.0.0.1:$tcp_port"
check "TCP collector: connected" wait_metric "$r3_metrics" dnsfilter_resolver_dnstap_connected 1
q tcp.out dig @127.0.0.1 -p "$r3_port" www.plain.example A +tries=1 +time=3
check "TCP collector: the query's two frames sent" wait_metric "$r3_metrics" dnsfilter_resolver_dnstap_sent_total 2
for ((i = 0; i < 100; i++)); do
    [[ -z "$(ss -tnH state established "sport = :$tcp_port" | awk '$1 != 0')" ]] && break
    sleep 0.05
done
kill -TERM "$(server_pid cap4)" 2>/dev/null || true
wait "$cap4_pid" 2>/dev/null || true
python3 "$decode" "$work/cap4.fstrm" >"$work/cap4.json"
check "TCP collector: both captured" test "$(grep -c '"qname": "www.plain.example."' "$work/cap4.json")" -eq 2

# ---- 3. --query-log-all, and SIGUSR1 reopens the log
expect "$work/query.log" '"name":"www\.plain\.example\.","type":"A","entry":"","action":"pass"' \
    "query log: a query no entry matched, with --query-log-all"
expect "$work/query.log" '"name":"ok\.c2\.evil\.example\.","type":"A","entry":"[^"]*exceptions.txt","action":"pass"' \
    "query log: an exception under its list"
expect "$work/query.log" '"name":"c2\.evil\.example\.".*"action":"sinkhole"' "query log: the filtered query"
reject "$work/query.log" '"client":"127\.0\.0\.2"' "query log: never the opted-out client"
mv "$work/query.log" "$work/query.log.1"
kill -USR1 "$(server_pid r)"
wait_for "$work/r.log" 'reopened' 10 || true
q rotated.out dig @127.0.0.1 -p "$p" rotated.plain.example A +tries=1 +time=3
check "SIGUSR1: a new log file" wait_for "$work/query.log" 'rotated\.plain\.example' 10
reject "$work/query.log.1" 'rotated\.plain\.example' "SIGUSR1: nothing more in the renamed file"
check "the resolver still runs after SIGUSR1" kill -0 "$(server_pid r)"
finish
