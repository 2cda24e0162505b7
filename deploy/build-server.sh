#!/usr/bin/env bash
# Build sandpit-server and install it under DESTDIR with what it needs at run time:
#   DESTDIR/usr/bin/sandpit-server
#   DESTDIR/etc/sandpit/policies/*.toml         (the server lists profile names from them)
#   DESTDIR/usr/lib/sandpit/healthcheck-server  (GET /healthz without curl)
# The editor is built by deploy/build-front.sh. Run by Dockerfile.server's build stage
# and by deploy/check.sh.
source "$(dirname "${BASH_SOURCE[0]}")/lib.sh"
dest="$(destdir_arg "$@")"
bin="$(cargo_build sandpit-server)"
install -D -m 0755 "$bin" "$dest/usr/bin/sandpit-server"
install -d -m 0755 "$dest/etc/sandpit/policies"
install -m 0644 "$repo"/policies/*.toml "$dest/etc/sandpit/policies/"
install -D -m 0755 "$repo/deploy/healthcheck-server.sh" "$dest/usr/lib/sandpit/healthcheck-server"
say "installed sandpit-server, $(find "$dest/etc/sandpit/policies" -name "*.toml" | wc -l) policies and the health check under $dest"
