# bench/lib.sh — what the comparison scripts share (sourced, not run): the
# checks for tools and the resolver, a scratch directory and the processes to
# stop at exit, free ports, the backend, and a process's CPU time.

# need_tools TOOL...: each on the PATH, or exit with what installs it.
need_tools() {
    local tool
    for tool in "$@"; do
        command -v "$tool" >/dev/null || { echo "missing $tool: bash scripts/bootstrap-debian.sh installs it" >&2; exit 1; }
    done
}
# need_resolver PATH: the resolver built, or exit saying how to build it.
need_resolver() {
    [[ -x "$1" ]] || { echo "build $1 first (cmake --preset release && cmake --build --preset release --target dnsfilter-resolver)" >&2; exit 1; }
}

work="$(mktemp -d)"
pids=()
cleanup() {
    local pid
    for pid in "${pids[@]}"; do kill -CONT "$pid" 2>/dev/null || true; kill "$pid" 2>/dev/null || true; done
    for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
    rm -rf "$work"
}
trap cleanup EXIT
free_port() { echo $((20000 + RANDOM % 40000)); }

# start_backend: an Unbound answering every name under bench.example with
# 203.0.113.1, on 127.0.0.1:$up_port; returns once it answers.
start_backend() {
    up_port="$(free_port)"
    cat >"$work/unbound.conf" <<EOC
server:
  interface: 127.0.0.1
  port: $up_port
  do-daemonize: no
  use-syslog: no
  username: ""
  chroot: ""
  directory: "$work"
  pidfile: ""
  access-control: 127.0.0.0/8 allow
  num-threads: 1
  local-zone: "bench.example." redirect
  local-data: "bench.example. 3600 IN A 203.0.113.1"
EOC
    unbound -c "$work/unbound.conf" >"$work/unbound.log" 2>&1 &
    pids+=($!)
    wait_answer "$up_port"
}

# wait_answer PORT: until a server on 127.0.0.1:PORT answers (10 s at most).
wait_answer() {
    for _ in $(seq 1 100); do dig @127.0.0.1 -p "$1" +time=1 +tries=1 ready.bench.example >/dev/null 2>&1 && return 0; sleep 0.1; done
    echo "no answer on port $1 (logs in $work)" >&2
    return 1
}

# cpu_ns PID: nanoseconds on a CPU, summed over the process's threads.
cpu_ns() { cat /proc/"$1"/task/*/schedstat | awk '{ s += $1 } END { printf "%.0f", s }'; }
