"""Kid-level explanations of uncaught errors, in English or Simplified Chinese.

sitecustomize's excepthook first prints the standard traceback exactly as
CPython would (stderr is never changed), then calls `report()`, which writes
one `explanation` event (docs/friendly-errors.md) on the event channel. The
runner puts it in the result record's `explanation` field.

Our own rules (rules.py, syntax.py) and texts (texts_en.py, texts_zh.py) do
the work on every profile. Where friendly-traceback is installed (python-data)
and our rules only have a generic answer, its English analysis is added as
`details` for English readers.
"""

import os

from _sandpit import events

_explained = False


def language():
    lang = os.environ.get("SANDPIT_LANG", "en").strip().replace("_", "-").lower()
    return "zh-CN" if lang.startswith("zh") else "en"


def explain(etype, value, tb, lang=None):
    """The explanation event for an exception, as a dict."""
    from _sandpit.friendly import rules
    from _sandpit.friendly.situation import Situation

    lang = lang or language()
    situation = Situation(etype, value, tb)
    diagnosis = rules.diagnose(situation)
    texts = _texts(lang)
    entry = texts.get(diagnosis.key) or texts["generic"]
    params = _Params(diagnosis.params, error=situation.error, message=situation.message)
    event = {
        "type": "explanation",
        "lang": lang,
        "error": situation.error,
        "key": diagnosis.key,
        "title": _fill(entry["title"], params),
        "message": _fill(entry["message"], params),
    }
    hints = [_fill(entry["hint"], params)] if entry.get("hint") else []
    for key, extra in diagnosis.hints:
        if key in texts:
            hints.insert(0, _fill(texts[key], _Params(extra, **diagnosis.params)))
    if hints:
        event["hint"] = " ".join(hints)
    if diagnosis.line is not None and situation.filename:
        situation.point_at(diagnosis.line)
    if situation.lineno is not None:
        event["line"] = situation.lineno
    if situation.display_file:
        event["file"] = situation.display_file
    if situation.code_line:
        event["code_line"] = situation.code_line
    event["exception"] = situation.exception_line
    if diagnosis.generic and lang == "en":
        details = _friendly_traceback_cause(etype, value, tb)
        if details:
            event["details"] = details
    return event


def report(etype, value, tb):
    """Called by the excepthook after the standard traceback has been printed."""
    global _explained
    if issubclass(etype, KeyboardInterrupt):
        return
    _flush_drawings()
    _explained = True
    events.emit(explain(etype, value, tb))


def explain_once(etype, value, tb):
    """For errors the program survives (a failing turtle timer callback): the first one only."""
    global _explained
    if _explained:
        return
    _explained = True
    _flush_drawings()
    events.emit(explain(etype, value, tb))


def _flush_drawings():
    import sys

    recorder = sys.modules.get("_sandpit.turtle_recorder")
    if recorder is not None:
        recorder.flush()


def _texts(lang):
    if lang == "zh-CN":
        from _sandpit.friendly.texts_zh import TEXTS
    else:
        from _sandpit.friendly.texts_en import TEXTS
    return TEXTS


class _Params(dict):
    def __init__(self, values, **defaults):
        dict.__init__(self, defaults)
        self.update(values)

    def __missing__(self, key):
        return "?"


def _fill(template, params):
    try:
        return template.format_map(params)
    except (ValueError, IndexError, KeyError):
        return template


def _friendly_traceback_cause(etype, value, tb):
    try:
        from friendly_traceback.core import FriendlyTraceback
    except Exception:
        return None
    try:
        analysis = FriendlyTraceback(etype, value, tb)
        analysis.compile_info()
        cause = analysis.info.get("cause") or analysis.info.get("generic")
        return cause.strip() if cause else None
    except Exception:
        return None
