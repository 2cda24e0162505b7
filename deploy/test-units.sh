#!/usr/bin/env bash
# Start sandpit-server and sandpit-runner the way their systemd units do and run jobs
# end to end through them.
#
#   deploy/test-units.sh DESTDIR [MODE ...]
#
# DESTDIR is a staged install made by deploy/build-{server,front,runner}.sh and
# deploy/install-runtime.sh (deploy/check.sh makes it). MODE is
#   unprivileged  the runner unit as shipped (User=sandpit, subordinate uids)   [default]
#   root          the runner unit plus deploy/systemd/root-mode.conf
#
# How "the way the units do" is kept honest:
# * Everything runs in a private mount namespace in which DESTDIR is overlaid on /usr
#   and /etc, so the binaries, policies, runtime and env file sit at exactly the paths
#   the units name (nothing is installed on the host; /var/lib and /run/sandpit are
#   private too).
# * `systemd-analyze verify` checks both units against that installed tree.
# * deploy/unitrun.py reads the command lines, environment, identity, directories,
#   capability bounding set, no_new_privs and cgroup delegation out of the unit files
#   (see its header for what it applies and what it does not).
# * One env file, /etc/sandpit/sandpit.env, made from deploy/systemd/sandpit.env.example
#   the way docs/deploy.md says, is read by both units.
# * The test then checks each main process's uid, no_new_privs and capability bounding
#   set against the unit, runs a python-basic and a python-data job through
#   POST /api/run and GET /api/run/:id, and stops both services with SIGTERM as
#   systemd would, expecting a clean exit.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
units="$here/systemd"
say() { printf 'test-units: %s\n' "$*"; }
fail() { printf 'test-units: FAIL: %s\n' "$*" >&2; exit 1; }

[ "$(id -u)" -eq 0 ] || fail "must run as root (it plays PID 1)"
dest="$(cd "${1:?usage: test-units.sh DESTDIR [unprivileged|root ...]}" && pwd)"
# The overlay's directories take their modes from DESTDIR: readable by every user.
chmod 0755 "$dest" "$dest/usr" "$dest/etc"
shift
modes=("${@:-unprivileged}")

# ---------------------------------------------------------------------------------
# Outside the namespace: what an operator does once on the host (docs/deploy.md).
# ---------------------------------------------------------------------------------
if [ -z "${SANDPIT_TEST_UNITS_INSIDE:-}" ]; then
    for f in /usr/bin/newuidmap /usr/bin/newgidmap; do
        [ -u "$f" ] || [ -n "$(getcap "$f" 2>/dev/null)" ] || fail "$f missing or not setuid (apt-get install uidmap)"
    done
    # The runner's user and its subordinate uid/gid range.
    if ! id -u sandpit >/dev/null 2>&1; then
        useradd --system --user-group --home-dir /nonexistent --no-create-home \
            --shell /usr/sbin/nologin sandpit
        say "created system user sandpit"
    fi
    if ! grep -q '^sandpit:' /etc/subuid 2>/dev/null || ! grep -q '^sandpit:' /etc/subgid 2>/dev/null; then
        # First free 65536-aligned range at or above 1,000,000 in both files.
        start="$(cat /etc/subuid /etc/subgid 2>/dev/null | awk -F: '
            BEGIN { s = 1000000 } { e = $2 + $3; if (e > s) s = e }
            END { print int((s + 65535) / 65536) * 65536 }')"
        end=$((start + 65535))
        usermod --add-subuids "$start-$end" --add-subgids "$start-$end" sandpit
        say "gave sandpit the subordinate uids and gids $start-$end"
    fi
    # The env file both units read, made as docs/deploy.md says, with a fresh token and
    # a free port (the env file is how an operator changes the port, too).
    port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')"
    token="$(head -c 32 /dev/urandom | base64 | tr -d '/+=')"
    install -d -m 0755 "$dest/etc/sandpit"
    sed -e "s|^RUNNER_ACCESS_TOKEN=.*|RUNNER_ACCESS_TOKEN=$token|" \
        -e "s|^#PORT=.*|PORT=$port|" \
        -e "s|^#RUNNER_SERVER_URL=.*|RUNNER_SERVER_URL=http://127.0.0.1:$port|" \
        -e "s|^#RUNNER_MAX_CONCURRENCY=.*|RUNNER_MAX_CONCURRENCY=2|" \
        "$units/sandpit.env.example" > "$dest/etc/sandpit/sandpit.env"
    chmod 0600 "$dest/etc/sandpit/sandpit.env"
    SANDPIT_TEST_UNITS_INSIDE=1 SANDPIT_TEST_PORT="$port" SANDPIT_TEST_TOKEN="$token" \
        exec unshare --mount --propagation private -- "$0" "$dest" "${modes[@]}"
