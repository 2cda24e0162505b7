#!/usr/bin/env bash
# Every pass of the kid runtime's tests, then one line `N passed, N failed` for all of them:
#   1. on the host, test harness on python3;
#   2. on the host, test harness on the python-data venv's python (runtime/provision.sh);
#   3. in the real sandbox: each program through `sandpit-runner exec --json`
#      (SANDPIT_SANDBOX_RUNNER, default target/debug/sandpit-runner; needs root and a
#      built runner). Calls that exec can't express still run on the host; the pass
#      prints how many ran where.
# With CI=true a pass that can't run (no venv, not root, no runner) is a failure, not a skip,
# and so is any skipped test.
set -uo pipefail
cd "$(dirname "$0")/../.." || exit 1
root=$PWD
ci=false
[ "${CI:-}" = "true" ] && ci=true
venv_python=${SANDPIT_DATA_PYTHON:-/opt/sandpit/venv/bin/python}
runner=${SANDPIT_SANDBOX_RUNNER:-target/debug/sandpit-runner}
case $runner in /*) ;; *) runner=$root/$runner ;; esac

total_passed=0
total_failed=0

# A pass that could not run at all: one failure in CI, a loud note elsewhere.
not_run() {
  echo "!! $1: NOT RUN ($2)"
  if $ci; then
    total_failed=$((total_failed + 1))
  fi
}

# run_pass LABEL PYTHON [ENV=VALUE...] -- [run_pass.py args]
run_pass() {
  local label=$1 python=$2
  shift 2
  local env_args=()
  while [ "$1" != "--" ]; do env_args+=("$1"); shift; done
  shift
  echo "== runtime tests: $label =="
  local log started
  log=$(mktemp)
  started=$SECONDS
  env -u SANDPIT_SANDBOX_RUNNER "${env_args[@]}" "$python" runtime/tests/run_pass.py "$@" 2>&1 | tee "$log"
  local line passed failed skipped
  line=$(grep -E '^pass result: passed=[0-9]+ failed=[0-9]+ skipped=[0-9]+$' "$log" | tail -n 1)
  rm -f "$log"
  if [ -z "$line" ]; then
    echo "!! $label: the pass ended without a result line"
    total_failed=$((total_failed + 1))
    return
  fi
  passed=$(sed -E 's/.*passed=([0-9]+).*/\1/' <<<"$line")
  failed=$(sed -E 's/.*failed=([0-9]+).*/\1/' <<<"$line")
  skipped=$(sed -E 's/.*skipped=([0-9]+).*/\1/' <<<"$line")
  if $ci && [ "$skipped" -gt 0 ]; then
    echo "!! $label: $skipped skipped tests count as failures with CI=true"
    failed=$((failed + skipped))
  fi
  echo "== $label: $passed passed, $failed failed, $skipped skipped, $((SECONDS - started)) s =="
  total_passed=$((total_passed + passed))
  total_failed=$((total_failed + failed))
}

run_pass "host, python3" python3 --

if [ -x "$venv_python" ]; then
  run_pass "host, $venv_python" "$venv_python" --
else
  not_run "host pass with the venv python" "$venv_python missing: run runtime/provision.sh"
fi

if [ "$(id -u)" -ne 0 ]; then
  not_run "sandboxed pass" "the sandbox needs root"
elif [ ! -x "$runner" ]; then
  not_run "sandboxed pass" "no runner at $runner: cargo build -p sandpit-runner"
else
  run_pass "in the sandbox ($runner)" python3 SANDPIT_SANDBOX_RUNNER="$runner" -- --sandboxed
fi

echo "$total_passed passed, $total_failed failed"
[ "$total_failed" -eq 0 ]
