"""Friendly errors: the standard traceback untouched, plus a kid-level explanation event."""

import re
import shutil
import tempfile
import textwrap
import unittest

from support import extra_pythons, run_program

CJK = re.compile(r"[\u4e00-\u9fff]")
PLACEHOLDER = re.compile(r"\{[a-z_]+\}")

# (name, program, expected key, expected line, stdin, extra files, text the hint must contain)
CASES = [
    ("name typo", 'def greet():\n    pritn("hi")\ngreet()\n', "name.typo", 2, "", None, "`print`"),
    ("true for True", "done = true\n", "name.constant", 1, "", None, "`True`"),
    ("missing import", "print(math.pi)\n", "name.missing_import", 1, "", None, "import math"),
    ("unknown name", "print(hello)\n", "name.unknown", 1, "", None, '"hello"'),
    ("missing colon", "for i in range(3)\n    print(i)\n", "syntax.missing_colon", 1, "", None, ":"),
    ("= instead of ==", "x = 3\nif x = 3:\n    print(x)\n", "syntax.assign_in_condition", 2, "", None, "=="),
    ("unclosed bracket", 'print("a"\nx = 1\ny = 2\n', "syntax.unclosed_bracket", 1, "", None, None),
    ("unterminated string", 'print("hello)\n', "syntax.unclosed_string", 1, "", None, None),
    ("print without brackets", 'print "hi"\n', "syntax.print_parens", 1, "", None, None),
    ("full-width bracket", 'print（"hi"）\n', "syntax.full_width", 1, "", None, "`(`"),
    ("expected indent", "for i in range(3):\nprint(i)\n", "indent.expected", 2, "", None, None),
    ("unexpected indent", "x = 1\n    y = 2\n", "indent.unexpected", 2, "", None, None),
    ("tabs and spaces", "if True:\n\tx = 1\n        y = 2\n", "indent.tabs", 3, "", None, None),
    ("input() + number", 'age = input("Age? ")\nprint(age + 1)\n', "type.str_plus_other", 2, "12\n", None, "int(input"),
    ("number + text", 'n = 5\nprint(n + "apples")\n', "type.number_and_str", 2, "", None, None),
    ("int of text", 'int("abc")\n', "value.int_text", 1, "", None, None),
    ("int of decimal", 'n = int(input())\n', "value.int_decimal", 1, "3.5\n", None, "float("),
    ("zero division", "def half(n):\n    return n / 0\nprint(half(4))\n", "zero_division", 2, "", None, None),
    ("index", "nums = [1, 2, 3]\nprint(nums[3])\n", "index.list", 2, "", None, "0 ~ 2"),
    ("key", 'ages = {"tom": 10}\nprint(ages["tim"])\n', "key_error", 2, "", None, "'tom'"),
    ("attribute", 'name = "kid"\nprint(name.uppper())\n', "attribute.object", 2, "", None, "`upper`"),
    ("recursion", "def f(n):\n    return f(n + 1)\nf(0)\n", "recursion", 2, "", None, None),
    ("data module in basic", "import numpy\n", "module.data_profile", 1, "", None, None),
    ("module typo", "import turtel\n", "module.typo", 1, "", None, "`turtle`"),
    ("unbound local", "count = 0\ndef add():\n    count += 1\nadd()\n", "name.unbound_local", 3, "", None, "global count"),
    ("file not found", 'open("data.txt")\n', "file.not_found", 1, "", {"date.txt": "1"}, "`date.txt`"),
    ("no more input", "name = input()\n", "eof_input", 1, "", None, None),
    ("error inside the stdlib", "import random\nrandom.randint(5, 1)\n", "value.generic", 2, "", None, None),
    ("own module shadows turtle", "import turtle\nturtle.forward(10)\n", "attribute.own_module", 2, "",
     {"turtle.py": "x = 1\n"}, "my_turtle.py"),
]


def hint_contains(expected, lang):
    # Range wording differs by language; everything else is code and the same in both.
    if expected == "0 ~ 2":
        return "0 to 2" if lang == "en" else "0 到 2"
    return expected


