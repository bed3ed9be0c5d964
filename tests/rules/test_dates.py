"""Date expressions: what is found, where, and what it resolves to against a reference."""

from __future__ import annotations

import itertools
import json
from datetime import date, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from cli.app import app
from rules.dates import DateMention, find_dates

MONDAY = date(2025, 3, 24)       # ISO week 2025-W13


def found(text: str, reference: date | datetime = MONDAY, locale: str = "en") -> list[tuple]:
    return [(m.text, m.value) for m in find_dates(text, reference, locale)]


def only(text: str, reference: date | datetime = MONDAY, locale: str = "en") -> DateMention:
    mentions = find_dates(text, reference, locale)
    assert len(mentions) == 1, mentions
    return mentions[0]


@pytest.mark.parametrize(("text", "surface", "value"), [
    ("The summit opens March 24.", "March 24", "2025-03-24"),
    ("It ended on 24 March 2025.", "24 March 2025", "2025-03-24"),
    ("Signed March 24, 2025, in Riyadh.", "March 24, 2025", "2025-03-24"),
    ("Filed on 3/24/2025 in court.", "3/24/2025", "2025-03-24"),
    ("It was built in 2019.", "2019", "2019"),
    ("Prices rose in February.", "February", "2025-02"),
    ("Talks began in March 2024.", "March 2024", "2024-03"),
    ("Growth was strong in the 1990s.", "the 1990s", "199"),
    ("Sales fell in the first quarter.", "the first quarter", "2025-Q1"),
    ("They will travel this summer.", "this summer", "2025-SU"),
    ("It flooded in the spring of 2024.", "the spring of 2024", "2024-SP"),
    ("Output rose in the second half of last year.", "the second half of last year", "2024-H2"),
    ("Turkeys sell out before Thanksgiving.", "Thanksgiving", "2024-11-28"),
    ("Sunday, March 16, 2025, was quiet.", "Sunday, March 16, 2025", "2025-03-16"),
    ("Dec. 5 was the deadline.", "Dec. 5", "2024-12-05"),
])
def test_absolute_dates(text: str, surface: str, value: str) -> None:
    assert found(text) == [(surface, value)]


@pytest.mark.parametrize(("text", "surface", "value"), [
    ("The vote is today.", "today", "2025-03-24"),
    ("He resigned yesterday.", "yesterday", "2025-03-23"),
    ("Results come tomorrow.", "tomorrow", "2025-03-25"),
    ("The match is tonight.", "tonight", "2025-03-24TNI"),
    ("She spoke this morning.", "this morning", "2025-03-24TMO"),
    ("They meet next Tuesday.", "next Tuesday", "2025-03-25"),
    ("It happened last week.", "last week", "2025-W12"),
    ("Talks resume this coming week.", "this coming week", "2025-W13"),
    ("The plant will open in two weeks.", "in two weeks", "2025-W15"),
    ("The deal collapsed two weeks ago.", "two weeks ago", "2025-W11"),
    ("A decision is due later this month.", "later this month", "2025-03"),
    ("Earlier this year, rates fell.", "Earlier this year", "2025"),
    ("Elections are next year.", "next year", "2026"),
    ("Prices are now falling.", "now", "PRESENT_REF"),
    ("Shares are currently halted.", "currently", "PRESENT_REF"),
    ("He recently moved.", "recently", "PAST_REF"),
    ("Nothing like it in the past.", "in the past", "PAST_REF"),
    ("Talks may resume in the future.", "the future", "FUTURE_REF"),
])
def test_relative_dates(text: str, surface: str, value: str) -> None:
    assert found(text) == [(surface, value)]


def test_times_take_their_day() -> None:
    assert found("The market closed at 3 p.m.") == [("3 p.m.", "2025-03-24T15:00")]
    assert found("Voting starts 10:30 a.m. Tuesday.") == [
        ("10:30 a.m. Tuesday", "2025-03-25T10:30")]
    mention = only("Polls close Tuesday at 8 p.m.")
    assert (mention.type, mention.value) == ("TIME", "2025-03-25T20:00")


def test_ranges_cover_every_day_at_their_granularity() -> None:
    days = only("The fair runs March 24-26.")
    assert (days.text, days.first_day, days.last_day) == (
        "March 24-26", date(2025, 3, 24), date(2025, 3, 26))
    weekdays = only("Hearings run from Monday to Wednesday.")
    assert (weekdays.first_day, weekdays.last_day) == (date(2025, 3, 24), date(2025, 3, 26))
    years = only("Output grew from 2019 to 2022.")
    assert (years.first_day, years.last_day) == (date(2019, 1, 1), date(2022, 12, 31))


@pytest.mark.parametrize(("text", "first", "last"), [
    ("last week", date(2025, 3, 17), date(2025, 3, 23)),
    ("in February", date(2025, 2, 1), date(2025, 2, 28)),
    ("the first quarter", date(2025, 1, 1), date(2025, 3, 31)),
    ("in 2024", date(2024, 1, 1), date(2024, 12, 31)),
    ("the 1990s", date(1990, 1, 1), date(1999, 12, 31)),
    ("this summer", date(2025, 6, 1), date(2025, 8, 31)),
    ("now", None, None),
])
def test_first_and_last_day_follow_the_granularity(text: str, first: date | None,
                                                   last: date | None) -> None:
    mention = only(text)
    assert (mention.first_day, mention.last_day) == (first, last)


