#!/usr/bin/env python3
"""Structural checks of the Dockerfiles, beyond hadolint (docs/deploy.md, "What CI checks").

* every FROM names an exact version (no `latest`, no bare major tag);
* the last stage of Dockerfile.server runs as a numeric non-root USER;
* both final stages have a HEALTHCHECK and an ENTRYPOINT;
* nothing asks for privilege or pipes a download into a shell;
* every deploy/ script a RUN calls is one deploy/check.sh also runs, so a broken build
  step fails CI without a Docker engine.
"""
import pathlib
import re
import sys

root = pathlib.Path(__file__).resolve().parent.parent
check_sh = (root / "deploy" / "check.sh").read_text()
errors = []


def instructions(text):
    """(KEYWORD, argument) pairs with line continuations joined, comments dropped."""
    out, buf = [], ""
    for line in text.splitlines():
        if not buf and (not line.strip() or line.lstrip().startswith("#")):
            continue
        buf += line.rstrip("\\").strip() + " " if line.endswith("\\") else line.strip()
        if not line.endswith("\\"):
            kw, _, arg = buf.partition(" ")
            out.append((kw.upper(), arg.strip()))
            buf = ""
    return out


for name in sys.argv[1:]:
    text = (root / name).read_text()
    ins = instructions(text)
    stages = [i for i, (kw, _) in enumerate(ins) if kw == "FROM"]
    final = ins[stages[-1]:]
    for kw, arg in ins:
        if kw == "FROM":
            image = arg.split()[0]
            tag = image.rsplit(":", 1)[1] if ":" in image else ""
            if "@sha256:" not in image and not re.search(r"\d+\.\d+", tag):
                errors.append(f"{name}: FROM {image}: pin an exact version")
        if kw == "RUN":
            if re.search(r"(curl|wget)[^|]*\|\s*(ba)?sh", arg):
                errors.append(f"{name}: RUN pipes a download into a shell: {arg[:60]}")
            for script in re.findall(r"deploy/([\w-]+\.sh)", arg):
                if f'"$here/{script}"' not in check_sh:
                    errors.append(f"{name}: RUN calls deploy/{script}, which deploy/check.sh does not run")
    if re.search(r"privileged", text, re.I) and "must NOT be privileged" not in text:
        errors.append(f"{name}: mentions privileged")
    kws = [kw for kw, _ in final]
    for needed in ("HEALTHCHECK", "ENTRYPOINT"):
        if needed not in kws:
            errors.append(f"{name}: final stage has no {needed}")
    users = [arg for kw, arg in final if kw == "USER"]
    if "server" in name:
        if not users or not re.fullmatch(r"[1-9]\d*(:[1-9]\d*)?", users[-1]):
            errors.append(f"{name}: final stage must end with a numeric non-root USER")
    print(f"{name}: {len(stages)} stages, FROM {', '.join(a.split()[0] for k, a in ins if k == 'FROM')}; "
          f"final USER {users[-1] if users else 'root (runner: root mode, capabilities limited by compose)'}")

for e in errors:
    print("FAIL", e)
sys.exit(1 if errors else 0)
