"""Kids' classic syntax mistakes, recognised the same way on Python 3.9 to 3.13.

Newer Pythons name many mistakes themselves ("expected ':'", "'(' was never
closed"); 3.9 often says only "invalid syntax". So each rule checks the
message first and then the code itself (the error line, or the whole file for
brackets).
"""

import re

# Full-width punctuation typed with a Chinese input method, and what Python wants.
FULL_WIDTH = {
    "（": "(", "）": ")", "：": ":", "，": ",", "；": ";", "“": '"', "”": '"',
    "‘": "'", "’": "'", "。": ".", "【": "[", "】": "]", "！": "!", "？": "?",
    "＝": "=", "＋": "+", "－": "-", "＊": "*", "／": "/", "《": "<", "》": ">",
    "｛": "{", "｝": "}", "\u3000": " ", "、": ",", "．": ".", "＜": "<", "＞": ">",
}
_COMPOUND = ("if", "elif", "else", "for", "while", "def", "class", "try", "except", "finally", "with")
_OPENERS = {"(": ")", "[": "]", "{": "}"}


def diagnose(s, Diagnosis):
    value = s.value
    msg = getattr(value, "msg", None) or s.message
    line = (getattr(value, "text", None) or "").rstrip("\r\n")
    lineno = getattr(value, "lineno", None)

    if s.error == "TabError" or "inconsistent use of tabs" in msg:
        return Diagnosis("indent.tabs")
    if msg.startswith("expected an indented block"):
        return Diagnosis("indent.expected")
    if msg.startswith("unexpected indent"):
        return Diagnosis("indent.unexpected")
    if msg.startswith("unindent does not match"):
        return Diagnosis("indent.unindent")
    if s.error == "IndentationError":
        return Diagnosis("indent.other", message=msg)

    if msg.startswith("Missing parentheses in call to"):
        return Diagnosis("syntax.print_parens", name=re.findall(r"'(\w+)'", msg)[0] if "'" in msg else "print")
    wide = next((ch for ch in line if ch in FULL_WIDTH), None)
    if wide is not None and ("invalid character" in msg or "invalid syntax" in msg or "invalid non-printable" in msg):
        shown = "space" if wide == "\u3000" else wide
        return Diagnosis("syntax.full_width", char=shown, ascii=FULL_WIDTH[wide] if wide != "\u3000" else "space")
    if "unterminated triple-quoted" in msg or "EOF while scanning triple-quoted" in msg:
        return Diagnosis("syntax.unclosed_triple")
    if "unterminated string" in msg or "EOL while scanning string" in msg:
        return Diagnosis("syntax.unclosed_string")

    unclosed = _first_unclosed_bracket(s.source())
    if "was never closed" in msg or "unexpected EOF" in msg or (unclosed and unclosed[1] < (lineno or 0)):
        if unclosed:
            return Diagnosis("syntax.unclosed_bracket", bracket=unclosed[0], opened=unclosed[1], line=unclosed[1])
        found = re.match(r"'(.)' was never closed", msg)
        return Diagnosis("syntax.unclosed_bracket", bracket=found.group(1) if found else "(", opened=lineno)
    found = re.match(r"unmatched '(.)'", msg)
    if found:
        return Diagnosis("syntax.unmatched_bracket", bracket=found.group(1))
    found = re.match(r"closing parenthesis '(.)' does not match opening parenthesis '(.)'", msg)
    if found:
        return Diagnosis("syntax.mismatched_bracket", closing=found.group(1), opening=found.group(2))

    stripped = line.strip()
    keyword = _leading_keyword(stripped)
    if "instead of '='" in msg or (keyword in ("if", "elif", "while") and _single_equals(stripped)):
        return Diagnosis("syntax.assign_in_condition", keyword=keyword or "if")
    if msg.startswith("expected ':'") or (keyword in _COMPOUND and ":" not in _without_strings(stripped)):
        return Diagnosis("syntax.missing_colon", keyword=keyword or "if")
    if msg.startswith("cannot assign to") or msg.startswith("can't assign to"):
        return Diagnosis("syntax.bad_assign", message=msg)
    if "invalid decimal literal" in msg or "invalid imaginary literal" in msg:
        return Diagnosis("syntax.bad_number")
    if "outside function" in msg:
        return Diagnosis("syntax.outside_function", word=re.findall(r"'(\w+)'", msg)[0] if "'" in msg else "return")
    if "outside loop" in msg or "not properly in loop" in msg:
        return Diagnosis("syntax.outside_loop", word=re.findall(r"'(\w+)'", msg)[0] if "'" in msg else "break")
    if "forgot a comma" in msg:
        return Diagnosis("syntax.missing_comma")
    return Diagnosis("syntax.generic", message=msg)


def _leading_keyword(stripped):
    found = re.match(r"([a-z]+)\b", stripped)
    return found.group(1) if found and found.group(1) in _COMPOUND else None


def _code_part(stripped):
    """The line without a trailing comment (ignoring '#' inside quotes)."""
    quote = None
    for index, ch in enumerate(stripped):
        if quote:
            if ch == quote:
                quote = None
        elif ch in "'\"":
            quote = ch
        elif ch == "#":
            return stripped[:index].rstrip()
    return stripped.rstrip()


def _without_strings(stripped):
    return re.sub(r"(\"[^\"]*\"|'[^']*')", "", _code_part(stripped))


def _single_equals(stripped):
    code = _without_strings(stripped)
    return re.search(r"(?<![=!<>:+\-*/%&|^])=(?!=)", code) is not None


def _first_unclosed_bracket(source):
    """(bracket, line) of the first bracket left open, ignoring strings and comments."""
    stack = []
    quote = None
    line = 1
    i = 0
    n = len(source)
    while i < n:
        ch = source[i]
        if ch == "\n":
            line += 1
            if quote and len(quote) == 1:
                quote = None  # an unterminated string: not our concern here
        elif quote:
            if ch == "\\":
                i += 1
            elif source.startswith(quote, i):
                i += len(quote) - 1
                quote = None
        elif ch == "#":
            while i < n and source[i] != "\n":
                i += 1
            continue
        elif ch in "'\"":
            quote = ch * 3 if source.startswith(ch * 3, i) else ch
            i += len(quote) - 1
        elif ch in _OPENERS:
            stack.append((ch, line))
        elif ch in ")]}":
            if stack and _OPENERS[stack[-1][0]] == ch:
                stack.pop()
            else:
                return None  # mismatched: a different mistake
        i += 1
    return stack[0] if stack else None
