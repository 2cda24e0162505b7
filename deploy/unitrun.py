#!/usr/bin/env python3
"""Start a service the way its systemd unit file says, on a machine without systemd.

Used by deploy/test-units.sh, so the test runs what the unit files say and can't drift
from them: the command lines, environment and identity all come from the unit.

Applied exactly as systemd does:
  ExecStartPre= (with the "+" and "-" prefixes) and ExecStart=, %-specifiers and
  $VAR / ${VAR} expansion; Environment=, EnvironmentFile= (later wins, files over
  Environment=); User=/Group= (supplementary groups from the user database) or
  DynamicUser= (a free uid from systemd's dynamic range); StateDirectory=,
  RuntimeDirectory= (+Mode, owner, $STATE_DIRECTORY, $RUNTIME_DIRECTORY);
  WorkingDirectory=; UMask=; NoNewPrivileges= (explicit, or implied the way
  systemd.exec(5) says); CapabilityBoundingSet=; AmbientCapabilities= (empty);
  Delegate= (the unit gets its own cgroup in every hierarchy; on cgroup v2 a User=
  unit's cgroup is handed to that user, as systemd does).
NOT applied (systemd's mount, seccomp and namespace sandboxing: ProtectSystem=,
SystemCallFilter=, PrivateTmp=, ...): those are checked by `systemd-analyze verify`
and `systemd-analyze security` in deploy/check.sh instead.

Usage: unitrun.py UNIT_FILE [DROP_IN ...] -- runs pre-commands, then execs ExecStart
(so the caller's pid is the service's main process). Needs root, like PID 1.
"""
import grp
import os
import pwd
import re
import shlex
import subprocess
import sys

# systemd's own PATH for system services (systemd.exec(5), "Environment variables").
SYSTEMD_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
DYNAMIC_UIDS = range(61184, 65520)
# Settings that make systemd set no_new_privs for a service without CAP_SYS_ADMIN.
IMPLY_NNP = (
    "DynamicUser LockPersonality MemoryDenyWriteExecute PrivateDevices ProtectClock "
    "ProtectHostname ProtectKernelLogs ProtectKernelModules ProtectKernelTunables "
    "RestrictAddressFamilies RestrictNamespaces RestrictRealtime RestrictSUIDSGID "
    "SystemCallArchitectures SystemCallFilter SystemCallLog"
).split()
TRUE = {"1", "yes", "true", "on"}


def say(msg):
    print(f"unitrun: {msg}", file=sys.stderr, flush=True)


def parse_unit(paths):
    """[Section] -> list of (key, value), in file order, drop-ins after the unit."""
    sections = {}
    for path in paths:
        section = None
        pending = ""
        for raw in open(path, encoding="utf-8"):
            line = pending + raw.rstrip("\n")
            pending = ""
            if line.endswith("\\"):
                pending = line[:-1] + " "
                continue
            stripped = line.strip()
            if not stripped or stripped[0] in "#;":
                continue
            if stripped.startswith("["):
                section = stripped.strip("[]")
                continue
            key, _, value = stripped.partition("=")
            sections.setdefault(section, []).append((key.strip(), value.strip()))
    return sections


class Service:
    def __init__(self, name, entries):
        self.name = name
        self.entries = entries

    def all(self, key):
        """Every value of a list setting; an empty assignment resets the list."""
        out = []
        for k, v in self.entries:
            if k == key:
                out = [] if v == "" else out + [v]
        return out

    def last(self, key, default=None):
        vals = [v for k, v in self.entries if k == key]
        return vals[-1] if vals else default

    def flag(self, key):
        return (self.last(key, "no") or "no").lower() in TRUE

    def specifiers(self, text):
        table = {"n": self.name, "N": self.name.rsplit(".", 1)[0],
                 "p": self.name.rsplit(".", 1)[0], "t": "/run", "S": "/var/lib",
                 "C": "/var/cache", "L": "/var/log", "E": "/etc", "%": "%"}
        return re.sub(r"%(.)", lambda m: table[m.group(1)], text)


def parse_env_assignments(text):
    """Environment= value: space-separated, shell-quoted NAME=VALUE words."""
    return dict(w.split("=", 1) for w in shlex.split(text) if "=" in w)


