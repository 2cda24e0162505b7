#!/usr/bin/env bash
# Provision the kid runtime's environment on this machine (run as root).
#
# What the sandbox profiles point at afterwards:
#   /opt/sandpit/venv     python-data's interpreter: a venv of /usr/bin/python3
#                         with the pinned packages of runtime/requirements.txt
#   /opt/sandpit/venv/share/sandpit/mpl
#                         matplotlib's font cache, built here once, and Sandpit's
#                         matplotlibrc; sitecustomize links them into each job's
#                         MPLCONFIGDIR (inside the venv, so binding the venv is enough)
#   fonts-wqy-microhei    the CJK font, so Chinese plot titles render
#   runtime/python        byte-compiled, so jobs never compile it (the sandbox
#                         mounts it read-only and runs python -B)
# and, for the runtime's tests only:
#   /opt/sandpit/testdata/turtledemo   CPython's turtledemo programs, unpacked
#                         from Debian's python3.X-examples (not installed, so
#                         the system Python is left as it is)
#
# Idempotent and quick when nothing changed: every step checks first and says
# what it did. Called by the README's setup and by .ci/run.
# Environment: SANDPIT_PREFIX (default /opt/sandpit), SANDPIT_PYTHON
# (default /usr/bin/python3).
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
prefix="${SANDPIT_PREFIX:-/opt/sandpit}"
python="${SANDPIT_PYTHON:-/usr/bin/python3}"
venv="$prefix/venv"
mpl="$venv/share/sandpit/mpl"
testdata="$prefix/testdata"
requirements="$here/requirements.txt"

say() { printf 'provision: %s\n' "$*"; }

if [ "$(id -u)" -ne 0 ]; then
    say "must run as root (installs Debian packages and writes $prefix)" >&2
    exit 1
fi

# --- Debian packages -------------------------------------------------------
apt_updated=no
apt_update_once() {
    if [ "$apt_updated" = no ]; then
        say "apt-get update"
        apt-get update -qq
        apt_updated=yes
    fi
}

missing=()
for pkg in fonts-wqy-microhei python3-venv; do
    if dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed"; then
        say "$pkg: already installed"
    else
        missing+=("$pkg")
    fi
done
if [ "${#missing[@]}" -gt 0 ]; then
    apt_update_once
    say "installing ${missing[*]}"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
cjk_font=/usr/share/fonts/truetype/wqy/wqy-microhei.ttc
[ -f "$cjk_font" ] || { say "CJK font missing at $cjk_font" >&2; exit 1; }

install -d -m 0755 "$prefix"

# --- the python-data venv ----------------------------------------------------
py_version="$("$python" -c 'import sys; print("%d.%d.%d" % sys.version_info[:3])')"
want_stamp="python=$py_version requirements=$(sha256sum "$requirements" | cut -d' ' -f1)"
venv_rebuilt=no
if [ -x "$venv/bin/python" ] && [ "$(cat "$venv/.sandpit-stamp" 2>/dev/null)" = "$want_stamp" ]; then
    say "venv $venv: up to date ($want_stamp)"
else
    say "building venv $venv from $python $py_version"
    rm -rf "$venv"
    "$python" -m venv "$venv"
    "$venv/bin/python" -m pip install -q --disable-pip-version-check --no-input \
        --no-deps --only-binary=:all: -r "$requirements"
    echo "$want_stamp" > "$venv/.sandpit-stamp"
    venv_rebuilt=yes
    say "venv installed: $(tr '\n' ' ' < <(grep -v '^#' "$requirements"))"
fi

# --- matplotlib: font cache and matplotlibrc, built once here -----------------
rm -rf "$prefix/mpl"  # where earlier versions of this script kept it
install -d -m 0755 "$mpl"
install -m 0644 "$here/mpl/matplotlibrc" "$mpl/matplotlibrc"
cache_ok=no
if [ "$venv_rebuilt" = no ] && ls "$mpl"/fontlist-v*.json >/dev/null 2>&1 \
        && grep -q "WenQuanYi Micro Hei" "$mpl"/fontlist-v*.json; then
    cache_ok=yes
fi
if [ "$cache_ok" = yes ]; then
    say "matplotlib font cache in $mpl: up to date"
else
    say "building matplotlib font cache in $mpl"
    rm -f "$mpl"/fontlist-v*.json
    MPLCONFIGDIR="$mpl" "$venv/bin/python" - "$cjk_font" <<'EOF'
import sys
from matplotlib import font_manager
path = font_manager.findfont(font_manager.FontProperties(family="WenQuanYi Micro Hei"), fallback_to_default=False)
if path != sys.argv[1]:
    sys.exit("provision: matplotlib does not find the CJK font (got %s)" % path)
EOF
fi
chmod -R a+rX "$mpl"

# --- byte-compile the runtime package -----------------------------------------
# Jobs run with -B on a read-only mount: without these .pyc files every job
# would compile the runtime's modules again.
"$python" -m compileall -q "$here/python" >/dev/null
if [ -x "$venv/bin/python" ] && [ "$("$venv/bin/python" -c 'import sys; print(sys.version)')" != "$("$python" -c 'import sys; print(sys.version)')" ]; then
    "$venv/bin/python" -m compileall -q "$here/python" >/dev/null
fi
chmod -R a+rX "$here/python"
say "runtime package byte-compiled: $here/python"

# --- test data: CPython's turtledemo programs --------------------------------
minor="$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
demo_dir="$testdata/turtledemo-$minor"
if [ -f "$demo_dir/clock.py" ]; then
    say "turtledemo test programs: $demo_dir"
else
    tmp="$(mktemp -d)"
    trap 'rm -rf "$tmp"' EXIT
    apt_update_once
    (cd "$tmp" && apt-get download -qq "python$minor-examples" 2>/dev/null)
    dpkg-deb -x "$tmp"/python"$minor"-examples_*.deb "$tmp/x"
    install -d -m 0755 "$testdata"
    rm -rf "$demo_dir"
    cp -r "$tmp/x/usr/lib/python$minor/turtledemo" "$demo_dir"
    chmod -R a+rX "$testdata"
    say "turtledemo test programs unpacked from python$minor-examples into $demo_dir"
fi

say "done"
