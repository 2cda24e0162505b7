"""Approximate text extents for the headless canvas.

Tk measures text with real fonts; CPython's turtle only uses the result to move
the turtle after `write(..., move=True)`. Without fonts in the sandbox we
estimate: a CJK (wide) character is one em, Latin letters about half an em.
The front renders the text itself, so only that move depends on this guess.
"""

import unicodedata

# Tk font sizes are points when positive, pixels when negative; Tk's default
# scaling on a 96 dpi display is 96/72 pixels per point.
PIXELS_PER_POINT = 96.0 / 72.0
DEFAULT_FONT = ("TkDefaultFont", 10, "normal")

_NARROW = set("iIjlft.,:;'|!()[]{} ")
_WIDE_LATIN = set("mwMW@%&")


def normalize_font(font):
    """Tk font spec -> [family, size, style] (style is '' or words like 'bold italic')."""
    if font is None or font == "":
        family, size, styles = DEFAULT_FONT[0], DEFAULT_FONT[1], []
    elif isinstance(font, str):
        family, size, styles = _parse_font_string(font)
    else:
        try:
            parts = list(font)
        except TypeError:
            parts = [str(font)]
        family = str(parts[0]) if parts else DEFAULT_FONT[0]
        size = parts[1] if len(parts) > 1 else DEFAULT_FONT[1]
        styles = [str(s) for s in parts[2:]]
    try:
        size = int(float(size))
    except (TypeError, ValueError):
        size = DEFAULT_FONT[1]
    style = " ".join(w for s in styles for w in s.split() if w.lower() not in ("normal", "roman"))
    return [family, size, style]


def _parse_font_string(spec):
    spec = spec.strip()
    if spec.startswith("{") and "}" in spec:
        family, rest = spec[1:spec.index("}")], spec[spec.index("}") + 1:].split()
    else:
        words = spec.split()
        family, rest = (words[0] if words else DEFAULT_FONT[0]), words[1:]
    size = DEFAULT_FONT[1]
    if rest:
        try:
            size = int(rest[0])
            rest = rest[1:]
        except ValueError:
            pass
    return family, size, rest


def font_pixels(size):
    return -size if size < 0 else size * PIXELS_PER_POINT


def text_size(text, font):
    """(width, height) in pixels of `text` drawn in Tk font spec `font` (a guess)."""
    family, size, style = normalize_font(font)
    em = font_pixels(size) or 1.0
    mono = any(key in family.lower() for key in ("courier", "mono", "consol", "fixed"))
    bold = "bold" in style
    lines = str(text).split("\n")
    width = 0.0
    for line in lines:
        width = max(width, sum(_char_width(ch, mono) for ch in line) * em * (1.07 if bold else 1.0))
    height = len(lines) * em * 1.25
    return width, height


def _char_width(ch, mono):
    if unicodedata.east_asian_width(ch) in ("W", "F"):
        return 1.0
    if unicodedata.combining(ch):
        return 0.0
    if mono:
        return 0.6
    if ch in _NARROW:
        return 0.3
    if ch in _WIDE_LATIN:
        return 0.85
    if ch.isupper() or ch.isdigit():
        return 0.65 if ch.isupper() else 0.56
    return 0.52


def anchored_box(x, y, width, height, anchor):
    """Canvas bbox (x0, y0, x1, y1) of a box of the given size placed at (x, y) by a Tk anchor."""
    anchor = (anchor or "center").lower()
    if anchor == "center":
        anchor = ""
    if "w" in anchor:
        x0 = x
    elif "e" in anchor:
        x0 = x - width
    else:
        x0 = x - width / 2.0
    if "n" in anchor:
        y0 = y
    elif "s" in anchor:
        y0 = y - height
    else:
        y0 = y - height / 2.0
    return (int(round(x0)), int(round(y0)), int(round(x0 + width)), int(round(y0 + height)))
