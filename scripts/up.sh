#!/usr/bin/env bash
# Start the whole appliance on this machine: sandpit-server (API + editor) on
# http://localhost:${PORT:-8000} and one sandpit-runner, until Ctrl-C.
# Run as root here (the runner maps each job to its own unprivileged host uids); on a
# systemd host use deploy/systemd/ instead.
set -euo pipefail
cd "$(dirname "$0")/.."

cargo build --release -q -p sandpit-server -p sandpit-runner -p sandpit-zygote
if [ -f front/package.json ]; then
  if [ ! -f front/dist/index.html ] || [ -n "$(find front/src front/index.html -newer front/dist/index.html 2>/dev/null | head -n1)" ]; then
    echo "up: building the editor"
    (cd front && npm run build --silent)
  fi
fi

export PORT=${PORT:-8000}
export SANDPIT_DATA_DIR=${SANDPIT_DATA_DIR:-server_data}
export MEMORY_STORE_DIR=${MEMORY_STORE_DIR:-server_data/memory}
export SANDPIT_POLICIES_DIR=${SANDPIT_POLICIES_DIR:-$PWD/policies}
export SANDPIT_FRONT_DIR=${SANDPIT_FRONT_DIR:-$PWD/front/dist}
# A fresh shared token for this local pair unless one is given.
export RUNNER_ACCESS_TOKEN=${RUNNER_ACCESS_TOKEN:-$(head -c 24 /dev/urandom | base64 | tr -d '/+=')}
export RUNNER_SERVER_URL=${RUNNER_SERVER_URL:-http://127.0.0.1:$PORT}

target/release/sandpit-server &
server=$!
runner=""
trap 'kill $server ${runner:-} 2>/dev/null; wait 2>/dev/null' EXIT INT TERM
for _ in $(seq 1 100); do
  curl -fsS "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break
  sleep 0.1
done
target/release/sandpit-runner work --policies "$SANDPIT_POLICIES_DIR" &
runner=$!
echo "up: Sandpit is running on http://localhost:$PORT/ (Ctrl-C to stop)"
wait -n $server $runner
