#!/usr/bin/env bash
# dnsfilter-resolver's monitored entries ("the month before enforcement") with
# dig and Unbound as the upstream: a monitored name resolves normally, counts
# as monitored in the metrics and the statistics file and leaves a query-log
# line with the action monitor; a monitored name below a blocked one stays
# blocked; a CNAME chain into a monitored name counts too. Opted-out clients
# (unfiltered listener, client prefix, subscriber id) asking the same names
# are answered alike and counted only as opted out, and never logged.
#
# usage: resolver_monitor.sh PATH/TO/dnsfilter-resolver PATH/TO/dnsfilter-test-upstream
resolver="${1:?usage: resolver_monitor.sh RESOLVER TEST_UPSTREAM}"
source "$(dirname "$0")/lib.sh"
need dig unbound

# The catalogue's action column, and a plain list monitored by --list-action FILE=monitor.
cat >"$work/operator.tsv" <<'EOF'
identifier	behaviour	start	end	fqdns	action
XX-20250109-0001	information theft	2025-01-09		c2.evil.example	sinkhole
MON-20260201-0001	backdoor	2025-01-09		watch.example watch2.example x.c2.evil.example	monitor
EOF
printf 'fresh.example\n' >"$work/new.txt"
cat >"$work/policy.txt" <<'EOF'
client 127.0.0.2/32 opt-out
subscriber-option 65001
subscriber-trust any
subscriber alice opt-out
EOF

start_unbound up '
  local-zone: "watch.example." static
  local-data: "watch.example. 300 IN A 203.0.113.20"
  local-zone: "watch2.example." static
  local-data: "watch2.example. 300 IN A 203.0.113.22"
  local-zone: "fresh.example." static
  local-data: "fresh.example. 300 IN A 203.0.113.21"
  local-zone: "cdn.example." static
  local-data: "www.cdn.example. 300 IN CNAME watch2.example."
  local-zone: "evil.example." static
  local-data: "c2.evil.example. 300 IN A 203.0.113.66"
  local-data: "x.c2.evil.example. 300 IN A 203.0.113.67"'

start_resolver r --upstream "127.0.0.1:$up_port" --listen 127.0.0.1:0,unfiltered \
    --list "catalogue:$work/operator.tsv" --list "plain:$work/new.txt" --list-action "$work/new.txt=monitor" \
    --policy "$work/policy.txt" --sinkhole-ipv4 192.0.2.99 \
    --query-log "$work/query.log" --query-log-client full --stats-file "$work/stats" --stats-interval 1s
p="$r_port"

# ---- a client that did not opt out: monitored names resolve normally
q watch.out  dig @127.0.0.1 -p "$p" watch.example A +tries=1 +time=3
q fresh.out  dig @127.0.0.1 -p "$p" fresh.example A +tries=1 +time=3
q chain.out  dig @127.0.0.1 -p "$p" www.cdn.example A +tries=1 +time=3
q under.out  dig @127.0.0.1 -p "$p" x.c2.evil.example A +tries=1 +time=3
expect "$work/watch.out" '^watch\.example\.[[:space:]]+[0-9]+[[:space:]]+IN[[:space:]]+A[[:space:]]+203\.0\.113\.20' \
    "a monitored catalogue entry resolves normally"
expect "$work/fresh.out" 'IN[[:space:]]+A[[:space:]]+203\.0\.113\.21' "a list monitored by --list-action FILE=monitor resolves normally"
expect "$work/chain.out" 'IN[[:space:]]+CNAME[[:space:]]+watch2\.example\.' "a CNAME chain into a monitored name is passed on"
expect "$work/under.out" 'IN[[:space:]]+A[[:space:]]+192\.0\.2\.99' "a monitored name below a blocked one stays blocked"

