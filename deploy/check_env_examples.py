#!/usr/bin/env python3
"""Every environment variable the server's config.rs and the runner read is listed (with
its default, commented or set) in each env example file."""
import pathlib
import re
import sys

root = pathlib.Path(__file__).resolve().parent.parent
config_rs, examples = sys.argv[1], sys.argv[2:]
server_vars = set(re.findall(r'"((?:SANDPIT|RUNNER|MEMORY)_[A-Z0-9_]+|PORT|RUST_LOG)"', (root / config_rs).read_text()))
runner_src = "\n".join(p.read_text() for p in (root / "runner" / "src").rglob("*.rs"))
runner_vars = set(re.findall(r'"((?:RUNNER|SANDPIT)_[A-Z0-9_]+)"', runner_src))
# Set by the runner for the job itself, not read from the operator's environment.
runner_vars -= {"SANDPIT_LANG", "SANDPIT_EVENT_FD"}
wanted = server_vars | runner_vars | {"RUST_LOG"}
errors = []
for ex in examples:
    listed = set(re.findall(r"^#?([A-Z][A-Z0-9_]+)=", (root / ex).read_text(), re.M))
    missing = sorted(wanted - listed)
    # compose.yaml fixes these for the containers; the example says so in prose.
    if ex.endswith(".env.example") and not ex.endswith("sandpit.env.example"):
        missing = [m for m in missing if m not in ("PORT", "SANDPIT_DATA_DIR", "MEMORY_STORE_DIR", "RUNNER_SERVER_URL")]
    print(f"{ex}: {len(listed)} variables listed; {len(wanted)} read by the binaries")
    errors += [f"{ex}: does not list {m}" for m in missing]
for e in errors:
    print("FAIL", e)
sys.exit(1 if errors else 0)
