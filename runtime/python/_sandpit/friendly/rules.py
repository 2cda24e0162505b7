"""Diagnose an uncaught exception: which kid-level explanation fits, with what details.

`diagnose(situation)` returns a Diagnosis: a message key (looked up in the
en / zh-CN tables in texts_*.py), the values to fill in, and extra hint keys.
Rules read CPython's own message where it is stable across 3.9-3.13 and look
at the kid's code line where the message changed between versions.
"""

import difflib
import os
import re
import sys

from _sandpit.friendly import syntax


class Diagnosis:
    def __init__(self, key, /, generic=False, line=None, **params):
        self.key = key
        self.params = params
        self.hints = []
        self.generic = generic
        # Where the kid should look when that is not where Python stopped
        # (an unclosed bracket is reported lines after it was opened).
        self.line = line

    def hint(self, key, **params):
        self.hints.append((key, params))
        return self


def diagnose(s):
    for cls in s.etype.__mro__:
        rule = _RULES.get(cls.__name__)
        if rule is not None:
            found = rule(s)
            if found is not None:
                return found
    if s.etype.__module__ == "webbrowser":
        return Diagnosis("sandbox.webbrowser")
    return Diagnosis("generic", generic=True, error=s.error, message=s.message)


# -- names ------------------------------------------------------------------

_CONSTANTS = {"true": "True", "false": "False", "none": "None", "null": "None", "nil": "None"}
_USUAL_MODULES = ("math", "random", "time", "turtle", "string", "datetime", "os", "sys", "statistics")


def _quoted(message):
    found = re.search(r"'([^']*)'", message)
    return found.group(1) if found else ""


def _did_you_mean(message):
    found = re.search(r"Did you mean:? '([^']+)'", message)
    return found.group(1) if found else None


def close_match(word, candidates, cutoff=0.75):
    if not word:
        return None
    candidates = [c for c in candidates if isinstance(c, str) and c != word]
    lowered = {c.lower(): c for c in candidates}
    if word.lower() in lowered:
        return lowered[word.lower()]
    found = difflib.get_close_matches(word, candidates, n=1, cutoff=cutoff)
    return found[0] if found else None


def _name_error(s):
    name = _quoted(s.message)
    if name.lower() in _CONSTANTS and name != _CONSTANTS[name.lower()]:
        return Diagnosis("name.constant", name=name, right=_CONSTANTS[name.lower()])
    if name in _USUAL_MODULES:
        return Diagnosis("name.missing_import", name=name)
    suggestion = _did_you_mean(s.message) or close_match(name, s.names_in_scope())
    if suggestion:
        return Diagnosis("name.typo", name=name).hint("hint.did_you_mean", suggestion=suggestion)
    found = Diagnosis("name.unknown", name=name)
    if name and name.isidentifier():
        found.hint("hint.quotes_or_assign", name=name)
    return found


def _unbound_local(s):
    return Diagnosis("name.unbound_local", name=_quoted(s.message))


# -- syntax -----------------------------------------------------------------


def _syntax_error(s):
    return syntax.diagnose(s, Diagnosis)


# -- types and values -------------------------------------------------------


def _asks_input(s):
    return "input(" in s.source()


