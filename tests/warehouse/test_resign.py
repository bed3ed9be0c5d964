"""Migration 0009: signatures stored under the previous scheme are signed again, so a copy of a
stored article arriving after the upgrade joins its story."""

from __future__ import annotations

import dataclasses
from pathlib import Path

import duckdb
import numpy as np
import pytest
from datasketch import MinHash

from demo.articles import ARTICLES
from scrapers.models import Article, SourceResult
from tests.warehouse.builders import digest, from_demo, results_by_source
from warehouse import migrate
from warehouse.articles import load_results
from warehouse.errors import MigrationError
from warehouse.migrate import applied_versions, apply_migrations
from warehouse.stories import NUM_PERM, SHINGLE_WORDS, _words, signature

BEFORE = 8   # the last schema of the SHA-1 signatures


def _previous_scheme(text: str) -> list[int]:
    """A signature as releases before migration 0009 stored it: SHA-1 of every 4-word shingle,
    datasketch's affine32 permutations (the word list itself did not change)."""
    words = [w.decode("utf-8") for w in _words(text)]
    shingles = {" ".join(words[i:i + SHINGLE_WORDS])
                for i in range(max(1, len(words) - SHINGLE_WORDS + 1))}
    mh = MinHash(num_perm=NUM_PERM, scheme="affine32")
    mh.update_batch([s.encode("utf-8") for s in shingles])
    return list(mh.hashvalues.astype(np.uint32).tolist())


def _text(article: Article) -> str:
    return f"{article.title}\n{article.body}"


def _old_warehouse(path: Path, articles: list[Article]) -> duckdb.DuckDBPyConnection:
    """A warehouse at schema 0008 holding `articles` with previous-scheme signatures."""
    con = duckdb.connect(str(path))
    apply_migrations(con, up_to=BEFORE)
    # Today's loader writes columns later migrations add: lend them for the load only.
    con.execute("ALTER TABLE articles ADD COLUMN published_offset_minutes SMALLINT")
    load_results(con, "run-old", results_by_source(articles))
    con.execute("ALTER TABLE articles DROP COLUMN published_offset_minutes")
    for a in articles:
        con.execute("UPDATE article_signatures SET signature = ? WHERE article_id = ?",
                    [_previous_scheme(_text(a)), a.article_id])
    return con


def _signatures(con: duckdb.DuckDBPyConnection) -> dict[str, list[int]]:
    return dict(con.execute("SELECT article_id, signature FROM article_signatures").fetchall())


def _copy_of(article: Article) -> Article:
    url = "https://copy-desk.example/wire/" + article.article_id
    return dataclasses.replace(article, article_id=digest(url), url=url, discovered_url=url,
                               source_id="copy-desk")


def test_previous_and_current_signatures_of_one_text_do_not_compare() -> None:
    # Why the migration exists: the two schemes agree on almost no value for the same text.
    text = _text(from_demo(ARTICLES[0]))
    agree = np.count_nonzero(np.array(_previous_scheme(text), dtype=np.uint32) == signature(text))
    assert agree <= 2


def test_a_copy_arriving_after_the_upgrade_joins_the_stored_story(tmp_path: Path) -> None:
    stored = [from_demo(d) for d in ARTICLES]
    con = _old_warehouse(tmp_path / "warehouse.duckdb", stored)
    old = _signatures(con)
    assert old == {a.article_id: _previous_scheme(_text(a)) for a in stored}

    applied = apply_migrations(con)

    assert [m.version for m in applied] == [9, 10]
    assert _signatures(con) == {a.article_id: signature(_text(a)).tolist() for a in stored}
    original = stored[5]
    [(story_id,)] = con.execute("SELECT story_id FROM articles WHERE article_id = ?",
                                [original.article_id]).fetchall()
    copy = _copy_of(original)
    report = load_results(con, "run-new", [SourceResult("copy-desk", articles=[copy])])
    assert (report.new_stories, report.joined_stories) == (0, 1)
    assert con.execute("SELECT story_id FROM articles WHERE article_id = ?",
                       [copy.article_id]).fetchall() == [(story_id,)]
    con.close()


def test_a_copy_does_not_join_while_the_signatures_are_old(tmp_path: Path) -> None:
    # The same arrival without the migration's re-signing: it founds a story of its own, which
    # is what the test above would see if 0009 did nothing.
    stored = [from_demo(d) for d in ARTICLES]
    con = _old_warehouse(tmp_path / "warehouse.duckdb", stored)
    con.execute("ALTER TABLE articles ADD COLUMN published_offset_minutes SMALLINT")   # 0010
    report = load_results(con, "run-new", [SourceResult("copy-desk",
                                                        articles=[_copy_of(stored[5])])])
    assert (report.new_stories, report.joined_stories) == (1, 0)
    con.close()


def test_signatures_without_an_article_are_dropped(tmp_path: Path) -> None:
    stored = [from_demo(d) for d in ARTICLES[:3]]
    con = _old_warehouse(tmp_path / "warehouse.duckdb", stored)
    con.execute("INSERT INTO article_signatures VALUES ('gone', ?, NULL)",
                [_previous_scheme("an article pruned long ago")])
    apply_migrations(con)
    assert set(_signatures(con)) == {a.article_id for a in stored}
    con.close()


def test_a_failing_resign_step_leaves_schema_and_signatures_as_they_were(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    stored = [from_demo(d) for d in ARTICLES[:3]]
    con = _old_warehouse(tmp_path / "warehouse.duckdb", stored)
    old = _signatures(con)

    def broken(con: duckdb.DuckDBPyConnection) -> None:
        con.execute("UPDATE article_signatures SET signature = [1, 2, 3]")
        raise ValueError("no text to sign")

    monkeypatch.setitem(migrate._STEPS, 9, broken)
    with pytest.raises(MigrationError) as caught:
        apply_migrations(con)
    assert str(caught.value).startswith(
        "migration 0009_resign_signatures.sql (with its Python step) failed: no text to sign")
    assert max(applied_versions(con)) == BEFORE
    assert _signatures(con) == old
    con.close()
