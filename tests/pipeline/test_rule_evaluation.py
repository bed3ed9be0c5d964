"""Rule kinds, event dates, evidence and mentions on a real DuckDB file, through the function
the monitor flow's evaluate step runs (pipeline.rule_evaluation.evaluate_batch)."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from alerts.render import render
from alerts.routing import QueuePolicy
from core.records import Evidence, Match, match_id
from pipeline.rule_evaluation import compile_rules, evaluate_batch
from rules.dates import DateMention
from rules.entities import Entity
from rules.events import DateFinder
from rules.models import Rule
from tests.warehouse.builders import make_article, results_by_source, source_configs
from warehouse import rule_state
from warehouse.articles import load_results, register_sources
from warehouse.connection import writer
from warehouse.evaluation import articles_to_evaluate
from warehouse.outbox import alert_views

T0 = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
SOURCES = ["harbour-times", "northern-ledger", "valley-courier"]
ENTITIES = {
    "antonio-guterres": Entity(id="antonio-guterres", name="António Guterres", kind="person",
                               aliases=["Guterres"], titles=["UN Secretary-General"]),
    "lake-forum": Entity(id="lake-forum", name="Lake Forum", kind="organisation"),
}


def iso_dates(text: str, reference: datetime) -> list[DateMention]:
    """A small real date finder for tests: ISO dates (YYYY-MM-DD) and ISO weeks (YYYY-Www)."""
    found = []
    for m in re.finditer(r"\b(\d{4})-(\d\d)-(\d\d)\b|\b(\d{4})-W(\d\d)\b", text):
        if m.group(1):
            day = date(int(m.group(1)), int(m.group(2)), int(m.group(3)))
            found.append(DateMention(m.start(), m.end(), m.group(), "DATE", m.group(), day, day))
        else:
            first = date.fromisocalendar(int(m.group(4)), int(m.group(5)), 1)
            found.append(DateMention(m.start(), m.end(), m.group(), "DATE", m.group(), first,
                                     first + timedelta(days=6)))
    return found


def rule(**fields: object) -> Rule:
    base: dict[str, object] = {"name": str(fields["id"]).title(), "channels": ["desk"]}
    return Rule.model_validate({**base, **fields}, context={"entities": ENTITIES})


@dataclass
class Warehouse:
    con: duckdb.DuckDBPyConnection
    counter: int = 0

    def add(self, title: str, body: str, *, source: str = "harbour-times",
            seen_at: datetime = T0, published_at: datetime | None = None,
            url: str | None = None) -> str:
        self.counter += 1
        article = make_article(url or f"https://{source}.example/a{self.counter}", title, body,
                               source_id=source, published_at=published_at or seen_at)
        load_results(self.con, "run", results_by_source([article]))
        self.con.execute("UPDATE articles SET first_seen_at = ? WHERE article_id = ?",
                         [seen_at, article.article_id])
        return article.article_id

    def evaluate(self, rules: list[Rule], now: datetime, policy: QueuePolicy | None = None,
                 finder: DateFinder = iso_dates) -> int:
        """A fresh compile every call, as after a restart: state must come from the file."""
        compiled = compile_rules(rules, ENTITIES)
        alerts = 0
        while batch := articles_to_evaluate(self.con):
            alerts += evaluate_batch(self.con, compiled, batch, policy=policy or QueuePolicy(),
                                     now=now, find_dates=finder).alerts
        return alerts

    def rows(self, sql: str, *params: object) -> list[tuple]:
        return self.con.execute(sql, list(params)).fetchall()


@pytest.fixture
def wh(tmp_path: Path) -> Iterator[Warehouse]:
    with writer(tmp_path / "wh.duckdb") as con:
        register_sources(con, source_configs(SOURCES))
        yield Warehouse(con)


# -- events ----------------------------------------------------------------------------------

SUMMIT = {"id": "summits", "match": {"any": ["summit", "talks"]},
          "event": {"terms": ["summit", "talks"], "window_days": [0, 30]}}


def test_an_event_rule_holds_only_with_a_date_in_its_window(wh: Warehouse) -> None:
    inside = wh.add("Leaders to meet", "Rain fell. The summit opens on 2026-12-03 in Geneva.")
    wh.add("Far off", "The summit is planned for 2027-06-01, officials said.")
    wh.add("Date elsewhere", "A summit was announced. Ticket sales open 2026-11-25.")
    wh.add("Past", "The summit held on 2026-11-02 ended without a deal.")
    assert wh.evaluate([rule(**SUMMIT)], T0) == 1
    assert wh.rows("SELECT article_id FROM matches") == [(inside,)]
    upcoming = wh.rows("""SELECT first_day, last_day, value, date_text, sentence FROM v_event_dates
                          WHERE last_day >= ? ORDER BY first_day""", T0.date())
    assert upcoming == [(date(2026, 12, 3), date(2026, 12, 3), "2026-12-03", "2026-12-03",
                         "The summit opens on 2026-12-03 in Geneva.")]


def test_relative_dates_resolve_in_the_pages_own_calendar_after_storage(wh: Warehouse) -> None:
    """Published 07:00 +09:00 on 15 Feb is 22:00 UTC on 14 Feb: stored, the instant alone
    would make "tomorrow" the 15th. The stored offset keeps it the 16th."""
    from datetime import timezone

    from rules.dates import find_dates

    tokyo = datetime(2020, 2, 15, 7, 0, tzinfo=timezone(timedelta(hours=9)))
    wh.add("Talks", "The two ministers will hold talks tomorrow in Tokyo.",
           seen_at=datetime(2020, 2, 15, 0, 0, tzinfo=UTC), published_at=tokyo)
    [stored] = articles_to_evaluate(wh.con)
    assert stored.published_at == tokyo and stored.published_at.utcoffset() == timedelta(hours=9)
    assert wh.evaluate([rule(**SUMMIT)], tokyo, finder=find_dates) == 1
    assert wh.rows("SELECT first_day, published_offset_minutes FROM match_events "
                   "JOIN articles USING (article_id)") == [(date(2020, 2, 16), 540)]
    assert wh.rows("SELECT CAST(published_local AS DATE) FROM v_articles") == [
        (date(2020, 2, 15),)]


def test_a_date_without_a_zone_is_read_back_as_utc(wh: Warehouse) -> None:
    wh.add("Talks", "Talks were held.", published_at=T0)
    [stored] = articles_to_evaluate(wh.con)
    assert stored.published_at == T0 and stored.published_at.utcoffset() == timedelta(0)
    assert wh.rows("SELECT published_offset_minutes FROM articles") == [(0,)]


def test_a_week_counts_when_any_of_its_days_is_in_the_window(wh: Warehouse) -> None:
    wh.add("Talks", "Talks are expected in 2026-W47, the ministry said.")   # 16-22 Nov
    assert wh.evaluate([rule(**SUMMIT)], T0) == 1
    assert wh.rows("SELECT first_day, last_day FROM match_events") == [
        (date(2026, 11, 16), date(2026, 11, 22))]


def test_the_alert_shows_the_event_date_in_email_and_slack(wh: Warehouse) -> None:
    article = wh.add("Leaders to meet", "The summit opens on 2026-12-03 in Geneva.")
    wh.evaluate([rule(**SUMMIT)], T0)
    (alert,) = wh.rows("SELECT alert_id FROM alerts")
    view = alert_views(wh.con, [(alert[0], alert[0], article)], {"summits": "Summits"})[alert[0]]
    assert view.event_date is not None and view.event_date.start == date(2026, 12, 3)
    assert "Event date: Thu 03 Dec 2026" in render(view, "email", "UTC").body
    assert "event date: Thu 03 Dec 2026" in str(render(view, "slack", "UTC").slack)
    assert "Event date: Thu 03 Dec 2026" in render(view, "text", "UTC").body


def test_without_a_date_finder_result_an_event_rule_never_holds(wh: Warehouse) -> None:
    wh.add("Leaders to meet", "The summit opens on 2026-12-03 in Geneva.")
    assert wh.evaluate([rule(**SUMMIT)], T0, finder=lambda text, ref: []) == 0
    assert wh.rows("SELECT count(*) FROM matches") == [(0,)]


# -- evidence and mentions -------------------------------------------------------------------

def test_evidence_offsets_cut_the_words_and_sentence_out_of_the_article(wh: Warehouse) -> None:
    body = "Über Nacht: Bürger feiern. Both sides agreed a cease-fire on Friday. Calm."
    article = wh.add("Truce", body)
    start = body.index("cease-fire")
    sentence_start = body.index("Both")
    evidence = Evidence("ceasefire", "body", start, start + len("cease-fire"), "cease-fire",
                        sentence_start, body.index(" Calm."))
    match = Match("ceasefire", article, article, "body", ("cease-fire",),
                  "Both sides agreed a cease-fire on Friday.", (evidence, evidence))
    rule_state.store_evidence(wh.con, [match])
    rule_state.store_evidence(wh.con, [match])   # a re-evaluation replaces, never doubles
    assert wh.rows("SELECT condition, text, sentence FROM v_match_evidence") == [
        ("ceasefire", "cease-fire", "Both sides agreed a cease-fire on Friday.")]
    assert wh.rows("SELECT match_id FROM match_evidence") == [(match_id("ceasefire", article),)]


def test_every_new_article_gets_its_entity_mentions_once(wh: Warehouse) -> None:
    article = wh.add("Guterres calls for calm",
                     "The UN Secretary-General spoke to the Lake Forum. Guterres left.")
    wh.add("Weather", "Sunny all week.")
    wh.evaluate([rule(id="ceasefire", match={"any": ["ceasefire"]})], T0)
    rows = wh.rows("""SELECT entity_id, entity_name, entity_kind, surface, field, start_offset,
                             end_offset FROM entity_mentions ORDER BY field, start_offset""")
    body = "The UN Secretary-General spoke to the Lake Forum. Guterres left."
    assert rows == [
        ("antonio-guterres", "António Guterres", "person", "UN Secretary-General", "body",
         body.index("UN"), body.index("UN") + 20),
        ("lake-forum", "Lake Forum", "organisation", "Lake Forum", "body",
         body.index("Lake"), body.index("Lake") + 10),
        ("antonio-guterres", "António Guterres", "person", "Guterres", "body",
         body.rindex("Guterres"), body.rindex("Guterres") + 8),
        ("antonio-guterres", "António Guterres", "person", "Guterres", "title", 0, 8),
    ]
    assert {r[0] for r in wh.rows("SELECT DISTINCT article_id FROM entity_mentions")} == {article}
    # A new version of the article replaces its mentions.
    wh.con.execute("UPDATE articles SET evaluated_at = NULL, title = 'Calm', body = 'Guterres.' "
                   "WHERE article_id = ?", [article])
    wh.evaluate([], T0)
    assert wh.rows("SELECT surface, field FROM entity_mentions") == [("Guterres", "body")]


# -- threshold -------------------------------------------------------------------------------

CLUSTER = {"id": "clashes", "kind": "threshold", "match": {"any": ["shelling"]},
           "threshold": {"articles": 3, "sources": 2, "within": "6h"}}


def test_threshold_fires_once_when_crossed_naming_articles_and_sources(wh: Warehouse) -> None:
    wh.add("Shelling near Tarn", "Shelling was heard.", seen_at=T0)
    wh.add("More shelling", "Shelling again.", seen_at=T0 + timedelta(hours=1))
    assert wh.evaluate([rule(**CLUSTER)], T0 + timedelta(hours=1)) == 0   # one source so far
    third = wh.add("Shelling reported", "Witnesses describe shelling.", source="valley-courier",
                   seen_at=T0 + timedelta(hours=2))
    assert wh.evaluate([rule(**CLUSTER)], T0 + timedelta(hours=2)) == 1
    ((story, article, sentence),) = wh.rows(
        """SELECT al.story_id, al.article_id, m.sentence FROM alerts al
           JOIN matches m ON m.rule_id = al.rule_id AND m.article_id = al.article_id""")
    assert article == third and story.startswith("threshold-")
    assert sentence.startswith("3 articles from 2 sources within 6h (Harbour Times, Valley "
                               "Courier): ")
    assert "Shelling near Tarn (Harbour Times)" in sentence
    firing = wh.rows("SELECT len(article_ids), source_ids FROM threshold_firings")
    assert firing == [(3, ["harbour-times", "valley-courier"])]
    # Still inside the window: more articles raise nothing.
    for hour in (3, 4, 5):
        wh.add(f"Shelling {hour}", "Shelling.", source="northern-ledger",
               seen_at=T0 + timedelta(hours=hour))
    assert wh.evaluate([rule(**CLUSTER)], T0 + timedelta(hours=5)) == 0
    # Once the window has passed, articles not counted before can cross it again.
    wh.add("Shelling resumes", "Shelling resumed.", source="valley-courier",
           seen_at=T0 + timedelta(hours=8, minutes=30))
    assert wh.evaluate([rule(**CLUSTER)], T0 + timedelta(hours=8, minutes=30)) == 1
    assert wh.rows("SELECT count(*) FROM threshold_firings") == [(2,)]
    # All matches are stored for ad hoc SQL, with one alert per crossing.
    assert wh.rows("SELECT count(*) FROM matches WHERE rule_id = 'clashes'") == [(7,)]
    assert wh.rows("SELECT count(*) FROM alerts") == [(2,)]


def test_threshold_realert_shortens_the_quiet_period(wh: Warehouse) -> None:
    quick = rule(**{**CLUSTER, "threshold": {"articles": 2, "sources": 1, "within": "1d"},
                    "realert": "2h"})
    wh.add("Shelling 1", "Shelling.", seen_at=T0)
    wh.add("Shelling 2", "Shelling.", seen_at=T0)
    assert wh.evaluate([quick], T0) == 1
    wh.add("Shelling 3", "Shelling.", seen_at=T0 + timedelta(hours=1))
    wh.add("Shelling 4", "Shelling.", seen_at=T0 + timedelta(hours=1))
    assert wh.evaluate([quick], T0 + timedelta(hours=1)) == 0     # within realert
    wh.add("Shelling 5", "Shelling.", seen_at=T0 + timedelta(hours=3))
    assert wh.evaluate([quick], T0 + timedelta(hours=3)) == 1     # 3, 4 and 5 are new


# -- first seen ------------------------------------------------------------------------------

NEWCOMERS = {"id": "newcomers", "kind": "first_seen", "first_seen": {"days": 7},
             "match": {"any": [{"entity": "antonio-guterres"}, {"entity": "lake-forum"},
                               "ceasefire"]}}


def test_first_run_learns_then_alerts_on_what_was_not_seen_for_days(wh: Warehouse) -> None:
    wh.add("Guterres speaks", "Guterres spoke.", seen_at=T0 - timedelta(days=2))
    wh.add("Ceasefire", "A ceasefire.", seen_at=T0)
    assert wh.evaluate([rule(**NEWCOMERS)], T0) == 0   # baseline: both already stored
    assert wh.rows("SELECT articles FROM seen_baselines") == [(2,)]

    forum = wh.add("Lake Forum opens", "The Lake Forum opened.", seen_at=T0 + timedelta(hours=1))
    wh.add("Lake Forum again", "The Lake Forum met.", source="valley-courier",
           seen_at=T0 + timedelta(hours=1, minutes=1))
    assert wh.evaluate([rule(**NEWCOMERS)], T0 + timedelta(hours=2)) == 1   # once, not twice
    assert wh.rows("SELECT article_id FROM alerts") == [(forum,)]

    wh.add("Guterres again", "Guterres spoke again.", seen_at=T0 + timedelta(days=3))
    assert wh.evaluate([rule(**NEWCOMERS)], T0 + timedelta(days=3)) == 0   # seen 5 days ago

    later = T0 + timedelta(days=11)   # ceasefire: last seen 11 days ago; Guterres 8 days ago
    wh.add("New ceasefire", "A new ceasefire.", seen_at=later)
    wh.add("Guterres back", "Guterres is back.", seen_at=later)
    assert wh.evaluate([rule(**NEWCOMERS)], later) == 2
    assert wh.rows("SELECT count(*) FROM seen_baselines") == [(1,)]


def test_first_seen_on_an_empty_warehouse_alerts_nothing_on_the_first_run(
        wh: Warehouse) -> None:
    wh.add("Lake Forum", "The Lake Forum.", seen_at=T0)
    assert wh.evaluate([rule(**NEWCOMERS)], T0) == 0
    wh.add("Ceasefire", "A ceasefire.", seen_at=T0 + timedelta(minutes=5))
    assert wh.evaluate([rule(**NEWCOMERS)], T0 + timedelta(minutes=5)) == 1


# -- one bad rule ----------------------------------------------------------------------------

def test_a_rule_that_cannot_be_compiled_is_reported_and_the_others_run(wh: Warehouse) -> None:
    ghost = Rule.model_validate({"id": "ghost", "name": "Ghost", "channels": ["desk"],
                                 "match": {"any": [{"entity": "nobody-known"}]}})
    compiled = compile_rules([ghost, rule(id="ceasefire", match={"any": ["ceasefire"]})],
                             ENTITIES)
    assert [r.id for r in compiled.compiled.rules] == ["ceasefire"]
    assert compiled.problems == [
        "rule ghost: unknown entity 'nobody-known'; known entities: antonio-guterres, lake-forum"]


def test_a_pattern_the_engine_refuses_skips_its_rule_and_the_first_error_is_logged(
        caplog: pytest.LogCaptureFixture) -> None:
    behind = rule(id="behind", match={"any": [{"regex": "(?<=a+)b"}]})
    ghost = Rule.model_validate({"id": "ghost", "name": "Ghost", "channels": ["desk"],
                                 "match": {"any": [{"entity": "nobody-known"}]}})
    with caplog.at_level(logging.DEBUG, logger="newswatch.rules"):
        compiled = compile_rules([behind, ghost, rule(id="ceasefire",
                                                      match={"any": ["ceasefire"]})], ENTITIES)
    assert [r.id for r in compiled.compiled.rules] == ["ceasefire"]
    [refused, unknown] = compiled.problems
    assert refused.startswith("rule behind: cannot be compiled, skipped: UnsafeRegex: regex "
                              "'(?<=a+)b' cannot be compiled: look-behind requires fixed-width")
    assert unknown.startswith("rule ghost: unknown entity 'nobody-known'")
    # The error that sent it to compiling each rule alone is kept, not swallowed.
    [first] = [r for r in caplog.records if "compiling each alone" in r.getMessage()]
    assert "UnsafeRegex" in first.getMessage() and "look-behind" in first.getMessage()


def test_new_kinds_take_the_rules_severity_channels_and_digest(wh: Warehouse) -> None:
    digest_rule = rule(**{**CLUSTER, "severity": "critical", "channels": ["desk", "chat"],
                          "threshold": {"articles": 1, "sources": 1, "within": "1h"}})
    policy = QueuePolicy(alert_streams={("clashes", "chat"): "rule:clashes"})
    wh.add("Shelling", "Shelling.", seen_at=T0)
    assert wh.evaluate([digest_rule], T0, policy) == 1
    assert wh.rows("SELECT severity FROM alerts") == [("critical",)]
    assert wh.rows("SELECT channel, status FROM deliveries ORDER BY channel") == [
        ("chat", "digest"), ("desk", "pending")]
    assert wh.rows("SELECT stream, reason FROM digest_items") == [("rule:clashes", "alert")]
