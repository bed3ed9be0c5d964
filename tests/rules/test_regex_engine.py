"""Rule regexes run on RE2 with Python's meaning, in a bounded time per window whatever the text."""

from __future__ import annotations

import random
import re
import time

import pytest

from core.records import ArticleText
from rules.conditions import MAX_REGEX_TEXT, REGEX_OVERLAP
from rules.errors import UnsafeRegex
from rules.matcher import CompiledRules
from rules.models import Rule
from rules.regex_engine import compile_user_regex

# The issue's patterns, then classics of catastrophic backtracking, then the same sent to
# Python's engine by \b (on text with non-ASCII letters) or a look-ahead.
HOSTILE_PATTERNS = [
    r"(?:.*a){12}x", r"(?:.a?){20}$", r"(?:.*, ){5}ceasefire",
    r"(a+)+$", r"(a|a)*b", r"(.*)*x", r"(\w+\s?)+$", r"\d+\d+x", r"a.*b.*c.*d", r"(x+x+)+y",
    r"(a|aa)+$", r"(?:a+){10}b", r"^(\w+\s?)+!", r"(.*,){8}\d",
    r"\b(?:.*a){12}x", r"\b(?:.a?){20}$", r"\b(?:.*, ){5}ceasefire", r"\b(a+)+$",
    r"\b(?:\w+\s){3}ceasefire\b", r"\b(?:\w+,\s){2}and\b", r"(?=a)(?:a|b)+c",
    r"\b\w+\s\w+!", r"(?<=,)\s*\w+x", r"\b\d+(?:\.\d+)?%", r"\b(a+)?b",
    r"\b(?:a.*|q)(?:b.*|q)(?:c.*|q)d",
]
HOSTILE_UNITS = ["a", "ab", "a, ", ", ", "aaaa, ", "a b ", "ceasefire, ", "x", "1",
                 "é", "éa ", "é, ", "aé", "ab ", "xxxxy"]
WINDOW_BUDGET = 0.05   # CPU seconds per window of MAX_REGEX_TEXT characters


def _rule(pattern: str, **regex: str) -> Rule:
    return Rule.model_validate({"id": "r", "name": "R", "channels": ["desk"],
                                "match": {"any": [{"regex": pattern, **regex}]}})


def _windows(length: int) -> int:
    return len(range(0, max(length - REGEX_OVERLAP, 1), MAX_REGEX_TEXT - REGEX_OVERLAP))


def test_the_issues_patterns_are_accepted_and_run_in_linear_time() -> None:
    for pattern in HOSTILE_PATTERNS[:3]:
        assert compile_user_regex(pattern, ignore_case=True).engine == "re2"


@pytest.mark.parametrize("pattern", HOSTILE_PATTERNS)
def test_every_pattern_is_refused_or_searched_within_the_budget_per_window(pattern: str) -> None:
    try:
        compiled = CompiledRules([_rule(pattern)])
    except (UnsafeRegex, ValueError) as exc:   # refused at validation, with its reason
        assert "exponential" in str(exc) or "open-ended" in str(exc) or "counted" in str(exc)
        return
    body_length = 4 * MAX_REGEX_TEXT   # one long sentence: several overlapping windows
    worst = 0.0
    for unit in HOSTILE_UNITS:
        body = (unit * body_length)[:body_length]
        article = ArticleText("a1", "s1", "src", "Title", None, body)
        started = time.process_time()
        compiled.evaluate(article)
        worst = max(worst, (time.process_time() - started) / _windows(body_length))
    assert worst < WINDOW_BUDGET, f"{pattern}: {worst * 1000:.1f} ms per window"


@pytest.mark.parametrize(("pattern", "text", "found"), [
    ("istanbul", "Talks in İstanbul and ISTANBUL", ["İstanbul", "ISTANBUL"]),
    (r"\w+", "Erdoğan spoke", ["Erdoğan", "spoke"]),
    (r"\d+", "٣٤ killed", ["٣٤"]),
    (r"a\sb", "a\u00a0b", ["a\u00a0b"]),
    (r"\bstra", "Straße straight", ["Stra", "stra"]),
    (r"\büber\b", "ein Überfall, über alles", ["über"]),
    (r"ße\b", "Straße", ["ße"]),
    (r"\bF-?35\b", "Die F-35 über Köln", ["F-35"]),
    ("k", "\u212a K k", ["\u212a", "K", "k"]),
])
def test_unicode_classes_case_and_word_boundaries_mean_what_they_mean_in_python(
        pattern: str, text: str, found: list[str]) -> None:
    regex = compile_user_regex(pattern, ignore_case=True)
    assert [text[s:e] for s, e in regex.spans(text, 0, len(text))] == found
    assert found == re.findall(pattern, text, re.IGNORECASE)


