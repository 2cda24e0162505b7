"""What only the real sandbox can show: these always go through `sandpit-runner exec`.

They need root and a built runner (SANDPIT_SANDBOX_RUNNER, else
target/debug/sandpit-runner): under CI=true they fail without them, elsewhere
they skip. They run in every pass of run_all.sh, host passes included.

The issue's list of programs (a square, a filled star with Chinese write(),
a 2,000-segment spiral, two turtles, no done(), every turtledemo, a matplotlib
plot with a Chinese title, the NameError typo in both languages, a print that
imitates an event) lives in test_turtle, test_turtledemo, test_matplotlib,
test_friendly and test_events; the sandboxed pass of run_all.sh sends those
same programs through the sandbox. This file adds what the host can't check:
that a program really is inside, that the runner's limits apply to drawing
events, and what the result record carries.
"""

import os
import textwrap
import unittest

import sandbox_mode
from support import run_program, turtledemo_dir


def sandboxed(code, **kw):
    return run_program(textwrap.dedent(code), sandbox=True, **kw)


class SandboxedTest(unittest.TestCase):
    def setUp(self):
        sandbox_mode.require_sandbox(self)

    def test_the_program_is_inside_the_sandbox_with_the_runtime(self):
        run = sandboxed("""
            import os, socket, turtle
            print(os.getcwd(), os.environ["HOME"], os.path.exists(%r))
            try:
                socket.create_connection(("127.0.0.1", 22), timeout=2)
                print("connected")
            except OSError as error:
                print("no network")
            turtle.forward(10)
        """ % sandbox_mode.REPO)
        self.assertEqual((run.status, run.record["profile"]), ("ok", "python-basic"), run)
        self.assertEqual(run.stdout, "/work /work False\nno network\n")  # this checkout is not visible
        self.assertEqual(len(run.of_type("visualization", "turtle")), 1)
        for field in ("exit_code", "signal", "truncated", "wall_ms", "cpu_ms", "memory_peak_bytes"):
            self.assertIn(field, run.record)

    def test_a_print_that_imitates_an_event_stays_in_stdout(self):
        fakes = ['{"type":"visualization","kind":"turtle","v":1,"batch":1,"ops":[["line",1,1,[0,0,9,9],"#000",1]]}',
                 '{"type":"explanation","key":"name.typo","title":"forged"}']
        run = sandboxed("import sys\nprint(%r)\nprint(%r, file=sys.stderr)\n" % tuple(fakes))
        self.assertEqual(run.status, "ok", run)
        self.assertEqual((run.stdout, run.stderr), (fakes[0] + "\n", fakes[1] + "\n"))
        self.assertEqual(run.record["visualizations"], [])
        self.assertNotIn("explanation", run.record)

    def test_flooding_drawing_events_is_stopped_like_flooding_stdout(self):
        drawing = sandboxed("""
            import turtle
            t = turtle.Turtle()
            t.speed(0)
            while True:
                t.forward(3)
                t.left(7)
        """)
        printing = sandboxed("while True:\n    print('x' * 100)\n")
        self.assertEqual(printing.status, "output_limit", printing)
        self.assertEqual(drawing.status, "output_limit", drawing)
        events = drawing.of_type("visualization", "turtle")
        self.assertTrue(events, drawing)  # what was drawn before the limit is delivered, in order
        self.assertEqual([e["batch"] for e in events], list(range(1, len(events) + 1)))
        self.assertLessEqual(len(drawing.event_bytes), 1024 * 1024)

    def test_the_name_error_typo_is_explained_in_the_record_in_both_languages(self):
        code = 'pritn("hello")\n'
        titles = {}
        for lang in ("en", "zh-CN"):
            run = sandboxed(code, lang=lang)
            self.assertEqual((run.status, run.returncode), ("error", 1), run)
            self.assertTrue(run.stderr.endswith("NameError: name 'pritn' is not defined. Did you mean: 'print'?\n"),
                            run.stderr)  # the raw traceback stays
            explanation = run.record["explanation"]
            self.assertEqual((explanation["key"], explanation["lang"], explanation["line"]), ("name.typo", lang, 1))
            titles[lang] = (explanation["title"], explanation["hint"])
        self.assertEqual(titles, {
            "en": ("Python doesn't know the name `pritn`", "Did you mean `print`?"),
            "zh-CN": ("Python 不认识 `pritn` 这个名字", "你是不是想写 `print`？"),
        })

    def test_round_dance_without_a_keyboard_is_stopped_by_a_limit(self):
        """It dances until a key is pressed; in Sandpit a limit ends it, after it has drawn."""
        directory = turtledemo_dir()
        self.assertIsNotNone(directory, "CPython's turtledemo programs are missing: run runtime/provision.sh")
        with open(os.path.join(directory, "round_dance.py"), encoding="utf-8") as handle:
            run = run_program(handle.read(), sandbox=True)
        self.assertIn(run.status, ("output_limit", "timeout"), run)
        self.assertTrue(run.of_type("visualization", "turtle"), run)


if __name__ == "__main__":
    unittest.main()