fi

# ---------------------------------------------------------------------------------
# Inside a private mount namespace: DESTDIR installed at the real paths.
# ---------------------------------------------------------------------------------
port="$SANDPIT_TEST_PORT"
scratch="$(mktemp -d)"
mount -t tmpfs -o mode=0755 tmpfs "$scratch"
mkdir -p "$scratch"/{varlib-up,varlib-work,logs}
mount -t overlay overlay -o "lowerdir=$dest/usr:/usr" /usr
mount -t overlay overlay -o "lowerdir=$dest/etc:/etc" /etc
mount -t overlay overlay -o "lowerdir=/var/lib,upperdir=$scratch/varlib-up,workdir=$scratch/varlib-work" /var/lib
mkdir -p /run/sandpit && mount -t tmpfs -o mode=0755 tmpfs /run/sandpit
say "DESTDIR $dest overlaid on /usr and /etc; private /var/lib and /run/sandpit"

for u in sandpit-server.service sandpit-runner.service; do
    systemd-analyze verify "$units/$u" || fail "systemd-analyze verify $u"
    say "systemd-analyze verify $u: ok (ExecStart binaries found at the unit's paths)"
done

pids=()
cleanup() {
    for p in "${pids[@]}"; do kill -KILL "$p" 2>/dev/null || true; done
    wait 2>/dev/null || true
    # systemd removes a stopped unit's cgroup; so do we.
    find /sys/fs/cgroup -maxdepth 8 -depth -type d -path '*/sandpit-test.slice*' -exec rmdir {} \; 2>/dev/null || true
}
trap cleanup EXIT

status_field() { awk -v k="$2:" '$1 == k { $1 = ""; sub(/^ /, ""); print; exit }' "/proc/$1/status"; }

# Starts a unit in the background; sets $started_pid.
start_unit() {
    local log="$scratch/logs/$1.log"
    shift
    : >"$log"
    python3 "$here/unitrun.py" "$@" >"$log" 2>&1 &
    started_pid=$!
    pids+=("$started_pid")
}

show_log() { say "---- $1 log ----"; sed 's/^/    /' "$scratch/logs/$1.log" | tail -n 60 >&2; }

# ---- the server ---------------------------------------------------------------------
start_unit server "$units/sandpit-server.service"
server_pid=$started_pid
healthy=no
for _ in $(seq 1 100); do
    if PORT="$port" /usr/lib/sandpit/healthcheck-server 2>/dev/null; then healthy=yes; break; fi
    kill -0 "$server_pid" 2>/dev/null || break
    sleep 0.1
done
[ "$healthy" = yes ] || { show_log server; fail "sandpit-server did not become healthy"; }
server_uid="$(status_field "$server_pid" Uid | awk '{print $1}')"
[ "$server_uid" -ge 61184 ] && [ "$server_uid" -le 65519 ] || fail "server runs as uid $server_uid, not a DynamicUser= uid"
[ "$(status_field "$server_pid" NoNewPrivs)" = 1 ] || fail "server lacks no_new_privs"
[ "$(status_field "$server_pid" CapBnd)" = 0000000000000000 ] || fail "server's capability bounding set is not empty"
say "sandpit-server: healthy via /usr/lib/sandpit/healthcheck-server; uid $server_uid (dynamic), no_new_privs, no capabilities"
state_owner="$(stat -c %u /var/lib/sandpit-server)"
[ "$state_owner" = "$server_uid" ] || fail "/var/lib/sandpit-server is owned by $state_owner, not the service"

