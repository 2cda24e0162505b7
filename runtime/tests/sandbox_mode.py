"""Running a test program in the real sandbox: `sandpit-runner exec --json`.

The sandboxed pass sets SANDPIT_SANDBOX_RUNNER=/path/to/sandpit-runner; then
support.run_program sends every program it can express to the runner instead
of starting Python on the host. A call the runner's CLI can't express (extra
files, a custom environment, no runtime, no event fd, a work dir the test
inspects afterwards) still runs on the host; every such call is counted with
its reason, and the totals are printed when the pass ends, so the split is
never silent.

The runner answers with the contract's result record (docs: /work/shared/contract.md,
runtime/README.md). Its `visualizations` are the runtime's events in order and
`explanation` the last explanation event; the raw bytes of fd 3 are not passed
on, so `events_as_bytes` re-encodes the events the way the runtime writes them
(_sandpit/events.py) for the tests that measure event volume.
"""

import atexit
import collections
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import unittest

HERE = os.path.dirname(os.path.abspath(__file__))
REPO = os.path.abspath(os.path.join(HERE, "..", ".."))
RUNTIME = os.path.join(REPO, "runtime", "python")
POLICIES = os.path.join(REPO, "policies")
DEFAULT_RUNNER = os.path.join(REPO, "target", "debug", "sandpit-runner")
IN_CI = os.environ.get("CI", "").lower() == "true"

# Set: this pass runs programs in the sandbox. Unset: on the host, as before.
MODE_RUNNER = os.environ.get("SANDPIT_SANDBOX_RUNNER", "").strip()


def runner_path():
    """The runner for calls that must be sandboxed (the pass's runner, else the default build)."""
    return os.path.abspath(MODE_RUNNER or DEFAULT_RUNNER)


def sandbox_unavailable():
    """Why this machine can't run sandboxed programs now, or None when it can."""
    if os.geteuid() != 0:
        return "the sandbox needs root (namespaces, cgroups)"
    path = runner_path()
    if not os.access(path, os.X_OK):
        return "no runner at %s: cargo build -p sandpit-runner (or set SANDPIT_SANDBOX_RUNNER)" % path
    return None


def require_sandbox(test):
    """For tests that only make sense in the sandbox: a failure in CI, a skip elsewhere."""
    reason = sandbox_unavailable()
    if reason is None:
        return
    if IN_CI:
        test.fail("sandboxed tests cannot run: " + reason)
    raise unittest.SkipTest(reason)


class Tally:
    """How many programs ran where, and why the host ones could not be sandboxed."""

    def __init__(self):
        self.lock = threading.Lock()
        self.sandboxed = 0
        self.host_reasons = collections.Counter()
        self.reported = False

    def count_sandboxed(self):
        with self.lock:
            self.sandboxed += 1

    def count_host(self, reason):
        with self.lock:
            self.host_reasons[reason] += 1

    def report(self):
        """Print the split once (run_pass.py calls it; atexit covers plain unittest runs)."""
        host = sum(self.host_reasons.values())
        if self.reported or (not MODE_RUNNER and not self.sandboxed):
            return
        self.reported = True
        reasons = ", ".join("%s: %d" % item for item in sorted(self.host_reasons.items()))
        sys.stderr.write("runtime tests: %d programs ran in the sandbox, %d on the host%s\n"
                         % (self.sandboxed, host, " (%s)" % reasons if reasons else ""))
        sys.stderr.flush()


TALLY = Tally()
atexit.register(TALLY.report)


def host_only_reason(python, files, env, runtime, data, event_fd, workdir, keep, default_data_python):
    """Why `exec` can't run this call as asked, or None when it can."""
    if not runtime:
        return "runtime=False"
    if not event_fd:
        return "event_fd=False"
    if env:
        return "custom env"
    if files:
        return "extra files"
    if workdir or keep:
        return "work dir inspected"
    if data and python and python != default_data_python:
        return "other python for python-data"  # its policy forbids RUNNER_PYTHON_BIN
    return None


