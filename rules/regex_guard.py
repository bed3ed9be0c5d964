"""Refuse regular expressions that can backtrack catastrophically on Python's engine.

Most rule regexes run on RE2 (rules.regex_engine), whose time is linear in the text whatever
the pattern. The rest run on Python's `re`, which backtracks: patterns RE2 cannot run
(look-arounds, backreferences, atomic groups), patterns that can match empty text, and, on
text with non-ASCII letters, patterns with \\b or \\B. A pattern whose quantifiers can split
the same text in many ways, such as (a+)+, (a|a)* or \\d+\\d+, takes exponential (or high
polynomial) time there on a text that almost matches, and no timeout can interrupt it. So such
a pattern is parsed once at validation and rejected when it holds one of these shapes:

- a variable quantifier inside another variable quantifier: (a+)+, (.*)*, (\\w+\\s?)*;
- a quantified alternation whose branches can start with the same character: (a|ab)*;
- two variable quantifiers over overlapping characters with only optional items between them:
  \\d+\\d+, .*.*, \\w+\\s*\\w+;
- a counted repeat of a group whose end can also start its next copy, (?:.a?){20}, or that
  holds an open-ended quantifier competing with the next copy, (?:.*a){12}: n copies try
  every way of sharing the text between them;
- a backreference (\\1), which makes matching exponential by itself.

Atomic groups (?>...) and possessive quantifiers (a++) never backtrack and are always allowed.
What passes runs per sentence on at most MAX_REGEX_TEXT characters (rules.conditions).
"""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from rules.errors import UnsafeRegex

if TYPE_CHECKING:   # typeshed describes re._constants and re._parser under their old names
    import sre_constants as sre_c
    import sre_parse
else:   # the old names warn (DeprecationWarning) since Python 3.11
    from re import _constants as sre_c
    from re import _parser as sre_parse

MAX_PATTERN_CHARS = 500
_SHORT_RANGE = 20    # x{0,20} cannot make a search slow; x{0,999} counts as open-ended
_ANY = frozenset(["<any>"])   # stands for "every character" in overlap tests
_VARIABLE_REPEATS = (sre_c.MAX_REPEAT, sre_c.MIN_REPEAT)
_UNROLL = 3   # copies of a counted repeat {n} checked side by side (two can compete)
_MAX_FLAT = 400   # items laid out for the competition check before copies stop being added


def parse_pattern(pattern: str, flags: int = 0) -> sre_parse.SubPattern:
    """Python's parse tree of a rule's pattern; UnsafeRegex when it is too long or invalid."""
    if len(pattern) > MAX_PATTERN_CHARS:
        raise UnsafeRegex(f"the pattern is longer than {MAX_PATTERN_CHARS} characters; split "
                          "it into several conditions")
    try:
        return sre_parse.parse(pattern, flags)
    except (re.error, OverflowError, RecursionError) as exc:
        raise UnsafeRegex(f"not a valid regular expression: {exc}") from None


def check_backtracking(parsed: sre_parse.SubPattern, why: str = "") -> None:
    """Raise UnsafeRegex when the parsed pattern may backtrack catastrophically on Python's
    engine; `why` (the reason it runs there) is added to the message."""
    try:
        _check_sequence(list(parsed.data))
        _check_long_repeats(list(parsed.data))
    except UnsafeRegex as exc:
        if not why:
            raise
        raise UnsafeRegex(f"{exc} (this pattern runs on the backtracking engine because "
                          f"{why}; without that it would run on the linear-time engine, "
                          "where any pattern is safe)") from None


