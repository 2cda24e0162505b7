"""What an uncaught exception looked like from the kid's side.

The interesting frame is the last one in the kid's own files (the directory of
the main program, /work in the sandbox): an error raised deep inside turtle.py
or the stdlib is reported at the kid's line that called it.
"""

import builtins
import linecache
import os
import sys
import traceback


def work_dir():
    main = sys.modules.get("__main__")
    path = getattr(main, "__file__", None) or (sys.argv[0] if sys.argv and sys.argv[0] else "")
    if path and path not in ("-c", "-m"):
        return os.path.dirname(os.path.abspath(path))
    return os.getcwd()


class Situation:
    def __init__(self, etype, value, tb):
        self.etype = etype
        self.value = value
        self.tb = tb
        self.error = etype.__name__
        self.message = _safe_str(value)
        self.exception_line = _format_exception_line(etype, value)
        self.work_dir = work_dir()
        self.frame = None
        self.filename = None
        self.lineno = None
        self.raised_in_kid_code = False
        self._locate()
        self.code_line = self._code_line()

    # -- where --------------------------------------------------------------

    def is_kid_file(self, path):
        if not path or path.startswith("<"):
            return False
        path = os.path.abspath(path)
        return path.startswith(self.work_dir + os.sep)

    def _locate(self):
        if isinstance(self.value, SyntaxError) and self.is_kid_file(getattr(self.value, "filename", None)):
            self.filename = os.path.abspath(self.value.filename)
            self.lineno = self.value.lineno
            self.raised_in_kid_code = True
            return
        entries = []
        tb = self.tb
        while tb is not None:
            entries.append(tb)
            tb = tb.tb_next
        for index in range(len(entries) - 1, -1, -1):
            entry = entries[index]
            path = entry.tb_frame.f_code.co_filename
            if self.is_kid_file(path):
                self.frame = entry.tb_frame
                self.filename = os.path.abspath(path)
                self.lineno = entry.tb_lineno
                self.raised_in_kid_code = index == len(entries) - 1
                return

    @property
    def display_file(self):
        if not self.filename:
            return None
        return os.path.relpath(self.filename, self.work_dir)

    def point_at(self, lineno):
        """Report another line of the same file (the diagnosis knows better where to look)."""
        if lineno != self.lineno:
            self.lineno = lineno
            self.code_line = linecache.getline(self.filename, lineno).strip() or None

    def _code_line(self):
        if isinstance(self.value, SyntaxError) and self.value.text and self.raised_in_kid_code:
            return self.value.text.strip("\r\n").strip()
        if self.filename and self.lineno:
            return linecache.getline(self.filename, self.lineno).strip() or None
        return None

    # -- what the kid's code contains -------------------------------------

    def source(self):
        if not self.filename:
            return ""
        try:
            with open(self.filename, encoding="utf-8", errors="replace") as handle:
                return handle.read()
        except OSError:
            return ""

    def names_in_scope(self):
        names = set(dir(builtins))
        if self.frame is not None:
            names.update(self.frame.f_locals)
            names.update(self.frame.f_globals)
        return {n for n in names if not (n.startswith("__") and n.endswith("__"))}

    def lookup(self, name):
        """The value bound to `name` in the kid's frame, or None."""
        if self.frame is None:
            return None
        if name in self.frame.f_locals:
            return self.frame.f_locals[name]
        return self.frame.f_globals.get(name)

    def scope_values(self):
        if self.frame is None:
            return []
        values = list(self.frame.f_locals.values())
        if self.frame.f_globals is not self.frame.f_locals:
            values.extend(self.frame.f_globals.values())
        return values


def _safe_str(value):
    try:
        return str(value)
    except Exception:
        return ""


def _format_exception_line(etype, value):
    try:
        return "".join(traceback.format_exception_only(etype, value)).strip().splitlines()[-1]
    except Exception:
        return etype.__name__
