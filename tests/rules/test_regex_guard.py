"""Patterns that can backtrack catastrophically are refused, with what to write instead."""

from __future__ import annotations

import re
import time

import pytest

from rules.conditions import MAX_REGEX_TEXT
from rules.errors import RuleError, UnsafeRegex
from rules.matcher import CompiledRules
from rules.models import Rule
from rules.regex_guard import check_regex


@pytest.mark.parametrize(("pattern", "why"), [
    ("(a+)+", "nested quantifiers"),
    ("(.*)*", "nested quantifiers"),
    (r"(\w+\s?)*$", "nested quantifiers"),
    ("(a*b?)+", "nested quantifiers"),
    ("(a|a)*", "repeated alternation"),
    (r"(x\w|\wy)+", "repeated alternation"),
    (r"\d+\d+", "next to each other"),
    (".*.*=", "next to each other"),
    (r"\w+\s*\w+!", "next to each other"),
    (r"(\w)\1", "backreferences"),
    ("rocket(s", "not a valid regular expression"),
    ("x" * 501, "longer than 500"),
])
def test_dangerous_patterns_are_refused_with_a_reason(pattern: str, why: str) -> None:
    with pytest.raises(UnsafeRegex, match=re.escape(why)):
        check_regex(pattern)


@pytest.mark.parametrize("pattern", [
    r"\bF-?35[AB]?s?\b", r"rockets? (attack|strike)s?", r"\w+\s\w+", r"[a-z]+ [a-z]+",
    r"(north|south) (korea|sudan)", r"(ab|cd)*", r"x*y*", r"(?>a+)+", r"a++b",
    r"\d{1,3}(?:,\d{3})+", r"\bpeace\s+talks?\b", r"(?i:who)\b",
])
def test_ordinary_patterns_pass(pattern: str) -> None:
    check_regex(pattern)


@pytest.mark.parametrize("pattern", [
    r".*foo", r"rocket.*attack", r"a[^b]*b[^c]*c.*d", r"[a-z ]+:[a-z ]+;", r"\w+\s\w+!",
    r"(ab|cd)*x", r"(?:a|b)+c", r"a.{0,20}b.{0,20}c.{0,20}d",
])
def test_what_passes_stays_fast_on_hostile_text_in_one_window(pattern: str) -> None:
    # The guard lets these through; the matcher searches at most MAX_REGEX_TEXT characters at
    # once, so their worst case (about n^2 steps) stays small. Hostile texts: long runs that
    # almost match.
    check_regex(pattern)
    compiled = re.compile(pattern, re.IGNORECASE)
    texts = [(unit * MAX_REGEX_TEXT)[:MAX_REGEX_TEXT]
             for unit in ("a", "ab", "abc", "abcd", "a b ", "foo", "ab:", "rocket ")]
    started = time.perf_counter()
    for text in texts:
        compiled.search(text)
    assert time.perf_counter() - started < 2.0


@pytest.mark.parametrize("pattern", [r"a.*b.*c.*d", r"\w+x\w+x\w+y", r"a.{0,999}b.{0,999}c"])
def test_competing_open_ended_quantifiers_are_refused(pattern: str) -> None:
    # a.*b.*c.*d takes minutes on 1,000 characters of "abcabc...".
    with pytest.raises(UnsafeRegex, match="open-ended quantifiers"):
        check_regex(pattern)


def test_a_pattern_the_guard_passes_but_the_engine_refuses_is_refused_when_compiled() -> None:
    check_regex("(?<=a+)b")   # parses; only compiling finds the variable-width look-behind
    rule = Rule.model_validate({"id": "behind", "name": "Behind", "channels": ["desk"],
                                "match": {"any": [{"regex": "(?<=a+)b"}]}})
    with pytest.raises(UnsafeRegex, match="look-behind requires fixed-width") as refused:
        CompiledRules([rule])
    # One base for every rule error, still a ValueError for callers that handle those.
    assert isinstance(refused.value, RuleError) and isinstance(refused.value, ValueError)