def _check_sequence(items: list[tuple[Any, Any]], counted: bool = True) -> None:
    """`counted`: also check counted repeats inside (off within the copies _check_counted
    lays side by side, so that nested counts are not unrolled again and again)."""
    open_repeats: list[frozenset[str]] = []   # char sets of variable repeats still "adjacent"
    for op, arg in items:
        if op in _VARIABLE_REPEATS:
            low, high, body = arg
            body_items = list(body)
            if low != high:
                # Repeated more than once, a group with a quantifier inside can split its text
                # in many ways; (?:\.\d+)? is tried once or not at all.
                if high > 1 and _has_variable_repeat(body_items):
                    raise UnsafeRegex(
                        "nested quantifiers such as (a+)+ or (.*)* can take exponential time; "
                        "quantify once, e.g. (a+)+ -> a+, (\\w+\\s?)* -> [\\w\\s]*, or use an "
                        "atomic group (?>...) or a possessive quantifier a++")
                if high > 1 and _overlapping_alternation(body_items):
                    raise UnsafeRegex(
                        "a repeated alternation whose branches can match the same text, such "
                        "as (a|a)* or (a|ab)+, can take exponential time; make the branches "
                        "start differently, e.g. (a|ab)+ -> (ab?)+")
                chars = _first_chars(body_items)
                for earlier in open_repeats:
                    if _overlap(earlier, chars):
                        raise UnsafeRegex(
                            "two quantifiers next to each other over the same characters, "
                            "such as \\d+\\d+ or .*.*, make the engine try every split of the "
                            "text; merge them (\\d+\\d+ -> \\d{2,}) or separate them with "
                            "something they cannot match (\\w+\\s\\w+)")
                open_repeats.append(chars)
            if counted and low == high and low > 1:
                _check_counted(body, body_items)
            _check_sequence(body_items, counted)
            if low > 0 and low == high:
                open_repeats = []
            continue
        if op in (sre_c.GROUPREF, sre_c.GROUPREF_EXISTS):
            raise UnsafeRegex("backreferences (\\1, (?P=name)) can take exponential time and "
                              "are not supported; repeat the sub-pattern instead")
        for child in _children(op, arg):
            _check_sequence(child, counted)
        if not _can_be_empty(op, arg):
            open_repeats = []


def _check_counted(body: Any, items: list[tuple[Any, Any]]) -> None:
    """{n} copies of a group: each place where one copy ends and the next begins can be
    split in several ways when the group's variable end can also match its start, and the
    ways multiply: (?:.a?){20} tries up to 2^20 splits."""
    if _overlapping_alternation(items):
        raise UnsafeRegex(
            "a repeated alternation whose branches can match the same text, such as "
            "(?:a|a){20}, can take exponential time; make the branches start differently")
    low, high = body.getwidth()
    if low != high and _overlap(_tail_chars(items), _first_chars(items)):
        raise UnsafeRegex(
            "a counted repeat of a group whose variable end can also start its next copy, "
            "such as (?:.a?){20} or (?:a+b?){5}, tries every way of splitting the text "
            "between the copies; make the group end with something it cannot start with "
            "((?:.a?){20} -> (?:[^a]a?){20}) or write the copies out")
    _check_sequence(items + items, counted=False)   # one copy's end beside the next's start


def _tail_chars(items: list[tuple[Any, Any]]) -> frozenset[str]:
    """Characters a variable-length item at the end of the sequence (after its last fixed,
    required item) can take: what one copy of a repeated group can give to the next."""
    out: set[str] = set()
    for op, arg in reversed(items):
        if op in (sre_c.AT, sre_c.ASSERT, sre_c.ASSERT_NOT):
            continue
        if op in _VARIABLE_REPEATS:
            low, high, body = arg
            body_items = list(body)
            out |= _all_chars(body_items) if low != high else _tail_chars(body_items)
            if low == 0 or _can_be_empty_seq(body_items):
                continue
            if low != high:
                return frozenset(out)
        elif op is sre_c.SUBPATTERN:
            out |= _tail_chars(list(arg[-1]))
        elif op is sre_c.BRANCH:
            branches = [list(b) for b in arg[1]]
            widths = {sre_parse.SubPattern(sre_parse.State(), b).getwidth() for b in branches}
            out |= (_all_chars([(op, arg)]) if len(widths) > 1
                    else set().union(*(_tail_chars(b) for b in branches)))
        if not _can_be_empty(op, arg):
            return frozenset(out)
    return frozenset(out)


def _check_long_repeats(items: list[tuple[Any, Any]]) -> None:
    """At most one long quantifier may compete with what follows it.

    A search backtracks through every way the competing quantifiers can share the text: with
    k of them the worst case grows like n^(k+1) (a.*b.*c.*d on "abcabc..." takes minutes on
    1,000 characters). With one, it is n^2 on the at most MAX_REGEX_TEXT characters searched
    at once: milliseconds."""
    flat: list[tuple[bool, frozenset[str], bool]] = []   # (long repeat, chars, optional)
    _flatten(items, flat)
    competing = 0
    for i, (long, chars, _) in enumerate(flat):
        if not long:
            continue
        for _, later, optional in flat[i + 1:]:
            if _overlap(chars, later):
                competing += 1
                break
            if not optional:   # a required character it cannot take: it must stop here
                break
    if competing > 1:
        raise UnsafeRegex(
            f"{competing} open-ended quantifiers (*, +, {{n,}}; each copy of a group repeated "
            "{n} times counts) can each match what follows them, as in a.*b.*c or "
            "(?:.*a){12}; the time to search grows with the text's length to "
            "the power of their number. Keep one, and make the others stop where they should "
            "([^b]* instead of .* before b) or bound them (.{0,20})")


