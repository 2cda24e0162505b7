"""The event channel: separate from stdout, one JSON line per event, never fatal."""

import os
import subprocess
import textwrap
import unittest

from support import BASIC_PYTHON, RUNTIME, base_env, run_program

DRAWING = textwrap.dedent("""
    import turtle
    turtle.write("a\\nb \\u2028 \\ud800 end")
    for _ in range(3):
        turtle.forward(50)
        turtle.left(120)
    print("finished")
""")


class EventChannelTest(unittest.TestCase):
    def test_a_print_that_imitates_an_event_stays_plain_stdout(self):
        fake = '{"type":"visualization","kind":"image","mime":"image/png","data":"AAAA"}'
        run = run_program("print(%r)\nimport sys\nprint(%r, file=sys.stderr)\n" % (fake, fake))
        self.assertEqual(run.returncode, 0, run)
        self.assertEqual(run.stdout, fake + "\n")
        self.assertEqual(run.stderr, fake + "\n")
        self.assertEqual(run.events, [])
        self.assertEqual(run.event_bytes, b"")

    def test_events_are_single_json_lines_even_for_odd_text(self):
        run = run_program(DRAWING)
        self.assertEqual(run.returncode, 0, run)
        lines = run.event_bytes.split(b"\n")
        self.assertEqual(lines[-1], b"")  # newline-terminated
        self.assertEqual(len(lines) - 1, len(run.events))
        texts = [op[5] for op in run.turtle_ops() if op[0] == "text"]
        self.assertEqual(texts, ["a\nb \u2028 ? end"])  # a lone surrogate can't be UTF-8

    def test_no_event_fd_at_all(self):
        run = run_program(DRAWING, event_fd=False, env={"SANDPIT_EVENT_FD": ""})
        self.assertEqual((run.returncode, run.stdout, run.stderr), (0, "finished\n", ""))

    def test_event_fd_named_but_not_open(self):
        run = run_program(DRAWING, event_fd=False)  # SANDPIT_EVENT_FD=3, fd 3 closed: EBADF
        self.assertEqual((run.returncode, run.stdout, run.stderr), (0, "finished\n", ""))

    def test_reader_gone_mid_run(self):
        """EPIPE: the runner stopped reading; the program carries on and exits normally."""
        workdir = os.path.join(os.environ.get("TMPDIR", "/tmp"), "sandpit-epipe-%d" % os.getpid())
        os.makedirs(workdir, exist_ok=True)
        with open(os.path.join(workdir, "main.py"), "w") as handle:
            handle.write(DRAWING + "import time\nfor _ in range(3):\n    turtle.forward(1)\n    time.sleep(0.1)\nprint('after')\n")
        read_end, write_end = os.pipe()
        os.close(read_end)  # nobody will ever read
        argv = ["/bin/bash", "-c", 'exec 3>&%d %d>&-; exec "$0" -B main.py' % (write_end, write_end), BASIC_PYTHON]
        proc = subprocess.run(argv, cwd=workdir, env=base_env(workdir), pass_fds=(write_end,),
                              capture_output=True, text=True, timeout=60)
        os.close(write_end)
        self.assertEqual((proc.returncode, proc.stdout, proc.stderr), (0, "finished\nafter\n", ""))

    def test_uncaught_error_with_closed_channel_keeps_the_plain_traceback(self):
        run = run_program("x = 1 / 0\n", event_fd=False)
        self.assertEqual(run.returncode, 1)
        self.assertTrue(run.stderr.endswith("ZeroDivisionError: division by zero\n"), run.stderr)

    def test_runtime_dir_is_what_pythonpath_names(self):
        self.assertTrue(os.path.isfile(os.path.join(RUNTIME, "sitecustomize.py")))


if __name__ == "__main__":
    unittest.main()