def run_record(code, profile, lang="en", stdin="", timeout=60, python=None, policies=None):
    """Run `code` with `sandpit-runner exec --json`; returns the result record (a dict)."""
    scratch = tempfile.mkdtemp(prefix="sandpit-exec-")
    try:
        program = os.path.join(scratch, "main.py")
        with open(program, "w", encoding="utf-8") as handle:
            handle.write(code)
        stdin_file = os.path.join(scratch, "stdin")
        with open(stdin_file, "w", encoding="utf-8") as handle:
            handle.write(stdin)
        argv = [runner_path(), "exec", "--json", "--profile", profile, "--policies", policies or POLICIES,
                "--lang", lang, "--stdin", stdin_file, program]
        environment = dict(os.environ, SANDPIT_RUNTIME_DIR=RUNTIME)
        environment.pop("RUNNER_PYTHON_BIN", None)
        if python:
            environment["RUNNER_PYTHON_BIN"] = python
        try:
            proc = subprocess.run(argv, env=environment, stdin=subprocess.DEVNULL, capture_output=True,
                                  timeout=timeout)
        except subprocess.TimeoutExpired as expired:
            raise AssertionError("sandpit-runner exec did not end within %ss; stderr: %s"
                                 % (timeout, (expired.stderr or b"").decode("utf-8", "replace")[-2000:]))
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    diagnostics = proc.stderr.decode("utf-8", "replace")[-2000:]
    try:
        record = json.loads(proc.stdout.decode("utf-8"))
    except ValueError:
        raise AssertionError("sandpit-runner exec exited %d without a JSON record; stderr: %s"
                             % (proc.returncode, diagnostics))
    if record.get("status") == "internal_error":
        raise AssertionError("the sandbox failed (internal_error): %r; runner stderr: %s" % (record, diagnostics))
    return record


def events_of(record):
    """The runtime's events as the record carries them: visualizations in order, then the explanation."""
    events = list(record.get("visualizations", []))
    if record.get("explanation") is not None:
        events.append(record["explanation"])
    return events


def events_as_bytes(events):
    """The events re-encoded as _sandpit/events.py writes them: one compact UTF-8 JSON line each."""
    return b"".join((json.dumps(event, ensure_ascii=False, separators=(",", ":")) + "\n").encode("utf-8")
                    for event in events)


def returncode_of(record):
    """The exit status as subprocess reports it: the exit code, or minus the signal."""
    if record.get("exit_code") is not None:
        return record["exit_code"]
    if record.get("signal") is not None:
        return -record["signal"]
    return None


def relaxed_policies(base, name, **limits):
    """A TEST-ONLY copy of a shipped policy with other [limits], in a new temp dir; returns the dir.

    For programs that legitimately exceed the shipped limits (a demo that
    sleeps for ten seconds). `name` becomes the profile name and the file
    stem, so records say which policy ran them. The copy is checked with
    `sandpit-runner policy check` before use; the caller removes the dir.
    """
    with open(os.path.join(POLICIES, base + ".toml"), encoding="utf-8") as handle:
        text = handle.read()
    text, renamed = re.subn(r'(?m)^name = "%s"$' % re.escape(base), 'name = "%s"' % name, text)
    if renamed != 1:
        raise AssertionError("%s.toml: no single `name = \"%s\"` line" % (base, base))
    for key, value in limits.items():
        text, changed = re.subn(r"(?m)^%s = .*$" % re.escape(key), "%s = %s" % (key, value), text)
        if changed != 1:
            raise AssertionError("%s.toml: no single `%s = ...` line" % (base, key))
    directory = tempfile.mkdtemp(prefix="sandpit-test-policies-")
    with open(os.path.join(directory, name + ".toml"), "w", encoding="utf-8") as handle:
        handle.write(text)
    check = subprocess.run([runner_path(), "policy", "check", directory], capture_output=True, text=True)
    if check.returncode != 0:
        raise AssertionError("test-only policy %s is invalid: %s%s" % (name, check.stdout, check.stderr))
    return directory
