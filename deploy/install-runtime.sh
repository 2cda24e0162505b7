#!/usr/bin/env bash
# Prepare the Python side of a runner machine (or of the runner image's final stage),
# as root, after deploy/build-runner.sh installed the runtime package under DESTDIR:
#   1. runtime/provision.sh: Debian's python3 + venv, the CJK font, the python-data
#      venv in /opt/sandpit/venv and matplotlib's font cache in /opt/sandpit/mpl.
#      (The venv lives at the path the python-data policy names: venvs can't move,
#      so this step always writes the real /opt/sandpit, whatever DESTDIR is.)
#   2. byte-compile DESTDIR/usr/share/sandpit/runtime with both interpreters, because
#      jobs mount it read-only and run python -B: they must never compile it.
# Run by Dockerfile.runner and by deploy/check.sh.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
dest="$(destdir_arg "$@")"
runtime="$dest/usr/share/sandpit/runtime"
[ -f "$runtime/sitecustomize.py" ] || { say "no runtime package in $runtime (run build-runner.sh first)" >&2; exit 1; }
[ "$(id -u)" -eq 0 ] || { say "must run as root" >&2; exit 1; }

"$repo/runtime/provision.sh"

for py in /usr/bin/python3 /opt/sandpit/venv/bin/python; do
    "$py" -m compileall -q "$runtime" >/dev/null
done
chmod -R a+rX,go-w "$runtime"
n_pyc="$(find "$runtime" -name '*.pyc' | wc -l)"
[ "$n_pyc" -gt 0 ] || { say "byte-compiling produced no .pyc files" >&2; exit 1; }
say "runtime package byte-compiled ($n_pyc .pyc files) in $runtime; venv and fonts in /opt/sandpit"
