#!/usr/bin/env python3
"""compose.yaml's promises (docs/deploy.md, "Containers"), checked on the parsed file:
no privileged container; the token comes from .env on both services; server data in a
named volume; runners scalable (no container_name, no published ports); the runner has
exactly the capabilities and security options documented, and no more."""
import re
import sys

import yaml

compose_file, env_example = sys.argv[1], sys.argv[2]
doc = yaml.safe_load(open(compose_file))
raw = open(compose_file).read()
errors = []
services = doc.get("services", {})


def need(cond, msg):
    if not cond:
        errors.append(msg)


need(set(services) == {"server", "runner"}, f"services are {sorted(services)}, expected server and runner")
for name, svc in services.items():
    need(not svc.get("privileged"), f"{name}: privileged")
    need(svc.get("env_file") in (".env", [".env"]), f"{name}: env_file must be .env")
    token = (svc.get("environment") or {}).get("RUNNER_ACCESS_TOKEN", "")
    need(re.fullmatch(r"\$\{RUNNER_ACCESS_TOKEN:\?[^}]+\}", str(token)),
         f"{name}: RUNNER_ACCESS_TOKEN must be ${{RUNNER_ACCESS_TOKEN:?...}} (required, from .env)")
    need(svc.get("cap_drop") == ["ALL"], f"{name}: cap_drop must be [ALL]")
    need("no-new-privileges:true" in (svc.get("security_opt") or []), f"{name}: no-new-privileges")
    need(svc.get("read_only") is True, f"{name}: read_only root file system")
    need(svc.get("network_mode") != "host" and svc.get("pid") != "host", f"{name}: host namespaces")

server, runner = services.get("server", {}), services.get("runner", {})
volumes = server.get("volumes") or []
named = [v for v in volumes if isinstance(v, str) and v.split(":")[0] in (doc.get("volumes") or {})]
need(any(v.split(":")[1] == "/var/lib/sandpit-server" for v in named),
     "server: /var/lib/sandpit-server must be a named volume declared under volumes:")
need(server.get("user") in (None,), "server: user comes from the image (numeric non-root)")

need("container_name" not in runner, "runner: container_name stops --scale")
need("ports" not in runner, "runner: published ports stop --scale (and runners need none)")
need(sorted(runner.get("cap_add") or []) == ["SETGID", "SETUID", "SYS_ADMIN"],
     f"runner: cap_add is {runner.get('cap_add')}, documented least is SYS_ADMIN, SETUID, SETGID")
opts = runner.get("security_opt") or []
need(set(opts) <= {"no-new-privileges:true", "apparmor=unconfined", "systempaths=unconfined"},
     f"runner: security_opt {opts} beyond the documented set")
need(runner.get("cgroup") == "private", "runner: cgroup: private (its own cgroup namespace)")
need(not any("/var/run/docker.sock" in str(v) for v in (runner.get("volumes") or []) + volumes),
     "no container may mount the Docker socket")
nets = doc.get("networks") or {}
need(all((nets.get(n) or {}).get("internal") for n in (runner.get("networks") or ["default"])),
     "runner: only internal networks (it talks to the server and nothing else)")

env_names = set(re.findall(r"^#?([A-Z][A-Z0-9_]+)=", open(env_example).read(), re.M))
for var in set(re.findall(r"\$\{([A-Z0-9_]+)", raw)):
    need(var in env_names, f"compose.yaml uses ${{{var}}}, which {env_example} does not list")

print(f"services: {', '.join(services)}; runner cap_add {runner.get('cap_add')}, security_opt {opts}; "
      f"volumes {list((doc.get('volumes') or {}))}")
for e in errors:
    print("FAIL", e)
sys.exit(1 if errors else 0)
