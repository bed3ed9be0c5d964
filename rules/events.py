"""The `event:` condition: a date in the same sentence as an event term, inside the window.

A rule with `event: {terms: [summit, talks], window_days: [0, 30]}` holds for an article only
if a sentence containing one of the terms also holds a date expression that resolves to a day
from publication + window_days[0] to publication + window_days[1]. The matcher finds the
sentences; a date finder (rules.dates.find_dates in production) finds and resolves the dates.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Protocol

from core.records import ArticleText, EventDate, Match
from rules.dates import DateMention
from rules.event_attach import event_term_pattern, is_upcoming, next_occurrence, ranked
from rules.models import Rule

DateFinder = Callable[[str, datetime], Sequence[DateMention]]
_FIELD_ORDER = {"body": 0, "summary": 1, "title": 2}


class EventSentences(Protocol):
    def event_sentences(self, article: ArticleText, rule: Rule) -> list[tuple[str, int, int, str]]:
        ...


def reference_time(article: ArticleText) -> datetime | None:
    """Dates resolve against publication; an article without a date uses its ingest time."""
    return article.published_at or article.first_seen_at


def find_event_date(compiled: EventSentences, article: ArticleText, rule: Rule,
                    find_dates: DateFinder) -> EventDate | None:
    """The date that belongs to an event term and falls in the rule's window, reading the
    body first, then the summary, then the title: a headline compresses, and its "next week"
    is often said the day before publication, where the body says which week it means.

    In each sentence the dateline is skipped and the date the event's own words govern
    ("will meet on Sunday", "Sunday's summit") comes before one a reporting verb governs
    ("said on Friday"); see rules.event_attach."""
    if rule.event is None:
        return None
    reference = reference_time(article)
    if reference is None:
        return None
    low, high = rule.event.window_days
    first_allowed = reference.date() + timedelta(days=low)
    last_allowed = reference.date() + timedelta(days=high)
    terms = event_term_pattern(rule.event.terms)
    sentences = sorted(compiled.event_sentences(article, rule),
                       key=lambda found: _FIELD_ORDER.get(found[0], len(_FIELD_ORDER)))
    for _field, _start, _end, sentence in sentences:
        for found in ranked(sentence, find_dates(sentence, reference), terms):
            mention = next_occurrence(sentence, found, terms, reference)
            if mention.type != "DATE" and mention.first_day is None:
                continue
            if not _overlaps(mention.first_day, mention.last_day, first_allowed, last_allowed):
                continue
            if rule.event.upcoming and not is_upcoming(sentence, mention, terms, reference):
                continue
            return EventDate(value=mention.value, text=mention.text, sentence=sentence,
                             start=mention.first_day, end=mention.last_day)
    return None


def _overlaps(first: date | None, last: date | None, low: date, high: date) -> bool:
    """A span (a week, a month) counts when any of its days is in the window."""
    if first is None:
        return False
    return first <= high and (last or first) >= low


def apply_events(compiled: EventSentences, article: ArticleText, matches: Sequence[Match],
                 rules: dict[str, Rule], find_dates: DateFinder) -> list[Match]:
    """Matches of rules without `event` pass as they are; those with it hold only with a date
    in their window, which the match then carries, with its sentence as the match's."""
    out = []
    for match in matches:
        rule = rules.get(match.rule_id)
        if rule is None or rule.event is None:
            out.append(match)
            continue
        found = find_event_date(compiled, article, rule, find_dates)
        if found is not None:
            # The alert quotes the sentence that dates the event, not the first one that
            # matched ("the ministry said ..." says nothing of when).
            out.append(replace(match, event_date=found, sentence=found.sentence))
    return out
