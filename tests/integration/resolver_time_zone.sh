#!/usr/bin/env bash
# dnsfilter-resolver --time-zone, with dig and Unbound as the upstream: with
# Asia/Tokyo, catalogue entries start and end at Tokyo's midnight and the
# statistics file holds "zone Asia/Tokyo" (then the node line), Tokyo's month
# and the entries' metadata dated at Tokyo's midnight; a restart with another
# zone (+09:00, UTC) is refused, naming both zones, and a restart with the
# same zone continues the file in the next epoch. Then a zone whose date
# differs from UTC's right now (Etc/GMT-14 or -12:00, picked by the time of
# day), where an entry of the local today is filtered and one of the local
# tomorrow is not: a resolver that read the dates in UTC would answer the
# other way round.
#
# usage: resolver_time_zone.sh PATH/TO/dnsfilter-resolver PATH/TO/dnsfilter-test-upstream
resolver="${1:?usage: resolver_time_zone.sh RESOLVER TEST_UPSTREAM}"
source "$(dirname "$0")/lib.sh"
need dig unbound date

start_unbound up '
  local-zone: "example." static
  local-data: "today.example. 300 IN A 203.0.113.1"
  local-data: "tomorrow.example. 300 IN A 203.0.113.2"
  local-data: "ended.example. 300 IN A 203.0.113.3"'

# catalogue FILE TZ: entries dated in zone TZ (as date(1) names it): one from
# today, one from tomorrow, one lifted today.
catalogue() {
    local today noon tomorrow yesterday
    today="$(TZ="$2" date +%F)"
    noon="$(TZ="$2" date -d "$today 12:00" +%s)"
    tomorrow="$(TZ="$2" date -d "@$((noon + 86400))" +%F)"
    yesterday="$(TZ="$2" date -d "@$((noon - 86400))" +%F)"
    printf 'identifier\tbehaviour\tstart\tend\tfqdns\n' >"$1"
    printf 'TZ-TODAY\tbackdoor\t%s\t\ttoday.example\n' "$today" >>"$1"
    printf 'TZ-TOMORROW\tbackdoor\t%s\t\ttomorrow.example\n' "$tomorrow" >>"$1"
    printf 'TZ-ENDED\tbackdoor\t%s\t%s\tended.example\n' "$yesterday" "$today" >>"$1"
}

# dates_checked NAME PORT WHAT: the three entries as the zone has them.
dates_checked() {
    local name="$1" port="$2" what="$3" n
    for n in today tomorrow ended; do q "$name-$n.out" dig @127.0.0.1 -p "$port" "$n.example" A +tries=1 +time=3; done
    expect "$work/$name-today.out" 'IN[[:space:]]+A[[:space:]]+192\.0\.2\.99' "$what: an entry of the local today is filtered"
    expect "$work/$name-tomorrow.out" 'IN[[:space:]]+A[[:space:]]+203\.0\.113\.2' "$what: an entry of the local tomorrow is not yet"
    expect "$work/$name-ended.out" 'IN[[:space:]]+A[[:space:]]+203\.0\.113\.3' "$what: an entry lifted on the local today is lifted"
}

# ---- Asia/Tokyo: the catalogue's dates and the statistics file
catalogue "$work/tokyo.tsv" Asia/Tokyo
common=(--upstream "127.0.0.1:$up_port" --list "catalogue:$work/tokyo.tsv" --sinkhole-ipv4 192.0.2.99
        --stats-file "$work/stats" --stats-interval 1s)
start_resolver r "${common[@]}" --time-zone Asia/Tokyo
dates_checked tokyo "$r_port" "Asia/Tokyo"
month="$(TZ=Asia/Tokyo date +%Y-%m)"
wait_for "$work/stats" '^month .* filtered 1 ' 10 || true
expect "$work/stats" '^zone Asia/Tokyo$' "stats file: the zone line names the zone"
expect "$work/stats" "^month $month passed 2 filtered 1 " "stats file: the queries counted in Tokyo's month $month"
expect "$work/stats" '^entry TZ-TODAY 1$' "stats file: the filtered entry"
# Version 3 in a named zone: the node line right after the zone line, and the
# entry's metadata with its start at Tokyo's midnight (written in UTC).
check "stats file: the node line follows the zone line" grep -qE '^node [^ ]+ epoch 1 sequence [0-9]+ written ' <(sed -n 3p "$work/stats")
tokyo_midnight="$(date -u -d "@$(TZ=Asia/Tokyo date -d "$(TZ=Asia/Tokyo date +%F) 00:00" +%s)" +%FT%TZ)"
expect "$work/stats" "^meta TZ-TODAY start $tokyo_midnight end - action sinkhole fqdns 1 category backdoor$" \
    "stats file: the entry's metadata starts at Tokyo's midnight ($tokyo_midnight)"
kill -TERM "$(server_pid r)"
wait "$r_pid" 2>/dev/null || true

# ---- a restart in another zone is refused; in the same zone it continues
for other in +09:00 UTC; do
    status=0
    timeout 30 "$resolver" "${common[@]}" --time-zone "$other" --listen 127.0.0.1:0 --metrics none >"$work/other.log" 2>&1 ||
        status=$?
    check "a restart with --time-zone $other is refused (status $status)" [ "$status" -ne 0 ]
    offset="$other"; [ "$other" = UTC ] && offset=+00:00
    expect "$work/other.log" "stats:2: counted in zone Asia/Tokyo, not \\$offset" \
        "the refusal names the file's zone and --time-zone $other"
done
expect "$work/stats" '^zone Asia/Tokyo$' "the refused restarts left the file alone"
start_resolver again "${common[@]}" --time-zone Asia/Tokyo
expect "$work/again.log" 'statistics: continuing .*stats .* epoch 2' "a restart in Asia/Tokyo continues the file, in the node's next epoch"
q again-today.out dig @127.0.0.1 -p "$again_port" today.example A +tries=1 +time=3
wait_for "$work/stats" '^entry TZ-TODAY 2$' 10 || true
expect "$work/stats" '^entry TZ-TODAY 2$' "the continued file counts on"

# ---- a zone whose date is not UTC's right now: the dates cannot be UTC's
# (Etc/GMT-14 is UTC+14, a day ahead from 10:00 UTC; -12:00 a day behind
# until 12:00 UTC; each is picked with an hour and a half to spare).
minutes=$((10#$(date -u +%H) * 60 + 10#$(date -u +%M)))
if ((minutes >= 630)); then zone=Etc/GMT-14 tz_name=Etc/GMT-14; else zone=-12:00 tz_name=UTC+12; fi
catalogue "$work/ahead.tsv" "$tz_name"
check "the local date of $zone is not UTC's ($(TZ="$tz_name" date +%F) against $(date -u +%F))" \
    [ "$(TZ="$tz_name" date +%F)" != "$(date -u +%F)" ]
start_resolver far --upstream "127.0.0.1:$up_port" --list "catalogue:$work/ahead.tsv" --sinkhole-ipv4 192.0.2.99 \
    --time-zone "$zone"
dates_checked far "$far_port" "$zone"

# ---- configuration errors
q badzone.out "$resolver" --check --upstream 127.0.0.1 --metrics none --time-zone Asia/Atlantis
expect "$work/badzone.out" "--time-zone: unknown time zone 'Asia/Atlantis'" "an unknown zone name"
q badoffset.out "$resolver" --check --upstream 127.0.0.1 --metrics none --time-zone +15:00
expect "$work/badoffset.out" "--time-zone: '\\+15:00' is neither" "an offset beyond +14:00"

finish
