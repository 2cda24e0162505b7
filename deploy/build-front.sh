#!/usr/bin/env bash
# Build the kids' editor (`npm ci && npm run build` in front/) and install the result
# as DESTDIR/usr/share/sandpit/front, which sandpit-server serves (SANDPIT_FRONT_DIR).
# Builds in a scratch copy of front/, so a checkout's node_modules and dist are never
# touched. Run by Dockerfile.server's front stage and by deploy/check.sh.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
dest="$(destdir_arg "$@")"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
tar -C "$repo/front" --exclude=./node_modules --exclude=./dist -cf - . | tar -C "$work" -xf -
(cd "$work" && npm ci --no-audit --no-fund --loglevel=error && npm run build --silent) >&2
[ -f "$work/dist/index.html" ] || { say "the build made no dist/index.html" >&2; exit 1; }
rm -rf "$dest/usr/share/sandpit/front"
install -d -m 0755 "$dest/usr/share/sandpit"
cp -r "$work/dist" "$dest/usr/share/sandpit/front"
chmod -R a+rX,go-w "$dest/usr/share/sandpit/front"
say "installed the editor ($(find "$dest/usr/share/sandpit/front" -type f | wc -l) files) under $dest"
