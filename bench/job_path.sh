#!/usr/bin/env bash
# The job path from one run on this machine (a benchmark, not a test): the real
# sandpit-server and sandpit-runner (release builds) on loopback, driven by
# runner/examples/job_bench.rs the way the editor drives them (POST /api/run, then the
# WebSocket stream to `exit`). Every figure is printed next to a baseline measured in
# the same run, with its ratio and the issue's target.
#
#   1. POST -> WebSocket `exit` latency of print('hi'), p50/p99 over JOBS sequential
#      jobs, interleaved with bare `python3 -c "print('hi')"` spawns.
#   2. Hello-world jobs/s through server + one runner at RUNNER_MAX_CONCURRENCY=2 from
#      2 concurrent clients, next to `xargs -P2` of bare python over the same count.
#   3. Server RSS with 5,000 idle WebSocket watchers (of queued jobs, no runner).
#   4. A 200 MiB stdout flood through the whole path: peak RSS (VmHWM) of server,
#      runner and the runner's sandbox helper. The shipped python-basic stops output
#      at 1 MiB and a policy may allow at most 64 MiB (the validator's maximum), so
#      this runs with the shipped policy and with bench-only copies whose output_kib
#      is raised (FLOOD_LIMITS_KIB; written to a temp dir, nothing in policies/ changes).
#
# Rate limits are turned off on the bench servers (one client IP sends everything).
# Needs root (the sandbox). Fresh server/runner processes per part, so each peak
# belongs to that part alone. Environment: PARTS ("1 2 3 4": which parts to run), JOBS
# (100), TPUT_JOBS (200), SUBSCRIBERS (5000), FLOOD_MIB (200), FLOOD_LIMITS_KIB
# ("16384 65536"), CARGO_TARGET_DIR (target).
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"
JOBS=${JOBS:-100}
TPUT_JOBS=${TPUT_JOBS:-200}
SUBSCRIBERS=${SUBSCRIBERS:-5000}
FLOOD_MIB=${FLOOD_MIB:-200}
FLOOD_LIMITS_KIB=${FLOOD_LIMITS_KIB:-16384 65536}
PARTS=" ${PARTS:-1 2 3 4} "
part() { [[ "$PARTS" == *" $1 "* ]]; }
PY=/usr/bin/python3
TARGET=${CARGO_TARGET_DIR:-target}
export CARGO_TARGET_DIR="$TARGET"

[ "$(id -u)" = 0 ] || { echo "bench: needs root (the sandbox)" >&2; exit 1; }
# 5,000 sockets on each side plus the server's own files: raise the soft limit as far
# as the hard one allows (root may raise the hard one too, where permitted).
ulimit -Hn 65536 2>/dev/null || true
ulimit -Sn "$(ulimit -Hn)"
if [ "$(ulimit -Sn)" -lt $((SUBSCRIBERS + 1024)) ]; then
    echo "bench: open files limited to $(ulimit -Sn); need $((SUBSCRIBERS + 1024))" >&2; exit 1
fi

echo "building release binaries..."
cargo build --release -q -p sandpit-server -p sandpit-runner -p sandpit-zygote
cargo build --release -q -p sandpit-runner --example job_bench
SERVER="$TARGET/release/sandpit-server"
RUNNER="$TARGET/release/sandpit-runner"
BENCH="$TARGET/release/examples/job_bench"

work="$(mktemp -d)"
server_pid="" runner_pid="" addr=""
stop_all() {
    # Only the processes this script started, by pid.
    if [ -n "$runner_pid" ]; then kill -TERM "$runner_pid" 2>/dev/null || true; wait "$runner_pid" 2>/dev/null || true; fi
    if [ -n "$server_pid" ]; then kill -TERM "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
    runner_pid="" server_pid=""
}
trap 'stop_all; rm -rf "$work"' EXIT

# start_server NAME POLICIES_DIR [VAR=value ...]: a fresh server on a free port.
start_server() {
    local name="$1" policies="$2"; shift 2
    mkdir -p "$work/$name"
    : >"$work/$name/server.out"
    env -i PATH="$PATH" PORT=0 SANDPIT_BIND=127.0.0.1 RUNNER_ACCESS_TOKEN=bench-token \
        SANDPIT_DATA_DIR="$work/$name/data" MEMORY_STORE_DIR="$work/$name/memory" \
        SANDPIT_FRONT_DIR="$work/no-front" SANDPIT_POLICIES_DIR="$policies" \
        SANDPIT_RATE_LIMIT_PER_MINUTE=0 SANDPIT_MAX_ACTIVE_JOBS_PER_IP=0 SANDPIT_MAX_STREAMS_PER_IP=0 RUST_LOG=warn "$@" \
        "$SERVER" >"$work/$name/server.out" 2>"$work/$name/server.log" &
    server_pid=$!
    for _ in $(seq 100); do
        addr="$(sed -n 's|^sandpit-server listening on http://||p' "$work/$name/server.out")"
        [ -n "$addr" ] && return 0
        sleep 0.05
    done
    echo "bench: the server did not start:" >&2; cat "$work/$name/server.log" >&2; exit 1
}

