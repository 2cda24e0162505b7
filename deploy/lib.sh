# shellcheck shell=bash
# Shared by the deploy/ build and install scripts (sourced, never run).
# The same scripts run inside the Dockerfiles and in deploy/check.sh, so a broken
# step fails CI without a Docker engine.
set -euo pipefail
repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
say() { printf '%s: %s\n' "$(basename "$0" .sh)" "$*"; }
# DESTDIR: the root the files are installed under ("/" for a real install).
destdir_arg() {
    [ $# -eq 1 ] || { echo "usage: $0 DESTDIR" >&2; exit 2; }
    mkdir -p "$1"
    (cd "$1" && pwd)
}
# cargo build of one binary; SANDPIT_CARGO_PROFILE=release (default) or dev.
cargo_build() {
    local pkg="$1" profile="${SANDPIT_CARGO_PROFILE:-release}"
    (cd "$repo" && cargo build --locked --profile "$profile" -p "$pkg" >&2)
    local dir="$profile"
    [ "$profile" = dev ] && dir=debug
    echo "${CARGO_TARGET_DIR:-$repo/target}/$dir/$pkg"
}
# The same for a C library package (sandpit-zygote → libsandpit_zygote.so).
cargo_build_lib() {
    local bin
    bin="$(cargo_build "$1")"
    echo "$(dirname "$bin")/lib${1//-/_}.so"
}
