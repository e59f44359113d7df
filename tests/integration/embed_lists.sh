#!/usr/bin/env bash
# dnsfilter-embed's list argument: a list that cannot be loaded stops it with
# the loader's own message (not whatever errno held) and status 1; an unknown
# FORMAT is a usage error (2); a hostile list loads its good lines, each bad
# one reported with its line number, and the program serves.
#
# usage: embed_lists.sh PATH/TO/dnsfilter-embed
embed="${1:?usage: embed_lists.sh PATH/TO/dnsfilter-embed}"
source "$(dirname "$0")/lib.sh"

# status_of OUT COMMAND...: runs COMMAND (10 s at most), stderr into $work/OUT; prints its status.
status_of() { local out="$1"; shift; local rc=0; timeout 10 "$@" >/dev/null 2>"$work/$out" || rc=$?; echo "$rc"; }

rc="$(status_of missing.err "$embed" "$work/no-such-list.txt" 0)"
check "a missing list exits 1 (got $rc)" test "$rc" -eq 1
expect "$work/missing.err" "^$work/no-such-list\.txt:0: cannot read $work/no-such-list\.txt: No such file or directory$" \
    "... naming the file and the reason the loader saw"
reject "$work/missing.err" 'Success' "... not an unrelated errno"

rc="$(status_of dir.err "$embed" "plain:$work" 0)"
check "a directory as list exits 1 (got $rc)" test "$rc" -eq 1
expect "$work/dir.err" "^$work:0: cannot read $work" "... with the loader's message"

rc="$(status_of format.err "$embed" "zone:$work/list.txt" 0)"
check "an unknown FORMAT exits 2 (got $rc)" test "$rc" -eq 2
expect "$work/format.err" "^dnsfilter-embed: unknown list format 'zone' in 'zone:" "... saying which"

# Hostile: NUL and escape bytes, a label over 63 octets, a line over the limit.
{
    printf 'evil.example\n'
    printf 'nul\0byte.example\n'
    printf 'esc\033[31m.example\n'
    printf '%s.example\n' "$(printf 'a%.0s' {1..64})"
    printf '%s\n' "$(printf 'b%.0s' {1..5000})"
    printf 'blocked.example\n'
} >"$work/hostile.txt"
start hostile "$embed" "plain:$work/hostile.txt" 0
wait_for "$work/hostile.log" 'hostile\.txt:5: ' 5 || true
sleep 0.3
check "a hostile list still starts the server" kill -0 "$hostile_pid"
for line in 2 3 4 5; do
    expect "$work/hostile.log" "hostile\.txt:$line: " "line $line is reported with its number"
done
reject "$work/hostile.log" $'\033' "no raw escape byte reaches the terminal"

finish
