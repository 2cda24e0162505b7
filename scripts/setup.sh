#!/usr/bin/env bash
# Install everything Sandpit needs on a fresh Debian machine (idempotent; run as root).
# Used by README's setup, `make up`, `make test` and .ci/run.
set -euo pipefail
cd "$(dirname "$0")/.."

apt_pkgs=(
  python3 python3-venv      # Debian's interpreter (python-basic) and the venv base (python-data)
  iproute2                  # test network namespaces
  hyperfine bubblewrap      # benchmarks only
  chromium                  # the editor's browser tests (Playwright drives Debian's build)
  fonts-wqy-microhei        # CJK glyphs for plots and the editor's screenshots
  uidmap                    # newuidmap/newgidmap: the runner as an unprivileged user
  tzdata                    # time zones, bound read-only into jobs (zoneinfo)
  curl
)
missing=()
for p in "${apt_pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# The kid runtime (venv with numpy/matplotlib, CJK font), when that part exists.
if [ -x runtime/provision.sh ]; then
  runtime/provision.sh
fi

# The editor's dependencies, when that part exists.
if [ -f front/package.json ]; then
  (cd front && npm ci --no-audit --no-fund --loglevel=error)
fi
echo "setup: done"
