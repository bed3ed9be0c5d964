"""The date that belongs to an event: datelines skipped, the event's own date before a
reporting verb's, and `upcoming` meaning still to come. Real tagger, real rules."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.app import app
from core.records import ArticleText
from rules.dates import find_dates
from rules.event_attach import event_term_pattern, is_dateline, is_upcoming, ranked
from rules.events import find_event_date
from rules.models import Rule

TERMS = event_term_pattern(["summit", "talks", "meeting", "meet", "visit", "negotiations"])
FRIDAY = datetime(1996, 11, 8, 9, 0, tzinfo=UTC)        # a Friday morning
SUNDAY = datetime(1996, 11, 10, 9, 0, tzinfo=UTC)


def best(sentence: str, reference: datetime) -> tuple[str, str] | None:
    dates = ranked(sentence, find_dates(sentence, reference), TERMS)
    return (dates[0].text, dates[0].value) if dates else None


class Sentences:
    def __init__(self, *sentences: str) -> None:
        self.sentences = sentences

    def event_sentences(self, article: ArticleText, rule: Rule) -> list[tuple[str, int, int, str]]:
        return [("body", 0, len(s), s) for s in self.sentences]


def rule(upcoming: bool) -> Rule:
    return Rule.model_validate({
        "id": "summits", "name": "Summits", "match": {"any": ["summit"]}, "channels": ["desk"],
        "event": {"terms": ["summit", "talks", "meet", "meeting", "negotiations"],
                  "window_days": [0, 366], "upcoming": upcoming}})


def event(sentence: str, reference: datetime, upcoming: bool = True) -> str | None:
    article = ArticleText("a", "a", "wire", "t", None, sentence, published_at=reference)
    found = find_event_date(Sentences(sentence), article, rule(upcoming), find_dates)
    return None if found is None else found.value


@pytest.mark.parametrize(("sentence", "reference", "expected"), [
    ("WARSAW 1996-12-06 Poland's President is likely to visit Germany in early 1997.",
     datetime(1996, 12, 6, tzinfo=UTC), ("early 1997", "1997")),
    ("BRUSSELS, Nov 9 (AFP) - The EU will open negotiations with Russia on December 12.",
     datetime(1996, 11, 9, tzinfo=UTC), ("December 12", "1996-12-12")),
    ("GENEVA 1996-11-08\nThe talks resume later.", FRIDAY, None),
])
def test_the_dateline_is_not_the_event_date(sentence: str, reference: datetime,
                                            expected: tuple[str, str] | None) -> None:
    assert best(sentence, reference) == expected


def test_a_dateline_is_told_from_a_date_opening_a_sentence() -> None:
    text = "On Sunday the ministers meet in Vienna."
    mention = find_dates(text, FRIDAY)[0]
    assert not is_dateline(text, mention)


@pytest.mark.parametrize(("sentence", "surface"), [
    ("Negotiators said on Friday the two sides would meet again on Sunday.", "Sunday"),
    ("The minister told reporters on Friday that talks are set for Dec 9-13.", "Dec 9-13"),
    ("Officials announced Friday that Sunday's summit would go ahead.", "Sunday's"),
    ("Ministers will attend next week's ministerial meeting, a spokesman said on Friday.",
     "next week"),
])
def test_the_events_own_date_wins_over_a_reporting_verbs(sentence: str, surface: str) -> None:
    found = best(sentence, FRIDAY)
    assert found is not None and found[0] == surface


@pytest.mark.parametrize(("sentence", "reference"), [
    ("The two leaders met Friday in Geneva.", FRIDAY),
    ("Peace talks held Sunday ended without agreement.", SUNDAY),
    ("The commission continued its negotiations today.", SUNDAY),
    ("Arafat said today he refused to meet Netanyahu.", SUNDAY),
    ("The summit on Friday agreed a plan.", FRIDAY),
    ("Fire crews left at noon, and the meeting resumed in near silence.", FRIDAY),
])
def test_past_and_same_day_meetings_are_not_upcoming(sentence: str, reference: datetime) -> None:
    assert event(sentence, reference) is None
    # The same sentences still carry a date for a rule that does not ask for upcoming events.
    assert event(sentence, reference, upcoming=False) is not None


@pytest.mark.parametrize(("sentence", "value"), [
    ("Negotiators said on Friday the two sides would meet again on Sunday.", "1996-11-10"),
    ("The summit is due to open on November 20 in Rome.", "1996-11-20"),
    ("Sunday's summit is expected to focus on trade.", "1996-11-10"),
    ("The leaders will meet later today at 5 p.m.", "1996-11-08T17:00"),
])
def test_upcoming_meetings_keep_their_date(sentence: str, value: str) -> None:
    assert event(sentence, FRIDAY) == value


@pytest.mark.parametrize(("sentence", "value"), [
    # A publication-day date the event's own future words govern.
    ("Commonwealth foreign ministers are to meet in London on Friday.", "1996-11-08"),
    ("Arafat will meet Peres in Gaza on Friday after a row over his flights.", "1996-11-08"),
    # A date inside the future verb phrase, before the event term.
    ("The envoy will on Friday continue his talks with the rebel leader.", "1996-11-08"),
    ("Both sides were poised on Friday to meet and end the dispute.", "1996-11-08"),
])
def test_same_day_and_inner_dates_of_future_meetings(sentence: str, value: str) -> None:
    assert event(sentence, FRIDAY) == value


@pytest.mark.parametrize("sentence", [
    # The date belongs to the verb before it, not to the meeting after "to".
    "Talbott flew to Ottawa on Friday to meet his counterpart.",
    # A possessive date of another noun: the budget's year, not the talks'.
    "He said negotiations on next year's budget were going smoothly.",
    "Talks between the ministers are expected to shape next month's budget.",
])
def test_dates_that_belong_to_something_else(sentence: str) -> None:
    assert event(sentence, FRIDAY) is None


def test_a_passive_future_is_not_a_past_event() -> None:
    terms = event_term_pattern(["sign"])
    text = "The two governments say the treaty should be signed in December."
    mention = find_dates(text, FRIDAY)[0]
    assert is_upcoming(text, mention, terms, FRIDAY)
    done = "The two governments signed the treaty in Rome on Friday."
    assert not is_upcoming(done, find_dates(done, SUNDAY)[0], terms, SUNDAY)


def test_a_time_before_publication_on_the_same_day_is_not_upcoming() -> None:
    text = "The leaders will meet today at 8 a.m."
    mention = find_dates(text, FRIDAY)[0]
    assert not is_upcoming(text, mention, TERMS, FRIDAY)


def test_event_term_inflections() -> None:
    words = [m.group(0) for m in TERMS.finditer("meets meeting met visits talks summits")]
    assert words == ["meets", "meeting", "met", "visits", "talks", "summits"]


RULES = """\
rules:
  - id: summit
    name: Summit
    match: {any: [summit]}
    event: {terms: [summit], window_days: [0, 30], upcoming: true}
    channels: [desk]