def _type_error(s):
    msg = s.message
    found = re.match(r'can only concatenate str \(not "(\w+)"\) to str', msg)
    if found:
        d = Diagnosis("type.str_plus_other", other=found.group(1))
        return d.hint("hint.input_is_text") if _asks_input(s) else d.hint("hint.str_convert")
    found = re.match(r"unsupported operand type\(s\) for (.+): '(\w+)' and '(\w+)'", msg)
    if found:
        op, left, right = found.groups()
        if "NoneType" in (left, right):
            return Diagnosis("type.none_operand", op=op)
        if {left, right} & {"str"} and {left, right} & {"int", "float"}:
            d = Diagnosis("type.number_and_str", op=op, left=left, right=right)
            return d.hint("hint.input_is_text") if _asks_input(s) else d
        return Diagnosis("type.unsupported_operand", op=op, left=left, right=right)
    found = re.match(r"'(.+)' not supported between instances of '(\w+)' and '(\w+)'", msg)
    if found:
        op, left, right = found.groups()
        d = Diagnosis("type.compare", op=op, left=left, right=right)
        if {left, right} == {"str", "int"} or {left, right} == {"str", "float"}:
            d.hint("hint.input_is_text" if _asks_input(s) else "hint.str_convert")
        return d
    if "object cannot be interpreted as an integer" in msg:
        typ = _quoted(msg)
        d = Diagnosis("type.not_integer", type=typ)
        if typ == "str":
            d.hint("hint.input_is_text" if _asks_input(s) else "hint.int_convert")
        elif typ == "float":
            d.hint("hint.float_to_int")
        return d
    found = re.match(r"can't multiply sequence by non-int of type '(\w+)'", msg)
    if found:
        d = Diagnosis("type.multiply_sequence", type=found.group(1))
        return d.hint("hint.input_is_text") if _asks_input(s) else d
    found = re.match(r"'(\w+)' object is not callable", msg)
    if found:
        d = Diagnosis("type.not_callable", type=found.group(1))
        if s.code_line and re.search(r"(\d|\))\s*\(", s.code_line):
            d.hint("hint.times_sign")
        return d
    found = re.match(r"'(\w+)' object is not subscriptable", msg)
    if found:
        return Diagnosis("type.not_subscriptable", type=found.group(1))
    found = re.match(r"'(\w+)' object is not iterable", msg)
    if found:
        d = Diagnosis("type.not_iterable", type=found.group(1))
        return d.hint("hint.use_range") if found.group(1) in ("int", "float") else d
    found = re.match(r"'(\w+)' object does not support item assignment", msg)
    if found:
        return Diagnosis("type.immutable", type=found.group(1))
    found = re.match(r"object of type '(\w+)' has no len\(\)", msg)
    if found:
        return Diagnosis("type.no_len", type=found.group(1))
    found = re.match(r"(?:\w+\.)*(\w+)\(\) (?:takes|missing|got)", msg)
    if found:
        d = Diagnosis("type.arguments", func=found.group(1), message=msg)
        if "takes 0 positional arguments but 1 was given" in msg:
            d.hint("hint.method_self")
        return d
    if msg.startswith("unhashable type"):
        return Diagnosis("type.unhashable", type=_quoted(msg))
    if "must be str, not" in msg or "expected str instance" in msg:
        return Diagnosis("type.need_str").hint("hint.str_convert")
    return Diagnosis("type.generic", generic=True, message=msg)


def _value_error(s):
    msg = s.message
    found = re.match(r"invalid literal for int\(\) with base \d+: (.*)$", msg, re.S)
    if found:
        text = _literal(found.group(1))
        if text.strip() == "":
            return Diagnosis("value.int_empty")
        if re.fullmatch(r"\s*[-+]?\d*[.,]\d+\s*", text):
            return Diagnosis("value.int_decimal", text=text)
        return Diagnosis("value.int_text", text=text)
    found = re.match(r"could not convert string to float: (.*)$", msg, re.S)
    if found:
        text = _literal(found.group(1))
        if text.strip() == "":
            return Diagnosis("value.int_empty")
        return Diagnosis("value.float_text", text=text)
    if msg == "math domain error":
        return Diagnosis("value.math_domain")
    if msg.startswith("too many values to unpack") or msg.startswith("not enough values to unpack"):
        return Diagnosis("value.unpack", message=msg)
    if msg.endswith("not in list"):
        return Diagnosis("value.not_in_list")
    if msg == "substring not found":
        return Diagnosis("value.substring")
    return Diagnosis("value.generic", generic=True, message=msg)


def _literal(text):
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1]
    return text


def _zero_division(s):
    return Diagnosis("zero_division")


