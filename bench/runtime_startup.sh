#!/usr/bin/env bash
# What the kid runtime costs at start-up, as ratios to a baseline measured in
# the same run (absolute times on this shared 2-core VM drift ±15%).
#
#   bench/runtime_startup.sh            # bare half (no sandbox), always
#   RUNNER=target/release/sandpit-runner bench/runtime_startup.sh
#                                       # + the sandboxed half (needs root)
#
# Bare half (hyperfine -N, every command through `env -i` like a clean job):
#   baseline        /usr/bin/python3 -B print('hi'), no runtime
#   +runtime        the same with PYTHONPATH=runtime/python (sitecustomize)
#   turtle          import turtle; Turtle(); forward(100) with the runtime
#   mpl (venv)      import matplotlib.pyplot; plot; show with sandpit_mpl,
#                   a fresh MPLCONFIGDIR per run (as in a job), prebuilt cache
#   mpl plain venv  import matplotlib.pyplot without the runtime (Agg)
#
# Sandboxed half (only when RUNNER is an executable sandpit-runner): the same
# programs through `sandpit-runner exec --profile python-basic|python-data`
# with POLICIES (default: the repo's policies/) and SANDPIT_RUNTIME_DIR set to
# this checkout's runtime/python. "Without the runtime" uses a copy of the
# policies with `[runtime] enabled = false` (or BARE_POLICIES if given).
# Needs hyperfine (apt-get install hyperfine) and runtime/provision.sh done.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
runtime="$root/runtime/python"
python=/usr/bin/python3
venv_python=/opt/sandpit/venv/bin/python
mpl_cache=/opt/sandpit/venv/share/sandpit/mpl
runs="${BENCH_RUNS:-30}"
runner="${RUNNER:-}"
policies="${POLICIES:-$root/policies}"
bare_policies="${BARE_POLICIES:-}"

command -v hyperfine >/dev/null || { echo "bench: needs hyperfine (apt-get install hyperfine)" >&2; exit 1; }

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
cat > "$work/prog_hi.py" <<'EOF'
print('hi')
EOF
cat > "$work/prog_turtle.py" <<'EOF'
import turtle
t = turtle.Turtle()
t.forward(100)
EOF
cat > "$work/prog_mpl.py" <<'EOF'
import matplotlib.pyplot as plt
plt.plot([1, 2, 3])
plt.show()
EOF

# A clean environment like the runner's. Events go to fd 1, which hyperfine
# discards, so writing them is part of the cost.
clean=(env -i PATH=/usr/bin:/bin HOME="$work" LANG=C.UTF-8 PYTHONUNBUFFERED=1 PYTHONIOENCODING=utf-8)
with_runtime=("${clean[@]}" PYTHONPATH="$runtime" SANDPIT_EVENT_FD=1 SANDPIT_LANG=en)

report() {  # report JSON BASELINE_NAME: a table of means and ratios to the baseline
    "$python" - "$1" "$2" <<'EOF'
import json, sys
results = json.load(open(sys.argv[1]))["results"]
base = next(r for r in results if r["command"] == sys.argv[2])["mean"]
print("%-34s %10s %10s %8s" % ("command", "mean ms", "stddev", "ratio"))
for r in results:
    print("%-34s %10.1f %10.1f %8.2f" % (r["command"], r["mean"] * 1000, r["stddev"] * 1000, r["mean"] / base))
EOF
}

echo "== bare (no sandbox): $python, $runs runs each"
args=(-N --warmup 5 --runs "$runs" --export-json "$work/bare.json")
args+=(-n "baseline: print('hi')" "${clean[*]} $python -B $work/prog_hi.py")
args+=(-n "+runtime: print('hi')" "${with_runtime[*]} $python -B $work/prog_hi.py")
args+=(-n "+runtime: turtle forward" "${with_runtime[*]} $python -B $work/prog_turtle.py")
if [ -x "$venv_python" ]; then
    args+=(-n "plain venv: print('hi')" "${clean[*]} $venv_python -B $work/prog_hi.py")
    cp -r "$mpl_cache" "$work/plain-mplconfig"  # the same prebuilt cache, writable
    args+=(-n "plain venv: matplotlib.pyplot" "${clean[*]} MPLCONFIGDIR=$work/plain-mplconfig MPLBACKEND=agg $venv_python -B $work/prog_mpl.py")
    args+=(--prepare "rm -rf $work/mplconfig")
    args+=(-n "+runtime venv: matplotlib.pyplot" "${with_runtime[*]} MPLBACKEND=module://sandpit_mpl MPLCONFIGDIR=$work/mplconfig $venv_python -B $work/prog_mpl.py")
else
    echo "(no $venv_python: run runtime/provision.sh for the matplotlib rows)"
fi
hyperfine "${args[@]}" >/dev/null
report "$work/bare.json" "baseline: print('hi')"

if [ -z "$runner" ]; then
    echo
    echo "== sandboxed: skipped (set RUNNER=path/to/sandpit-runner to measure it)"
    exit 0
fi
[ -x "$runner" ] || { echo "bench: RUNNER=$runner is not executable" >&2; exit 1; }

if [ -z "$bare_policies" ]; then
    bare_policies="$work/policies-no-runtime"
    cp -r "$policies" "$bare_policies"
    "$python" - "$bare_policies" <<'EOF'
import os, re, sys
for name in os.listdir(sys.argv[1]):
    path = os.path.join(sys.argv[1], name)
    text = open(path).read()
    # only the `enabled` key of the [runtime] table
    text = re.sub(r"(\[runtime\][^\[]*?)enabled = true", r"\1enabled = false", text, flags=re.S)
    open(path, "w").write(text)
EOF
fi

echo
echo "== sandboxed: $runner exec, $runs runs each"
in_env=(env SANDPIT_RUNTIME_DIR="$runtime")
exec_basic=("${in_env[@]}" "$runner" exec --profile python-basic --policies "$policies")
exec_data=("${in_env[@]}" "$runner" exec --profile python-data --policies "$policies")
args=(-N --warmup 3 --runs "$runs" --export-json "$work/sandbox.json")
args+=(-n "sandbox baseline: bare python" "$python -B $work/prog_hi.py")
args+=(-n "sandbox: print('hi') no runtime" "${in_env[*]} $runner exec --profile python-basic --policies $bare_policies $work/prog_hi.py")
args+=(-n "sandbox: print('hi')" "${exec_basic[*]} $work/prog_hi.py")
args+=(-n "sandbox: turtle forward" "${exec_basic[*]} $work/prog_turtle.py")
args+=(-n "sandbox: matplotlib.pyplot" "${exec_data[*]} $work/prog_mpl.py")
hyperfine "${args[@]}" >/dev/null
report "$work/sandbox.json" "sandbox baseline: bare python"
