"""A headless stand-in for the small part of tkinter that CPython's turtle uses.

CPython's turtle.py talks to Tk only through TurtleScreenBase, ScrolledCanvas
and _Root, i.e. through a Tk canvas. This package gives it a canvas that keeps
its items in memory and reports every visible change as a compact drawing op
(see canvas.py), so the real turtle module — with all its API, its checks and
its exception types — runs unchanged without a display.

It is handed to turtle.py only (see turtle_backend.py); a kid's own
`import tkinter` still fails with a clear message.
"""

from _sandpit.tkheadless.widgets import (  # noqa: F401  (the tkinter names turtle.py uses)
    BOTH,
    END,
    HORIZONTAL,
    LEFT,
    RIGHT,
    ROUND,
    SUNKEN,
    VERTICAL,
    YES,
    Frame,
    Misc,
    PhotoImage,
    Scrollbar,
    TclError,
    Tk,
    Toplevel,
    mainloop,
)
from _sandpit.tkheadless.canvas import Canvas  # noqa: F401
from _sandpit.tkheadless import simpledialog  # noqa: F401

TkVersion = 8.6
TclVersion = 8.6
