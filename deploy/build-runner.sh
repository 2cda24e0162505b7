#!/usr/bin/env bash
# Build sandpit-runner and install it under DESTDIR with its read-only data:
#   DESTDIR/usr/bin/sandpit-runner
#   DESTDIR/usr/share/sandpit/runtime/          the kid runtime package (runtime/python)
#   DESTDIR/etc/sandpit/policies/*.toml          the job profiles
#   DESTDIR/usr/lib/sandpit/cgroup-v1-delegate   the unit's ExecStartPre on cgroup v1
#   DESTDIR/usr/lib/sandpit/runner-entrypoint    the container's start check + worker
#   DESTDIR/usr/lib/sandpit/libsandpit_zygote.so what warm interpreters load to fork jobs
# The Python side (venv, fonts, byte-compiling) is deploy/install-runtime.sh, run on
# the machine (or image stage) that runs jobs. Run by Dockerfile.runner's build stage
# and by deploy/check.sh.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
dest="$(destdir_arg "$@")"
bin="$(cargo_build sandpit-runner)"
install -D -m 0755 "$bin" "$dest/usr/bin/sandpit-runner"
install -D -m 0644 "$(cargo_build_lib sandpit-zygote)" "$dest/usr/lib/sandpit/libsandpit_zygote.so"
"$dest/usr/bin/sandpit-runner" policy check "$repo/policies" >&2
install -d -m 0755 "$dest/etc/sandpit/policies"
install -m 0644 "$repo"/policies/*.toml "$dest/etc/sandpit/policies/"
rm -rf "$dest/usr/share/sandpit/runtime"
install -d -m 0755 "$dest/usr/share/sandpit/runtime"
tar -C "$repo/runtime/python" --exclude=__pycache__ --exclude='*.pyc' -cf - . \
    | tar -C "$dest/usr/share/sandpit/runtime" --no-same-owner -xf -
chmod -R a+rX,go-w "$dest/usr/share/sandpit/runtime"
install -D -m 0755 "$repo/deploy/cgroup-v1-delegate.sh" "$dest/usr/lib/sandpit/cgroup-v1-delegate"
install -D -m 0755 "$repo/deploy/runner-entrypoint.sh" "$dest/usr/lib/sandpit/runner-entrypoint"
say "installed sandpit-runner, the kid runtime and $(find "$dest/etc/sandpit/policies" -name "*.toml" | wc -l) policies under $dest"
