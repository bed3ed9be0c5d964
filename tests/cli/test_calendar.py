"""`newswatch calendar`: upcoming event dates from a real warehouse as an .ics file, read back
by an independent parser (icalendar)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import icalendar
from typer.testing import CliRunner

from alerts.routing import QueuePolicy
from cli.app import app
from pipeline.rule_evaluation import compile_rules, evaluate_batch
from reports.ics import fold, text
from rules.dates import find_dates
from rules.models import Rule
from tests.warehouse.builders import make_article, results_by_source, source_configs
from warehouse.articles import load_results, register_sources
from warehouse.connection import writer
from warehouse.evaluation import articles_to_evaluate

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)          # a Friday
RULE = Rule.model_validate({
    "id": "summits", "name": "Summits", "channels": ["desk"],
    "match": {"any": ["summit", "talks"]},
    "event": {"terms": ["summit", "talks", "meet"], "window_days": [0, 90], "upcoming": True}})
runner = CliRunner()


def warehouse(path: Path) -> None:
    """Three stories: a summit next Tuesday told by two articles of one story, talks early next
    week under a hostile headline, and a summit that already took place."""
    articles = [
        make_article("https://a.example/1", "Leaders to meet in Geneva",
                     "The two presidents will meet at a summit in Geneva next Tuesday.",
                     source_id="harbour-times", published_at=T0),
        make_article("https://b.example/1", "Geneva summit on Tuesday",
                     "The two presidents will meet at a summit in Geneva next Tuesday.",
                     source_id="northern-ledger", published_at=T0),
        make_article("https://a.example/2", "Talks; BEGIN:VEVENT\nSUMMARY:forged, twice",
                     "Negotiators will open talks early next week in Oslo.",
                     source_id="harbour-times", published_at=T0),
        make_article("https://a.example/3", "Summit ends",
                     "The summit held on Monday ended without a deal.",
                     source_id="harbour-times", published_at=T0),
    ]
    with writer(path) as con:
        register_sources(con, source_configs(["harbour-times", "northern-ledger"]))
        load_results(con, "run", results_by_source(articles))
        # The two Geneva articles are one story.
        con.execute("UPDATE articles SET story_id = 'geneva' WHERE url LIKE '%/1'")
        compiled = compile_rules([RULE], {})
        while batch := articles_to_evaluate(con):
            evaluate_batch(con, compiled, batch, policy=QueuePolicy(), now=T0,
                           find_dates=find_dates)


def events(path: Path, *args: str) -> tuple[list[icalendar.Event], str]:
    out = path.parent / "events.ics"
    result = runner.invoke(app, ["calendar", "--warehouse", str(path), "--live", "--since",
                                 "2026-11-20", "-o", str(out), *args])
    assert result.exit_code == 0, result.output
    raw = out.read_bytes()
    assert b"\r\n" in raw and all(len(line) <= 75 for line in raw.split(b"\r\n"))
    parsed = icalendar.Calendar.from_ical(raw)
    found = [e for e in parsed.walk("VEVENT") if isinstance(e, icalendar.Event)]
    assert len(found) == len(parsed.walk("VEVENT"))
    return found, result.stderr


def test_each_story_rule_and_date_is_one_event_with_its_sentence_and_link(
        tmp_path: Path) -> None:
    path = tmp_path / "wh.duckdb"
    warehouse(path)
    found, said = events(path)
    assert "2 upcoming event(s) from 2026-11-20 to 2027-02-18" in said
    by_day = {e.decoded("DTSTART"): e for e in found}
    assert sorted(by_day) == [date(2026, 11, 23), date(2026, 11, 24)]
    geneva = by_day[date(2026, 11, 24)]
    assert geneva.decoded("DTEND") == date(2026, 11, 25)          # all day, end exclusive
    assert str(geneva["SUMMARY"]) in ("Leaders to meet in Geneva (next Tuesday)",
                                      "Geneva summit on Tuesday (next Tuesday)")
    assert "will meet at a summit in Geneva next Tuesday" in str(geneva["DESCRIPTION"])
    talks = by_day[date(2026, 11, 23)]
    assert talks.decoded("DTEND") == date(2026, 11, 30)            # the whole week
    # The hostile headline stays inside its SUMMARY: no forged event or property.
    assert str(talks["SUMMARY"]) == ("Talks; BEGIN:VEVENT\nSUMMARY:forged, twice "
                                     "(early next week)")
    assert str(talks["URL"]) == "https://a.example/2"
    # The same events on a second export: calendars update them instead of adding copies.
    again, _ = events(path)
    assert sorted(str(e["UID"]) for e in again) == sorted(str(e["UID"]) for e in found)


def test_a_rule_filter_and_an_empty_window_say_so(tmp_path: Path) -> None:
    path = tmp_path / "wh.duckdb"
    warehouse(path)
    found, said = events(path, "--rule", "other-rule")
    assert found == [] and "no event dates in that window" in said
    found, _ = events(path, "--rule", "summits", "--days", "3")
    assert [e.decoded("DTSTART") for e in found] == [date(2026, 11, 23)]


def test_text_values_are_escaped_and_lines_folded_between_characters() -> None:
    assert text("a;b,c\\d\ne\x00") == "a\\;b\\,c\\\\d\\ne"
    line = "SUMMARY:" + "é" * 100
    folded = fold(line).encode()
    parts = folded.split(b"\r\n")
    assert all(len(p) <= 75 for p in parts) and folded.replace(b"\r\n ", b"") == line.encode()
    assert [p.decode("utf-8") for p in parts]        # each part decodes: no character split