def _index_error(s):
    msg = s.message
    if "pop from empty" in msg:
        return Diagnosis("index.pop_empty")
    kind = msg.split(" ")[0] if msg.endswith("index out of range") else None
    if kind in ("list", "string", "tuple"):
        d = Diagnosis("index." + ("str" if kind == "string" else "list"), kind=kind)
        length = _length_of_indexed(s)
        if length is not None:
            d.hint("hint.valid_indexes", name=length[0], length=length[1], last=length[1] - 1)
        return d
    return Diagnosis("index.generic", generic=True, message=msg)


def _length_of_indexed(s):
    if not s.code_line:
        return None
    for name in re.findall(r"([A-Za-z_]\w*)\s*\[", s.code_line):
        value = s.lookup(name)
        if isinstance(value, (list, tuple, str)):
            return name, len(value)
    return None


def _key_error(s):
    key = s.value.args[0] if s.value.args else None
    d = Diagnosis("key_error", key=repr(key))
    if isinstance(key, str):
        for value in s.scope_values():
            if isinstance(value, dict) and key not in value:
                suggestion = close_match(key, [k for k in value if isinstance(k, str)], cutoff=0.6)
                if suggestion:
                    return d.hint("hint.did_you_mean", suggestion=repr(suggestion))
    return d


def _attribute_error(s):
    msg = s.message
    found = re.match(r"(?:partially initialized )?module '([\w.]+)' (?:\(.*\) )?has no attribute '(\w+)'", msg)
    if found:
        module_name, attr = found.groups()
        module = sys.modules.get(module_name)
        path = getattr(module, "__file__", None)
        if path and s.is_kid_file(path):
            return Diagnosis("attribute.own_module", module=module_name, file=os.path.basename(path))
        d = Diagnosis("attribute.module", module=module_name, attr=attr)
        suggestion = _did_you_mean(msg) or close_match(attr, dir(module) if module else [])
        return d.hint("hint.did_you_mean", suggestion=suggestion) if suggestion else d
    found = re.match(r"'(\w+)' object has no attribute '(\w+)'", msg)
    if found:
        typ, attr = found.groups()
        if typ == "NoneType":
            return Diagnosis("attribute.none", attr=attr)
        d = Diagnosis("attribute.object", type=typ, attr=attr)
        suggestion = _did_you_mean(msg) or close_match(attr, _public_names(_object_or_type(s, typ)))
        return d.hint("hint.did_you_mean", suggestion=suggestion) if suggestion else d
    return Diagnosis("attribute.generic", generic=True, message=msg)


def _object_or_type(s, type_name):
    """The object the attribute was looked up on (3.10+ keeps it), else its type by name."""
    obj = getattr(s.value, "obj", None)
    if obj is not None:
        return obj
    import builtins

    found = getattr(builtins, type_name, None)
    if not isinstance(found, type):
        found = s.lookup(type_name)
    return found if isinstance(found, type) else None


def _public_names(obj):
    return [] if obj is None else [a for a in dir(obj) if not a.startswith("_")]


def _recursion_error(s):
    return Diagnosis("recursion")


# -- modules and files ------------------------------------------------------

_WINDOW_MODULES = ("tkinter", "_tkinter", "pygame", "pyglet", "arcade", "PyQt5", "PyQt6", "wx", "kivy")
_DATA_MODULES = ("numpy", "matplotlib")
_NETWORK_MODULES = ("requests", "urllib3", "httpx", "aiohttp")


def _module_not_found(s):
    name = getattr(s.value, "name", None) or _quoted(s.message)
    top = (name or "").split(".")[0]
    if top in ("tkinter", "_tkinter"):
        return Diagnosis("module.tkinter", name=name)
    if top in _WINDOW_MODULES:
        return Diagnosis("module.window", name=top)
    if top in _DATA_MODULES and sys.prefix == sys.base_prefix:  # in the data venv it would be wrong advice
        return Diagnosis("module.data_profile", name=top)
    if top in _NETWORK_MODULES:
        return Diagnosis("module.network", name=top)
    suggestion = close_match(top, _available_modules(), cutoff=0.8)
    if suggestion:
        return Diagnosis("module.typo", name=top).hint("hint.did_you_mean", suggestion=suggestion)
    return Diagnosis("module.unknown", name=top)


