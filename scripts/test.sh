#!/usr/bin/env bash
# Run every test Sandpit has: Rust unit and integration tests (real sandboxes, real
# server on loopback), the kid runtime's tests, and the editor's unit and browser
# tests. CI runs this through .ci/run with CI=true, where nothing may skip.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== cargo fmt / clippy =="
cargo fmt --all -- --check
cargo clippy --workspace --all-targets -- -D warnings

echo "== Rust tests =="
cargo test --workspace

echo "== policy files =="
cargo run -q -p sandpit-runner -- policy check policies

if [ -d runtime/tests ]; then
  echo "== kid runtime tests =="
  python3 -m unittest discover -s runtime/tests -t . -v 2>&1 | tail -n 5
fi
