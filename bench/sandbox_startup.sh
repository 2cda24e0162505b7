#!/usr/bin/env bash
# Sandbox start-up cost on this machine, from one run (a benchmark, not a test).
#
# 1. Warm path (what the worker does): a job handed to a pre-built, parked sandbox,
#    timed until its outcome, alternating with a bare spawn of the same interpreter on
#    the same program file (site enabled on both sides, as jobs run). Once without the
#    kid runtime (Python starts when the job arrives) and once with it (Python starts
#    while the sandbox is parked and waits for the job in sitecustomize).
# 2. Cold path (what `sandpit-runner exec` does: a new process that builds a sandbox
#    from scratch), next to bare python3 and bubblewrap with a comparable locked-down
#    set-up, with hyperfine.
# Every figure is printed next to a baseline measured in the same run. Needs root.
set -euo pipefail
cd "$(dirname "$0")/.."
RUNS=${RUNS:-100}
PY=/usr/bin/python3

need() { command -v "$1" >/dev/null 2>&1 || { apt-get update -qq && apt-get install -y -qq "$2" >/dev/null; }; }
need hyperfine hyperfine
need bwrap bubblewrap

cargo build --release -q -p sandpit-runner
cargo build --release -q -p sandpit-sandbox --example warm_latency
RUNNER=target/release/sandpit-runner
WARM=target/release/examples/warm_latency

echo "== Warm sandbox vs bare $PY, $RUNS runs each, interleaved =="
echo "-- without the kid runtime: the interpreter starts when the job arrives"
"$WARM" policies python-basic "$RUNS" -- pass
"$WARM" policies python-basic "$RUNS" -- "print('hi')"
echo "-- with the kid runtime (what the worker runs): the interpreter is already up"
SANDPIT_RUNTIME_DIR="$PWD/runtime/python" "$WARM" policies python-basic "$RUNS" -- pass
SANDPIT_RUNTIME_DIR="$PWD/runtime/python" "$WARM" policies python-basic "$RUNS" -- "print('hi')"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
echo "pass" > "$work/pass.py"
echo "print('hi')" > "$work/hi.py"
# bubblewrap, locked down about as far as it goes: every namespace, read-only /usr,
# private /tmp, no capabilities, new session, dies with its parent.
BWRAP="bwrap --unshare-all --die-with-parent --new-session --cap-drop ALL --ro-bind /usr /usr \
  --symlink usr/lib /lib --symlink usr/lib64 /lib64 --symlink usr/bin /bin --proc /proc --dev /dev \
  --tmpfs /tmp --ro-bind $work /work --chdir /work"

echo
echo "== Cold start: one process per run (hyperfine -N, $RUNS runs) =="
for prog in pass hi; do
  hyperfine -N -w 10 -r "$RUNS" --export-json "$work/$prog.json" \
    -n "bare python3 -S -c" "$PY -S -c $( [ $prog = pass ] && echo pass || echo "print('hi')" )" \
    -n "bare python3 file" "$PY $work/$prog.py" \
    -n "sandpit-runner exec" "$RUNNER exec --json --policies policies $work/$prog.py" \
    -n "bwrap" "$BWRAP $PY /work/$prog.py" >/dev/null 2>&1
  python3 - "$work/$prog.json" "$prog" <<'PYEOF'
import json, sys
runs = json.load(open(sys.argv[1]))["results"]
def q(v, p):
    v = sorted(v); return v[round((len(v) - 1) * p)]
base = runs[0]["times"]
print(f"program {sys.argv[2]}.py")
print(f"  {'variant':24} {'mean':>8} {'p50':>8} {'p99':>8}   ratio vs bare -S (mean/p50/p99)")
for r in runs:
    t = r["times"]
    m, p50, p99 = sum(t) / len(t) * 1e3, q(t, .5) * 1e3, q(t, .99) * 1e3
    bm, b50, b99 = sum(base) / len(base) * 1e3, q(base, .5) * 1e3, q(base, .99) * 1e3
    print(f"  {r['command']:24} {m:7.2f}ms {p50:7.2f}ms {p99:7.2f}ms   {m/bm:4.2f}x {p50/b50:4.2f}x {p99/b99:4.2f}x")
PYEOF
done
