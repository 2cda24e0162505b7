"""matplotlib in the python-data profile: PNG events, savefig, exit, Chinese text.

These need /opt/sandpit/venv (runtime/provision.sh). With CI=true a missing
venv fails the tests instead of skipping them.
"""

import base64
import json
import os
import shutil
import tempfile
import textwrap
import unittest

from pngdecode import decode, ink_fraction
from support import require_data_python, run_program


def run_data(code, **kw):
    return run_program(textwrap.dedent(code), data=True, **kw)


def images(run):
    return run.of_type("visualization", "image")


class MatplotlibTest(unittest.TestCase):
    def setUp(self):
        require_data_python(self)

    def test_line_plot_with_chinese_title_is_a_png_event(self):
        run = run_data("""
            import matplotlib.pyplot as plt
            plt.plot([1, 2, 3, 4], [3, 1, 4, 1])
            plt.title("我的第一张图")
            plt.xlabel("时间")
            plt.show()
            print(plt.get_fignums())
        """)
        self.assertEqual(run.returncode, 0, run)
        self.assertEqual(run.stdout, "[]\n")  # show() closed the figure
        self.assertEqual(run.stderr, "")  # no "Glyph ... missing from font" warnings
        (event,) = images(run)
        self.assertEqual((event["mime"], event["source"], event["figure"]), ("image/png", "show", 1))
        width, height, rows = decode(base64.b64decode(event["data"]))
        self.assertEqual((width, height), (640, 480))
        self.assertEqual((event["width"], event["height"]), (640, 480))
        self.assertGreater(ink_fraction(rows), 0.005)  # axes, line and text: not blank
        self.assertLess(ink_fraction(rows), 0.5)

    def test_chinese_glyphs_are_real_glyphs_not_boxes(self):
        """Tofu boxes look the same for every character; real glyphs differ."""
        run = run_data("""
            import json
            import numpy as np
            import matplotlib
            import matplotlib.pyplot as plt
            from matplotlib import font_manager

            def render(text, family=None):
                fig = plt.figure(figsize=(1, 1), dpi=100)
                kw = {"family": family} if family else {}
                fig.text(0.5, 0.5, text, fontsize=40, ha="center", va="center", **kw)
                fig.canvas.draw()
                pixels = np.asarray(fig.canvas.buffer_rgba())[:, :, 0].copy()
                plt.close(fig)
                return pixels

            ours = [render(ch) for ch in "中文"]
            tofu = [render(ch, "DejaVu Sans") for ch in "中文"]
            path = font_manager.findfont(font_manager.FontProperties(family="WenQuanYi Micro Hei"),
                                         fallback_to_default=False)
            print(json.dumps({
                "ours_differ": bool((ours[0] != ours[1]).sum() > 50),
                "tofu_same": bool((tofu[0] == tofu[1]).all()),
                "inked": bool((ours[0] < 128).sum() > 50),
                "font": path,
                "family": matplotlib.rcParams["font.family"],
            }))
        """)
        self.assertEqual(run.returncode, 0, run)
        found = json.loads(run.stdout)
        self.assertTrue(found["ours_differ"], found)
        self.assertTrue(found["inked"], found)
        self.assertTrue(found["tofu_same"], found)  # the control: without the CJK font, boxes
        self.assertEqual(found["font"], "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc")
        self.assertIn("WenQuanYi Micro Hei", found["family"])

    def test_savefig_writes_the_file_and_sends_it_once(self):
        workdir = tempfile.mkdtemp(prefix="sandpit-test-")
        try:
            run = run_data("""
                import matplotlib.pyplot as plt
                plt.bar(["a", "b"], [2, 3])
                plt.savefig("bars.png")
                plt.show()           # unchanged since savefig: not sent again
                plt.figure()
                plt.plot([0, 1], [1, 0])
                plt.savefig("line")  # no extension: matplotlib writes line.png
                plt.title("changed") # changed after saving: sent again at exit
            """, workdir=workdir, keep=True)
            self.assertEqual(run.returncode, 0, run)
            sent = images(run)
            self.assertEqual([(e["source"], e.get("name")) for e in sent],
                             [("savefig", "bars.png"), ("savefig", "line"), ("exit", None)])
            with open(os.path.join(workdir, "bars.png"), "rb") as handle:
                self.assertEqual(base64.b64decode(sent[0]["data"]), handle.read())
            self.assertTrue(os.path.isfile(os.path.join(workdir, "line.png")))
        finally:
            shutil.rmtree(workdir, ignore_errors=True)

    def test_figures_open_at_exit_are_sent_without_show(self):
        run = run_data("""
            import matplotlib.pyplot as plt
            for n in range(3):
                plt.figure()
                plt.plot(range(n + 2))
        """)
        self.assertEqual(run.returncode, 0, run)
        self.assertEqual([(e["source"], e["figure"]) for e in images(run)], [("exit", 1), ("exit", 2), ("exit", 3)])

    def test_figures_are_sent_even_when_the_program_crashes(self):
        run = run_data("""
            import matplotlib.pyplot as plt
            plt.plot([1, 2])
            print(undefined_name)
        """)
        self.assertEqual(run.returncode, 1)
        self.assertEqual(len(images(run)), 1)
        self.assertEqual(run.explanation()["key"], "name.unknown")

    def test_simhei_from_chinese_tutorials_just_works(self):
        run = run_data("""
            import matplotlib.pyplot as plt
            plt.rcParams["font.sans-serif"] = ["SimHei"]
            plt.rcParams["axes.unicode_minus"] = False
            plt.plot([-1, 1])
            plt.title("负数和正数")
            plt.show()
        """)
        self.assertEqual(run.returncode, 0, run)
        self.assertEqual(run.stderr, "")  # no "findfont: Font family 'SimHei' not found"
        self.assertEqual(len(images(run)), 1)

    def test_font_cache_is_the_prebuilt_one(self):
        workdir = tempfile.mkdtemp(prefix="sandpit-test-")
        try:
            run = run_data("""
                import matplotlib.pyplot as plt
                plt.plot([1])
            """, workdir=workdir, keep=True)
            self.assertEqual(run.returncode, 0, run)
            config = os.path.join(workdir, ".tmp-matplotlib")
            entries = sorted(os.listdir(config))
            self.assertTrue(any(name.startswith("fontlist-v") for name in entries), entries)
            for name in entries:  # all links to the install-time cache: nothing rebuilt or written
                self.assertTrue(os.path.islink(os.path.join(config, name)), name)
        finally:
            shutil.rmtree(workdir, ignore_errors=True)

    def test_turtle_and_friendly_errors_in_the_data_profile(self):
        run = run_data("""
            import turtle
            turtle.forward(50)
            class Oops(Exception):
                pass
            raise Oops("custom")
        """)
        self.assertEqual(run.returncode, 1)
        self.assertTrue(run.of_type("visualization", "turtle"))
        explanation = run.explanation()
        self.assertEqual(explanation["key"], "generic")
        self.assertTrue(explanation.get("details"), explanation)  # friendly-traceback's analysis, English only
        zh = run_data("x = [1]\nx.push(2)\n", lang="zh-CN").explanation()
        self.assertEqual(zh["key"], "attribute.object")
        self.assertNotIn("details", zh)


if __name__ == "__main__":
    unittest.main()