class ExplanationTest(unittest.TestCase):
    def check_case(self, name, code, key, line, stdin, files, hint, lang, python=None):
        run = run_program(code, lang=lang, stdin=stdin, files=files, python=python)
        self.assertEqual(run.returncode, 1, run)
        explanations = run.of_type("explanation")
        self.assertEqual(len(explanations), 1, run)
        event = explanations[0]
        self.assertEqual(event["key"], key, event)
        self.assertEqual(event["lang"], lang)
        self.assertEqual(event["line"], line, event)
        self.assertEqual(event["file"], "main.py")
        self.assertEqual(event["error"], run.stderr.strip().splitlines()[-1].split(":")[0].split(".")[-1])
        # CPython's screen line may add "Did you mean: ...?"; `exception` is the exception itself.
        self.assertTrue(run.stderr.strip().splitlines()[-1].startswith(event["exception"]), event)
        for field in ("title", "message"):
            self.assertTrue(event[field].strip(), event)
        for field in ("title", "message", "hint"):
            self.assertIsNone(PLACEHOLDER.search(event.get(field, "")), event)
        if lang == "zh-CN":
            self.assertTrue(CJK.search(event["title"]) and CJK.search(event["message"]), event)
        if hint:
            self.assertIn(hint_contains(hint, lang), event.get("hint", ""), event)
        return run

    def test_every_case_in_english_and_chinese(self):
        for name, code, key, line, stdin, files, hint in CASES:
            for lang in ("en", "zh-CN"):
                with self.subTest(case=name, lang=lang):
                    self.check_case(name, code, key, line, stdin, files, hint, lang)

    def test_name_error_typo_reads_well_in_both_languages(self):
        code = 'pritn("hello")\n'
        en = run_program(code, lang="en").explanation()
        zh = run_program(code, lang="zh-CN").explanation()
        self.assertEqual(en["title"], "Python doesn't know the name `pritn`")
        self.assertEqual(en["hint"], "Did you mean `print`?")
        self.assertEqual(zh["title"], "Python 不认识 `pritn` 这个名字")
        self.assertEqual(zh["hint"], "你是不是想写 `print`？")
        self.assertEqual(en["code_line"], 'pritn("hello")')

    def test_classic_mistakes_on_every_python_found(self):
        """Python 3.9 words syntax errors differently from 3.10+; the diagnosis must not change."""
        classics = [c for c in CASES if c[0] in (
            "name typo", "missing colon", "= instead of ==", "unclosed bracket", "unterminated string",
            "print without brackets", "full-width bracket", "input() + number", "index", "attribute")]
        for python in extra_pythons():
            for name, code, key, line, stdin, files, hint in classics:
                with self.subTest(python=python, case=name):
                    self.check_case(name, code, key, line, stdin, files, hint, "en", python=python)

    def test_no_explanation_for_programs_that_end_normally(self):
        for code in ('print("ok")\n', "import sys\nsys.exit(3)\n", "raise SystemExit('bye')\n"):
            with self.subTest(code=code):
                run = run_program(code)
                self.assertEqual(run.of_type("explanation"), [])


class TracebackUnchangedTest(unittest.TestCase):
    """stderr must be exactly what CPython prints without the runtime."""

    PROGRAMS = {
        "main.py": None,
        "nested": "def a():\n    b()\ndef b():\n    return {}['x']\na()\n",
        "syntax": "print('a'\nx = = 2\n",
        "chained": "try:\n    1 / 0\nexcept ZeroDivisionError as e:\n    raise ValueError('bad') from e\n",
        "typo": "total = 1\nprint(totl)\n",
        "module": "import helper\nhelper.go()\n",
        "output then error": "print('some output')\nimport sys\nprint('err', file=sys.stderr)\nint('x')\n",
    }

    def test_stderr_is_byte_identical_with_and_without_the_runtime(self):
        files = {"helper.py": "def go():\n    return 1 / 0\n"}
        for name, code in self.PROGRAMS.items():
            if code is None:
                continue
            with self.subTest(program=name):
                workdir = tempfile.mkdtemp(prefix="sandpit-test-")
                try:
                    plain = run_program(code, runtime=False, files=files, workdir=workdir, keep=True)
                    with_runtime = run_program(code, files=files, workdir=workdir, keep=True)
                finally:
                    shutil.rmtree(workdir, ignore_errors=True)
                self.assertEqual(plain.returncode, 1)
                self.assertEqual(with_runtime.returncode, plain.returncode)
                self.assertEqual(with_runtime.stdout, plain.stdout)
                self.assertEqual(with_runtime.stderr, plain.stderr)
                self.assertIn("Traceback" if name != "syntax" else "SyntaxError", plain.stderr)
                self.assertEqual(len(with_runtime.of_type("explanation")), 1)


class StartupTest(unittest.TestCase):
    def test_start_up_imports_nothing_extra(self):
        """sitecustomize must stay cheap: the runtime adds no module at start-up but itself."""
        code = "import sys\nprint(' '.join(sorted(sys.modules)))\n"
        plain = set(run_program(code, runtime=False).stdout.split())
        with_runtime = set(run_program(code).stdout.split())
        # Debian's python3 has its own (empty-handed) sitecustomize, which ours replaces.
        self.assertLessEqual(with_runtime - plain, {"sitecustomize"})
        self.assertIn("sitecustomize", with_runtime)


if __name__ == "__main__":
    unittest.main()