def test_the_window_sees_the_character_before_it_and_ends_where_it_ends() -> None:
    text = "xfoo foo foox"
    for pattern, start, stop in [(r"\bfoo", 1, 13), (r"^foo", 1, 13), (r"foo\b", 9, 12),
                                 (r"foo$", 9, 12), (r"(?m)^foo", 1, 13), (r"\Bfoo", 1, 4)]:
        regex = compile_user_regex(pattern, ignore_case=False)
        python = re.compile(pattern)
        assert list(regex.spans(text, start, stop)) == [
            m.span() for m in python.finditer(text, start, stop)], pattern


def test_a_lone_surrogate_in_the_text_does_not_stop_the_search() -> None:
    regex = compile_user_regex("ceasefire", ignore_case=True)
    text = "Ceasefire \ud800 holds"
    assert list(regex.spans(text, 0, len(text))) == [(0, 9)]


def test_exact_case_stays_exact() -> None:
    compiled = CompiledRules([_rule(r"\bWHO\b", case="exact")])
    assert compiled.evaluate(ArticleText("a", "s", "src", "WHO warns", None, "body"))
    assert not compiled.evaluate(ArticleText("a", "s", "src", "who warns", None, "body"))


# -- RE2 against Python, on generated patterns and texts ---------------------------------

_ATOMS = ["a", "A", "b", "i", "I", "İ", "ı", "é", "É", "1", "٣", "_", " ", ",", r"\.", "-",
          "k", "K", "ß", r"\w", r"\W", r"\d", r"\D", r"\s", r"\S", ".", "[a-c]", "[^a]",
          "[^i]", r"[\w,]", r"[\W\d]", r"[^\W]", r"[^\D]", r"[\S]", r"[^\s]", "[h-j]",
          r"[^\da]", r"\u00e9", r"[\W]", r"[\D ]"]
_ANCHORS = [r"\b", r"\B", "^", "$", r"\A", r"\Z"]
_QUANTIFIERS = ["*", "+", "?", "{1,3}", "{2}", "*?", "+?", "??", "{0,2}", "{2,}"]
_GROUPS = ["(?i:", "(?-i:", "(?s:", "(?m:", "(", "(?:"]
_LETTERS = "aAbiIİıéÉ1٣_ ,.-kKßx\u212a\u00a0"


def _pattern(rng: random.Random, depth: int = 0) -> str:
    out = []
    for _ in range(rng.randint(1, 4)):
        roll = rng.random()
        if roll < 0.55 or depth > 2:
            item = rng.choice(_ATOMS)
        elif roll < 0.65:
            out.append(rng.choice(_ANCHORS))
            continue
        elif roll < 0.8:
            item = f"(?:{_pattern(rng, depth + 1)}|{_pattern(rng, depth + 1)})"
        else:
            item = f"{rng.choice(_GROUPS)}{_pattern(rng, depth + 1)})"
        out.append(item + (rng.choice(_QUANTIFIERS) if rng.random() < 0.3 else ""))
    return "".join(out)


def test_re2_finds_what_python_finds_on_generated_patterns_and_texts() -> None:
    rng = random.Random(14)
    compared = 0
    for _ in range(800):
        pattern, ignore_case = _pattern(rng), rng.random() < 0.5
        try:
            regex = compile_user_regex(pattern, ignore_case=ignore_case)
        except UnsafeRegex:
            continue
        python = re.compile(pattern, re.IGNORECASE if ignore_case else 0)
        for _ in range(4):
            letters = _LETTERS if rng.random() < 0.5 else "abiI1_ ,.-kKx"
            # Short texts: Python, the reference, backtracks on some of these patterns.
            text = "".join(rng.choice(letters) for _ in range(rng.randint(0, 14)))
            start = rng.randint(0, len(text))
            stop = rng.randint(start, len(text))
            want = [m.span() for m in python.finditer(text, start, stop) if m.end() > m.start()]
            assert [s for s in regex.spans(text, start, stop) if s[1] > s[0]] == want, \
                (pattern, ignore_case, text, start, stop)
            compared += regex.engine == "re2"
    assert compared > 1600   # most generated patterns ran on RE2