run_job() { # PROFILE CODE EXPECTED_STDOUT
    python3 - "$port" "$1" "$2" "$3" <<'EOF'
import json, sys, time, urllib.request
port, profile, code, expected = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
base = f"http://127.0.0.1:{port}"
req = urllib.request.Request(f"{base}/api/run", method="POST",
        data=json.dumps({"code": code, "profile": profile}).encode(),
        headers={"Content-Type": "application/json"})
with urllib.request.urlopen(req, timeout=10) as r:
    assert r.status == 201, r.status
    job = json.load(r)["jobId"]
deadline = time.monotonic() + 90
while True:
    with urllib.request.urlopen(f"{base}/api/run/{job}", timeout=10) as r:
        body = json.load(r)
    if body["status"] not in ("queued", "running"):
        break
    if time.monotonic() > deadline:
        sys.exit(f"job {job} still {body['status']} after 90 s")
    time.sleep(0.2)
res = body.get("result") or {}
if body["status"] != "ok" or res.get("stdout") != expected:
    sys.exit(f"job {job} ({profile}): status {body['status']}, stdout {res.get('stdout')!r}, "
             f"stderr {res.get('stderr', '')[-400:]!r}, message {res.get('message')!r}; expected ok and {expected!r}")
print(f"{profile} job {job}: ok, stdout {res['stdout']!r}, wall {res.get('wall_ms')} ms")
EOF
}

# ---- the runner, in each mode ---------------------------------------------------------
for mode in "${modes[@]}"; do
    case "$mode" in
        unprivileged) files=("$units/sandpit-runner.service"); want_user=sandpit; want_nnp=0 ;;
        root) files=("$units/sandpit-runner.service" "$units/root-mode.conf"); want_user=root; want_nnp=1 ;;
        *) fail "unknown mode $mode" ;;
    esac
    say "== runner ($mode): ${files[*]##*/} =="
    start_unit "runner-$mode" "${files[@]}"
    runner_pid=$started_pid
    # Up when the worker announces itself (after the doctor's ExecStartPre passed).
    up=no
    for _ in $(seq 1 600); do
        grep -q "worker started" "$scratch/logs/runner-$mode.log" && { up=yes; break; }
        kill -0 "$runner_pid" 2>/dev/null || break
        sleep 0.1
    done
    [ "$up" = yes ] || { show_log "runner-$mode"; fail "sandpit-runner ($mode) did not start"; }
    uid="$(status_field "$runner_pid" Uid | awk '{print $1}')"
    [ "$uid" = "$(id -u "$want_user")" ] || fail "runner ($mode) runs as uid $uid, not $want_user"
    [ "$(status_field "$runner_pid" NoNewPrivs)" = "$want_nnp" ] || fail "runner ($mode): NoNewPrivs is not $want_nnp"
    say "sandpit-runner ($mode): doctor passed, worker up as $want_user (uid $uid), NoNewPrivs $want_nnp, CapBnd $(status_field "$runner_pid" CapBnd)"

    run_job python-basic 'print(sum(range(10)), "from the unit")' $'45 from the unit\n' \
        || { show_log "runner-$mode"; fail "python-basic job through the $mode runner"; }
    run_job python-data $'import numpy\nprint(int(numpy.arange(4).sum()))' $'6\n' \
        || { show_log "runner-$mode"; fail "python-data job through the $mode runner"; }

    # systemd's stop: SIGTERM to the main process (KillMode=mixed), then wait.
    kill -TERM "$runner_pid"
    rc=0
    wait "$runner_pid" || rc=$?
    [ "$rc" = 0 ] || { show_log "runner-$mode"; fail "runner ($mode) exited with $rc on SIGTERM"; }
    say "sandpit-runner ($mode): stopped cleanly on SIGTERM"
done

kill -TERM "$server_pid"
rc=0
wait "$server_pid" || rc=$?
[ "$rc" = 0 ] || { show_log server; fail "server exited with $rc on SIGTERM"; }
[ -f /var/lib/sandpit-server/sandpit.sqlite3 ] || fail "no database in the unit's StateDirectory"
say "sandpit-server: stopped cleanly on SIGTERM; its database is in /var/lib/sandpit-server"
pids=()
say "all passed: ${modes[*]}"
