"""Loading scrape results into a real DuckDB file: idempotent, versioned, with a request log."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import duckdb
import pytest

from scrapers.models import FetchRecord, SourceResult, Validators
from tests.warehouse.builders import (
    FETCHED_AT,
    counts,
    demo_articles,
    digest,
    make_article,
    results_by_source,
    source_configs,
)
from warehouse.articles import load_results, register_sources, source_state, source_states
from warehouse.connection import reader, writer

SITES = ["harbour-times", "northern-ledger", "valley-courier"]
URL = "https://harbour-times.example/world/ceasefire-talks"


@pytest.fixture
def path(tmp_path: Path) -> Path:
    return tmp_path / "warehouse.duckdb"


def test_loading_the_same_results_twice_only_grows_the_request_log(path: Path) -> None:
    articles = demo_articles()
    results = results_by_source(articles)
    with writer(path) as con:
        register_sources(con, source_configs(SITES))
        first = load_results(con, "run-1", results)
        after_first = counts(con)
    assert sorted(first.new_article_ids) == sorted(a.article_id for a in articles)
    assert (first.updated_article_ids, first.unchanged) == ([], 0)
    assert (first.new_stories, first.joined_stories) == (35, 2)
    assert after_first == {
        "sources": 3, "fetches": 3 + 37, "articles": 37, "article_urls": 37,
        "article_versions": 0, "stories": 35, "article_signatures": 37, "matches": 0,
        "alerts": 0, "deliveries": 0}

    with writer(path) as con:        # a later run, as a new connection
        second = load_results(con, "run-2", results)
        after_second = counts(con)
        fetch_runs = con.execute(
            "SELECT run_id, count(*) FROM fetches GROUP BY 1 ORDER BY 1").fetchall()
    assert (second.new_article_ids, second.updated_article_ids) == ([], [])
    assert (second.unchanged, second.new_stories, second.joined_stories) == (37, 0, 0)
    assert after_second == {**after_first, "fetches": 2 * (3 + 37)}
    assert fetch_runs == [("run-1", 40), ("run-2", 40)]


def test_an_article_row_holds_what_was_scraped(path: Path) -> None:
    article = make_article(URL, "Ceasefire talks", "First paragraph.\n\nSecond one.",
                           summary="Talks open.", discovered_url=URL + "?from=feed",
                           published_at=datetime(2026, 11, 20, 9, 40, tzinfo=UTC))
    with writer(path) as con:
        register_sources(con, source_configs(["harbour-times"]))
        load_results(con, "run-1", [SourceResult("harbour-times", articles=[article])])
        row = con.execute(
            """SELECT article_id, source_id, url, title, authors, published_at, fetched_at,
                      language, section, tags, summary, body, word_count, content_hash,
                      story_id, evaluated_at FROM articles""").fetchall()
        urls = con.execute("SELECT url, article_id, source_id FROM article_urls ORDER BY url"
                           ).fetchall()
        story = con.execute("SELECT story_id, title FROM stories").fetchall()
        view = con.execute("SELECT source_name, title FROM v_articles").fetchall()
    assert row == [(
        digest(URL), "harbour-times", URL, "Ceasefire talks", ["Staff"],
        datetime(2026, 11, 20, 9, 40, tzinfo=UTC), FETCHED_AT, "en", "World", ["Corvania"],
        "Talks open.", "First paragraph.\n\nSecond one.", 4,
        digest("Ceasefire talks\nFirst paragraph.\n\nSecond one."), digest(URL), None)]
    assert urls == [(URL, digest(URL), "harbour-times"),
                    (URL + "?from=feed", digest(URL), "harbour-times")]
    assert story == [(digest(URL), "Ceasefire talks")]
    assert view == [("Harbour Times", "Ceasefire talks")]


def test_a_changed_article_keeps_its_old_body_and_is_evaluated_again(path: Path) -> None:
    old = make_article(URL, "Talks to open", "Negotiators will meet on Monday.")
    new = replace(old, title="Talks open in Geneva", body="Negotiators met on Monday.",
                  word_count=4, content_hash="changed-hash",
                  fetched_at=datetime(2026, 11, 23, 8, 0, tzinfo=UTC))
    with writer(path) as con:
        load_results(con, "run-1", [SourceResult("harbour-times", articles=[old])])
        con.execute("UPDATE articles SET evaluated_at = now()")
        report = load_results(con, "run-2", [SourceResult("harbour-times", articles=[new])])
        assert (report.new_article_ids, report.updated_article_ids) == ([], [old.article_id])
        assert con.execute("SELECT title, body, content_hash, word_count, fetched_at, "
                           "evaluated_at FROM articles").fetchall() == [
            ("Talks open in Geneva", "Negotiators met on Monday.", "changed-hash", 4,
             datetime(2026, 11, 23, 8, 0, tzinfo=UTC), None)]
        assert con.execute("SELECT article_id, content_hash, title, body, fetched_at "
                           "FROM article_versions").fetchall() == [
            (old.article_id, old.content_hash, "Talks to open",
             "Negotiators will meet on Monday.", FETCHED_AT)]
        # The story does not move and nothing else grows.
        assert con.execute("SELECT story_id FROM articles").fetchall() == [(old.article_id,)]
        before = counts(con)
        again = load_results(con, "run-3", [SourceResult("harbour-times", articles=[new])])
        assert (again.updated_article_ids, again.unchanged) == ([], 1)
        assert counts(con) == before


def test_duplicate_article_ids_in_one_batch_collapse_to_the_first(path: Path) -> None:
    first = make_article(URL, "First copy", "Body one.", discovered_url=URL + "?a=1")
    second = replace(first, title="Second copy", body="Body two.", content_hash="other",
                     discovered_url=URL + "?b=2")
    with writer(path) as con:
        report = load_results(con, "run-1", [
            SourceResult("harbour-times", articles=[first, second]),
            SourceResult("harbour-times", articles=[second])])
        assert report.new_article_ids == [first.article_id]
        assert con.execute("SELECT title, body FROM articles").fetchall() == [
            ("First copy", "Body one.")]
        assert counts(con)["stories"] == 1
        assert counts(con)["article_signatures"] == 1
        assert counts(con)["article_versions"] == 0


def test_fetch_records_are_stored_as_given(path: Path) -> None:
    fetches = [
        FetchRecord(url="https://harbour-times.example/feed.xml", kind="feed",
                    outcome="not_modified", status_code=304, bytes=0, elapsed_ms=8.0),
        FetchRecord(url=URL, kind="article", outcome="error", status_code=503, bytes=120,
                    elapsed_ms=31.5, error_class="HTTPStatusError", transient=True,
                    message="503 Service Unavailable"),
    ]
    with writer(path) as con:
        load_results(con, "run-7", [SourceResult("harbour-times", fetches=fetches)])
        rows = con.execute(
            """SELECT run_id, source_id, url, kind, outcome, status_code, bytes, elapsed_ms,
                      error_class, transient, message, fetched_at IS NOT NULL FROM fetches
               ORDER BY kind DESC""").fetchall()
    assert rows == [
        ("run-7", "harbour-times", "https://harbour-times.example/feed.xml", "feed",
         "not_modified", 304, 0, 8.0, None, None, None, True),
        ("run-7", "harbour-times", URL, "article", "error", 503, 120, 31.5, "HTTPStatusError",
         True, "503 Service Unavailable", True),
    ]


def test_validators_are_stored_and_returned(path: Path) -> None:
    with writer(path) as con:
        register_sources(con, source_configs(["harbour-times", "valley-courier"]))
        assert source_state(con, "harbour-times") == (frozenset(), None)
        load_results(con, "run-1", [
            SourceResult("harbour-times", validators=Validators('"v1"', None)),
            SourceResult("valley-courier",
                         validators=Validators(None, "Sat, 21 Nov 2026 10:00:00 GMT"))])
        assert source_state(con, "harbour-times")[1] == Validators('"v1"', None)
        assert source_state(con, "valley-courier")[1] == Validators(
            None, "Sat, 21 Nov 2026 10:00:00 GMT")
        # A later 200 replaces them; a run without new validators (304, error) keeps them.
        load_results(con, "run-2", [
            SourceResult("harbour-times", validators=Validators('"v2"', "Sun")),
            SourceResult("valley-courier")])
        assert source_state(con, "harbour-times")[1] == Validators('"v2"', "Sun")
        assert source_state(con, "valley-courier")[1] == Validators(
            None, "Sat, 21 Nov 2026 10:00:00 GMT")


def test_source_state_skips_stored_urls_and_permanent_failures_only(path: Path) -> None:
    stored = make_article(URL, "Stored", "Body.", discovered_url=URL + "?from=feed")
    other_source = make_article("https://valley-courier.example/x", "Other", "Body.",
                                source_id="valley-courier")

    def article_error(url: str, transient: bool | None) -> FetchRecord:
        return FetchRecord(url=url, kind="article", outcome="error", status_code=404,
                           error_class="NotAnArticle", transient=transient, message="no")

    base = "https://harbour-times.example/"
    fetches = [
        article_error(base + "gone", transient=False),        # permanent: never again
        article_error(base + "busy", transient=True),          # transient: retry next run
        article_error(base + "unknown", transient=None),       # unknown: retry
        FetchRecord(url=base + "feed.xml", kind="feed", outcome="error", transient=False),
        FetchRecord(url=base + "fine", kind="article", outcome="skipped"),
    ]
    with writer(path) as con:
        register_sources(con, source_configs(["harbour-times", "valley-courier"]))
        load_results(con, "run-1", [
            SourceResult("harbour-times", articles=[stored], fetches=fetches),
            SourceResult("valley-courier", articles=[other_source],
                         fetches=[article_error("https://valley-courier.example/y", False)])])
    with reader(path) as con:     # what the next run reads before it scrapes
        urls, validators = source_state(con, "harbour-times")
        assert urls == frozenset({URL, URL + "?from=feed", base + "gone"})
        assert validators is None
        assert source_state(con, "valley-courier")[0] == frozenset({
            "https://valley-courier.example/x", "https://valley-courier.example/y"})
        assert source_state(con, "no-such-source") == (frozenset(), None)


# What a run read per source before the state was read for all sources at once.
_ONE_SOURCE = """
    SELECT u.url, a.fetched_at FROM article_urls u
    LEFT JOIN articles a USING (article_id) WHERE u.source_id = $1
    UNION ALL
    SELECT url, NULL FROM fetches WHERE source_id = $1 AND kind = 'article'
    GROUP BY url
    HAVING arg_max(outcome = 'error' AND NOT transient, fetched_at)"""


def test_the_state_of_all_sources_at_once_is_each_source_state(path: Path) -> None:
    articles = demo_articles()
    base = "https://valley-courier.example/"
    gone = FetchRecord(url=base + "gone", kind="article", outcome="error", transient=False)
    busy = FetchRecord(url=base + "busy", kind="article", outcome="error", transient=True)
    with writer(path) as con:
        register_sources(con, source_configs([*SITES, "quiet-desk"]))
        load_results(con, "run-1", [*results_by_source(articles), SourceResult(
            "valley-courier", fetches=[gone, busy], validators=Validators('"v9"', None))])
        load_results(con, "run-2", [SourceResult(   # a later fetch of one stored article
            "harbour-times", articles=[replace(articles[0], fetched_at=datetime.now(UTC))])])
        ids = [*SITES, "quiet-desk", "no-such-source"]
        states = source_states(con, ids)
        for source_id in ids:
            rows = con.execute(_ONE_SOURCE, [source_id]).fetchall()
            latest: dict[str, datetime] = {}
            for url, fetched in rows:
                if fetched is not None:
                    latest[url] = max(fetched, latest.get(url, fetched))
            urls, validators = states[source_id]
            assert urls == frozenset(url for url, _ in rows)
            assert urls.last_fetched == latest
            assert (urls, validators) == source_state(con, source_id)
    assert list(states) == ids
    assert len(states["harbour-times"][0]) == sum(a.source_id == "harbour-times"
                                                  for a in articles)
    assert base + "gone" in states["valley-courier"][0]
    assert base + "busy" not in states["valley-courier"][0]
    assert states["valley-courier"][1] == Validators('"v9"', None)
    assert states["harbour-times"][0].last_fetched[articles[0].url] > FETCHED_AT
    assert states["quiet-desk"] == states["no-such-source"] == (frozenset(), None)


def test_a_failed_load_leaves_nothing_behind(path: Path) -> None:
    good = make_article(URL, "Good", "Body.")
    with writer(path) as con:
        register_sources(con, source_configs(["harbour-times"]))
        before = counts(con)
        with pytest.raises(duckdb.ConstraintException, match="NOT NULL"):
            load_results(con, "run-1", [SourceResult(
                "harbour-times", articles=[good],
                fetches=[FetchRecord(url=None, kind="article", outcome="ok")])])  # type: ignore[arg-type]  # a NULL url on purpose
        assert counts(con) == before


def test_a_url_that_failed_for_good_in_a_later_run_is_not_retried(path: Path) -> None:
    base = "https://harbour-times.example/"

    def failure(url: str, transient: bool) -> FetchRecord:
        return FetchRecord(url=url, kind="article", outcome="error", transient=transient,
                           status_code=404 if not transient else 503)

    with writer(path) as con:
        load_results(con, "run-1", [SourceResult("harbour-times", fetches=[
            failure(base + "flaky-then-gone", True), failure(base + "flaky", True)])])
        assert source_state(con, "harbour-times")[0] == frozenset()
        load_results(con, "run-2", [SourceResult("harbour-times", fetches=[
            failure(base + "flaky-then-gone", False), failure(base + "flaky", True)])])
        assert source_state(con, "harbour-times")[0] == frozenset({base + "flaky-then-gone"})


def test_the_load_gives_the_connection_its_thread_setting_back(path: Path) -> None:
    # The load runs DuckDB on one thread (memory); queries after it on the same connection
    # must not stay on one.
    with writer(path) as con:
        register_sources(con, source_configs(SITES))
        con.execute("SET threads = 3")
        load_results(con, "run-1", results_by_source(demo_articles()))
        assert con.execute("SELECT current_setting('threads')").fetchone() == (3,)