# ---- opted-out clients, three ways: the same answers, counted only as opted out
q opt_listener.out dig @127.0.0.1 -p "$r_port1" watch.example A +tries=1 +time=3
q opt_prefix.out   dig @127.0.0.1 -p "$p" -b 127.0.0.2 watch.example A +tries=1 +time=3
q opt_sub.out      dig @127.0.0.1 -p "$p" watch.example A +ednsopt=65001:616c696365 +tries=1 +time=3
for way in listener prefix sub; do
    expect "$work/opt_$way.out" 'IN[[:space:]]+A[[:space:]]+203\.0\.113\.20' "opt-out by $way: answered from upstream"
done

# ---- the metrics
http_get "$r_metrics" /metrics >"$work/metrics.out"
expect "$work/metrics.out" '^dnsfilter_monitored_total\{month="[0-9-]+"\} 3$' \
    "metrics: three monitored queries (name, list, chain), none of the opted-out ones"
expect "$work/metrics.out" '^dnsfilter_entry_monitored_total\{month="[0-9-]+",entry="MON-20260201-0001"\} 2$' \
    "metrics: monitored hits per entry"
expect "$work/metrics.out" '^dnsfilter_entry_monitored_total\{month="[0-9-]+",entry="[^"]*new\.txt"\} 1$' \
    "metrics: the monitored list's hits under its name"
expect "$work/metrics.out" '^dnsfilter_filtered_total\{month="[0-9-]+"\} 1$' "metrics: monitored queries are not filtered"
expect "$work/metrics.out" '^dnsfilter_opted_out_total\{month="[0-9-]+"\} 3$' "metrics: the three opted-out queries"
expect "$work/metrics.out" '^dnsfilter_queries_total\{month="[0-9-]+"\} 4$' "metrics: four queries in the share's denominator"
expect "$work/metrics.out" '^dnsfilter_resolver_monitored_total 3$' "metrics: the resolver's monitored counter"

# ---- the query log: a line per monitored query, none for opted-out clients
expect "$work/query.log" '"name":"watch\.example\.","type":"A","entry":"MON-20260201-0001","action":"monitor"' \
    "query log: the monitored query, with the action monitor"
expect "$work/query.log" '"name":"fresh\.example\.".*"action":"monitor"' "query log: the monitored list's query"
expect "$work/query.log" '"name":"www\.cdn\.example\.".*"entry":"MON-20260201-0001","action":"monitor"' \
    "query log: the chain into a monitored name"
expect "$work/query.log" '"name":"x\.c2\.evil\.example\.".*"entry":"XX-20250109-0001","action":"sinkhole"' \
    "query log: the blocked name under the monitored one"
lines="$(grep -c '"name":"watch\.example\."' "$work/query.log" || true)"
check "query log: one line for watch.example, none for the three opted-out queries (got $lines)" [ "$lines" -eq 1 ]
reject "$work/query.log" '127\.0\.0\.2' "query log: no opted-out client address"

# ---- the statistics file (written every second)
wait_for "$work/stats" ' monitored 3$' 10 || true
expect "$work/stats" '^dnsfilter-stats 3$' "stats file: version 3"
expect "$work/stats" '^month [0-9-]+ passed 3 filtered 1 opted-out 3 monitored 3$' \
    "stats file: monitored apart from filtered, opted-out queries only in their own count"
expect "$work/stats" '^monitored-entry MON-20260201-0001 2$' "stats file: monitored hits per entry"
expect "$work/stats" '^action monitor 3$' "stats file: the monitor action's hits"

# ---- configuration errors
q badaction.out "$resolver" --check --upstream 127.0.0.1 --metrics none --list "$work/new.txt" --list-action watch
expect "$work/badaction.out" 'list-action watch: sinkhole, nxdomain, nodata, refused, drop or monitor' "an unknown action"
q nolist.out "$resolver" --check --upstream 127.0.0.1 --metrics none --list "$work/new.txt" --list-action other.txt=monitor
expect "$work/nolist.out" 'no --list other\.txt' "an action for a list that is not given"

finish
