"""Sandpit: Tk's C extension can't exist without a display; see tkinter/__init__.py."""

raise ModuleNotFoundError(
    "No module named '_tkinter': Sandpit programs have no windows - draw with the turtle module instead",
    name="_tkinter",
)
