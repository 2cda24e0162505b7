"""Collects turtle drawing ops and ships them as batched `visualization` events.

One event carries many ops, in order: a 2,000-segment spiral becomes a handful
of events, not thousands. A batch is sent when it holds MAX_OPS ops, when
FLUSH_SECONDS have passed since the last one (so slow programs still draw
live), before the program waits (`input()`, `time.sleep()`, seen through an
audit hook), and at exit. The op format is documented in docs/visualization.md.
"""

import atexit
import sys
import time

from _sandpit import events

FORMAT_VERSION = 1
MAX_OPS = 1500
FLUSH_SECONDS = 0.25
MIN_SLEEP_FLUSH = 0.05
MAX_BITMAP_BYTES = 512 * 1024
_POSITION = {"x", "y"}
_HEADING = {"h"}


_INFINITY = float("inf")


def num(value):
    """A coordinate for the wire: 2 decimals, ints without '.0', None if not finite."""
    value = round(float(value), 2)
    if value != value or value == _INFINITY or value == -_INFINITY:
        return None
    whole = int(value)
    return whole if whole == value else value


class Recorder:
    def __init__(self):
        self.ops = []
        self.batch = 0  # running count of turtle events sent, for ordering and diagnosis (not the stream frame seq)
        self.last_flush = time.monotonic()
        self.speed = None
        self.bitmaps_sent = set()
        self.turtle_state = {}  # cursor id -> last state sent

    # -- collecting -------------------------------------------------------

    def op(self, *op):
        self.ops.append(list(op))
        if len(self.ops) >= MAX_OPS or time.monotonic() - self.last_flush >= FLUSH_SECONDS:
            self.flush()

    def set_speed(self, speed, delay):
        """Announce the animation speed (0 = instant) and frame delay for what follows."""
        key = (speed, delay)
        if key != self.speed:
            self.speed = key
            self.op("speed", speed, delay)

    def sleep(self, ms):
        """Record a pause; back-to-back pauses merge into one op."""
        ms = int(round(ms))
        if ms <= 0:
            return
        if self.ops and self.ops[-1][0] == "sleep":
            self.ops[-1][1] += ms
        else:
            self.op("sleep", ms)

    def turtle(self, item_id, state):
        """Send only what changed in a turtle cursor's state since last time."""
        previous = self.turtle_state.get(item_id)
        if previous is None:
            changes = dict(state)
            self.turtle_state[item_id] = dict(state)
        else:
            changes = {k: v for k, v in state.items() if k not in previous or previous[k] != v}
            if not changes:
                return
            previous.update(changes)
            # The two changes every step makes get short positional forms.
            keys = set(changes)
            if keys <= _POSITION and "x" in previous and "y" in previous:
                self.op("tpos", item_id, previous["x"], previous["y"])
                return
            if keys == _HEADING:
                self.op("thead", item_id, changes["h"])
                return
        self.op("turtle", item_id, changes)

    def forget_turtle(self, item_id):
        self.turtle_state.pop(item_id, None)

    def bitmap(self, image):
        """Define an image (a turtle shape or bgpic from a .gif/.png file) once."""
        if image is None or image.name in self.bitmaps_sent:
            return
        self.bitmaps_sent.add(image.name)
        data = image.base64_data(MAX_BITMAP_BYTES)
        self.op("bitmap", image.name, image.mime, data, image.pixel_width, image.pixel_height)

    # -- shipping ---------------------------------------------------------

    def flush(self):
        self.last_flush = time.monotonic()
        if not self.ops:
            return
        ops, self.ops = self.ops, []
        self.batch += 1
        events.emit({"type": "visualization", "kind": "turtle", "v": FORMAT_VERSION, "batch": self.batch, "ops": ops})

    def maybe_flush(self):
        if self.ops and time.monotonic() - self.last_flush >= FLUSH_SECONDS:
            self.flush()


_recorder = None


def recorder():
    """The process-wide recorder; created (with its exit and wait hooks) on first use."""
    global _recorder
    if _recorder is None:
        _recorder = Recorder()
        from _sandpit.eventloop import loop

        loop.on_sleep = _recorder.sleep  # virtual time skipped by timers replays as pauses
        atexit.register(_flush_at_exit)
        _install_wait_hook()
    return _recorder


def flush():
    if _recorder is not None:
        _recorder.flush()


def _flush_at_exit():
    try:
        flush()
    except Exception:
        pass


def _install_wait_hook():
    """Flush before the program blocks, so the drawing so far is on screen.

    Audit events tell us about `input()` (3.8+) and `time.sleep()` (3.11+)
    without wrapping those functions, so tracebacks stay exactly CPython's.
    A sleep also becomes a `sleep` op so a replay keeps the kid's pacing.
    """

    def hook(event, args):
        if event == "time.sleep":
            try:
                rec = _recorder
                if rec is not None:
                    ms = float(args[0]) * 1000.0
                    rec.sleep(ms)
                    # Short sleeps in a tight animation loop must not become
                    # one event each: flush at most every MIN_SLEEP_FLUSH.
                    if ms >= MIN_SLEEP_FLUSH * 1000 or time.monotonic() - rec.last_flush >= MIN_SLEEP_FLUSH:
                        rec.flush()
            except Exception:
                pass
        elif event == "builtins.input":
            try:
                flush()
            except Exception:
                pass

    try:
        sys.addaudithook(hook)
    except Exception:
        pass
