"""Headless Tk windows: enough of Tk, Frame, Scrollbar and PhotoImage for turtle.py.

Geometry managers, focus and bindings are accepted and kept, never acted on:
there is no display, so no event ever arrives. Timers run on the virtual
clock in eventloop.py when the program enters mainloop().
"""

import base64
import os

from _sandpit import tkcolors
from _sandpit.eventloop import loop

BOTH = "both"
END = "end"
HORIZONTAL = "horizontal"
VERTICAL = "vertical"
LEFT = "left"
RIGHT = "right"
ROUND = "round"
SUNKEN = "sunken"
YES = 1

# The virtual monitor. CPython's default window is 50% x 75% of the screen,
# which makes the default turtle window 800 x 600 here.
SCREEN_WIDTH = 1600
SCREEN_HEIGHT = 800


class TclError(Exception):
    pass


_default_root = None


def _root_for(master):
    global _default_root
    if master is not None:
        return master
    if _default_root is None or _default_root._destroyed:
        _default_root = Tk()
    return _default_root


class _TkApp:
    """What `widget.tk` is in tkinter: the interpreter, here only its mainloop."""

    def mainloop(self, n=0):
        mainloop(n)

    def call(self, *args):
        return ""

    def eval(self, script):
        return ""


class Misc:
    _widget_options = {}

    def __init__(self, master=None, cnf=None, **kw):
        self.master = master
        self._options = dict(self._widget_options)
        self._options.update(_clean(cnf, kw))
        self._bindings = {}
        self._destroyed = False
        self.children = {}

    # -- options ----------------------------------------------------------

    def configure(self, cnf=None, **kw):
        options = _clean(cnf, kw)
        if not options:
            return dict(self._options)
        self._options.update(options)
        self._options_changed(options)
        return None

    config = configure

    def cget(self, key):
        return self._options.get(key, "")

    __getitem__ = cget

    def __setitem__(self, key, value):
        self.configure(**{key: value})

    def keys(self):
        return list(self._options)

    def _options_changed(self, options):
        pass

    # -- timers and the event loop ---------------------------------------

    def after(self, ms, func=None, *args):
        if func is None:
            # Tk would sleep here (turtle's per-frame delay). Without a
            # display there is nothing to wait for.
            return None
        return loop.after(ms, func, args)

    def after_idle(self, func, *args):
        return loop.after(0, func, args)

    def after_cancel(self, timer_id):
        loop.cancel(timer_id)

    def update(self):
        from _sandpit import turtle_recorder

        rec = turtle_recorder._recorder
        if rec is not None:
            rec.maybe_flush()

    update_idletasks = update

    def mainloop(self, n=0):
        mainloop(n)

    def quit(self):
        loop.quit()

    @property
    def tk(self):
        return _TkApp()

    # -- bindings (kept, never fired) -------------------------------------

    def bind(self, sequence=None, func=None, add=None):
        if sequence is None:
            return list(self._bindings)
        if func is None:
            return self._bindings.get(sequence, "")
        self._bindings[sequence] = func
        return "bind%d" % id(func)

    def unbind(self, sequence, funcid=None):
        self._bindings.pop(sequence, None)

    bind_all = bind
    unbind_all = unbind

    def focus_force(self):
        pass

    focus_set = focus = focus_force

    def event_generate(self, sequence, **kw):
        pass

    # -- geometry management (no-ops) -------------------------------------

    def _no_op(self, *args, **kw):
        return None

    pack = pack_configure = pack_forget = _no_op
    grid = grid_configure = grid_forget = grid_remove = _no_op
    place = place_configure = place_forget = _no_op
    rowconfigure = columnconfigure = grid_rowconfigure = grid_columnconfigure = _no_op
    wait_window = wait_visibility = _no_op

    # -- window information ----------------------------------------------

    def winfo_toplevel(self):
        widget = self
        while widget.master is not None:
            widget = widget.master
        return widget

    def winfo_width(self):
        top = self.winfo_toplevel()
        if isinstance(top, Tk) and top._geometry is not None:
            return top._geometry[0]
        return _as_int(self._options.get("width"), 1)

    def winfo_height(self):
        top = self.winfo_toplevel()
        if isinstance(top, Tk) and top._geometry is not None:
            return top._geometry[1]
        return _as_int(self._options.get("height"), 1)

    def winfo_screenwidth(self):
        return SCREEN_WIDTH

    def winfo_screenheight(self):
        return SCREEN_HEIGHT

    def winfo_exists(self):
        return 0 if self._destroyed else 1

    def winfo_rgb(self, color):
        value = tkcolors.to_hex(color) if color != "" else None
        if not value:
            raise TclError('unknown color name "%s"' % (color,))
        r, g, b = (int(value[i:i + 2], 16) * 257 for i in (1, 3, 5))
        return (r, g, b)

    def destroy(self):
        self._destroyed = True


