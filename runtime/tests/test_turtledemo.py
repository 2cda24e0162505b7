"""Every program of CPython's turtledemo that doesn't need a mouse or keyboard runs to the end and draws.

They run as a kid's main.py would (each demo's `if __name__ == "__main__"`
block calls main() and then mainloop(), like the turtledemo viewer).

Not expected to draw without a person at the controls:
* round_dance: loops `while running:` until a key is pressed; with no
  keyboard it never ends. Not run here; in Sandpit a limit stops it (its
  animation floods drawing events: the output limit, within a second), which
  test_sandboxed checks.
* paint: draws only where the mouse clicks; without clicks it ends showing
  just the turtle (checked: runs to the end, shows its cursor).
colormixer (drag), nim (click), minimal_hanoi and sorting_animate (keys) wait
for input too, but draw their starting picture first, so they are checked
like the others.

In the sandboxed pass (SANDPIT_SANDBOX_RUNNER) every demo goes through
`sandpit-runner exec` with the shipped python-basic policy, except the ones in
BEYOND_SHIPPED_LIMITS: they run under a TEST-ONLY copy of python-basic with
higher limits (sandbox_mode.relaxed_policies), because a whole run of them
legitimately needs more than a kid's job gets; in Sandpit a kid running them
sees the drawing up to the limit and then the limit's status.
"""

import concurrent.futures
import os
import shutil
import unittest

import sandbox_mode
from replay import Replay
from support import run_program, turtledemo_dir

NEEDS_KEYBOARD = {"round_dance"}
NEEDS_MOUSE_TO_DRAW = {"paint"}
DRAWING_OPS = {"line", "lineto", "poly", "text", "image"}

# Measured in the sandbox (python-basic: 10 s wall, 1 MiB of output and events).
BEYOND_SHIPPED_LIMITS = {
    # 19 levels of kites and darts, real sleep()s between them: about 36 s and
    # 4.8 MB of drawing events (42,000 polygons).
    "penrose": "wall and output",
    # 10,000 animation steps of three moving bodies: about 1.7 MB of events.
    "planet_and_moon": "output",
}
DEMO_PROFILE = "python-basic-turtledemo"
DEMO_LIMITS = {"wall_seconds": 90, "cpu_seconds": 30, "output_kib": 8192}


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
        cls.demo_policies = None
        if sandbox_mode.MODE_RUNNER:
            cls.demo_policies = sandbox_mode.relaxed_policies("python-basic", DEMO_PROFILE, **DEMO_LIMITS)
            cls.addClassCleanup(shutil.rmtree, cls.demo_policies, True)

    def limits_for(self, name):
        """Keyword arguments for run_program: the test-only policy for the demos that need it."""
        if self.demo_policies and name in BEYOND_SHIPPED_LIMITS:
            return {"profile": DEMO_PROFILE, "policies": self.demo_policies}
        return {}

    def test_the_demo_set_is_the_one_we_know(self):
        for name in ("bytedesign", "clock", "forest", "penrose", "planet_and_moon", "tree", "two_canvases", "yinyang"):
            self.assertIn(name, self.demos)

    def test_every_demo_without_mouse_or_keyboard_runs_and_draws(self):
        to_run = [name for name in self.demos if name not in NEEDS_KEYBOARD]

        def run_demo(name):
            with open(os.path.join(self.directory, name + ".py"), encoding="utf-8") as handle:
                return name, run_program(handle.read(), timeout=180, **self.limits_for(name))

        with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
            results = dict(pool.map(run_demo, to_run))

        for name in to_run:
            run = results[name]
            with self.subTest(demo=name):
                self.assertEqual(run.returncode, 0, run)
                if run.sandboxed:
                    expected = DEMO_PROFILE if self.limits_for(name) else "python-basic"
                    self.assertEqual((run.status, run.record["profile"]), ("ok", expected), run)
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
