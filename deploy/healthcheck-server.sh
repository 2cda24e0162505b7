#!/usr/bin/env bash
# Exit 0 when sandpit-server answers GET /healthz with 200, else 1. Needs only bash
# (/dev/tcp), so the server image carries no curl. Installed as
# /usr/lib/sandpit/healthcheck-server; Dockerfile.server's HEALTHCHECK, and
# deploy/test-units.sh against a server started from the unit.
set -uo pipefail
port="${PORT:-8000}"
host=127.0.0.1
case "${SANDPIT_BIND:-}" in
    ""|0.0.0.0|"[::]"|::) ;;
    *:*.*|*.*.*.*) host="${SANDPIT_BIND%%:*}" ;;
esac
case "${SANDPIT_BIND:-}" in *:[0-9]*) [[ "$SANDPIT_BIND" =~ :([0-9]+)$ ]] && port="${BASH_REMATCH[1]}" ;; esac
exec 3<>"/dev/tcp/$host/$port" || exit 1
printf 'GET /healthz HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n' "$host" >&3
IFS= read -r -t 5 status <&3 || exit 1
case "$status" in
    "HTTP/1.1 200"*) exit 0 ;;
    *) echo "healthz: ${status%$'\r'}" >&2; exit 1 ;;
esac
