"""A headless Tk canvas that turns its visible changes into drawing ops.

Items live in memory exactly as Tk would keep them (ids, coordinates, options,
stacking order), so CPython's turtle can read them back (undo, clear, stamps).
An item reaches the wire only once it has something to show, and after that
only as changes: a polyline that grows by a point becomes a `lineto` op with
that point, not the whole line again. Coordinates go out in turtle space:
pixels from the canvas centre, y pointing up (Tk's canvas y points down).
"""

import itertools

from _sandpit import tkcolors, textmetrics
from _sandpit.turtle_recorder import num, recorder
from _sandpit.tkheadless.widgets import Misc, PhotoImage, TclError, Tk, _root_for

_item_ids = itertools.count(1)
_canvas_ids = itertools.count(1)

# Tk's defaults for the options turtle relies on.
_ITEM_DEFAULTS = {
    "line": {"fill": "black", "width": 1.0},
    "polygon": {"fill": "black", "outline": "", "width": 1.0},
    "text": {"fill": "black", "text": "", "anchor": "center", "font": None},
    "image": {"image": ""},
}
_COLOR_OPTIONS = ("fill", "outline")


class _Item:
    __slots__ = ("id", "kind", "coords", "opts", "z", "shown", "is_turtle", "sent", "tags")

    def __init__(self, item_id, kind, coords, opts, z):
        self.id = item_id
        self.kind = kind
        self.coords = coords
        self.opts = opts
        self.z = z
        self.shown = False
        self.is_turtle = False
        self.sent = None
        self.tags = {}


