"""Sandpit: tkinter opens desktop windows, and programs here run on a server without one.

Raising here (rather than pretending to work) gives the kid a clear message
at the import line; the friendly-error explainer adds a kid-level explanation
in their language. Sandpit's turtle draws in the editor without tkinter.
"""

raise ModuleNotFoundError(
    "No module named 'tkinter': Sandpit programs have no windows - draw with the turtle module instead",
    name="tkinter",
)