# start_runner NAME POLICIES_DIR: one runner, concurrency 2, against the server.
start_runner() {
    local name="$1" policies="$2"
    env -i PATH="$PATH" RUNNER_SERVER_URL="http://$addr" RUNNER_ACCESS_TOKEN=bench-token \
        RUNNER_POLL_INTERVAL_MS=1500 RUNNER_MAX_CONCURRENCY=2 \
        SANDPIT_RUNTIME_DIR="$root/runtime/python" SANDPIT_LOG=warn \
        "$RUNNER" work --policies "$policies" 2>"$work/$name/runner.log" &
    runner_pid=$!
    sleep 0.5 # warm sandboxes parked before the first job
}

echo
echo "machine: $(nproc) cores, $(uname -r); python $($PY -c 'import sys; print(sys.version.split()[0])')"

if part 1; then
    echo
    echo "== 1. POST -> WebSocket exit latency, print('hi'), python-basic =="
    start_server latency "$root/policies"
    start_runner latency "$root/policies"
    "$BENCH" latency --server "$addr" --jobs "$JOBS" --python "$PY"
    stop_all
fi
if part 2; then
    echo
    echo "== 2. Throughput, RUNNER_MAX_CONCURRENCY=2 =="
    # 2 clients is the target's set-up (each waits for its job's exit before posting the
    # next, so the round trip shows); 4 clients keep jobs queued and show the runner's own
    # capacity. The bare baseline is xargs -P2 both times (2 cores: the machine's best).
    for clients in 2 4; do
        start_server "tput-$clients" "$root/policies"
        start_runner "tput-$clients" "$root/policies"
        "$BENCH" throughput --server "$addr" --jobs "$TPUT_JOBS" --clients "$clients" --bare-parallel 2 \
            --python "$PY" \
            --server-pid "$server_pid" --runner-pid "$runner_pid"
        stop_all
    done
fi
if part 3; then
    echo
    echo "== 3. Idle WebSocket watchers (ulimit -n $(ulimit -n)) =="
    start_server idle "$root/policies"
    "$BENCH" idle --server "$addr" --server-pid "$server_pid" --subscribers "$SUBSCRIBERS"
    stop_all
fi
if part 4; then
    echo
    echo "== 4. ${FLOOD_MIB} MiB stdout flood through server + runner =="
    # The shipped python-basic (output_kib = 1024), then bench-only copies with larger
    # output limits up to 65536 KiB, the most a policy may allow. Server defaults except
    # the job log limit, raised above the policy's so the policy is what stops the flood.
    flood_policies="$work/flood-policies"
    mkdir -p "$flood_policies"
    cp "$root/policies/python-basic.toml" "$flood_policies/"
    read -r -a flood_limits <<<"$FLOOD_LIMITS_KIB"
    profiles=(python-basic)
    for kib in "${flood_limits[@]}"; do
        profiles+=("bench-flood-$kib")
        sed -e "s/^name = \"python-basic\"/name = \"bench-flood-$kib\"/" \
            -e "s/^output_kib = .*/output_kib = $kib/" \
            -e 's/^wall_seconds = .*/wall_seconds = 120/' \
            "$root/policies/python-basic.toml" >"$flood_policies/bench-flood-$kib.toml"
    done
    "$RUNNER" policy check "$flood_policies" >/dev/null
    for profile in "${profiles[@]}"; do
        start_server "flood-$profile" "$flood_policies" SANDPIT_MAX_JOB_LOG_BYTES=268435456
        start_runner "flood-$profile" "$flood_policies"
        "$BENCH" flood --server "$addr" --server-pid "$server_pid" --runner-pid "$runner_pid" \
            --profile "$profile" --mib "$FLOOD_MIB"
        stop_all
    done
    echo "  (bench-flood-N = python-basic with output_kib = N, written to a temp dir for this run)"
fi
