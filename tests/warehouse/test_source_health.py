"""v_source_health and the failing/stale problems of warehouse.source_health, on a real DuckDB
file, with request-log rows and articles placed in time by hand."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import duckdb
import pytest

from warehouse import source_health
from warehouse.connection import writer
from warehouse.source_health import Thresholds

T0 = datetime.now(UTC).replace(microsecond=0) - timedelta(days=3)
RULES = Thresholds(failure_runs=3, stale_factor=4.0, stale_floor=timedelta(hours=6))


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "health.duckdb"


@pytest.fixture
def con(path: Path) -> Iterator[duckdb.DuckDBPyConnection]:
    with writer(path) as connection:
        for sid in ("alpha", "beta"):
            connection.execute("INSERT INTO sources (source_id, name, kind, url) VALUES "
                               "(?, ?, 'feed', ?)", [sid, sid.title(), f"https://{sid}.example/"])
        yield connection


_run_number = iter(range(1, 10_000))


def run(con: duckdb.DuckDBPyConnection, source: str, at: datetime, *, ok: bool = True,
        articles: int = 0, elapsed_ms: float = 100.0, skipped: int = 0) -> None:
    """One monitor run of one source, as load_results would leave it."""
    run_id = f"run-{next(_run_number)}"
    feed = f"https://{source}.example/feed.xml"
    con.execute("""INSERT INTO fetches (run_id, source_id, url, kind, outcome, status_code,
                       elapsed_ms, error_class, transient, message, fetched_at)
                   VALUES (?, ?, ?, 'feed', ?, ?, ?, ?, ?, ?, ?)""",
                [run_id, source, feed, "ok" if ok else "error", 200 if ok else 503, elapsed_ms,
                 None if ok else "server_error", None if ok else True,
                 None if ok else "HTTP 503 Service Unavailable", at])
    for i in range(skipped):
        con.execute("""INSERT INTO fetches (run_id, source_id, url, kind, outcome, error_class,
                           message, fetched_at) VALUES (?, ?, ?, 'article', 'skipped', 'robots',
                           'robots.txt disallows this URL for newswatch; not requested', ?)""",
                    [run_id, source, f"{feed}/private/{run_id}/{i}", at])
    for i in range(articles):
        aid = f"{run_id}-{source}-{i}"
        con.execute("""INSERT INTO articles (article_id, source_id, url, title, fetched_at,
                           first_seen_at, body, word_count, content_hash, story_id)
                       VALUES (?, ?, ?, 'A headline', ?, ?, 'Some words.', 2, ?, ?)""",
                    [aid, source, f"https://{source}.example/{aid}", at, at, aid, aid])


def row(con: duckdb.DuckDBPyConnection, source: str) -> dict[str, object]:
    cursor = con.execute("SELECT * FROM v_source_health WHERE source_id = ?", [source])
    names = [d[0] for d in cursor.description]
    values = cursor.fetchone()
    assert values is not None, f"no v_source_health row for {source}"
    return dict(zip(names, values, strict=True))


def test_consecutive_failures_count_runs_since_the_last_success(
        con: duckdb.DuckDBPyConnection) -> None:
    run(con, "alpha", T0, articles=2)
    run(con, "alpha", T0 + timedelta(hours=1), ok=False)
    run(con, "alpha", T0 + timedelta(hours=2), ok=False)
    for _ in range(4):
        run(con, "beta", T0, ok=False)
    assert row(con, "alpha")["consecutive_failures"] == 2
    assert row(con, "beta")["consecutive_failures"] == 4        # never succeeded
    run(con, "alpha", T0 + timedelta(hours=3))
    assert row(con, "alpha")["consecutive_failures"] == 0
    assert row(con, "alpha")["last_success_at"] == T0 + timedelta(hours=3)
    assert row(con, "alpha")["errors"] == 2


def test_rates_latency_and_the_usual_gap(con: duckdb.DuckDBPyConnection) -> None:
    now = datetime.now(UTC)
    long_ago = now - timedelta(days=20)
    run(con, "alpha", long_ago, articles=5, elapsed_ms=9000)   # outside the 7-day windows
    run(con, "alpha", now - timedelta(hours=10), articles=3, elapsed_ms=100)
    run(con, "alpha", now - timedelta(hours=6), articles=0, elapsed_ms=200)
    run(con, "alpha", now - timedelta(hours=4), articles=4, elapsed_ms=300, skipped=2)
    health = row(con, "alpha")
    assert health["articles"] == 12
    assert health["articles_per_day_7d"] == pytest.approx(7 / 7)
    assert health["last_new_article_at"] == now - timedelta(hours=4)
    # Only successful requests of the last 7 days (the skipped ones have no time).
    assert health["median_latency_ms"] == 200
    assert health["skipped"] == 2
    # Runs that stored something: 20 days ago, -10 h, -4 h: gaps 470 h and 6 h, median 238 h.
    assert health["usual_gap_hours"] == pytest.approx((470 + 6) / 2)


def test_usual_gap_needs_three_runs_with_new_articles(con: duckdb.DuckDBPyConnection) -> None:
    run(con, "alpha", T0, articles=10)
    run(con, "alpha", T0 + timedelta(hours=2), articles=1)
    assert row(con, "alpha")["usual_gap_hours"] is None
    run(con, "alpha", T0 + timedelta(hours=3))              # nothing new: not a gap
    assert row(con, "alpha")["usual_gap_hours"] is None
    run(con, "alpha", T0 + timedelta(hours=6), articles=1)
    assert row(con, "alpha")["usual_gap_hours"] == pytest.approx(3.0)


def open_problems(con: duckdb.DuckDBPyConnection) -> list[tuple[str, str]]:
    return con.execute("SELECT source_id, problem FROM source_alerts WHERE recovered_at IS NULL "
                       "ORDER BY ALL").fetchall()


def test_failing_is_raised_once_at_the_threshold_and_recovers_once(
        con: duckdb.DuckDBPyConnection) -> None:
    run(con, "alpha", T0, articles=1)
    changes = []
    for hour in (1, 2, 3, 4, 5):
        run(con, "alpha", T0 + timedelta(hours=hour), ok=False)
        changes.append(source_health.evaluate(con, RULES, now=T0 + timedelta(hours=hour)))
    assert [len(c) for c in changes] == [0, 0, 1, 0, 0]
    [raised] = changes[2]
    assert (raised.source_id, raised.problem, raised.recovered) == ("alpha", "failing", False)
    assert raised.detail.startswith("its feed failed in the last 3 runs; last success ")
    assert raised.detail.endswith("last error: server_error: HTTP 503 Service Unavailable "
                                  "(https://alpha.example/feed.xml)")
    assert open_problems(con) == [("alpha", "failing")]
    assert row(con, "alpha")["open_problems"] == ["failing"]

    run(con, "alpha", T0 + timedelta(hours=6))
    [recovered] = source_health.evaluate(con, RULES, now=T0 + timedelta(hours=6))
    assert recovered.recovered and recovered.raised_at == T0 + timedelta(hours=3)
    assert recovered.detail.startswith("its feed answers again")
    assert open_problems(con) == []
    run(con, "alpha", T0 + timedelta(hours=7))
    assert source_health.evaluate(con, RULES, now=T0 + timedelta(hours=7)) == []


def test_only_the_named_sources_are_judged(con: duckdb.DuckDBPyConnection) -> None:
    for hour in range(3):
        run(con, "alpha", T0 + timedelta(hours=hour), ok=False)
        run(con, "beta", T0 + timedelta(hours=hour), ok=False)
    changes = source_health.evaluate(con, RULES, now=T0 + timedelta(hours=3),
                                     source_ids=["beta"])
    assert [(c.source_id, c.problem) for c in changes] == [("beta", "failing")]


def _regular_source(con: duckdb.DuckDBPyConnection, gap_hours: float, batches: int = 4
                    ) -> datetime:
    """New articles every `gap_hours`; returns when the last ones were stored."""
    at = T0
    for i in range(batches):
        at = T0 + timedelta(hours=gap_hours * i)
        run(con, "alpha", at, articles=2)
    return at


def test_stale_after_several_usual_gaps_and_not_before(con: duckdb.DuckDBPyConnection) -> None:
    last = _regular_source(con, gap_hours=3)           # usual gap 3 h: stale after 12 h
    assert source_health.evaluate(con, RULES, now=last + timedelta(hours=11)) == []
    run(con, "alpha", last + timedelta(hours=12))      # the feed answers, nothing new
    [stale] = source_health.evaluate(con, RULES, now=last + timedelta(hours=13))
    assert (stale.problem, stale.recovered) == ("stale", False)
    assert stale.detail.startswith("no new article for 13 h (since ")
    assert stale.detail.endswith("usually one every 3.0 h")
    assert source_health.evaluate(con, RULES, now=last + timedelta(hours=20)) == []

    run(con, "alpha", last + timedelta(hours=21), articles=1)
    [back] = source_health.evaluate(con, RULES, now=last + timedelta(hours=21))
    assert (back.problem, back.recovered) == ("stale", True)
    assert back.detail.startswith("new articles again")


def test_the_floor_keeps_a_busy_source_from_crying_wolf_overnight(
        con: duckdb.DuckDBPyConnection) -> None:
    last = _regular_source(con, gap_hours=0.5)         # 4 x 0.5 h = 2 h, but the floor is 6 h
    assert source_health.evaluate(con, RULES, now=last + timedelta(hours=5)) == []
    [stale] = source_health.evaluate(con, RULES, now=last + timedelta(hours=7))
    assert stale.problem == "stale"


def test_a_failing_source_is_not_also_called_stale(con: duckdb.DuckDBPyConnection) -> None:
    last = _regular_source(con, gap_hours=1)
    for hour in (1, 2, 3):
        run(con, "alpha", last + timedelta(hours=hour), ok=False)
    changes = source_health.evaluate(con, RULES, now=last + timedelta(days=2))
    assert [c.problem for c in changes] == ["failing"]


def test_a_young_source_is_never_stale(con: duckdb.DuckDBPyConnection) -> None:
    run(con, "alpha", T0, articles=30)                 # the first run's backlog, nothing since
    run(con, "alpha", T0 + timedelta(hours=1))
    assert source_health.evaluate(con, RULES, now=T0 + timedelta(days=30)) == []


def test_notices_survive_a_restart_and_are_told_once(path: Path,
                                                      con: duckdb.DuckDBPyConnection) -> None:
    for hour in range(3):
        run(con, "alpha", T0 + timedelta(hours=hour), ok=False)
    source_health.evaluate(con, RULES, now=T0 + timedelta(hours=3))
    con.close()
    with writer(path) as again:                         # a new process, as after a restart
        [pending] = source_health.pending_notices(again)
        assert (pending.source_id, pending.source_name, pending.recovered) == (
            "alpha", "Alpha", False)
        source_health.mark_notified(again, [pending], now=T0 + timedelta(hours=3))
        assert source_health.pending_notices(again) == []
        assert source_health.evaluate(again, RULES, now=T0 + timedelta(hours=4)) == []
        run(again, "alpha", T0 + timedelta(hours=5))
        source_health.evaluate(again, RULES, now=T0 + timedelta(hours=5))
        [recovery] = source_health.pending_notices(again)
        assert recovery.recovered
        source_health.mark_notified(again, [recovery], now=T0 + timedelta(hours=5))
        assert source_health.pending_notices(again) == []


def test_a_problem_that_cleared_before_anyone_heard_is_not_told(
        con: duckdb.DuckDBPyConnection) -> None:
    for hour in range(3):
        run(con, "alpha", T0 + timedelta(hours=hour), ok=False)
    source_health.evaluate(con, RULES, now=T0 + timedelta(hours=3))
    run(con, "alpha", T0 + timedelta(hours=4))
    source_health.evaluate(con, RULES, now=T0 + timedelta(hours=4))
    assert source_health.pending_notices(con) == []
