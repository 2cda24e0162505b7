"""Run a kid's program the way the runner does, and collect its events.

On the host (the default): the program is `main.py` in a fresh work directory
(its cwd and HOME); the interpreter runs it as `PYTHON -B main.py` with
PYTHONPATH=runtime/python and the event pipe on fd 3 (SANDPIT_EVENT_FD=3),
like the runner does, minus the sandbox.

In the sandbox: with SANDPIT_SANDBOX_RUNNER=/path/to/sandpit-runner (the
sandboxed pass of run_all.sh), or `sandbox=True` for one call, the program
goes through `sandpit-runner exec --json` and the Run is built from the
result record (sandbox_mode.py). Calls that exec can't express run on the
host, counted and reported at the end of the pass.
"""

import glob
import json
import os
import shutil
import subprocess
import tempfile
import threading
import unittest

import sandbox_mode

HERE = os.path.dirname(os.path.abspath(__file__))
RUNTIME = os.path.abspath(os.path.join(HERE, "..", "python"))
BASIC_PYTHON = os.environ.get("SANDPIT_BASIC_PYTHON", "/usr/bin/python3")
DATA_PYTHON = os.environ.get("SANDPIT_DATA_PYTHON", "/opt/sandpit/venv/bin/python")
PREFIX = os.environ.get("SANDPIT_PREFIX", "/opt/sandpit")
MPL_CACHE = os.path.join(PREFIX, "venv", "share", "sandpit", "mpl")
IN_CI = sandbox_mode.IN_CI


class Run:
    """What a program did. `record` is the runner's result record when it ran sandboxed, else None."""

    def __init__(self, returncode, stdout, stderr, event_bytes, workdir, events=None, record=None):
        self.returncode = returncode
        self.stdout = stdout
        self.stderr = stderr
        self.event_bytes = event_bytes
        self.workdir = workdir
        self.events = parse_event_lines(event_bytes) if events is None else events
        self.record = record

    @classmethod
    def from_record(cls, record):
        events = sandbox_mode.events_of(record)
        return cls(sandbox_mode.returncode_of(record), record["stdout"], record["stderr"],
                   sandbox_mode.events_as_bytes(events), None, events=events, record=record)

    @property
    def sandboxed(self):
        return self.record is not None

    @property
    def status(self):
        """The record's status when sandboxed; on the host, "ok" or "error" from the exit code."""
        if self.record is not None:
            return self.record["status"]
        return "ok" if self.returncode == 0 else "error"

    def of_type(self, type_, kind=None):
        return [e for e in self.events if e.get("type") == type_ and (kind is None or e.get("kind") == kind)]

    def turtle_ops(self):
        return [op for e in self.of_type("visualization", "turtle") for op in e["ops"]]

    def explanation(self):
        found = self.of_type("explanation")
        return found[-1] if found else None

    def __repr__(self):
        return "Run(%s, status=%r, rc=%r, stdout=%r, stderr=%r, %d events)" % (
            "sandboxed" if self.sandboxed else "host", self.status, self.returncode,
            self.stdout[-500:], self.stderr[-1500:], len(self.events))


def parse_event_lines(data):
    """Every event is one JSON object on one '\\n'-terminated UTF-8 line."""
    if not data:
        return []
    if not data.endswith(b"\n"):
        raise AssertionError("event stream does not end with a newline: %r" % data[-80:])
    events = []
    for line in data[:-1].split(b"\n"):
        event = json.loads(line.decode("utf-8"))
        if not isinstance(event, dict):
            raise AssertionError("event is not an object: %r" % line[:80])
        events.append(event)
    return events


def base_env(workdir, lang="en", extra=None, runtime=True, data=False):
    env = {
        "PATH": "/usr/bin:/bin",
        "HOME": workdir,
        "LANG": "C.UTF-8",
        "PYTHONUNBUFFERED": "1",
        "PYTHONIOENCODING": "utf-8",
        "SANDPIT_LANG": lang,
        "TMPDIR": workdir,
    }
    if runtime:
        env["PYTHONPATH"] = RUNTIME
        env["SANDPIT_EVENT_FD"] = "3"
    if data and runtime:
        # As the python-data profile sets them; the font cache is found in the venv.
        env["MPLBACKEND"] = "module://sandpit_mpl"
        env["MPLCONFIGDIR"] = os.path.join(workdir, ".tmp-matplotlib")  # the sandbox uses /tmp/matplotlib
    if extra:
        env.update(extra)
    return env