"""


@pytest.mark.parametrize(("extra", "value", "said"), [
    ([], None, "(now)"),
    (["--reference", "2026-12-01"], "2026-12-08", "2026-12-01T00:00+00:00 (--reference)"),
])
def test_match_resolves_undated_articles_against_now_or_reference(
        tmp_path: Path, extra: list[str], value: str | None, said: str) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text(RULES, "utf-8")
    articles = tmp_path / "a.jsonl"
    articles.write_text(json.dumps({"url": "https://x.example/1", "title": "Summit",
                                    "body": "The summit opens on 8 December 2026."}) + "\n")
    result = CliRunner().invoke(app, ["match", "--rules", str(rules), "--articles",
                                      str(articles), *extra])
    assert result.exit_code == 0, result.output
    assert "https://x.example/1: no published_at; event dates resolved against" in result.output
    assert said in result.output
    out = [json.loads(line) for line in result.stdout.splitlines() if line.startswith("{")]
    if extra:
        assert [m["event_date"]["value"] for m in out] == [value]
    else:
        # Now is after 8 December 2026 or up to 30 days before it: either way it says which.
        today = datetime.now(UTC).date()
        due = (date(2026, 12, 8) - today).days
        assert len(out) == (1 if 0 < due <= 30 else 0)


def test_match_rejects_a_reference_that_is_not_a_date(tmp_path: Path) -> None:
    rules = tmp_path / "rules.yaml"
    rules.write_text(RULES, "utf-8")
    articles = tmp_path / "a.jsonl"
    articles.write_text("")
    result = CliRunner().invoke(app, ["match", "--rules", str(rules), "--articles",
                                      str(articles), "--reference", "next week"])
    assert result.exit_code == 2 and "is not a date" in result.output


def test_an_abbreviation_does_not_cut_the_event_sentence() -> None:
    """"U.S." and "S. Africa" end no sentence, so the date after them stays with the event."""
    from rules.matcher import CompiledRules

    summits = rule(True)
    text = "Queen Beatrix will visit S. Africa in October and meet U.S. envoys on Oct 3."
    article = ArticleText("a", "a", "wire", "t", None, text, published_at=datetime(
        1996, 8, 29, 12, tzinfo=UTC))
    compiled = CompiledRules([summits.model_copy(update={"match": summits.match.model_copy(
        update={"any": ["visit"]})})], {})
    assert [s[3] for s in compiled.event_sentences(article, summits)] == [text]


def test_since_points_back_whatever_the_tense() -> None:
    text = "The prime minister, in office since May 18, will be the first to meet him."
    assert [m.value for m in find_dates(text, datetime(1996, 8, 28, tzinfo=UTC))] == [
        "1996-05-18"]


@pytest.mark.parametrize(("text", "expected"), [
    ("Prices are now higher than in 2019.", [("now", "PRESENT_REF"), ("2019", "2019")]),
    ("She is currently in Paris.", [("currently", "PRESENT_REF")]),
    ("He has been in jail for five years.", []),             # a duration, not 2018
    ("It was the first time in five years.", []),
    ("The plan will run for five years.", []),
    ("The council meets every Monday.", []),                 # a set, not a date
    ("They meet on Mondays.", []),
])
def test_the_present_durations_and_sets_are_not_dates(text: str,
                                                      expected: list[tuple[str, str]]) -> None:
    assert [(m.text, m.value) for m in find_dates(text, date(2023, 3, 1))] == expected


def test_a_passive_infinitive_with_would_is_still_to_come() -> None:
    text = ("He added that a ceremonial accession would still be held at the NATO Washington "
            "summit on April 24 and 25.")
    assert event(text, datetime(1999, 2, 10, 12, tzinfo=UTC)) == "1999-04-24"


@pytest.mark.parametrize(("sentence", "reference", "value"), [
    # Filed at noon: an 11 a.m. meeting spoken of as future is tomorrow's.
    ("The five nations will meet at 11 a.m. (0800 GMT) in Naqoura.",
     datetime(1996, 8, 31, 12, 0, tzinfo=UTC), "1996-09-01T11:00"),
    # Filed at 9: the same meeting is later today.
    ("The five nations will meet at 11 a.m. (0800 GMT) in Naqoura.",
     datetime(1996, 8, 31, 9, 0, tzinfo=UTC), "1996-08-31T11:00"),
    # A meeting told as over keeps its past time, and is not upcoming.
    ("The five nations met at 11 a.m. in Naqoura.",
     datetime(1996, 8, 31, 12, 0, tzinfo=UTC), None),
    # A time with its own day is not moved.
    ("The leaders will meet today at 8 a.m.", FRIDAY, None),
])
def test_a_bare_clock_time_already_past_is_the_next_days(
        sentence: str, reference: datetime, value: str | None) -> None:
    assert event(sentence, reference) == value


def test_the_deadline_of_ongoing_talks_is_not_a_meeting_date() -> None:
    text = ("The governments, which cosponsor the talks that are supposed to conclude by May, "
            "invited Sinn Fein to rejoin.")
    assert event(text, datetime(1998, 3, 22, 12, tzinfo=UTC)) is None
    assert event("Hashimoto must call polls by mid-1997, after a tour of Latin America.",
                 FRIDAY) is None
    # "by" that is not a deadline still dates the meeting.
    assert event("Erekat says the talks will begin by November 20.", FRIDAY) == "1996-11-20"
    assert event("The summit will be hosted by Italy on November 20.", FRIDAY) == "1996-11-20"


def test_the_match_quotes_the_sentence_that_dates_the_event() -> None:
    from rules.events import apply_events
    from rules.matcher import CompiledRules

    summits = rule(True)
    summits = summits.model_copy(update={"match": summits.match.model_copy(
        update={"any": ["ministry"]})})
    text = ("The ministry said it would attend in good faith. "
            "Negotiators will meet in Geneva on November 12.")
    article = ArticleText("a", "a", "wire", "t", None, text, published_at=FRIDAY)
    compiled = CompiledRules([summits], {})
    matches = compiled.evaluate(article)
    assert matches and matches[0].sentence.startswith("The ministry said")
    [dated] = apply_events(compiled, article, matches, {summits.id: summits}, find_dates)
    assert dated.event_date is not None and dated.event_date.value == "1996-11-12"
    assert dated.sentence == "Negotiators will meet in Geneva on November 12."


def test_a_week_that_has_begun_is_upcoming_only_when_told_as_future() -> None:
    monday = datetime(2025, 3, 17, 9, tzinfo=UTC)
    said = ("The envoy expects the president to engage with his counterpart this coming week "
            "to discuss terms for a ceasefire.")
    assert event(said, monday) == "2025-W12"
    assert event("Talks between the two sides this week ended without a deal.", monday) is None
