# Shared by the scripts of tests/integration/ (sourced, not run): a scratch
# directory, servers started with a time limit and killed on exit, ports the
# servers choose themselves (port 0, read back from their output), and
# expect/reject checks that print "ok" or "FAIL" per line.
#
# usage in a script:
#   source "$(dirname "$0")/lib.sh"
#   need dig kdig drill unbound
#   start_stub stub            # sets stub_port
#   start_resolver r --upstream "127.0.0.1:$stub_port"   # sets r_port, r_metrics
#   expect "$work/x.out" 'pattern' "description"
#   finish                     # prints the summary, exits 1 on failure

set -euo pipefail

work="$(mktemp -d)"
pids=()
resolvers=()  # names given to start_resolver, stopped with SIGTERM by finish
failures=0
cleanup() {
    local pid
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT

need() {
    local tool
    for tool in "$@"; do
        command -v "$tool" >/dev/null || { echo "missing $tool (scripts/bootstrap-debian.sh installs it)"; exit 1; }
    done
}

# wait_for FILE PATTERN [SECONDS]: true once the pattern appears in the file.
wait_for() {
    local file="$1" pattern="$2" limit="${3:-10}" i
    for ((i = 0; i < limit * 20; i++)); do
        grep -qE -- "$pattern" "$file" 2>/dev/null && return 0
        sleep 0.05
    done
    return 1
}

# start NAME COMMAND...: runs a server for at most 300 s, output in $work/NAME.log.
start() {
    local name="$1"; shift
    timeout 300 "$@" >"$work/$name.log" 2>&1 &
    pids+=($!)
    eval "${name}_pid=$!"
}

# server_pid NAME: the server's own process id (NAME_pid is timeout(1)'s,
# which does not pass every signal on: send SIGHUP to this one).
server_pid() {
    local parent i child
    eval "parent=\${$1_pid}"
    for ((i = 0; i < 40; i++)); do
        child="$(pgrep -P "$parent" | head -1 || true)"
        [[ -n "$child" ]] && { echo "$child"; return 0; }
        sleep 0.05
    done
    echo "$parent"
}

# start_stub NAME [ARGS...]: the fault-injecting upstream; sets NAME_port.
start_stub() {
    local name="$1"; shift
    start "$name" "$stub" --log "$work/$name.queries" "$@"
    wait_for "$work/$name.log" '^port [0-9]+' 5 || { echo "FAIL - $name did not start:"; cat "$work/$name.log"; exit 1; }
    eval "${name}_port=$(sed -n 's/^port \([0-9]*\).*/\1/p' "$work/$name.log" | head -1)"
}

# start_embed LIST UPSTREAM_PORT: dnsfilter-embed ($embed) serving LIST on a
# free port, forwarding to 127.0.0.1:UPSTREAM_PORT; sets embed_port. It binds
# the port it is given (it is a short example, not a server framework): a few
# random ones are tried.
start_embed() {
    local candidate
    for _ in 1 2 3 4 5; do
        candidate=$((20000 + RANDOM % 40000))
        start embed "$embed" "$1" "$candidate" 127.0.0.1 "$2"
        sleep 0.5
        if kill -0 "${pids[-1]}" 2>/dev/null; then embed_port="$candidate"; return 0; fi
    done
    echo "FAIL - dnsfilter-embed did not start:"; cat "$work/embed.log"; exit 1
}

# start_unbound NAME CONFIG_LINES: Debian's Unbound on a free port, with the
# given local-zone/local-data lines; sets NAME_port.
start_unbound() {
    local name="$1" extra="$2" port attempt
    for attempt in 1 2 3 4 5 6 7 8; do
        port=$((20000 + RANDOM % 40000))
        cat >"$work/$name.conf" <<EOF
server:
  interface: 127.0.0.1
  port: ${port}
  do-daemonize: no
  username: ""
  chroot: ""
  directory: "${work}"
  pidfile: ""
  use-syslog: no
  logfile: ""
  do-ip6: no
  access-control: 127.0.0.0/8 allow
  module-config: "iterator"
${extra}
EOF
        start "$name" unbound -c "$work/$name.conf"
        sleep 0.5
        if kill -0 "${pids[-1]}" 2>/dev/null && dig @127.0.0.1 -p "$port" +tries=1 +time=1 . SOA >/dev/null 2>&1; then
            eval "${name}_port=$port"
            return 0
        fi
        kill "${pids[-1]}" 2>/dev/null || true
    done
    echo "FAIL - unbound did not start:"; cat "$work/$name.log"; exit 1
}

# knot_conf DIR PORT [NOTIFY_PORT [STORAGE]]: DIR/knot.conf for Knot DNS on
# 127.0.0.1@PORT serving DIR/rpz.example.zone to loopback, with a journal of
# changes (IXFR) in STORAGE (default DIR); with NOTIFY_PORT, it sends NOTIFY to
# 127.0.0.1@NOTIFY_PORT.
knot_conf() {
    local dir="$1" port="$2" notify="${3:-}" storage="${4:-$1}" remote=""
    [[ -z "$notify" ]] || remote=$'remote:\n  - id: resolver\n    address: 127.0.0.1@'"$notify"$'\n'
    cat >"$dir/knot.conf" <<CONF
server:
    rundir: "$dir"
    listen: 127.0.0.1@$port
database:
    storage: "$storage"
log:
  - target: stdout
    any: info
${remote}acl:
  - id: loopback
    address: 127.0.0.0/8
    action: transfer
template:
  - id: default
    storage: "$storage"
    journal-content: changes
    zonefile-sync: -1
zone:
  - domain: rpz.example
    file: "$dir/rpz.example.zone"
    acl: loopback
CONF
    [[ -z "$notify" ]] || printf '    notify: resolver\n' >>"$dir/knot.conf"
}

# start_named DIR PORT OPTIONS ZONE...: BIND 9 on 127.0.0.1 port PORT, primary
# for each ZONE (file DIR/ZONE.zone, dynamic updates from 127.0.0.1), the extra
# OPTIONS lines in its options block; waits for its zones (log: $work/bind.log).
start_named() {
    local dir="$1" port="$2" options="$3" z; shift 3
    {
        cat <<CONF
options {
  directory "$dir";
  pid-file "$dir/named.pid";
  listen-on port $port { 127.0.0.1; };
  listen-on-v6 { none; };
  recursion no;
  dnssec-validation no;
  allow-transfer { 127.0.0.1; };
${options}};
CONF
        for z in "$@"; do
            printf 'zone "%s" { type primary; file "%s/%s.zone"; allow-update { 127.0.0.1; }; };\n' "$z" "$dir" "$z"
        done
    } >"$dir/named.conf"
    start bind named -g -u "$(id -un)" -c "$dir/named.conf"
    wait_for "$work/bind.log" 'all zones loaded' 10 || { echo "FAIL - named did not start:"; cat "$work/bind.log"; exit 1; }
}

# start_resolver NAME ARGS...: dnsfilter-resolver on a port of its choosing
# (listener 0), metrics likewise; sets NAME_port, NAME_metrics, and NAME_port1..
# for further listeners given as --listen 127.0.0.1:0,...
start_resolver() {
    local name="$1"; shift
    start "$name" "$resolver" --listen 127.0.0.1:0 --metrics 127.0.0.1:0 --threads 2 "$@"
    resolvers+=("$name")
    wait_for "$work/$name.log" 'metrics on http' 10 || { echo "FAIL - $name did not start:"; cat "$work/$name.log"; exit 1; }
    local i=0 p
    for p in $(sed -n 's/.*listening on 127\.0\.0\.1:\([0-9]*\) .*/\1/p' "$work/$name.log"); do
        if ((i == 0)); then eval "${name}_port=$p"; else eval "${name}_port$i=$p"; fi
        i=$((i + 1))
    done
    eval "${name}_metrics=$(sed -n 's|.*metrics on http://127\.0\.0\.1:\([0-9]*\)/.*|\1|p' "$work/$name.log")"
}

# http_get PORT PATH: the response (headers and body) of a GET, without curl.
http_get() {
    local port="$1" path="$2"
    exec 7<>"/dev/tcp/127.0.0.1/$port"
    printf 'GET %s HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' "$path" >&7
    timeout 5 cat <&7 || true
    exec 7<&-
}

# metric PORT 'name{labels}': the sample's value (0 when absent).
metric() {
    local v
    v="$(http_get "$1" /metrics | awk -v name="$2" '$1 == name { print $2; exit }')"
    echo "${v:-0}"
}

expect() {  # expect FILE PATTERN DESCRIPTION
    if grep -qE -- "$2" "$1"; then
        echo "ok   - $3"
    else
        echo "FAIL - $3: /$2/ not found in:"; sed 's/^/       /' "$1"
        failures=$((failures + 1))
    fi
}
reject() {  # reject FILE PATTERN DESCRIPTION
    if grep -qE -- "$2" "$1"; then
        echo "FAIL - $3: /$2/ found in:"; sed 's/^/       /' "$1"
        failures=$((failures + 1))
    else
        echo "ok   - $3"
    fi
}
check() {  # check DESCRIPTION COMMAND...: the command's success
    local what="$1"; shift
    if "$@"; then
        echo "ok   - $what"
    else
        echo "FAIL - $what"
        failures=$((failures + 1))
    fi
}

# q OUT COMMAND...: a client's output into $work/OUT (a failing client is fine).
q() { local out="$1"; shift; "$@" >"$work/$out" 2>&1 || true; }

finish() {
    # Stop every resolver the way an operator would, so that a sanitizer
    # build reports what it found (leaks at exit included) into the logs.
    local name pid log
    for name in "${resolvers[@]}"; do
        eval "pid=\${${name}_pid}"
        kill -0 "$pid" 2>/dev/null || continue
        kill -TERM "$(server_pid "$name")" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
    for log in "$work"/*.log; do
        if grep -qE 'ERROR: (Address|Leak)Sanitizer|runtime error:' "$log"; then
            echo "FAIL - sanitizer report in $(basename "$log"):"; grep -A30 -E 'Sanitizer|runtime error:' "$log" | head -60
            failures=$((failures + 1))
        fi
    done
    echo "$(basename "$0" .sh): $failures failure(s)"
    if ((failures > 0)); then
        local log
        for log in "$work"/*.log; do echo "---- $log"; tail -n 30 "$log"; done
    fi
    exit $((failures > 0))
}
