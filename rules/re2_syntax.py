"""A rule's regex, as Python's `re` reads it, rewritten for RE2 so that both find the same text.

RE2 runs in time linear in the text whatever the pattern, but its syntax and its classes differ
from Python's: \\w, \\d and \\s are ASCII-only in RE2 and Unicode in Python, `$` and \\Z mean
other things, and RE2 folds dotless and dotted i apart from I and i. So the pattern is not
passed on as written: Python's own parse tree is walked and every item written out in RE2
syntax with Python's meaning (\\w -> [\\p{L}\\p{N}_], `.` -> [^\\n], ...).

What RE2 cannot express gives a reason instead of a pattern (look-arounds, backreferences,
atomic groups, possessive quantifiers), and the pattern runs on Python's engine behind the
backtracking guard (rules.regex_guard). \\b and \\B are translated, but RE2's word boundary
only knows ASCII letters: the caller searches text holding other letters with Python's engine.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:   # typeshed describes re._constants and re._parser under their old names
    import sre_constants as sre_c
    import sre_parse
else:   # the old names warn (DeprecationWarning) since Python 3.11
    from re import _constants as sre_c
    from re import _parser as sre_parse

# Python's (Unicode) classes, written with RE2's Unicode properties. Python 3.11's tables are
# Unicode 14; RE2's are newer, so characters added since (a few thousand, in new scripts) are
# word characters or digits in RE2 only.
_WORD = r"\p{L}\p{N}_"
_DIGIT = r"\p{Nd}"
_SPACE_CHARS = "\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f\x85"
_SPACE = "".join(f"\\x{{{ord(c):x}}}" for c in _SPACE_CHARS) + r"\x{20}\p{Z}"
_ASCII = {
    "CATEGORY_DIGIT": "0-9", "CATEGORY_WORD": "0-9A-Za-z_",
    "CATEGORY_SPACE": r"\x{9}-\x{d}\x{20}",
}
_NEGATED = {"CATEGORY_NOT_DIGIT": "CATEGORY_DIGIT", "CATEGORY_NOT_WORD": "CATEGORY_WORD",
            "CATEGORY_NOT_SPACE": "CATEGORY_SPACE"}
# Python's case-insensitive matching makes these four one letter (Turkish I); RE2 does not.
_DOTTED_I = "Iiİı"
_DOTTED_I_CLASS = "[" + "".join(f"\\x{{{ord(c):x}}}" for c in _DOTTED_I) + "]"
_UNSUPPORTED = {
    "ASSERT": "a look-ahead or look-behind", "ASSERT_NOT": "a look-ahead or look-behind",
    "GROUPREF": "a backreference", "GROUPREF_EXISTS": "a backreference",
    "ATOMIC_GROUP": "an atomic group (?>...)", "POSSESSIVE_REPEAT": "a possessive quantifier",
}


@dataclass(frozen=True)
class Translation:
    """`pattern` in RE2 syntax, or None and the `reason` RE2 cannot run it."""

    pattern: str | None
    reason: str | None = None
    word_boundaries: bool = False   # \b or \B with Unicode letters


class _Unsupported(Exception):
    pass


def to_re2(parsed: sre_parse.SubPattern, flags: int) -> Translation:
    """Translate a pattern parsed by Python (re._parser.parse) under compile `flags`."""
    writer = _Writer()
    try:
        pattern = writer.sequence(list(parsed.data), parsed.state.flags | flags)
    except _Unsupported as exc:
        return Translation(None, str(exc))
    return Translation(pattern, None, writer.word_boundaries)


class _Writer:
    def __init__(self) -> None:
        self.word_boundaries = False

    def sequence(self, items: list[tuple[Any, Any]], flags: int) -> str:
        return "".join(self.item(op, arg, flags) for op, arg in items)

    def item(self, op: Any, arg: Any, flags: int) -> str:
        if op.name in _UNSUPPORTED:
            raise _Unsupported(_UNSUPPORTED[op.name])
        if op is sre_c.LITERAL:
            return _literal(arg, flags)
        if op is sre_c.NOT_LITERAL:
            if _turkish(arg, flags):
                return "[^" + _DOTTED_I_CLASS[1:]
            return _case(f"[^{_char(arg)}]", flags)
        if op is sre_c.ANY:
            return r"(?s:.)" if flags & re.DOTALL else r"[^\n]"
        if op is sre_c.IN:
            return _case(_in(arg, flags), flags)
        if op is sre_c.AT:
            return self.at(arg.name, flags)
        if op is sre_c.BRANCH:
            return "(?:" + "|".join(self.sequence(list(b), flags) for b in arg[1]) + ")"
        if op is sre_c.SUBPATTERN:
            _, add, remove, body = arg
            return "(?:" + self.sequence(list(body), (flags | add) & ~remove) + ")"
        if op in (sre_c.MAX_REPEAT, sre_c.MIN_REPEAT):
            low, high, body = arg
            lazy = "?" if op is sre_c.MIN_REPEAT else ""
            return f"(?:{self.sequence(list(body), flags)}){_quantifier(low, high)}{lazy}"
        raise _Unsupported(f"{op.name.lower()} is not known to the linear-time engine")

    def at(self, name: str, flags: int) -> str:
        multiline = bool(flags & re.MULTILINE)
        if name in ("AT_BOUNDARY", "AT_NON_BOUNDARY"):
            # RE2's \b is ASCII-only: exact under (?a), else the caller checks the text.
            self.word_boundaries = self.word_boundaries or not flags & re.ASCII
            return r"\b" if name == "AT_BOUNDARY" else r"\B"
        # Python's `$` also matches before a final newline; the matcher's windows are one
        # sentence, which never holds a line break, so \z is the same there.
        return {"AT_BEGINNING": "(?m:^)" if multiline else r"\A",
                "AT_BEGINNING_STRING": r"\A",
                "AT_END": "(?m:$)" if multiline else r"\z",
                "AT_END_STRING": r"\z"}[name]


def _quantifier(low: int, high: Any) -> str:
    if high == sre_c.MAXREPEAT:
        return {0: "*", 1: "+"}.get(low, f"{{{low},}}")
    if (low, high) == (0, 1):
        return "?"
    return f"{{{low}}}" if low == high else f"{{{low},{high}}}"


def _char(code: int) -> str:
    char = chr(code)
    if char.isascii() and char.isalnum():
        return char
    if 0xD800 <= code <= 0xDFFF:
        raise _Unsupported("a lone surrogate character")
    return f"\\x{{{code:x}}}"


def _turkish(code: int, flags: int) -> bool:
    return flags & (re.IGNORECASE | re.ASCII) == re.IGNORECASE and chr(code) in _DOTTED_I


def _case(text: str, flags: int) -> str:
    if not flags & re.IGNORECASE:
        return text
    if flags & re.ASCII:
        # Python then folds ASCII letters only; RE2 would also fold K with the Kelvin sign.
        raise _Unsupported("(?a) together with case-insensitive matching")
    return f"(?i:{text})"


def _literal(code: int, flags: int) -> str:
    if _turkish(code, flags):
        return _DOTTED_I_CLASS
    return _case(_char(code), flags)


def _in(items: list[tuple[Any, Any]], flags: int) -> str:
    """A Python class as RE2 classes: [...], [^...] or an alternation of both."""
    negated = bool(items) and items[0][0] is sre_c.NEGATE
    items = items[1:] if negated else items
    parts: list[str] = []
    complements: list[str] = []   # classes only expressible as [^...]
    for op, arg in items:
        if op is sre_c.LITERAL:
            parts.append(_char(arg))
        elif op is sre_c.RANGE:
            parts.append(f"{_char(arg[0])}-{_char(arg[1])}")
        elif op is sre_c.CATEGORY:
            name = arg.name
            base = _NEGATED.get(name, name)
            body = _ASCII[base] if flags & re.ASCII else \
                {"CATEGORY_DIGIT": _DIGIT, "CATEGORY_WORD": _WORD,
                 "CATEGORY_SPACE": _SPACE}[base]
            if name == base:
                parts.append(body)
            elif name == "CATEGORY_NOT_DIGIT" and not flags & re.ASCII:
                parts.append(r"\P{Nd}")
            else:
                complements.append(body)
        else:
            raise _Unsupported(f"a class item {op.name.lower()}")
    if flags & re.IGNORECASE and not flags & re.ASCII:
        parts.extend(_char(ord(c)) for c in _dotted_i_in(items, flags))
    if not complements:
        return f"[{'^' if negated else ''}{''.join(parts)}]"
    if negated:
        if parts or len(complements) > 1:
            raise _Unsupported("a negated class holding \\W, \\S or \\D beside other items")
        return f"[{complements[0]}]"   # [^\W] is \w
    alternatives = ([f"[{''.join(parts)}]"] if parts else []) + \
        [f"[^{body}]" for body in complements]
    return "(?:" + "|".join(alternatives) + ")" if len(alternatives) > 1 else alternatives[0]


def _dotted_i_in(items: list[tuple[Any, Any]], flags: int) -> list[str]:
    """The I-like letters Python's case-insensitive class (without ^) matches."""
    python = []
    for op, arg in items:
        if op is sre_c.LITERAL:
            python.append(f"\\U{arg:08x}")
        elif op is sre_c.RANGE:
            python.append(f"\\U{arg[0]:08x}-\\U{arg[1]:08x}")
        else:
            python.append(_PYTHON_CATEGORY[arg.name])
    if not python:
        return []
    members = re.compile(f"[{''.join(python)}]", re.IGNORECASE)
    return [c for c in _DOTTED_I if members.fullmatch(c)]


_PYTHON_CATEGORY = {
    "CATEGORY_DIGIT": r"\d", "CATEGORY_NOT_DIGIT": r"\D", "CATEGORY_WORD": r"\w",
    "CATEGORY_NOT_WORD": r"\W", "CATEGORY_SPACE": r"\s", "CATEGORY_NOT_SPACE": r"\S",
}
