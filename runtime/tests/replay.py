"""A minimal replayer of turtle drawing ops, as the editor would do (docs/visualization.md).

It applies every op of a run to a display list and fails on any op it doesn't
know or that refers to an item it never saw, so the tests check the format as
well as the drawing.
"""

KNOWN = {"screen", "line", "lineto", "coords", "poly", "text", "image", "cfg", "del", "clear",
         "raise", "lower", "scale", "turtle", "tpos", "thead", "speed", "sleep", "bitmap"}


class Replay:
    def __init__(self, ops):
        self.screens = {}
        self.items = {}       # id -> dict(kind, cid, pts, ...)
        self.order = []       # display list, bottom first
        self.turtles = {}     # cursor id -> state
        self.bitmaps = {}
        self.speeds = []
        self.sleep_ms = 0
        self.drawn_segments = 0
        for op in ops:
            self.apply(op)

    def apply(self, op):
        name = op[0]
        if name not in KNOWN:
            raise AssertionError("unknown op %r" % (op,))
        getattr(self, "_" + name)(*op[1:])

    def _screen(self, cid, changes):
        self.screens.setdefault(cid, {}).update(changes)

    def _place(self, item_id, placement):
        if placement:
            before = placement[0]["before"]
            self.order.insert(self.order.index(before), item_id)
        else:
            self.order.append(item_id)

    def _line(self, item_id, cid, pts, color, width, *placement):
        assert item_id not in self.items, "item %s created twice" % item_id
        self.items[item_id] = {"kind": "line", "cid": cid, "pts": list(pts), "fill": color, "width": width}
        self.drawn_segments += max(0, len(pts) // 2 - 1)
        self._place(item_id, placement)

    def _lineto(self, item_id, *pts):
        assert len(pts) % 2 == 0 and pts, pts
        self.items[item_id]["pts"].extend(pts)
        self.drawn_segments += len(pts) // 2

    def _coords(self, item_id, pts):
        self.items[item_id]["pts"] = list(pts)

    def _poly(self, item_id, cid, pts, fill, outline, width, *placement):
        assert item_id not in self.items
        self.items[item_id] = {"kind": "poly", "cid": cid, "pts": list(pts), "fill": fill, "outline": outline, "width": width}
        self._place(item_id, placement)

    def _text(self, item_id, cid, x, y, text, anchor, color, font, *placement):
        assert item_id not in self.items
        self.items[item_id] = {"kind": "text", "cid": cid, "pts": [x, y], "text": text, "anchor": anchor,
                               "fill": color, "font": font}
        self._place(item_id, placement)

    def _image(self, item_id, cid, x, y, name, *placement):
        assert name in self.bitmaps or name is None, "image %r used before its bitmap op" % name
        self.items[item_id] = {"kind": "image", "cid": cid, "pts": [x, y], "image": name}
        self._place(item_id, placement)

    def _cfg(self, item_id, changes):
        self.items[item_id].update(changes)

    def _del(self, *ids):
        for item_id in ids:
            if item_id in self.turtles:
                del self.turtles[item_id]
                continue
            del self.items[item_id]
            self.order.remove(item_id)

    def _clear(self, cid):
        for item_id in [i for i, it in self.items.items() if it["cid"] == cid]:
            del self.items[item_id]
            self.order.remove(item_id)
        for tid in [t for t, st in self.turtles.items() if st.get("cv") == cid]:
            del self.turtles[tid]

    def _raise(self, item_id):
        self.order.remove(item_id)
        self.order.append(item_id)

    def _lower(self, item_id):
        self.order.remove(item_id)
        self.order.insert(0, item_id)

    def _scale(self, cid, xf, yf):
        for item in self.items.values():
            if item["cid"] == cid:
                item["pts"] = [v * (xf if i % 2 == 0 else yf) for i, v in enumerate(item["pts"])]

    def _turtle(self, item_id, changes):
        if item_id not in self.turtles:
            assert "cv" in changes, "first turtle op must name its canvas: %r" % (changes,)
        self.turtles.setdefault(item_id, {}).update(changes)

    def _tpos(self, item_id, x, y):
        self.turtles[item_id].update(x=x, y=y)

    def _thead(self, item_id, heading):
        self.turtles[item_id]["h"] = heading

    def _speed(self, speed, delay):
        self.speeds.append((speed, delay))

    def _sleep(self, ms):
        assert ms > 0
        self.sleep_ms += ms

    def _bitmap(self, name, mime, data, width, height):
        self.bitmaps[name] = (mime, data, width, height)

    # -- questions the tests ask ----------------------------------------------

    def of_kind(self, kind):
        return [self.items[i] for i in self.order if self.items[i]["kind"] == kind]

    def visible_lines(self):
        return [it for it in self.of_kind("line") if it["fill"]]
