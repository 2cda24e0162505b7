"""Modules that make no sense in a sandbox fail clearly, and get explained."""

import unittest

from support import run_program


class StubTest(unittest.TestCase):
    def test_tkinter_and_friends_say_why(self):
        for code in ("import tkinter\n", "from tkinter import ttk\n", "import tkinter.messagebox\n", "import _tkinter\n"):
            for lang in ("en", "zh-CN"):
                with self.subTest(code=code, lang=lang):
                    run = run_program(code, lang=lang)
                    self.assertEqual(run.returncode, 1)
                    last = run.stderr.strip().splitlines()[-1]
                    self.assertTrue(last.startswith("ModuleNotFoundError: No module named '"), last)
                    self.assertIn("turtle", last)
                    explanation = run.explanation()
                    self.assertEqual(explanation["key"], "module.tkinter")
                    self.assertEqual(explanation["line"], 1)
                    self.assertIn("turtle", explanation["hint"])

    def test_webbrowser_imports_but_cannot_open_pages(self):
        run = run_program("import webbrowser\nprint(webbrowser.Error.__mro__[1].__name__)\n"
                          "webbrowser.open('https://example.org')\n", lang="zh-CN")
        self.assertEqual(run.returncode, 1)
        self.assertEqual(run.stdout, "RuntimeError\n")
        self.assertIn("webbrowser.Error: Sandpit can't open web pages https://example.org", run.stderr)
        explanation = run.explanation()
        self.assertEqual((explanation["key"], explanation["line"]), ("sandbox.webbrowser", 3))
        self.assertIn("网页", explanation["title"])

    def test_antigravity(self):
        run = run_program("import antigravity\n")
        self.assertEqual(run.returncode, 1)
        self.assertEqual(run.explanation()["key"], "sandbox.webbrowser")

    def test_turtle_works_although_tkinter_does_not(self):
        run = run_program("import turtle\nturtle.forward(1)\ntry:\n    import tkinter\nexcept ImportError as e:\n"
                          "    print(type(e).__name__, e.name)\n")
        self.assertEqual(run.returncode, 0, run)
        self.assertEqual(run.stdout, "ModuleNotFoundError tkinter\n")


if __name__ == "__main__":
    unittest.main()
