"""A virtual-clock event loop standing in for Tk's mainloop.

There is no window, so no mouse or key event ever arrives: handlers registered
with onclick/onkey are kept and never called. Timers (`ontimer`, `after`) do run,
in due order, on a virtual clock that jumps straight to the next due timer — a
clock demo ticking every 100 ms does not wait in real time. The time skipped is
recorded as a `sleep` drawing op so a replay keeps the program's pacing.

A timer chain that re-arms itself forever (a clock, a game loop) is cut off
after MAX_VIRTUAL_MS of virtual time or MAX_CALLBACKS callbacks, so mainloop()
returns and the program ends normally.
"""

import heapq
import itertools
import os
import sys


def _int_env(name, default):
    try:
        return max(0, int(os.environ.get(name, "")))
    except ValueError:
        return default


MAX_VIRTUAL_MS = _int_env("SANDPIT_TURTLE_TIMER_MS", 10000)
MAX_CALLBACKS = _int_env("SANDPIT_TURTLE_TIMER_CALLS", 5000)


class VirtualLoop:
    def __init__(self):
        self.now_ms = 0
        self._queue = []
        self._ids = itertools.count(1)
        self._order = itertools.count()
        self._cancelled = set()
        self._running = False
        self._stopped = False
        self.callbacks_run = 0
        self.callback_errors = 0
        self.on_sleep = None  # set by the recorder: called with skipped ms

    def after(self, ms, func, args=()):
        try:
            delay = max(0, int(ms))
        except (TypeError, ValueError):
            delay = 0
        timer_id = "after#%d" % next(self._ids)
        heapq.heappush(self._queue, (self.now_ms + delay, next(self._order), timer_id, func, tuple(args)))
        return timer_id

    def cancel(self, timer_id):
        self._cancelled.add(timer_id)

    def quit(self):
        self._stopped = True

    def pending(self):
        return sum(1 for entry in self._queue if entry[2] not in self._cancelled)

    def run(self):
        """Run due timers until none are left or the budget is spent."""
        if self._running:  # a nested mainloop() (e.g. from a callback) returns at once
            return
        self._running = True
        self._stopped = False
        try:
            while self._queue and not self._stopped:
                due, _, timer_id, func, args = self._queue[0]
                if timer_id in self._cancelled:
                    heapq.heappop(self._queue)
                    self._cancelled.discard(timer_id)
                    continue
                if due > MAX_VIRTUAL_MS or self.callbacks_run >= MAX_CALLBACKS:
                    break
                heapq.heappop(self._queue)
                if due > self.now_ms:
                    if self.on_sleep is not None:
                        self.on_sleep(due - self.now_ms)
                    self.now_ms = due
                self.callbacks_run += 1
                self._call(func, args)
        finally:
            self._running = False

    def _call(self, func, args):
        try:
            func(*args)
        except SystemExit:
            raise
        except BaseException as exc:  # Tk reports callback errors and keeps going
            if isinstance(exc, KeyboardInterrupt):
                raise
            self.callback_errors += 1
            _report_callback_exception(exc)


def _report_callback_exception(exc):
    """Print the error as Tk does ("Exception in Tkinter callback" + traceback)."""
    import traceback

    print("Exception in Tkinter callback", file=sys.stderr)
    traceback.print_exception(type(exc), exc, exc.__traceback__)
    try:
        from _sandpit import friendly

        friendly.explain_once(type(exc), exc, exc.__traceback__)
    except Exception:
        pass


loop = VirtualLoop()