class Tk(Misc):
    def __init__(self, screenName=None, baseName=None, className="Tk", useTk=True, sync=False, use=None):
        Misc.__init__(self, None)
        self._geometry = None
        self._title = className.lower() if className else "tk"
        self._protocols = {}
        self._canvases = []
        global _default_root
        if _default_root is None or _default_root._destroyed:
            _default_root = self

    def title(self, string=None):
        if string is None:
            return self._title
        self._title = str(string)
        self._notify_canvases()
        return None

    wm_title = title

    def geometry(self, spec=None):
        if spec is None:
            if self._geometry is None:
                return "1x1+0+0"
            return "%dx%d+0+0" % self._geometry
        size = str(spec).split("+")[0].split("-")[0]
        if "x" in size:
            width, height = size.split("x", 1)
            self._geometry = (_as_int(width, 1), _as_int(height, 1))
            self._notify_canvases()
        return None

    wm_geometry = geometry

    def protocol(self, name=None, func=None):
        if func is not None:
            self._protocols[name] = func
        return None

    wm_protocol = protocol

    def _no_op(self, *args, **kw):
        return None

    resizable = minsize = maxsize = iconify = deiconify = withdraw = lift = _no_op
    attributes = wm_attributes = state = overrideredirect = iconbitmap = _no_op

    def _register_canvas(self, canvas):
        self._canvases.append(canvas)

    def _notify_canvases(self):
        for canvas in self._canvases:
            canvas._screen_changed()

    def destroy(self):
        Misc.destroy(self)
        self._notify_canvases()
        global _default_root
        if _default_root is self:
            _default_root = None


class Toplevel(Tk):
    def __init__(self, master=None, cnf=None, **kw):
        Tk.__init__(self)


class Frame(Misc):
    def __init__(self, master=None, cnf=None, **kw):
        Misc.__init__(self, _root_for(master), cnf, **kw)


class Scrollbar(Misc):
    def __init__(self, master=None, cnf=None, **kw):
        Misc.__init__(self, _root_for(master), cnf, **kw)

    def set(self, first, last):
        pass


def mainloop(n=0):
    """Run the timers of the virtual clock (see eventloop.py), then return."""
    from _sandpit import turtle_recorder

    turtle_recorder.flush()
    loop.run()
    turtle_recorder.flush()


class PhotoImage:
    """An image from a .gif/.png file (turtle shapes, bgpic), shipped as a `bitmap` op."""

    _counter = 0

    def __init__(self, name=None, cnf=None, master=None, **kw):
        options = _clean(cnf, kw)
        PhotoImage._counter += 1
        self.name = name or "pyimage%d" % PhotoImage._counter
        self.path = options.get("file")
        self._data = options.get("data")
        self.pixel_width = _as_int(options.get("width"), 0)
        self.pixel_height = _as_int(options.get("height"), 0)
        self.mime = "image/gif"
        self._bytes = None
        if self.path is not None:
            self._load_file(os.fspath(self.path))
        elif self._data is not None:
            raw = self._data if isinstance(self._data, bytes) else str(self._data).encode("ascii", "replace")
            try:
                self._set_bytes(base64.b64decode(raw, validate=False))
            except Exception:
                self._set_bytes(raw)

    def _load_file(self, path):
        try:
            with open(path, "rb") as handle:
                self._set_bytes(handle.read())
        except OSError:
            raise TclError('couldn\'t open "%s": no such file or directory' % (path,))

    def _set_bytes(self, data):
        self._bytes = data
        if data[:6] in (b"GIF87a", b"GIF89a") and len(data) >= 10:
            self.mime = "image/gif"
            self.pixel_width = int.from_bytes(data[6:8], "little")
            self.pixel_height = int.from_bytes(data[8:10], "little")
        elif data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) >= 24:
            self.mime = "image/png"
            self.pixel_width = int.from_bytes(data[16:20], "big")
            self.pixel_height = int.from_bytes(data[20:24], "big")
        else:
            raise TclError("couldn't recognize image data")

    def has_pixels(self):
        return bool(self._bytes)

    def base64_data(self, limit):
        if not self._bytes or len(self._bytes) > limit:
            return None
        return base64.b64encode(self._bytes).decode("ascii")

    def blank(self):
        self._bytes = None

    def width(self):
        return self.pixel_width

    def height(self):
        return self.pixel_height

    def cget(self, key):
        return {"file": self.path or "", "width": self.pixel_width, "height": self.pixel_height}.get(key, "")

    def configure(self, **kw):
        pass

    config = configure

    def copy(self):
        return self

    def zoom(self, x, y=""):
        return self

    subsample = zoom

    def __str__(self):
        return self.name


def _clean(cnf, kw):
    options = {}
    if cnf:
        options.update(cnf)
    options.update(kw)
    return {k.rstrip("_"): v for k, v in options.items() if v is not None}


def _as_int(value, default):
    try:
        return int(float(value))
    except (TypeError, ValueError):
        return default
