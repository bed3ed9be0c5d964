"""Patterns that would run on Python's backtracking engine and could backtrack catastrophically
are refused, with what to write instead; the same shapes run on RE2 when nothing sends them to
Python's engine."""

from __future__ import annotations

import re
import time

import pytest

from rules.conditions import MAX_REGEX_TEXT
from rules.errors import RuleError, UnsafeRegex
from rules.matcher import CompiledRules
from rules.models import Rule
from rules.regex_engine import check_regex, compile_user_regex
from rules.regex_guard import check_backtracking, parse_pattern

DANGEROUS = [
    ("(a+)+", "nested quantifiers"),
    ("(.*)*x", "nested quantifiers"),
    (r"(\w+\s?)*$", "nested quantifiers"),
    ("(a*b?)+", "nested quantifiers"),
    ("(a|a)*x", "repeated alternation"),
    (r"(x\w|\wy)+", "repeated alternation"),
    (r"\d+\d+", "next to each other"),
    (".*.*=", "next to each other"),
    (r"\w+\s*\w+!", "next to each other"),
    # Counted repeats: each copy's end can start the next copy, or competes with it.
    (r"(?:.a?){20}$", "counted repeat"),
    (r"(?:a+b?){5}", "counted repeat"),
    (r"(?:a|a){20}b", "repeated alternation"),
    (r"(?:.*a){12}x", "open-ended quantifiers"),
    (r"(?:.*, ){5}ceasefire", "open-ended quantifiers"),
    (r"(?:\w+\s*){3}x", "counted repeat"),
]


@pytest.mark.parametrize(("pattern", "why"), DANGEROUS)
def test_the_guard_refuses_dangerous_shapes_with_a_reason(pattern: str, why: str) -> None:
    with pytest.raises(UnsafeRegex, match=re.escape(why)):
        check_backtracking(parse_pattern(pattern))


@pytest.mark.parametrize(("pattern", "why"), DANGEROUS)
def test_a_dangerous_shape_is_refused_where_it_would_run_on_the_backtracking_engine(
        pattern: str, why: str) -> None:
    # \b sends text with non-ASCII letters to Python's engine, a look-ahead sends everything:
    # there the guard applies, and the message says why the pattern runs there.
    for forced, reason in ((rf"\b{pattern}", "it has \\b or \\B"),
                           (rf"(?=[\s\S]){pattern}", "look-ahead or look-behind")):
        with pytest.raises(UnsafeRegex, match=re.escape(why)) as refused:
            check_regex(forced)
        assert reason in str(refused.value) or "can match empty text" in str(refused.value)
    # Written alone, the same shape runs on RE2 in linear time, unless it can match nothing.
    if parse_pattern(pattern).getwidth()[0] > 0:
        assert compile_user_regex(pattern, ignore_case=True).engine == "re2"
    else:
        with pytest.raises(UnsafeRegex, match="can match empty text"):
            check_regex(pattern)


@pytest.mark.parametrize(("pattern", "why"), [
    (r"(\w)\1", "backreferences"),
    ("rocket(s", "not a valid regular expression"),
    ("x" * 501, "longer than 500"),
])
def test_what_no_engine_takes_is_refused(pattern: str, why: str) -> None:
    with pytest.raises(UnsafeRegex, match=re.escape(why)):
        check_regex(pattern)


@pytest.mark.parametrize("pattern", [
    r"\bF-?35[AB]?s?\b", r"rockets? (attack|strike)s?", r"\w+\s\w+", r"[a-z]+ [a-z]+",
    r"(north|south) (korea|sudan)", r"(ab|cd)*", r"x*y*", r"(?>a+)+", r"a++b",
    r"\d{1,3}(?:,\d{3})+", r"\bpeace\s+talks?\b", r"(?i:who)\b", r"(?:ab?){20}",
    r"(?:\w+\s){3}ceasefire", r"\b(?:\w+,\s){2}and\b", r"(?:a?b){10}", r"x(?:ab){3}y",
    r"\$\d+(?:\.\d+)? ?(?:bn|billion)\b", r"\b\d+(?:\.\d+)?%", r"(a+)?b", r"(a|ab)?c",
])
def test_ordinary_patterns_pass_the_guard(pattern: str) -> None:
    check_backtracking(parse_pattern(pattern))
    check_regex(pattern)


@pytest.mark.parametrize("pattern", [
    r".*foo", r"rocket.*attack", r"a[^b]*b[^c]*c.*d", r"[a-z ]+:[a-z ]+;", r"\w+\s\w+!",
    r"(ab|cd)*x", r"(?:a|b)+c", r"a.{0,20}b.{0,20}c.{0,20}d", r"(?:\w+\s){5}x",
    r"(?:ab?){20}$", r"(?:a?b){20}x", r"\d+(?:\.\d+)?%", r"(a+)?b",
])
def test_what_passes_stays_fast_on_hostile_text_in_one_window(pattern: str) -> None:
    # The guard lets these through; the matcher searches at most MAX_REGEX_TEXT characters at
    # once, so their worst case on Python's engine (about n^2 steps) stays small. Hostile
    # texts: long runs that almost match.
    check_backtracking(parse_pattern(pattern))
    compiled = re.compile(pattern, re.IGNORECASE)
    texts = [(unit * MAX_REGEX_TEXT)[:MAX_REGEX_TEXT]
             for unit in ("a", "ab", "abc", "abcd", "a b ", "foo", "ab:", "rocket ", "b")]
    started = time.process_time()
    for text in texts:
        compiled.search(text)
    assert time.process_time() - started < 2.0


@pytest.mark.parametrize("pattern", [
    r"a.*b.*c.*d", r"\w+x\w+x\w+y", r"a.{0,999}b.{0,999}c",
    # Open-ended quantifiers inside optional groups and alternations compete all the same.
    r"(?:a.*)?(?:b.*)?(?:c.*)?d", r"(?:a.*|q)(?:b.*|q)(?:c.*|q)d",
])
def test_competing_open_ended_quantifiers_are_refused(pattern: str) -> None:
    # a.*b.*c.*d takes minutes on 1,000 characters of "abcabc..." on Python's engine.
    with pytest.raises(UnsafeRegex, match="open-ended quantifiers"):
        check_backtracking(parse_pattern(pattern))
    with pytest.raises(UnsafeRegex, match="open-ended quantifiers"):
        check_regex(rf"\b{pattern}")


def test_nested_counted_repeats_are_checked_quickly() -> None:
    # Each level of {n} lays copies side by side; nesting must not multiply that work.
    pattern = "(?:" * 60 + "ab?" + "){3}" * 60
    started = time.process_time()
    check_backtracking(parse_pattern(pattern))
    assert time.process_time() - started < 1.0


def test_a_pattern_the_guard_passes_but_the_engine_refuses_is_refused_when_compiled() -> None:
    check_regex("(?<=a+)b")   # parses; only compiling finds the variable-width look-behind
    rule = Rule.model_validate({"id": "behind", "name": "Behind", "channels": ["desk"],
                                "match": {"any": [{"regex": "(?<=a+)b"}]}})
    with pytest.raises(UnsafeRegex, match="look-behind requires fixed-width") as refused:
        CompiledRules([rule])
    # One base for every rule error, still a ValueError for callers that handle those.
    assert isinstance(refused.value, RuleError) and isinstance(refused.value, ValueError)