class Canvas(Misc):
    _widget_options = {"width": 378, "height": 265, "bg": "#d9d9d9"}

    def __init__(self, master=None, cnf=None, **kw):
        Misc.__init__(self, _root_for(master), cnf, **kw)
        _check_colors(self._options, ("bg", "background"))
        self.cid = next(_canvas_ids)
        self._items = {}
        self._z = itertools.count(1)
        self._top_shown_z = 0
        self._screen_sent = {}
        self._rec = recorder()
        top = self.winfo_toplevel()
        if isinstance(top, Tk):
            top._register_canvas(self)
        self._screen_changed()

    # -- the window: size, scroll region, background, title ---------------

    def configure(self, cnf=None, **kw):
        _check_colors(kw, ("bg", "background"))
        if cnf:
            _check_colors(cnf, ("bg", "background"))
        return Misc.configure(self, cnf, **kw)

    config = configure

    def _options_changed(self, options):
        if "background" in options:
            self._options["bg"] = options["background"]
        self._screen_changed()

    def _screen_changed(self):
        state = {"w": self.winfo_width(), "h": self.winfo_height()}
        region = _scrollregion(self._options.get("scrollregion"))
        if region is not None:
            state["cw"] = num(region[2] - region[0])
            state["ch"] = num(region[3] - region[1])
        state["bg"] = tkcolors.to_hex(self._options.get("bg", "")) or None
        top = self.winfo_toplevel()
        if isinstance(top, Tk):
            state["title"] = top._title
            if top._destroyed:
                state["closed"] = True  # bye(): a later Turtle() opens a new canvas
        changes = {k: v for k, v in state.items() if self._screen_sent.get(k, ()) != v}
        if changes:
            self._screen_sent.update(changes)
            ops = self._rec.ops
            if ops and ops[-1][0] == "screen" and ops[-1][1] == self.cid:
                ops[-1][2].update(changes)  # set-up makes several changes in a row: send one op
            else:
                self._rec.op("screen", self.cid, changes)

    # -- creating items ---------------------------------------------------

    def _create(self, kind, args, kw):
        opts = dict(_ITEM_DEFAULTS[kind])
        item = _Item(next(_item_ids), kind, _flatten(args), opts, next(self._z))
        self._apply_options(item, kw)
        self._items[item.id] = item
        self._sync(item)
        return item.id

    def create_line(self, *args, **kw):
        return self._create("line", args, kw)

    def create_polygon(self, *args, **kw):
        return self._create("polygon", args, kw)

    def create_text(self, *args, **kw):
        return self._create("text", args, kw)

    def create_image(self, *args, **kw):
        return self._create("image", args, kw)

    # -- changing items ---------------------------------------------------

    def coords(self, item_id, *args):
        item = self._items.get(_single_id(item_id))
        if item is None:
            return []
        if not args:
            return list(item.coords)
        item.coords = _flatten(args)
        self._sync(item)
        return None

    def itemconfigure(self, item_id, cnf=None, **kw):
        item = self._items.get(_single_id(item_id))
        if item is None:
            return None
        options = dict(cnf or {})
        options.update(kw)
        if not options:
            return dict(item.opts)
        self._apply_options(item, options)
        self._sync(item)
        return None

    itemconfig = itemconfigure

    def itemcget(self, item_id, option):
        item = self._items.get(_single_id(item_id))
        return "" if item is None else item.opts.get(option, "")

    def sandpit_draw(self, item_id, coords=None, fill=None, outline=None, width=None, top=False):
        """coords + itemconfigure + tag_raise in one step, so one change is one op.

        TurtleScreenBase._drawline/_drawpoly call this instead of three canvas
        calls (see turtle_backend.py)."""
        item = self._items.get(item_id)
        if item is None:
            return
        if coords is not None:
            item.coords = [float(v) for v in coords]
        options = {}
        if fill is not None:
            options["fill"] = fill
        if outline is not None:
            options["outline"] = outline
        if width is not None:
            options["width"] = width
        self._apply_options(item, options)
        if top:
            self._raise(item, sync_first=True)
        else:
            self._sync(item)

    def sandpit_turtle(self, item_id, state, image=None):
        """Show (or hide) a turtle cursor: its state, not its polygon, goes on the wire."""
        item = self._items.get(item_id)
        if item is None:  # deleted (e.g. by clearscreen): Tk would draw nothing either
            return
        if image is not None:
            self._rec.bitmap(image)
        if not item.is_turtle:
            if item.shown:  # was on the wire as a plain item: replace it by the cursor
                self._rec.op("del", item.id)
            item.shown = True
            item.is_turtle = True
            state = dict(state, cv=self.cid)
        self._rec.turtle(item_id, state)

    def _apply_options(self, item, options):
        for key, value in options.items():
            key = key.rstrip("_")
            if value is None:
                continue
            if key in _COLOR_OPTIONS and tkcolors.to_hex(value) is None:
                raise TclError('unknown color name "%s"' % (value,))
            if key == "width":
                try:
                    value = float(value)
                except (TypeError, ValueError):
                    raise TclError('bad screen distance "%s"' % (value,))
            item.opts[key] = value

    def sandpit_rescale(self, xfactor, yfactor):
        """Scale every item's coordinates (setworldcoordinates) with one `scale` op."""
        shown = False
        for item in self._items.values():
            item.coords = [v * (xfactor if i % 2 == 0 else yfactor) for i, v in enumerate(item.coords)]
            if item.shown and not item.is_turtle:
                shown = True
                item.sent = self._wire_state(item)
        if shown:
            self._rec.op("scale", self.cid, xfactor, yfactor)

    # -- stacking order ---------------------------------------------------

    def tag_raise(self, item_id, above=None):
        item = self._items.get(_single_id(item_id))
        if item is not None:
            self._raise(item)

    lift = tag_raise

    def _raise(self, item, sync_first=False):
        was_top = item.shown and item.z == self._top_shown_z
        item.z = next(self._z)
        if item.shown and not item.is_turtle:
            if sync_first:
                self._sync(item)
            if not was_top:
                self._rec.op("raise", item.id)
            self._top_shown_z = item.z
        else:
            self._sync(item)

    def tag_lower(self, item_id, below=None):
        item = self._items.get(_single_id(item_id))
        if item is None:
            return
        item.z = -next(self._z)
        if item.shown and not item.is_turtle:
            self._rec.op("lower", item.id)

    lower = tag_lower

    # -- deleting ---------------------------------------------------------

    def delete(self, *item_ids):
        gone = []
        for item_id in item_ids:
            if item_id == "all":
                if any(item.shown for item in self._items.values()):
                    self._rec.op("clear", self.cid)
                for item in self._items.values():
                    if item.is_turtle:
                        self._rec.forget_turtle(item.id)
                self._items.clear()
                self._top_shown_z = 0
                continue
            ids = item_id if isinstance(item_id, (tuple, list)) else (item_id,)
            for single in ids:
                item = self._items.pop(_single_id(single), None)
                if item is not None and item.shown:
                    gone.append(item.id)
                    if item.is_turtle:
                        self._rec.forget_turtle(item.id)
        if gone:
            ops = self._rec.ops
            if ops and ops[-1][0] == "del":
                ops[-1].extend(gone)  # clearstamps() deletes one by one: send one op
            else:
                self._rec.op("del", *gone)

    # -- questions turtle asks -------------------------------------------

    def type(self, item_id):
        item = self._items.get(_single_id(item_id))
        return None if item is None else item.kind

    def find_all(self):
        return tuple(item.id for item in sorted(self._items.values(), key=lambda it: it.z))

    def bbox(self, *item_ids):
        boxes = [self._bbox(self._items[i]) for i in map(_single_id, item_ids) if i in self._items]
        boxes = [b for b in boxes if b is not None]
        if not boxes:
            return None
        return (min(b[0] for b in boxes), min(b[1] for b in boxes), max(b[2] for b in boxes), max(b[3] for b in boxes))

    def _bbox(self, item):
        if item.kind == "text":
            if len(item.coords) < 2:
                return None
            width, height = textmetrics.text_size(item.opts.get("text", ""), item.opts.get("font"))
            return textmetrics.anchored_box(item.coords[0], item.coords[1], width, height, item.opts.get("anchor"))
        xs, ys = item.coords[0::2], item.coords[1::2]
        if not xs:
            return None
        pad = item.opts.get("width", 1.0) / 2.0
        return (int(min(xs) - pad), int(min(ys) - pad), int(max(xs) + pad + 1), int(max(ys) + pad + 1))

    def canvasx(self, screenx, gridspacing=None):
        return float(screenx)

    def canvasy(self, screeny, gridspacing=None):
        return float(screeny)

    def xview(self, *args):
        return (0.0, 1.0)

    yview = xview

    def xview_moveto(self, fraction):
        pass

    yview_moveto = xview_moveto

    def tag_bind(self, item_id, sequence=None, func=None, add=None):
        item = self._items.get(_single_id(item_id))
        if item is not None and sequence is not None:
            if func is None:
                return item.tags.get(sequence, "")
            item.tags[sequence] = func
        return None

    def tag_unbind(self, item_id, sequence, funcid=None):
        item = self._items.get(_single_id(item_id))
        if item is not None:
            item.tags.pop(sequence, None)

    # -- the wire -----------------------------------------------------------

    def _sync(self, item):
        """Send what changed about `item` since it was last sent."""
        if item.is_turtle:
            return
        wire = self._wire_state(item)
        if not item.shown:
            if _visible(item.kind, wire):
                self._send_create(item, wire)
            return
        sent = item.sent
        pts, old_pts = wire["pts"], sent["pts"]
        if pts != old_pts:
            if item.kind == "line" and len(pts) > len(old_pts) and pts[:len(old_pts)] == old_pts:
                self._rec.op("lineto", item.id, *pts[len(old_pts):])
            else:
                self._rec.op("coords", item.id, pts)
        changes = {k: v for k, v in wire.items() if k not in _NOT_OPTIONS and sent.get(k) != v}
        if changes:
            self._rec.op("cfg", item.id, changes)
        item.sent = wire

    def _wire_state(self, item):
        coords = item.coords
        pts = _wire_points(coords, item.sent, item.kind == "line")
        opts = item.opts
        if item.kind == "line":
            return {"pts": pts, "raw": list(coords), "fill": tkcolors.to_hex(opts["fill"]), "width": num(opts["width"])}
        if item.kind == "polygon":
            return {
                "pts": pts,
                "fill": tkcolors.to_hex(opts["fill"]),
                "outline": tkcolors.to_hex(opts["outline"]),
                "width": num(opts["width"]),
            }
        if item.kind == "text":
            return {
                "pts": pts[:2],
                "text": str(opts["text"]),
                "anchor": str(opts["anchor"]),
                "fill": tkcolors.to_hex(opts["fill"]),
                "font": textmetrics.normalize_font(opts["font"]),
            }
        image = opts.get("image")
        if isinstance(image, PhotoImage):
            name = image.name if image.has_pixels() else None  # a blank image shows nothing
        else:
            name = str(image) or None
        return {"pts": pts[:2], "image": name}

    def _send_create(self, item, wire):
        placement = []
        if item.z < self._top_shown_z:
            above = [it for it in self._items.values() if it.shown and not it.is_turtle and it.z > item.z]
            if above:
                placement = [{"before": min(above, key=lambda it: it.z).id}]
        self._top_shown_z = max(self._top_shown_z, item.z)
        kind, pts = item.kind, wire["pts"]
        if kind == "line":
            self._rec.op("line", item.id, self.cid, pts, wire["fill"], wire["width"], *placement)
        elif kind == "polygon":
            self._rec.op("poly", item.id, self.cid, pts, wire["fill"], wire["outline"], wire["width"], *placement)
        elif kind == "text":
            x, y = (pts + [0, 0])[:2]
            self._rec.op("text", item.id, self.cid, x, y, wire["text"], wire["anchor"], wire["fill"], wire["font"], *placement)
        else:
            image = item.opts.get("image")
            if isinstance(image, PhotoImage):
                self._rec.bitmap(image)
            x, y = (pts + [0, 0])[:2]
            self._rec.op("image", item.id, self.cid, x, y, wire["image"], *placement)
        item.shown = True
        item.sent = wire


