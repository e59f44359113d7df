#!/usr/bin/env bash
# --memory-budget end to end: a policy over the budget is refused with the
# figures, at start (the resolver does not start) and at a reload (the policy
# serving stays, dig shows it), for lists and for a compiled image; a policy
# under it serves.
#
# usage: resolver_budget.sh RESOLVER TEST_UPSTREAM COMPILE
resolver="${1:?usage: resolver_budget.sh RESOLVER TEST_UPSTREAM COMPILE}"
stub="${2:?usage: resolver_budget.sh RESOLVER TEST_UPSTREAM COMPILE}"
compile="${3:?usage: resolver_budget.sh RESOLVER TEST_UPSTREAM COMPILE}"
source "$(dirname "$0")/lib.sh"
need dig
fail() { echo "FAIL - $*"; failures=$((failures + 1)); }

# 2,000 names take about 80 kB as a policy, 200,000 about 8 MB: a 1M budget
# holds the first and not the second.
for i in $(seq 1 2000); do echo "n$i.small.example"; done >"$work/small.txt"
for i in $(seq 1 200000); do echo "n$i.large.example"; done >"$work/large.txt"
cp "$work/small.txt" "$work/list.txt"

start_stub up
start_resolver r --upstream "127.0.0.1:$up_port" --list "plain:$work/list.txt" --memory-budget 1M \
    --watch-interval 200ms --sinkhole-ipv4 192.0.2.99
p="$r_port"
r_server="$(server_pid r)"
answer() { dig @127.0.0.1 -p "$p" "$@" +tries=1 +time=2 +short 2>/dev/null | head -1; }
expect "$work/r.log" 'catalogue: .*2000 rules' "a policy under the budget serves"
check "a small-list name is sinkholed" test "$(answer n77.small.example A)" = 192.0.2.99

# ---- a list over the budget at a reload: refused as soon as it alone is over; the old policy serves
cp "$work/large.txt" "$work/list.txt.new" && mv "$work/list.txt.new" "$work/list.txt"
kill -HUP "$r_server"
wait_for "$work/r.log" 'reload .* failed' 20 || true
expect "$work/r.log" 'reload .* failed, still serving generation 1: .*list\.txt:[0-9]+: stopped: the list alone would take more than the memory budget of 1048576 octets' \
    "a list over the budget is refused at a reload, with the budget"
check "and the old policy keeps serving: n77.small.example sinkholed" test "$(answer n77.small.example A)" = 192.0.2.99
check "the refused list serves nothing: n77.large.example passes" test "$(answer n77.large.example A)" != 192.0.2.99

# ---- several lists, each under the budget, over it together: the total decides
head -n 15000 "$work/large.txt" >"$work/part1.txt"
tail -n 15000 "$work/large.txt" >"$work/part2.txt"
if timeout 20 "$resolver" --listen 127.0.0.1:0 --upstream "127.0.0.1:$up_port" --memory-budget 1M \
    --list "plain:$work/part1.txt" --list "plain:$work/part2.txt" >"$work/parts.log" 2>&1; then
    fail "the resolver started with two lists over the budget together"
else
    expect "$work/parts.log" 'part2\.txt:0: the policy would take [0-9]+ octets with this list.s 15000 rules, over the memory budget of 1048576' \
        "two lists over the budget together are refused at start, naming the one that tipped it"
fi

# ---- a compiled image over the budget is refused at start; under it, it serves
"$compile" -o "$work/large.img" "plain:$work/large.txt" 2>/dev/null
if timeout 20 "$resolver" --listen 127.0.0.1:0 --upstream "127.0.0.1:$up_port" --memory-budget 1M \
    --image "$work/large.img" >"$work/image.log" 2>&1; then
    fail "the resolver started on an image over the budget"
else
    expect "$work/image.log" 'large\.img: the policy would take [0-9]+ octets, over the memory budget of 1048576 \(--memory-budget\)' \
        "an image over the budget is refused at start"
fi
start_resolver big --upstream "127.0.0.1:$up_port" --image "$work/large.img" --memory-budget 64M \
    --sinkhole-ipv4 192.0.2.99
p="$big_port"
check "under a larger budget the image serves" test "$(answer n199999.large.example A)" = 192.0.2.99
if timeout 20 "$resolver" --listen 127.0.0.1:0 --memory-budget 0 >"$work/zero.log" 2>&1; then
    fail "--memory-budget 0 was accepted"; else expect "$work/zero.log" '--memory-budget: a size such as 32M' "--memory-budget 0 is a usage error"; fi

finish
