"""The English and Chinese explanation tables must match key for key."""

import importlib
import re
import sys
import unittest

from support import RUNTIME

FIELD = re.compile(r"(?<!\{)\{([a-z_]+)\}(?!\})")


def load(name):
    sys.path.insert(0, RUNTIME)
    try:
        return importlib.import_module("_sandpit.friendly." + name).TEXTS
    finally:
        sys.path.remove(RUNTIME)


class TextTablesTest(unittest.TestCase):
    def setUp(self):
        self.en = load("texts_en")
        self.zh = load("texts_zh")

    def test_same_keys_and_fields(self):
        self.assertEqual(sorted(self.en), sorted(self.zh))
        for key in self.en:
            en, zh = self.en[key], self.zh[key]
            with self.subTest(key=key):
                self.assertEqual(type(en), type(zh))
                if isinstance(en, dict):
                    self.assertEqual(sorted(en), sorted(zh))
                    self.assertIn("title", en)
                    self.assertIn("message", en)
                    for part in en:
                        english, chinese = set(FIELD.findall(en[part])), set(FIELD.findall(zh[part]))
                        self.assertLessEqual(chinese, english, part)
                        # The Chinese title of index.list leaves out the English type word.
                        self.assertLessEqual(english - chinese, {"kind"}, part)
                else:
                    self.assertEqual(set(FIELD.findall(en)), set(FIELD.findall(zh)))

    def test_chinese_texts_are_chinese(self):
        for key, entry in self.zh.items():
            texts = entry.values() if isinstance(entry, dict) else [entry]
            for text in texts:
                if FIELD.sub("", text).strip("`{}?。：:，, ") and key not in ("index.generic", "attribute.generic",
                                                                          "import.generic", "turtle.generic"):
                    with self.subTest(key=key, text=text):
                        self.assertRegex(text, r"[\u4e00-\u9fff]")

    def test_every_key_the_rules_can_choose_has_a_text(self):
        with open(RUNTIME + "/_sandpit/friendly/rules.py", encoding="utf-8") as handle:
            rules = handle.read()
        with open(RUNTIME + "/_sandpit/friendly/syntax.py", encoding="utf-8") as handle:
            rules += handle.read()
        chosen = set(re.findall(r'Diagnosis\("([a-z_.]+)"', rules)) | set(re.findall(r'"(hint\.[a-z_]+)"', rules))
        chosen = {key for key in chosen if not key.endswith(".")}
        chosen |= {"index.str", "index.list"}  # built as "index." + kind
        self.assertGreater(len(chosen), 50)
        for key in sorted(chosen):
            with self.subTest(key=key):
                self.assertTrue(key in self.en, "no text for %s" % key)


if __name__ == "__main__":
    unittest.main()