_NOT_OPTIONS = ("pts", "raw")


def _wire_points(coords, sent, is_line):
    """Canvas coordinates -> wire points (y up, 2 decimals).

    A turtle's line grows by one point per step and is handed over whole each
    time (up to 43 points): convert only the new points."""
    start, pts = 0, []
    if is_line and sent is not None:
        raw = sent["raw"]
        if len(coords) >= len(raw) and coords[:len(raw)] == raw:
            start, pts = len(raw), list(sent["pts"])
    for i in range(start, len(coords) - 1, 2):
        pts.append(num(coords[i]))
        pts.append(num(-coords[i + 1]))
    return pts


def _visible(kind, wire):
    if kind == "line":
        return bool(wire["fill"]) and len(wire["pts"]) >= 4
    if kind == "polygon":
        return (bool(wire["fill"]) or bool(wire["outline"])) and len(wire["pts"]) >= 4 and any(wire["pts"])
    if kind == "text":
        return wire["text"] != "" and len(wire["pts"]) == 2
    return bool(wire["image"])


def _flatten(args):
    flat = []
    for arg in args:
        if isinstance(arg, (tuple, list)):
            flat.extend(_flatten(arg))
        else:
            flat.append(float(arg))
    return flat


def _single_id(item_id):
    try:
        return int(item_id)
    except (TypeError, ValueError):
        return item_id


def _scrollregion(value):
    if value in (None, ""):
        return None
    parts = value.split() if isinstance(value, str) else list(value)
    try:
        x1, y1, x2, y2 = (float(p) for p in parts)
    except (TypeError, ValueError):
        return None
    return x1, y1, x2, y2


def _check_colors(options, keys):
    for key in keys:
        value = options.get(key)
        if value is not None and tkcolors.to_hex(value) is None:
            raise TclError('unknown color name "%s"' % (value,))
