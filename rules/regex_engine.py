"""Rule regexes, compiled once and searched on the engine that keeps them fast.

A pattern runs on RE2 (google-re2), whose time is linear in the text whatever the pattern,
whenever RE2 can say exactly what Python's `re` would match (rules.re2_syntax rewrites it).
Otherwise it runs on Python's engine, and must first pass the backtracking guard
(rules.regex_guard):

- look-arounds, backreferences (refused by the guard anyway), atomic groups and possessive
  quantifiers, which RE2 lacks;
- patterns that can match empty text: after an empty match Python looks again at the same
  place for a longer one, and RE2 has no such step;
- \\b and \\B, on windows whose text holds a non-ASCII letter or digit: RE2's word boundary
  only knows ASCII ones. On other text RE2 runs them, exactly.

Either way a window of MAX_REGEX_TEXT characters (rules.conditions) is searched in a bounded
time: linear on RE2, at most about n^2 steps behind the guard.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import re2

from rules.errors import UnsafeRegex
from rules.re2_syntax import to_re2
from rules.regex_guard import check_backtracking, parse_pattern

# Case is written into the translated pattern itself; captures are never read.
_RE2_OPTIONS = re2.Options()
_RE2_OPTIONS.log_errors = False
_RE2_OPTIONS.never_capture = True
_NON_ASCII_WORD = re.compile(r"[^\W\x00-\x7f]")
_SURROGATE = re.compile("[\ud800-\udfff]")
_EMPTY = "it can match empty text"
_BOUNDARY = ("it has \\b or \\B, which the linear-time engine knows only beside ASCII letters "
             "and digits: text with other letters is searched on the backtracking engine")


class UserRegex:
    """One rule's compiled pattern; `spans` finds what Python's finditer would find."""

    __slots__ = ("_boundaries", "_python", "_re2", "pattern")

    def __init__(self, pattern: str, python: re.Pattern[str], linear: Any | None,
                 boundaries: bool) -> None:
        self.pattern = pattern
        self._python = python
        self._re2 = linear
        self._boundaries = boundaries

    @property
    def engine(self) -> str:
        return "python" if self._re2 is None else "re2"

    def spans(self, text: str, start: int, stop: int) -> Iterator[tuple[int, int]]:
        """(start, end) of each match in text[start:stop], as re.finditer(text, start, stop)
        gives them: the character before `start` is seen by \\b, ^ and \\A; `stop` ends the
        text."""
        if self._re2 is not None:
            base = start - 1 if start > 0 else 0   # one character of context, as Python's
            segment = text[base:stop]
            if not (self._boundaries and not segment.isascii()
                    and _NON_ASCII_WORD.search(segment)):
                return _re2_spans(self._re2, segment, start - base, base)
        return (m.span() for m in self._python.finditer(text, start, stop))


def _re2_spans(linear: Any, segment: str, pos: int, base: int) -> Iterator[tuple[int, int]]:
    try:
        found = [m.span() for m in linear.finditer(segment, pos)]
    except UnicodeEncodeError:   # a lone surrogate (from JSON "\ud800"): not UTF-8
        segment = _SURROGATE.sub("\ufffd", segment)
        found = [m.span() for m in linear.finditer(segment, pos)]
    return ((base + start, base + end) for start, end in found)


def compile_user_regex(pattern: str, *, ignore_case: bool) -> UserRegex:
    """The pattern on RE2 when it can run there exactly, else on Python's engine once the
    guard has passed it. Raises UnsafeRegex with the reason and what to write instead."""
    flags = re.UNICODE | (re.IGNORECASE if ignore_case else 0)
    linear, boundaries = _plan(pattern, flags)
    try:
        python = re.compile(pattern, flags)
    except (re.error, OverflowError, RecursionError) as exc:
        raise UnsafeRegex(f"regex {pattern!r} cannot be compiled: {exc}; rewrite it (a "
                          "look-behind, for one, must have a fixed width)") from exc
    return UserRegex(pattern, python, linear, boundaries)


def check_regex(pattern: str, *, ignore_case: bool = True) -> None:
    """Raise UnsafeRegex when `pattern` may not be used in a rule. What only Python's compiler
    finds (a look-behind of variable width) is reported when the rules are compiled."""
    _plan(pattern, re.UNICODE | (re.IGNORECASE if ignore_case else 0))


def _plan(pattern: str, flags: int) -> tuple[Any | None, bool]:
    """(the RE2 regex or None, whether \\b needs Python's engine on non-ASCII text); the guard
    has passed the pattern when it is to run on Python's engine at all."""
    parsed = parse_pattern(pattern, flags)
    translation = to_re2(parsed, flags)
    linear, why = None, translation.reason and f"it has {translation.reason}"
    if parsed.getwidth()[0] == 0:
        why = _EMPTY
    elif translation.pattern is not None:
        try:
            linear = re2.compile(translation.pattern, _RE2_OPTIONS)
        except re2.error as exc:
            why = f"the linear-time engine refuses it ({exc})"
    if linear is None or translation.word_boundaries:
        check_backtracking(parsed, why or _BOUNDARY)
    return linear, translation.word_boundaries