def _available_modules():
    names = set(getattr(sys, "stdlib_module_names", ()))
    names.update(sys.builtin_module_names)
    try:
        import pkgutil

        names.update(m.name for m in pkgutil.iter_modules())
    except Exception:
        pass
    return sorted(n for n in names if not n.startswith("_"))


def _import_error(s):
    found = re.match(r"cannot import name '(\w+)' from '([\w.]+)'", s.message)
    if found:
        name, module_name = found.groups()
        module = sys.modules.get(module_name)
        path = getattr(module, "__file__", None)
        if path and s.is_kid_file(path):
            return Diagnosis("attribute.own_module", module=module_name, file=os.path.basename(path))
        d = Diagnosis("import.name", name=name, module=module_name)
        suggestion = close_match(name, dir(module) if module else [])
        return d.hint("hint.did_you_mean", suggestion=suggestion) if suggestion else d
    return Diagnosis("import.generic", generic=True, message=s.message)


def _file_not_found(s):
    filename = getattr(s.value, "filename", None) or _quoted(s.message)
    d = Diagnosis("file.not_found", filename=filename)
    try:
        here = os.listdir(s.work_dir)
    except OSError:
        here = []
    suggestion = close_match(os.path.basename(str(filename)), here, cutoff=0.6)
    return d.hint("hint.did_you_mean", suggestion=suggestion) if suggestion else d


def _os_error(s):
    if getattr(s.value, "errno", None) in (13, 30):  # EACCES, EROFS
        return Diagnosis("file.read_only")
    return None


def _eof_error(s):
    return Diagnosis("eof_input")


# -- turtle -----------------------------------------------------------------


def _turtle_error(s):
    if s.etype.__module__ != "turtle":
        return None
    msg = s.message
    if msg.startswith("bad color string"):
        color = msg.split(":", 1)[1].strip() if ":" in msg else ""
        d = Diagnosis("turtle.bad_color", color=color)
        from _sandpit import tkcolors

        suggestion = close_match(color.replace(" ", "").lower(), tkcolors.names(), cutoff=0.7)
        return d.hint("hint.did_you_mean", suggestion=suggestion) if suggestion else d
    if msg.startswith("bad color sequence") or msg.startswith("bad color arguments"):
        return Diagnosis("turtle.bad_color_tuple", color=msg.split(":", 1)[-1].strip())
    return Diagnosis("turtle.generic", generic=True, message=msg)


def _terminator(s):
    if s.etype.__module__ != "turtle":
        return None
    return Diagnosis("turtle.terminated")


# -- the rest ---------------------------------------------------------------


def _overflow(s):
    return Diagnosis("overflow", message=s.message)


def _memory(s):
    return Diagnosis("memory")


def _assertion(s):
    return Diagnosis("assertion", message=s.message)


def _sandbox_runtime(s):
    if s.etype.__module__ in ("webbrowser", "antigravity"):
        return Diagnosis("sandbox.webbrowser")
    return None


_RULES = {
    "UnboundLocalError": _unbound_local,
    "NameError": _name_error,
    "TabError": _syntax_error,
    "IndentationError": _syntax_error,
    "SyntaxError": _syntax_error,
    "TypeError": _type_error,
    "ValueError": _value_error,
    "ZeroDivisionError": _zero_division,
    "IndexError": _index_error,
    "KeyError": _key_error,
    "AttributeError": _attribute_error,
    "RecursionError": _recursion_error,
    "ModuleNotFoundError": _module_not_found,
    "ImportError": _import_error,
    "FileNotFoundError": _file_not_found,
    "EOFError": _eof_error,
    "TurtleGraphicsError": _turtle_error,
    "Terminator": _terminator,
    "OverflowError": _overflow,
    "MemoryError": _memory,
    "AssertionError": _assertion,
    "Error": _sandbox_runtime,
    "OSError": _os_error,
}