def _flatten(items: list[tuple[Any, Any]],
             out: list[tuple[bool, frozenset[str], bool]]) -> None:
    for op, arg in items:
        if op in _VARIABLE_REPEATS:
            low, high, body = arg
            body_items = list(body)
            if low == high:   # {n}: n copies, each of which can compete with the next
                for copy in range(min(low, _UNROLL)):
                    if copy and len(out) > _MAX_FLAT:
                        break   # nested counts: enough copies to see competition
                    _flatten(body_items, out)
            elif high == 1:   # (...)? : its items, each of which may be skipped
                inner: list[tuple[bool, frozenset[str], bool]] = []
                _flatten(body_items, inner)
                out.extend((long, chars, True) for long, chars, _ in inner)
            else:   # its body is itself: what it competes with is what comes after
                out.append((high - low > _SHORT_RANGE, _all_chars(body_items), low == 0))
        elif op in (sre_c.LITERAL, sre_c.IN, sre_c.ANY, sre_c.NOT_LITERAL):
            out.append((False, _item_first(op, arg)[0], False))
        elif op is sre_c.BRANCH:   # one item of its characters, long if a branch holds one
            inner = []
            for branch in arg[1]:
                _flatten(list(branch), inner)
            out.append((any(long for long, _, _ in inner), _all_chars([(op, arg)]),
                        any(_can_be_empty_seq(list(b)) for b in arg[1])))
        else:
            for child in _children(op, arg):
                _flatten(child, out)


def _all_chars(items: list[tuple[Any, Any]]) -> frozenset[str]:
    out: set[str] = set()
    for op, arg in items:
        if op in (sre_c.LITERAL, sre_c.IN, sre_c.ANY, sre_c.NOT_LITERAL):
            out |= _item_first(op, arg)[0]
        elif op in _VARIABLE_REPEATS or op is sre_c.POSSESSIVE_REPEAT:
            out |= _all_chars(list(arg[2]))
        else:
            for child in _children(op, arg):
                out |= _all_chars(child)
    return frozenset(out)


def _children(op: Any, arg: Any) -> list[list[tuple[Any, Any]]]:
    if op is sre_c.SUBPATTERN:
        return [list(arg[-1])]
    if op is sre_c.BRANCH:
        return [list(branch) for branch in arg[1]]
    if op in (sre_c.ASSERT, sre_c.ASSERT_NOT):
        return [list(arg[1])]
    # ATOMIC_GROUP and POSSESSIVE_REPEAT never backtrack into themselves: nothing to check.
    return []


def _has_variable_repeat(items: list[tuple[Any, Any]]) -> bool:
    for op, arg in items:
        if op in _VARIABLE_REPEATS:
            low, high, body = arg
            if low != high or _has_variable_repeat(list(body)):
                return True
        elif any(_has_variable_repeat(child) for child in _children(op, arg)):
            return True
    return False


def _overlapping_alternation(items: list[tuple[Any, Any]]) -> bool:
    for op, arg in items:
        if op is sre_c.SUBPATTERN:
            if _overlapping_alternation(list(arg[-1])):
                return True
        elif op is sre_c.BRANCH:
            if sum(_can_be_empty_seq(list(branch)) for branch in arg[1]) > 1:
                return True   # (a|a) is parsed as a(?:|): two empty branches
            firsts = [_first_chars(list(branch)) for branch in arg[1]]
            for i, one in enumerate(firsts):
                if any(_overlap(one, other) for other in firsts[i + 1:]):
                    return True
        elif op is sre_c.IN:   # (a|a) is parsed as the class [aa]
            literals = [a for o, a in arg if o is sre_c.LITERAL]
            if len(literals) != len(set(literals)):
                return True
    return False


def _first_chars(items: list[tuple[Any, Any]]) -> frozenset[str]:
    """Characters (or classes) the sequence can start with; _ANY when unsure."""
    return _first(items)[0]