def run_program(code, python=None, lang="en", stdin="", files=None, timeout=60, env=None,
                runtime=True, data=False, event_fd=True, workdir=None, keep=False,
                sandbox=None, profile=None, policies=None):
    """Run `code` as main.py; returns a Run. `event_fd=False` starts it without fd 3.

    sandbox: None = as the pass says (SANDPIT_SANDBOX_RUNNER), True = in the
    sandbox or fail. profile/policies pick another profile (a test-only policy
    dir, sandbox_mode.relaxed_policies) when sandboxed; the host has no limits.
    """
    if sandbox or (sandbox is None and sandbox_mode.MODE_RUNNER):
        reason = sandbox_mode.host_only_reason(python, files, env, runtime, data, event_fd, workdir, keep,
                                               DATA_PYTHON)
        if reason is None:
            sandbox_mode.TALLY.count_sandboxed()
            profile = profile or ("python-data" if data else "python-basic")
            chosen = python or BASIC_PYTHON
            # python-basic's policy names /usr/bin/python3 and lets RUNNER_PYTHON_BIN replace it.
            interpreter = chosen if not data and chosen != "/usr/bin/python3" else None
            return Run.from_record(sandbox_mode.run_record(code, profile, lang, stdin, timeout, interpreter,
                                                           policies))
        if sandbox:
            raise AssertionError("this call can't run in the sandbox (%s)" % reason)
        sandbox_mode.TALLY.count_host(reason)
    return _run_on_host(code, python, lang, stdin, files, timeout, env, runtime, data, event_fd, workdir, keep)


def _run_on_host(code, python, lang, stdin, files, timeout, env, runtime, data, event_fd, workdir, keep):
    python = python or (DATA_PYTHON if data else BASIC_PYTHON)
    workdir = workdir or tempfile.mkdtemp(prefix="sandpit-test-")
    with open(os.path.join(workdir, "main.py"), "w", encoding="utf-8") as handle:
        handle.write(code)
    for name, content in (files or {}).items():
        mode = "wb" if isinstance(content, bytes) else "w"
        with open(os.path.join(workdir, name), mode) as handle:
            handle.write(content)
    environment = base_env(workdir, lang, env, runtime, data)
    read_end, write_end = os.pipe()
    if event_fd:
        # Put the pipe on fd 3 exactly, as the runner does, and nothing else
        # (bash, not dash: dash cannot redirect from fds above 9).
        argv = ["/bin/bash", "-c", 'exec 3>&%d %d>&-; exec "$0" -B main.py' % (write_end, write_end), python]
        pass_fds = (write_end,)
    else:
        argv = [python, "-B", "main.py"]
        pass_fds = ()
    chunks = []
    reader = threading.Thread(target=_drain, args=(read_end, chunks), daemon=True)
    reader.start()
    try:
        proc = subprocess.Popen(argv, cwd=workdir, env=environment, stdin=subprocess.PIPE,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, pass_fds=pass_fds)
    finally:
        os.close(write_end)
    try:
        out, err = proc.communicate(stdin.encode("utf-8"), timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        out, err = proc.communicate()
        reader.join(5)
        raise AssertionError("program timed out after %ss; stderr: %s" % (timeout, err.decode("utf-8", "replace")[-2000:]))
    reader.join(30)
    run = Run(proc.returncode, out.decode("utf-8", "replace"), err.decode("utf-8", "replace"), b"".join(chunks), workdir)
    if not keep:
        shutil.rmtree(workdir, ignore_errors=True)
    return run


def _drain(fd, chunks):
    try:
        while True:
            data = os.read(fd, 65536)
            if not data:
                break
            chunks.append(data)
    finally:
        os.close(fd)


def require_data_python(test):
    """The matplotlib tests need the provisioned venv: a failure in CI, a skip elsewhere."""
    if os.path.exists(DATA_PYTHON) and os.path.isdir(MPL_CACHE):
        return
    message = "python-data venv not provisioned (%s, %s): run runtime/provision.sh" % (DATA_PYTHON, MPL_CACHE)
    if IN_CI:
        test.fail(message)
    raise unittest.SkipTest(message)


def extra_pythons():
    """Other interpreters (3.9-3.13) to check the runtime against, when this machine has them."""
    found = []
    listed = os.environ.get("SANDPIT_TEST_PYTHONS")
    candidates = listed.split(os.pathsep) if listed else sorted(
        glob.glob(os.path.expanduser("~/.pyenv/versions/3.*/bin/python3")))
    for path in candidates:
        version = _version_of(path)
        if version and (3, 9) <= version <= (3, 13) and path not in found:
            found.append(path)
    return found


def _version_of(path):
    try:
        out = subprocess.run([path, "-c", "import sys; print(sys.version_info[0], sys.version_info[1])"],
                             capture_output=True, text=True, timeout=30)
        major, minor = out.stdout.split()
        return int(major), int(minor)
    except Exception:
        return None


def python_minor(path):
    version = _version_of(path)
    return "%d.%d" % version if version else None


def turtledemo_dir(python=None):
    """CPython's turtledemo programs for `python`: its own, else the ones provision.sh unpacked."""
    python = python or BASIC_PYTHON
    out = subprocess.run([python, "-c", "import turtledemo, os; print(os.path.dirname(turtledemo.__file__))"],
                         capture_output=True, text=True, env={"PATH": "/usr/bin:/bin"})
    if out.returncode == 0 and os.path.isfile(os.path.join(out.stdout.strip(), "clock.py")):
        return out.stdout.strip()
    minor = python_minor(python)
    candidate = os.path.join(PREFIX, "testdata", "turtledemo-%s" % minor)
    return candidate if os.path.isfile(os.path.join(candidate, "clock.py")) else None

