#!/usr/bin/env bash
# Run every test Sandpit has: Rust unit and integration tests (real sandboxes, real
# server and runner on loopback), the kid runtime's tests, the editor's unit tests and
# its browser tests (Debian's Chromium against a real server + runner), and the
# deployment checks. CI runs this through .ci/run with CI=true, where nothing skips.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

echo "== cargo fmt / clippy =="
cargo fmt --all -- --check
cargo clippy --workspace --all-targets -- -D warnings

echo "== Rust tests (sandbox, runner, server, end to end) =="
# Everything, the zygote library (a cdylib) included: the runner forks jobs with it.
cargo build --workspace
SANDPIT_RUNTIME_DIR="$root/runtime/python" cargo test --workspace

echo "== policy files =="
target/debug/sandpit-runner policy check policies

echo "== kid runtime (on the host, and inside the real sandbox) =="
bash runtime/tests/run_all.sh

echo "== editor: unit tests and build =="
(cd front && npm test --silent && npm run build --silent)

echo "== editor: browser tests against a real server + runner =="
stack=$(mktemp -d)
cleanup() { kill "${server_pid:-}" "${runner_pid:-}" 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$stack"; }
trap cleanup EXIT
export RUNNER_ACCESS_TOKEN="test-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
PORT=0 SANDPIT_BIND=127.0.0.1 SANDPIT_DATA_DIR="$stack/data" MEMORY_STORE_DIR="$stack/memory" \
  SANDPIT_POLICIES_DIR="$root/policies" SANDPIT_FRONT_DIR="$root/front/dist" \
  target/debug/sandpit-server >"$stack/server.log" 2>&1 &
server_pid=$!
url=""
for _ in $(seq 1 200); do
  url=$(grep -o 'listening on http://[0-9.:]*' "$stack/server.log" | head -n1 | sed 's/listening on //') || true
  [ -n "$url" ] && break
  sleep 0.05
done
[ -n "$url" ] || { cat "$stack/server.log"; echo "server did not start"; exit 1; }
RUNNER_SERVER_URL="$url" SANDPIT_RUNTIME_DIR="$root/runtime/python" \
  target/debug/sandpit-runner work --policies "$root/policies" >"$stack/runner.log" 2>&1 &
runner_pid=$!
(cd front && SANDPIT_URL="$url" npm run test:e2e --silent) || { tail -n 50 "$stack/server.log" "$stack/runner.log"; exit 1; }
cleanup
trap - EXIT

if [ -x deploy/check.sh ]; then
  echo "== deployment checks =="
  # Reuse the debug build made above instead of a second, release, build.
  SANDPIT_CARGO_PROFILE=dev deploy/check.sh
fi
echo "== all tests passed =="