def parse_env_file(path):
    """EnvironmentFile= syntax: NAME=VALUE lines, # and ; comments, quotes, \\ joins."""
    env = {}
    text = open(path, encoding="utf-8").read().replace("\\\n", "")
    for line in text.splitlines():
        line = line.strip()
        if not line or line[0] in "#;":
            continue
        if "=" not in line:
            raise SystemExit(f"unitrun: {path}: not NAME=VALUE: {line!r}")
        name, value = line.split("=", 1)
        value = value.strip()
        if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
            value = value[1:-1]
        env[name.strip()] = value
    return env


def expand_command(line, env):
    """Split an Exec line as systemd does: prefixes, quoting, $VAR and ${VAR}."""
    prefixes = ""
    while line and line[0] in "-+!@:":
        prefixes, line = prefixes + line[0], line[1:]
    words = []
    for word in shlex.split(line):
        if re.fullmatch(r"\$[A-Za-z_][A-Za-z0-9_]*", word):
            words += env.get(word[1:], "").split()
        else:
            words.append(re.sub(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}", lambda m: env.get(m.group(1), ""), word))
    return prefixes, words


def pick_dynamic_uid():
    for uid in DYNAMIC_UIDS:
        try:
            pwd.getpwuid(uid)
        except KeyError:
            try:
                grp.getgrgid(uid)
            except KeyError:
                return uid
    raise SystemExit("unitrun: no free dynamic uid")


def cgroup_v2():
    """A unified-only host: /sys/fs/cgroup itself is the cgroup2 mount."""
    return os.path.exists("/sys/fs/cgroup/cgroup.controllers")


def remove_cgroup_tree(top):
    """rmdir a cgroup and everything below it, deepest first (they must be empty)."""
    for dirpath, _, _ in sorted(os.walk(top), key=lambda w: -w[0].count("/")):
        os.rmdir(dirpath)


def enter_unit_cgroup(svc, uid, gid):
    """The unit's own cgroup, in every hierarchy, below our current one (as a slice would be)."""
    leaf = f"sandpit-test.slice/{svc.name}"
    moved = []
    for line in open("/proc/self/cgroup"):
        _, ctrls, path = line.rstrip("\n").split(":", 2)
        if ctrls == "":  # the unified (v2) hierarchy
            if not cgroup_v2():
                continue
            base = "/sys/fs/cgroup"
        else:
            names = [c for c in ctrls.split(",") if c in ("memory", "pids", "cpu", "cpuacct")]
            if not names:
                continue
            base = next(p for p in (f"/sys/fs/cgroup/{ctrls}", f"/sys/fs/cgroup/{names[0]}") if os.path.isdir(p))
        parent = os.path.join(base + path, "sandpit-test.slice")
        unit_dir = os.path.join(base + path, leaf)
        # systemd removes a unit's cgroup when it stops; start from a fresh one.
        if os.path.isdir(unit_dir):
            remove_cgroup_tree(unit_dir)
        os.makedirs(unit_dir)
        if ctrls == "":
            # A slice passes every available controller down; the unit gets them all.
            controllers = open(os.path.join(base + path, "cgroup.controllers")).read().split()
            for d in (base + path, parent):
                for c in controllers:
                    try:
                        with open(os.path.join(d, "cgroup.subtree_control"), "w") as f:
                            f.write(f"+{c}")
                    except OSError:
                        pass
            if svc.flag("Delegate") and uid != 0:
                for f in ("", "cgroup.procs", "cgroup.subtree_control", "cgroup.threads"):
                    os.chown(os.path.join(unit_dir, f), uid, gid)
        with open(os.path.join(unit_dir, "cgroup.procs"), "w") as f:
            f.write(str(os.getpid()))
        moved.append(unit_dir)
    say(f"{svc.name}: in cgroup(s) {', '.join(moved)}")


def make_dirs(svc, setting, root, env_name, uid, gid, env):
    names = " ".join(svc.all(setting)).split()
    if not names:
        return
    mode = int(svc.last(f"{setting}Mode", "0755"), 8)
    paths = []
    for n in names:
        p = os.path.join(root, n)
        os.makedirs(p, exist_ok=True)
        os.chown(p, uid, gid)
        os.chmod(p, mode)
        paths.append(p)
    env[env_name] = ":".join(paths)


def main():
    files = sys.argv[1:]
    if not files:
        raise SystemExit(__doc__)
    name = os.path.basename(files[0])
    svc = Service(name, parse_unit(files).get("Service", []))
    svc.entries = [(k, svc.specifiers(v)) for k, v in svc.entries]

    # Identity.
    if svc.flag("DynamicUser"):
        uid = gid = pick_dynamic_uid()
        user, home, groups = svc.name.rsplit(".", 1)[0], "/", []
    else:
        user = svc.last("User", "root")
        pw = pwd.getpwnam(user)
        uid, home = pw.pw_uid, pw.pw_dir
        gid = grp.getgrnam(svc.last("Group")).gr_gid if svc.last("Group") else pw.pw_gid
        groups = os.getgrouplist(user, gid)

    # Environment: systemd's base, then Environment=, then EnvironmentFile= (wins).
    env = {"PATH": SYSTEMD_PATH, "INVOCATION_ID": os.urandom(16).hex()}
    if uid != 0 or svc.last("User"):
        env.update(USER=user, LOGNAME=user, HOME=home, SHELL="/usr/sbin/nologin")
    for value in svc.all("Environment"):
        env.update(parse_env_assignments(value))
    for value in svc.all("EnvironmentFile"):
        optional = value.startswith("-")
        path = value.lstrip("-")
        if optional and not os.path.exists(path):
            continue
        env.update(parse_env_file(path))

    make_dirs(svc, "StateDirectory", "/var/lib", "STATE_DIRECTORY", uid, gid, env)
    make_dirs(svc, "RuntimeDirectory", "/run", "RUNTIME_DIRECTORY", uid, gid, env)
    enter_unit_cgroup(svc, uid, gid)
    os.umask(int(svc.last("UMask", "0022"), 8))
    cwd = svc.last("WorkingDirectory", "/")
    cwd = home if cwd == "~" else cwd.lstrip("-")

    # What the service's own processes get: uid/gid, no_new_privs, capability sets.
    nnp = svc.flag("NoNewPrivileges") or (uid != 0 and any(
        svc.last(k) not in (None, "", "no", "false", "0", "off", "default") for k in IMPLY_NNP))
    bounding = svc.last("CapabilityBoundingSet")
    sandbox = ["setpriv", f"--reuid={uid}", f"--regid={gid}",
               f"--groups={','.join(map(str, groups))}" if groups else "--clear-groups",
               "--inh-caps=-all"]
    if uid != 0:
        sandbox.append("--ambient-caps=-all")
    if bounding is not None:
        caps = [c.lower().removeprefix("cap_") for c in bounding.split()]
        sandbox.append("--bounding-set=-all" + "".join(f",+{c}" for c in caps))
    if nnp:
        sandbox.append("--no-new-privs")
    sandbox.append("--")
    say(f"{svc.name}: uid={uid} gid={gid} no_new_privs={nnp} bounding={bounding!r}")

    def command(line):
        prefixes, argv = expand_command(line, env)
        full = "+" in prefixes
        return prefixes, (argv if full else sandbox + argv)

    for line in svc.all("ExecStartPre"):
        prefixes, argv = command(line)
        say(f"{svc.name}: ExecStartPre: {' '.join(argv)}")
        rc = subprocess.run(argv, env=env, cwd=cwd).returncode
        if rc != 0 and "-" not in prefixes:
            say(f"{svc.name}: ExecStartPre failed with status {rc}; the unit does not start")
            sys.exit(rc)
    starts = svc.all("ExecStart")
    if len(starts) != 1:
        raise SystemExit(f"unitrun: {svc.name}: expected exactly one ExecStart=, got {len(starts)}")
    _, argv = command(starts[0])
    say(f"{svc.name}: ExecStart: {' '.join(argv)}")
    os.chdir(cwd)
    os.execvpe(argv[0], argv, env)


if __name__ == "__main__":
    main()
