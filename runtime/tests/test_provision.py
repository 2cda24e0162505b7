"""What runtime/provision.sh leaves behind, and that running it again changes nothing."""

import importlib.util
import os
import subprocess
import unittest

from support import BASIC_PYTHON, DATA_PYTHON, IN_CI, MPL_CACHE, RUNTIME, require_data_python

HERE = os.path.dirname(os.path.abspath(__file__))
PROVISION = os.path.join(HERE, "..", "provision.sh")
REQUIREMENTS = os.path.join(HERE, "..", "requirements.txt")


class ProvisionTest(unittest.TestCase):
    def setUp(self):
        require_data_python(self)

    def test_venv_holds_exactly_the_pinned_packages(self):
        with open(REQUIREMENTS) as handle:
            pinned = sorted(line.strip().lower().replace("_", "-") for line in handle
                            if line.strip() and not line.startswith("#"))
        out = subprocess.run([DATA_PYTHON, "-m", "pip", "freeze", "--disable-pip-version-check"],
                             capture_output=True, text=True, check=True).stdout
        frozen = sorted(line.strip().lower().replace("_", "-") for line in out.splitlines() if line.strip())
        self.assertEqual(frozen, pinned)

    def test_venv_uses_the_system_python(self):
        version = [subprocess.run([p, "-c", "import sys; print(sys.version)"], capture_output=True, text=True).stdout
                   for p in (BASIC_PYTHON, DATA_PYTHON)]
        self.assertEqual(version[0], version[1])

    def test_font_cache_and_rc_are_in_place(self):
        names = os.listdir(MPL_CACHE)
        self.assertIn("matplotlibrc", names)
        caches = [n for n in names if n.startswith("fontlist-v") and n.endswith(".json")]
        self.assertEqual(len(caches), 1, names)
        with open(os.path.join(MPL_CACHE, caches[0]), encoding="utf-8") as handle:
            self.assertIn("WenQuanYi Micro Hei", handle.read())

    def test_runtime_is_byte_compiled_for_the_system_python(self):
        tag = subprocess.run([BASIC_PYTHON, "-c", "import sys; print(sys.implementation.cache_tag)"],
                             capture_output=True, text=True, check=True).stdout.strip()
        for module in ("sitecustomize.py", "turtle.py", "sandpit_mpl.py", os.path.join("_sandpit", "events.py"),
                       os.path.join("_sandpit", "tkheadless", "canvas.py"), os.path.join("_sandpit", "friendly", "rules.py")):
            source = os.path.join(RUNTIME, module)
            cached = importlib.util.cache_from_source(source)
            cached = cached.replace(cached.rsplit(".", 2)[-2], tag)
            self.assertTrue(os.path.isfile(cached), "%s is not byte-compiled (run provision.sh)" % module)

    def test_running_it_again_changes_nothing(self):
        if os.geteuid() != 0:
            if IN_CI:
                self.fail("provision.sh must run as root in CI")
            raise unittest.SkipTest("provision.sh needs root")
        out = subprocess.run(["bash", PROVISION], capture_output=True, text=True, timeout=600)
        self.assertEqual(out.returncode, 0, out.stderr)
        self.assertIn("venv /opt/sandpit/venv: up to date", out.stdout)
        self.assertIn("font cache in %s: up to date" % MPL_CACHE, out.stdout)
        self.assertNotIn("apt-get update", out.stdout)


if __name__ == "__main__":
    unittest.main()