@pytest.mark.parametrize("text", [
    "They agreed to a 30-day ceasefire.",
    "He served 4 years in office.",
    "Violence rose over the past two weeks.",
    "It was the 24th time this happened.",
    "Add 3/4 cup of flour.",
    "The firm has 2000 employees.",
    "Prices fall when supply rises.",
    "Rain may come, he said.",
    "Now, he says, the plan is dead.",
    "He left three days before the vote.",          # counted from an event, not from today
])
def test_durations_ordinals_and_lookalikes_are_not_dates(text: str) -> None:
    assert found(text) == []


@pytest.mark.parametrize(("text", "value"), [
    ("The ministers met on Tuesday.", "2025-03-18"),
    ("The ministers will meet on Tuesday.", "2025-03-25"),
    ("The ministers said Friday that talks failed.", "2025-03-21"),
    ("The ministers are scheduled to meet Friday.", "2025-03-28"),
    ("Tuesday: ministers in Riyadh.", "2025-03-25"),          # no tense: the nearest
    ("Saturday: ministers in Riyadh.", "2025-03-22"),
])
def test_a_bare_weekday_follows_the_tense(text: str, value: str) -> None:
    assert only(text).value == value


def test_numeric_day_and_month_order_follows_the_locale() -> None:
    text = "The summit is on 4/3."
    assert only(text, locale="en-GB").value == "2025-03-04"
    assert only(text, locale="en").value == "2025-03-04"
    assert only(text, locale="en-US").value == "2025-04-03"
    assert only("Due on 24/3.", locale="en-US").value == "2025-03-24"   # 24 cannot be a month


def test_offsets_are_exact_in_unicode_text() -> None:
    text = "Zelenskyy’s envoy — “optimistic” — said on Sunday, March 16, 2025, and again today."
    mentions = find_dates(text, date(2025, 3, 17))
    assert [text[m.start:m.end] for m in mentions] == [m.text for m in mentions]
    assert [m.text for m in mentions] == ["Sunday, March 16, 2025", "today"]
    assert mentions[0].start == text.index("Sunday")


def test_a_datetime_reference_works_like_its_day() -> None:
    assert found("The vote is tomorrow.", datetime(2025, 3, 24, 23, 30)) == [
        ("tomorrow", "2025-03-25")]


def test_results_come_in_text_order_without_overlaps() -> None:
    mentions = find_dates("Yesterday, on March 23, and next week, on 2 April 2025.", MONDAY)
    assert [m.text for m in mentions] == ["Yesterday", "March 23", "next week", "2 April 2025"]
    assert all(a.end <= b.start for a, b in itertools.pairwise(mentions))


WORDS = ["on", "the", "Tuesday", "March", "24", "3/4", "2025", "last", "next", "week", "year",
         "ago", "two", "in", "p.m.", "10:30", "-", "to", "from", "quarter", "first", "will",
         "met", ",", "1990s", "31", "Feb.", "30", "now", "weekend", "spring", "Christmas"]


@settings(max_examples=120, deadline=None)
@given(st.lists(st.sampled_from(WORDS) | st.text(max_size=6), max_size=30),
       st.dates(min_value=date(1, 1, 8), max_value=date(9999, 12, 24)),
       st.sampled_from(["en", "en-US", "en_GB", ""]))
def test_any_text_gives_ordered_exact_spans(words: list[str], reference: date,
                                            locale: str) -> None:
    text = " ".join(words)
    mentions = find_dates(text, reference, locale)
    for m in mentions:
        assert text[m.start:m.end] == m.text and m.type in ("DATE", "TIME")
        assert (m.first_day is None) == (m.last_day is None)
        assert m.first_day is None or (m.last_day is not None and m.first_day <= m.last_day)
    assert all(a.end <= b.start for a, b in itertools.pairwise(mentions))


runner = CliRunner()


def test_cli_prints_one_json_line_per_expression(tmp_path) -> None:
    article = tmp_path / "article.txt"
    article.write_text("Talks are set for Tuesday at 3 p.m. and 4/3.", encoding="utf-8")
    result = runner.invoke(app, ["dates", "--reference", "2025-03-24", "--locale", "en-US",
                                 str(article)])
    assert result.exit_code == 0, result.output
    rows = [json.loads(line) for line in result.output.splitlines()]
    assert [(r["text"], r["type"], r["value"]) for r in rows] == [
        ("Tuesday at 3 p.m.", "TIME", "2025-03-25T15:00"), ("4/3", "DATE", "2025-04-03")]
    assert rows[0]["start"] == 18 and rows[0]["first_day"] == rows[0]["last_day"] == "2025-03-25"


def test_cli_reads_stdin_and_a_full_datetime() -> None:
    result = runner.invoke(app, ["dates", "--reference", "2025-03-24T09:00:00+00:00", "-"],
                           input="See you tomorrow.")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["value"] == "2025-03-25"


def test_cli_rejects_a_bad_reference_and_a_missing_file(tmp_path) -> None:
    bad = runner.invoke(app, ["dates", "--reference", "24 March", "-"], input="today")
    assert bad.exit_code == 2
    assert "2025-03-20" in bad.output
    missing = runner.invoke(app, ["dates", "--reference", "2025-03-24",
                                  str(tmp_path / "nope.txt")])
    assert missing.exit_code == 2
    assert "cannot read" in missing.output