def _first(items: list[tuple[Any, Any]]) -> tuple[frozenset[str], bool]:
    """(first characters, whether the sequence can match empty text) in one walk: computing
    the two apart walked nested groups twice per level, 2^depth in all."""
    out: set[str] = set()
    for op, arg in items:
        chars, empty = _item_first(op, arg)
        out |= chars
        if not empty:
            return frozenset(out), False
    return frozenset(out), True


def _item_first(op: Any, arg: Any) -> tuple[frozenset[str], bool]:
    if op is sre_c.LITERAL:
        return frozenset([chr(arg).lower()]), False
    if op is sre_c.NOT_LITERAL:
        return frozenset(["<not>", f"!{chr(arg).lower()}"]), False
    if op is sre_c.IN:
        chars: set[str] = set()
        negated = any(sub_op is sre_c.NEGATE for sub_op, _ in arg)
        for sub_op, sub_arg in arg:
            if sub_op is sre_c.NEGATE:
                continue
            if sub_op is sre_c.LITERAL:
                chars.add(chr(sub_arg).lower())
            elif sub_op is sre_c.CATEGORY:
                chars.add(f"<{sub_arg}>")
            elif sub_op is sre_c.RANGE and not negated and sub_arg[1] - sub_arg[0] < 128:
                chars |= {chr(c).lower() for c in range(sub_arg[0], sub_arg[1] + 1)}
            else:
                return _ANY, False
        if negated:   # [^b]: everything but the literals listed
            if any(c.startswith("<") for c in chars):
                return _ANY, False
            return frozenset(["<not>", *(f"!{c}" for c in chars)]), False
        return frozenset(chars), False
    if op in _VARIABLE_REPEATS or op is sre_c.POSSESSIVE_REPEAT:
        low, _, body = arg
        first, empty = _first(list(body))
        return first, low == 0 or empty
    if op is sre_c.SUBPATTERN:
        return _first(list(arg[-1]))
    if op is sre_c.BRANCH:
        out: set[str] = set()
        any_empty = False
        for branch in arg[1]:
            first, empty = _first(list(branch))
            out |= first
            any_empty = any_empty or empty
        return frozenset(out), any_empty
    if op in (sre_c.AT, sre_c.ASSERT, sre_c.ASSERT_NOT):
        return frozenset(), True
    return _ANY, False


def _can_be_empty(op: Any, arg: Any) -> bool:
    return _item_first(op, arg)[1]


def _can_be_empty_seq(items: list[tuple[Any, Any]]) -> bool:
    return _first(items)[1]


_CLASS_MEMBERS = {   # which category classes contain a plain character
    "<CATEGORY_DIGIT>": str.isdigit, "<CATEGORY_WORD>": lambda c: c.isalnum() or c == "_",
    "<CATEGORY_SPACE>": str.isspace,
    "<CATEGORY_NOT_DIGIT>": lambda c: not c.isdigit(),
    "<CATEGORY_NOT_WORD>": lambda c: not (c.isalnum() or c == "_"),
    "<CATEGORY_NOT_SPACE>": lambda c: not c.isspace(),
}
_DISJOINT_CLASSES = {frozenset(p) for p in [
    ("<CATEGORY_DIGIT>", "<CATEGORY_SPACE>"), ("<CATEGORY_WORD>", "<CATEGORY_SPACE>"),
    ("<CATEGORY_DIGIT>", "<CATEGORY_NOT_DIGIT>"), ("<CATEGORY_WORD>", "<CATEGORY_NOT_WORD>"),
    ("<CATEGORY_SPACE>", "<CATEGORY_NOT_SPACE>"), ("<CATEGORY_DIGIT>", "<CATEGORY_NOT_WORD>"),
]}


def _overlap(one: frozenset[str], other: frozenset[str]) -> bool:
    if not one or not other:
        return False
    if "<any>" in one or "<any>" in other:
        return True
    if "<not>" in one or "<not>" in other:
        negated, plain = (one, other) if "<not>" in one else (other, one)
        if "<not>" in plain:
            return True
        return any(c.startswith("<") or f"!{c}" not in negated for c in plain)
    for a in one:
        for b in other:
            if a == b:
                return True
            a_class, b_class = a.startswith("<"), b.startswith("<")
            if a_class and b_class:
                if frozenset((a, b)) not in _DISJOINT_CLASSES:
                    return True
            elif a_class or b_class:
                cls, char = (a, b) if a_class else (b, a)
                if _CLASS_MEMBERS.get(cls, lambda _c: True)(char):
                    return True
    return False
