"""Sandpit's `turtle`: CPython's own turtle module, drawing into the editor.

This file shadows the stdlib name only to load the real stdlib turtle.py on a
headless canvas (see _sandpit/turtle_backend.py); after `import turtle` the
module you get is CPython's, with the same functions, classes and errors.
Drawings stream to the editor as `visualization` events of kind "turtle"
(format: docs/visualization.md). done(), mainloop() and exitonclick() return
once pending ontimer() callbacks have run; a program without done() is fine.
"""

import sys as _sys

from _sandpit.turtle_backend import load_stdlib_turtle as _load

# The import system hands out whatever sys.modules["turtle"] holds when this
# file finishes, so `import turtle` and `from turtle import *` get the real one.
_sys.modules[__name__] = _load()
