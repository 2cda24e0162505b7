"""Every program of CPython's turtledemo that doesn't need a mouse or keyboard runs to the end and draws.

They run as a kid's main.py would (each demo's `if __name__ == "__main__"`
block calls main() and then mainloop(), like the turtledemo viewer).

Not expected to draw without a person at the controls:
* round_dance: loops `while running:` until a key is pressed; with no
  keyboard it never ends (in Sandpit the time limit stops it). Not run here.
* paint: draws only where the mouse clicks; without clicks it ends showing
  just the turtle (checked: runs to the end, shows its cursor).
colormixer (drag), nim (click), minimal_hanoi and sorting_animate (keys) wait
for input too, but draw their starting picture first, so they are checked
like the others.
"""

import concurrent.futures
import os
import unittest

from replay import Replay
from support import run_program, turtledemo_dir

NEEDS_KEYBOARD = {"round_dance"}
NEEDS_MOUSE_TO_DRAW = {"paint"}
DRAWING_OPS = {"line", "lineto", "poly", "text", "image"}


class TurtledemoTest(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.directory = turtledemo_dir()
        if cls.directory is None:
            raise AssertionError("CPython's turtledemo programs are missing: run runtime/provision.sh")
        cls.demos = sorted(
            name[:-3] for name in os.listdir(cls.directory)
            if name.endswith(".py") and not name.startswith("_")
        )

    def test_the_demo_set_is_the_one_we_know(self):
        for name in ("bytedesign", "clock", "forest", "penrose", "planet_and_moon", "tree", "two_canvases", "yinyang"):
            self.assertIn(name, self.demos)

    def test_every_demo_without_mouse_or_keyboard_runs_and_draws(self):
        to_run = [name for name in self.demos if name not in NEEDS_KEYBOARD]

        def run_demo(name):
            with open(os.path.join(self.directory, name + ".py"), encoding="utf-8") as handle:
                return name, run_program(handle.read(), timeout=180)

        with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
            results = dict(pool.map(run_demo, to_run))

        for name in to_run:
            run = results[name]
            with self.subTest(demo=name):
                self.assertEqual(run.returncode, 0, run)
                self.assertEqual(run.stderr, "", run)
                ops = run.turtle_ops()
                replay = Replay(ops)  # every op must be valid and refer to known items
                if name in NEEDS_MOUSE_TO_DRAW:
                    self.assertTrue(replay.turtles, "%s shows no turtle" % name)
                else:
                    drawn = [op for op in ops if op[0] in DRAWING_OPS]
                    self.assertTrue(drawn, "%s drew nothing" % name)
                    self.assertTrue(replay.items or replay.turtles)

        two = Replay(results["two_canvases"].turtle_ops())
        self.assertEqual(len(two.screens), 2)  # two Tk canvases, two drawings
        clock = Replay(results["clock"].turtle_ops())
        self.assertGreater(clock.sleep_ms, 0)  # its ontimer ticks ran on the virtual clock


if __name__ == "__main__":
    unittest.main()
