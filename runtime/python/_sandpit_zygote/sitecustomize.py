"""Sandpit zygote start-up hook (not the kid runtime; see sandbox/src/zygote.rs).

A zygote is `python3 /work/main.py` started once by the runner with this directory
on PYTHONPATH. Python runs this hook at the end of its start-up, before it would
open the program. Here the zygote forks one helper per request of the runner and
never leaves the loop. A helper builds its job's sandbox (libsandpit_zygote), and
only the job's program process comes back here, inside that sandbox with every
layer applied; this
hook then puts back what the zygote's own start-up did differently from an
interpreter started in the sandbox, and runs the kid runtime's hook, which waits
for the job. When it returns, Python opens /work/main.py and runs it as a script,
exactly as `python3 /work/main.py` would.
"""

import os
import sys


def _sandpit_rewrite_environ_block(ctypes):
    """Make /proc/self/environ show the program's environment.

    It shows the block the zygote was started with, which names host paths (the
    zygote's PYTHONPATH, its library). Every variable is first copied out of the
    block (setenv), so nothing points into it any more; then the block is
    overwritten in place with the current environment and zero-filled. (A block
    too small for it is only zero-filled.)
    """
    with open("/proc/self/stat", "rb") as f:
        stat = f.read()
    fields = stat[stat.rindex(b")") + 2 :].split()
    start, end = int(fields[47]), int(fields[48])  # env_start, env_end (fields 50, 51)
    if not 0 < start < end:
        return
    for name, value in os.environ.items():
        os.putenv(name, value)
    block = b"".join(
        os.fsencode(name) + b"=" + os.fsencode(value) + b"\0"
        for name, value in os.environ.items()
    )
    if len(block) > end - start:
        block = b""
    ctypes.memset(start, 0, end - start)
    ctypes.memmove(start, block, len(block))


def _sandpit_preload():
    """The policy's `[runtime] preload` modules, imported once here for every job.

    A module that fails to import is forgotten; the job's interpreter then tries it
    again, as a started one would. matplotlib reads its config dir while it loads:
    here that is the prebuilt, read-only cache the kid runtime links into each job's
    MPLCONFIGDIR (nothing is written on the host), and the directory it remembered
    is forgotten again, so a job's matplotlib uses the job's own.
    """
    names = [n for n in os.environ.get("SANDPIT_PRELOAD", "").split(",") if n]
    if not names:
        return
    mpl = os.environ.get("MPLBACKEND") == "module://sandpit_mpl"
    config_dir = os.environ.get("MPLCONFIGDIR")
    if mpl:
        os.environ["MPLCONFIGDIR"] = os.environ.get("SANDPIT_MPL_CACHE") or os.path.join(
            sys.prefix, "share", "sandpit", "mpl"
        )
    try:
        for name in names:
            before = set(sys.modules)
            try:
                __import__(name)
            except BaseException:
                for loaded in set(sys.modules) - before:
                    del sys.modules[loaded]
    finally:
        if mpl:
            if config_dir is None:
                del os.environ["MPLCONFIGDIR"]
            else:
                os.environ["MPLCONFIGDIR"] = config_dir
            matplotlib = sys.modules.get("matplotlib")
            for name in ("get_configdir", "get_cachedir"):
                getattr(getattr(matplotlib, name, None), "cache_clear", lambda: None)()


def _sandpit_serve():
    _sandpit_preload()
    before = set(sys.modules)
    cache_before = set(sys.path_importer_cache)
    import ctypes

    socket_fd = int(os.environ.pop("SANDPIT_ZYGOTE_FD"))
    library = os.environ.pop("SANDPIT_ZYGOTE_LIB")
    runtime = os.environ.pop("SANDPIT_ZYGOTE_RUNTIME")
    here = os.path.dirname(os.path.abspath(__file__))
    # PyDLL: the interpreter's lock stays held. RTLD_NOW: every symbol the library
    # uses is bound here, once, not again in each forked helper on first call.
    zygote = ctypes.PyDLL(library, mode=os.RTLD_NOW | os.RTLD_LOCAL)
    zygote.sandpit_zygote_receive.argtypes = [ctypes.c_int, ctypes.POINTER(ctypes.c_int)]
    zygote.sandpit_zygote_reply.argtypes = [ctypes.c_int, ctypes.c_int]
    zygote.sandpit_zygote_helper.argtypes = [ctypes.POINTER(ctypes.c_int)]
    # The helper's stdin, stdout, stderr and the network namespace it joins.
    fds = (ctypes.c_int * 4)()
    # Everything the zygote made so far is left alone by the collector from now on,
    # so the pages holding it stay shared with every forked job (copy-on-write).
    import gc

    gc.freeze()
    while True:
        if zygote.sandpit_zygote_receive(socket_fd, fds) < 0:
            os._exit(0)  # the runner went away: nothing left to serve
        helper = os.fork()
        if helper == 0:
            # Returns only in the job's program process.
            start_fd = zygote.sandpit_zygote_helper(fds)
            break
        for fd in fds:
            os.close(fd)
        if zygote.sandpit_zygote_reply(socket_fd, helper) < 0:
            os._exit(0)
        try:  # helpers that finished (the runner watches them through pidfds)
            while os.waitpid(-1, os.WNOHANG)[0]:
                pass
        except ChildProcessError:
            pass
    # The job's program process, confined: a copy of the helper, which os.fork made
    # (so Python's own after-fork work is done). The zygote's objects stay frozen:
    # the collector never walks them, here or when the program ends, which keeps
    # their pages shared (about 1 ms per job; gc.get_freeze_count() tells).
    # What only the zygote used goes again: the library (unmapped where possible),
    # and the modules imported for it (a program that imports them gets them anew).
    import _ctypes

    try:
        _ctypes.dlclose(zygote._handle)
    except OSError:
        pass
    del zygote, _ctypes
    for name in set(sys.modules) - before:
        del sys.modules[name]
    # The runtime instead of this hook on the path, as PYTHONPATH has it in the
    # sandbox. site added the host's site-packages directories that exist there
    # (empty in the zygote's view); an interpreter started in the sandbox has only
    # those that exist inside.
    import site

    sys.path[:] = [runtime if entry == here else entry for entry in sys.path]
    for entry in site.getsitepackages() + [site.getusersitepackages()]:
        if entry in sys.path and not os.path.isdir(entry):
            sys.path.remove(entry)
    for entry in list(sys.path_importer_cache):
        if entry == here or entry not in cache_before:
            del sys.path_importer_cache[entry]
    os.environ["PYTHONPATH"] = runtime
    # The helper ignores SIGINT; an interpreter started in the sandbox inherits that
    # and keeps it, and so does this one now. (Only modules already loaded are used
    # here: the program starts with exactly the modules a started interpreter has.)
    import _signal

    _signal.signal(_signal.SIGINT, _signal.SIG_IGN)
    if "time" in sys.modules:  # its zone came from the host: read it again, inside
        sys.modules["time"].tzset()
    # Hand over to the kid runtime's hook: it waits for the job on this fd.
    os.environ["SANDPIT_START_FD"] = str(start_fd)
    _sandpit_rewrite_environ_block(ctypes)
    del ctypes
    del sys.modules["sitecustomize"]
    import sitecustomize  # noqa: F401  (the kid runtime's, from /sandpit/runtime)


_sandpit_serve()
