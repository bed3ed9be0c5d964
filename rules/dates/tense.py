"""Which way a sentence points in time: decides "Tuesday" (past or coming) and bare months."""

from __future__ import annotations

import re
from typing import Literal

Tense = Literal["past", "future", "none"]

_FUTURE = re.compile(
    r"\b(?:(?:is|are|was|were|be)\s+(?:planning|scheduled|expected|set|due|going)"
    r"|will|'ll|shall|won't|wo n't|going to|plans? to|planning|planned|scheduled|expected to"
    r"|expects? to|is to|are to|set to|due to|hopes? to|intends? to|would|next|upcoming"
    # An agreement to do something looks ahead, even when it was made in the past.
    r"|agreed to|agrees? to|agreement to"
    r"|coming|until|starting|begins?|opens?|tomorrow|as soon as|as early as|could|might"
    # The modal, not the month: lower case only.
    r"|(?-i:may))\b", re.I)
_PAST = re.compile(
    r"\b(?:said|says|was|were|had|did|met|told|took|made|came|went|gave|held|began|left|saw"
    r"|got|found|spoke|sent|won|lost|fell|rose|hit|paid|sold|bought|became|brought|ago"
    r"|last|yesterday|earlier|[a-z]{3,}ed"
    # Irregular past forms news narrates with ("the bullet tore through", "troops struck").
    r"|tore|shot|struck|broke|ran|led|fought|wrote|spent|drove|flew|threw|stood|fled|sought"
    r"|kept|heard|felt|knew|thought|chose|rode|wore|swore|stole|forgot|forgave|caught"
    r"|taught|dealt|slid|sank|sprang|swung|froze|shook|woke|arose|overtook|undertook"
    r"|withdrew|drew|grew|blew)\b", re.I)
# "had been due to expire Friday": a plan made earlier for what is now past.
_PAST_PERFECT = re.compile(r"\bhad\s+(?:been\s+)?(?:\w+\s+)?$", re.I)
# "an unspecified date", "an undisclosed sum": un-...-ed words are adjectives, not verbs, but
# for a few verbs that start the same way ("unveiled the plan Friday", "underscored").
_UN_ADJECTIVE = re.compile(
    r"un(?!der|veil|cover|leash|lock|earth|fold|seal|seat|load|ravel|plug|nerv)[a-z]+ed$", re.I)
# "as planned", "the hastily planned trip": a plan spoken of as made, not one still ahead.
_DONE_PLAN = re.compile(r"\b(?:as|[a-z]+ly)\s+$", re.I)
_SUBORDINATE = re.compile(r"\b(?:when|while|because|although|though|whereas)\b", re.I)
# "a lost weekend", "the wounded soldiers": a past form after an article is an adjective.
_ARTICLE_BEFORE = re.compile(r"\b(?:a|an|the)\s+$", re.I)
# "will be held", "is expected to be signed": a participle after "be" is passive, and the
# auxiliary before it carries the tense ("was held" is past through "was").
_PASSIVE_BEFORE = re.compile(r"\b(?:be|being|is|are|am)\s+(?:[a-z]+ly\s+)?$", re.I)
_NOT_PAST = {"expected", "scheduled", "planned", "proposed", "need", "based", "red", "bed",
             "speed", "feed", "seed", "hundred", "indeed", "shed", "united", "limited",
             "related", "interested", "concerned", "continued", "invited"}


def sentence_bounds(text: str, start: int, end: int) -> tuple[int, int]:
    """The sentence around text[start:end]: from the last full stop before to the next after."""
    left = max(text.rfind(". ", 0, start), text.rfind("\n", 0, start),
               text.rfind("? ", 0, start), text.rfind("! ", 0, start))
    right_candidates = [i for i in (text.find(". ", end), text.find("\n", end),
                                    text.find("? ", end), text.find("! ", end)) if i >= 0]
    return left + 1, (min(right_candidates) + 1 if right_candidates else len(text))


def tense_near(text: str, start: int, end: int) -> Tense:
    """The tense of the marker nearest to the expression within its sentence."""
    lo, hi = sentence_bounds(text, start, end)
    best: tuple[int, Tense] | None = None
    future_spans: list[tuple[int, int]] = []
    markers: tuple[tuple[re.Pattern[str], Tense], ...] = ((_FUTURE, "future"), (_PAST, "past"))
    for pattern, tense in markers:
        for m in pattern.finditer(text, lo, hi):
            if start <= m.start() < end:
                continue
            kind = tense
            if tense == "future" and m.group(0).lower() == "planned" and \
                    _DONE_PLAN.search(text, max(lo, m.start() - 20), m.start()):
                continue
            if tense == "future":
                future_spans.append(m.span())
                if _PAST_PERFECT.search(text, max(lo, m.start() - 24), m.start()):
                    kind = "past"
            elif m.group(0).lower() in _NOT_PAST or _UN_ADJECTIVE.match(m.group(0)) or \
                    any(a <= m.start() < b for a, b in future_spans) or \
                    _ARTICLE_BEFORE.search(text, max(lo, m.start() - 5), m.start()) or \
                    _PASSIVE_BEFORE.search(text, max(lo, m.start() - 20), m.start()):
                continue
            distance = start - m.end() if m.end() <= start else m.start() - end
            # Verbs before the date bind more tightly than words after it, and words after a
            # subordinating word belong to another clause ("on Tuesday ... when he was forced
            # to ...").
            if m.end() > start:
                if _SUBORDINATE.search(text, end, m.start()):
                    continue
                distance += 15
            if best is None or distance < best[0]:
                best = (distance, kind)
    return best[1] if best else "none"
