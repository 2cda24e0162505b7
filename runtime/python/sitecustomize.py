"""Sandpit start-up hook, run by Python before the kid's program (PYTHONPATH=/sandpit/runtime).

Keep this tiny: it runs for every program, so it imports nothing beyond what
Python has already loaded. Each feature loads itself on first use:

* `turtle` and `sandpit_mpl` are modules in this directory;
* friendly errors: the excepthook below imports _sandpit.friendly only when a
  program actually ends with an uncaught exception.
"""

import os
import sys


def _sandpit_wait_for_job():
    """Warm start: the sandbox may start Python before a job exists.

    Then SANDPIT_START_FD names a pipe, and this start-up hook is where Python
    waits: the sandbox writes a NUL and the job's own variables (NAME=value, each
    ended by a NUL) and closes the pipe once the program and its files are in
    place; a pipe closed with nothing in it means there is no job. Only
    after this returns does Python open /work/main.py and run it as a script, so
    the program sees exactly what `python3 /work/main.py` would give it.
    """
    fd = os.environ.pop("SANDPIT_START_FD", None)
    preload = os.environ.pop("SANDPIT_PRELOAD", "")
    if fd is None:
        return
    fd = int(fd)
    _sandpit_preload(preload)
    chunks = []
    while True:
        chunk = os.read(fd, 4096)
        if not chunk:
            break
        chunks.append(chunk)
    os.close(fd)
    if not chunks:
        # The sandbox let go without a job: nothing to run, nothing to say.
        os._exit(0)
    for entry in b"".join(chunks).split(b"\0"):
        name, sep, value = entry.decode("utf-8").partition("=")
        if sep:  # skips the leading NUL's empty entry
            os.environ[name] = value


def _sandpit_preload(names):
    """Import the policy's `[runtime] preload` modules while no job is waiting.

    A module that fails to import is forgotten again (with anything it half
    loaded), so the program's own `import` of it fails or succeeds exactly as it
    would have; nothing is printed either way.
    """
    for name in filter(None, names.split(",")):
        before = set(sys.modules)
        try:
            __import__(name)
        except BaseException:
            for loaded in set(sys.modules) - before:
                del sys.modules[loaded]


def _sandpit_excepthook(etype, value, tb):
    # The standard traceback first, byte for byte what CPython prints:
    # stdout/stderr stay exactly what the program produced.
    sys.__excepthook__(etype, value, tb)
    try:
        from _sandpit import friendly

        friendly.report(etype, value, tb)
    except BaseException:
        pass  # an explanation is a bonus; never fail the program's exit over it


def _sandpit_link_matplotlib_cache():
    """python-data: give matplotlib the font cache built at install time.

    matplotlib insists on a writable MPLCONFIGDIR, and the sandbox's only
    writable places are fresh per job. Symlinking the prebuilt cache files (and
    matplotlibrc) into it costs a few syscalls and saves rebuilding the font
    list (about a second) in every job. provision.sh keeps them inside the
    venv (share/sandpit/mpl), so binding the venv brings them along;
    SANDPIT_MPL_CACHE may name another place.
    """
    source = os.environ.get("SANDPIT_MPL_CACHE")
    if not source:
        if os.environ.get("MPLBACKEND") != "module://sandpit_mpl":
            return  # not the data profile: nothing to do, not even a stat()
        source = os.path.join(sys.prefix, "share", "sandpit", "mpl")
    target = os.environ.setdefault("MPLCONFIGDIR", "/tmp/matplotlib")
    try:
        os.mkdir(target, 0o700)
    except OSError:
        return  # exists already (a child process) or can't be made: matplotlib copes
    try:
        for name in os.listdir(source):
            try:
                os.symlink(os.path.join(source, name), os.path.join(target, name))
            except OSError:
                pass
    except OSError:
        pass


sys.excepthook = _sandpit_excepthook
_sandpit_link_matplotlib_cache()
del _sandpit_link_matplotlib_cache
_sandpit_wait_for_job()
del _sandpit_wait_for_job, _sandpit_preload
