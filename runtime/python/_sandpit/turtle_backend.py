"""Load the interpreter's own turtle.py on the headless canvas.

Rather than re-implementing turtle, Sandpit runs CPython's turtle module (from
the stdlib of whichever interpreter runs the kid's program, 3.9 to 3.13) with
`tkinter` resolved to _sandpit.tkheadless for that one import. Every method,
default, error message and exception type is therefore CPython's own, and
tracebacks through turtle show the real turtle.py lines.

A few small patches adapt it to a replayed drawing instead of a live window:

* `_goto`, `_rotate`, `_undogoto` run with the turtle's speed at 0 for the
  duration of the call, so turtle.py draws each move once instead of as many
  animation frames; a `speed` op tells the replayer how fast to animate.
* `_drawturtle` sends the cursor's state (position, heading, shape) instead of
  redrawing its polygon on every step.
* `TurtleScreenBase._drawline/_drawpoly` make one canvas call per change, so
  a change is one op, and `_rescale` (setworldcoordinates) is one `scale` op
  rather than new coordinates for every item.
"""

import importlib.machinery
import importlib.util
import math
import os
import sys

from _sandpit import tkcolors, tkheadless
from _sandpit.turtle_recorder import num, recorder


def load_stdlib_turtle():
    """Import CPython's turtle.py as `turtle`, patched; returns the module."""
    stdlib_dir = os.path.dirname(os.__file__)
    spec = importlib.machinery.PathFinder.find_spec("turtle", [stdlib_dir])
    if spec is None or spec.loader is None:
        raise ModuleNotFoundError("No module named 'turtle'", name="turtle")
    module = importlib.util.module_from_spec(spec)
    fakes = {"tkinter": tkheadless, "tkinter.simpledialog": tkheadless.simpledialog}
    saved = {name: sys.modules.get(name) for name in fakes}
    sys.modules.update(fakes)
    sys.modules["turtle"] = module
    try:
        spec.loader.exec_module(module)
    finally:
        # Only turtle.py sees the fake: a kid's `import tkinter` still fails clearly.
        for name, previous in saved.items():
            if previous is None:
                sys.modules.pop(name, None)
            else:
                sys.modules[name] = previous
    _patch(module)
    return module


def _patch(turtle):
    raw = turtle.RawTurtle
    raw._goto = _without_animation(raw._goto, announce_speed=True)
    raw._rotate = _without_animation(raw._rotate, announce_speed=False)
    raw._undogoto = _without_animation(raw._undogoto, announce_speed=True)
    raw._drawturtle = _drawturtle
    base = turtle.TurtleScreenBase
    base._drawline = _drawline
    base._drawpoly = _drawpoly
    base._rescale = _rescale


def _without_animation(original, announce_speed):
    # The wrapper keeps the original's name so `RawTurtle._goto` still reads
    # as such in a traceback that passes through it.
    def wrapper(self, *args):
        if announce_speed:
            screen = self.screen
            speed = self._speed if screen._tracing == 1 else 0
            recorder().set_speed(speed, screen._delayvalue)
        speed = self._speed
        self._speed = 0
        try:
            return original(self, *args)
        finally:
            self._speed = speed

    wrapper.__name__ = original.__name__
    wrapper.__qualname__ = original.__qualname__
    wrapper.__doc__ = original.__doc__
    return wrapper


def _drawline(self, lineitem, coordlist=None, fill=None, width=None, top=False):
    coords = None if coordlist is None else _canvas_coords(self, coordlist)
    self.cv.sandpit_draw(lineitem, coords, fill=fill, width=width, top=top)


def _drawpoly(self, polyitem, coordlist, fill=None, outline=None, width=None, top=False):
    self.cv.sandpit_draw(polyitem, _canvas_coords(self, coordlist), fill=fill, outline=outline, width=width, top=top)


def _rescale(self, xscalefactor, yscalefactor):
    self.cv.sandpit_rescale(xscalefactor, yscalefactor)


def _canvas_coords(screen, coordlist):
    xscale, yscale = screen.xscale, screen.yscale
    flat = []
    for x, y in coordlist:
        flat.append(x * xscale)
        flat.append(-y * yscale)
    return flat


def _drawturtle(self):
    """Send the cursor's state when CPython would draw it, or its hiding."""
    screen = self.screen
    shape = screen._shapes[self.turtle.shapeIndex]
    item = self.turtle._item
    item = item[0] if isinstance(item, (list, tuple)) else item
    if self._shown and screen._updatecounter == 0 and screen._tracing > 0:
        self._hidden_from_screen = False
        state, image = _cursor_state(self, shape)
        screen.cv.sandpit_turtle(item, state, image)
    elif not self._hidden_from_screen:
        screen.cv.sandpit_turtle(item, {"vis": False})
        self._hidden_from_screen = True


def _cursor_state(turtle, shape):
    screen = turtle.screen
    x, y = turtle._position
    e0, e1 = turtle._orient
    heading = num(math.degrees(math.atan2(e1 * screen.yscale, e0 * screen.xscale)) % 360.0)
    if heading >= 360:  # 359.999 rounds up
        heading = 0
    state = {"vis": True, "x": num(x * screen.xscale), "y": num(y * screen.yscale), "h": heading}
    # The shape part changes rarely but would be recomputed on every step: cache it.
    key = (id(shape), id(shape._data), shape._type, turtle._resizemode, turtle._shapetrafo,
           turtle._pensize, turtle._outlinewidth, turtle._fillcolor, turtle._pencolor, screen._colormode)
    cached = getattr(turtle, "_sandpit_cursor_shape", None)
    if cached is None or cached[0] != key:
        cached = (key,) + _shape_state(turtle, shape)
        turtle._sandpit_cursor_shape = cached
    state.update(cached[1])
    return state, cached[2]


def _shape_state(turtle, shape):
    state = {}
    image = None
    if shape._type == "polygon":
        if turtle._resizemode == "noresize":
            width = 1
        elif turtle._resizemode == "auto":
            width = turtle._pensize
        else:
            width = turtle._outlinewidth
        poly = turtle._getshapepoly(shape._data)
        state["parts"] = [[_flat(poly), _hex(turtle._fillcolor), _hex(turtle._pencolor)]]
        state["w"] = num(width)
        state["img"] = None
    elif shape._type == "compound":
        state["parts"] = [
            [_flat(turtle._getshapepoly(poly, True)), _hex(turtle._cc(fill)), _hex(turtle._cc(outline))]
            for poly, fill, outline in shape._data
        ]
        state["w"] = num(turtle._outlinewidth)
        state["img"] = None
    else:
        picture = shape._data
        has_pixels = isinstance(picture, tkheadless.PhotoImage) and picture.has_pixels()
        state["parts"] = []
        state["img"] = picture.name if has_pixels else None
        image = picture if has_pixels else None
    return state, image


def _flat(poly):
    flat = []
    for x, y in poly:
        flat.append(num(x))
        flat.append(num(y))
    return flat


def _hex(color):
    return tkcolors.to_hex(color) if isinstance(color, str) else None
