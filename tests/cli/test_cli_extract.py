"""`newswatch extract`: a saved page, a URL over loopback HTTP, and a batch with bad lines."""

from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from cli.app import app
from demo.articles import ARTICLES
from demo.catalog import article_path
from demo.clock import DEFAULT_START
from demo.server import DemoNewsServer

runner = CliRunner()
STORY = " ".join(f"The harbour board met on day {i} and agreed a plan for the quay." for i in
                 range(8))
PAGE = f"""<html lang="en"><head><title>Harbour plan | The Paper</title>
<link rel="canonical" href="/news/harbour-plan?utm_source=x">
<meta name="author" content="By Ana Ruiz and Tom Bell">
<meta property="article:published_time" content="2024-03-05T10:00:00+01:00"></head>
<body><article><h1>Harbour plan</h1><p>{STORY}</p></article></body></html>"""
VISIBLE = [a for a in ARTICLES if a.is_visible(DEFAULT_START)]


@pytest.fixture
def pages(tmp_path: Path) -> Path:
    (tmp_path / "plan.html").write_text(PAGE, encoding="utf-8")
    (tmp_path / "plan.html.gz").write_bytes(gzip.compress(PAGE.encode("utf-8")))
    (tmp_path / "stub.html").write_text("<html><head><title>Big</title></head><body><article>"
                                        "<h1>Big</h1><p>Two lines.</p></article></body></html>")
    (tmp_path / "broken.html.gz").write_bytes(b"not gzip at all")
    return tmp_path


@pytest.mark.parametrize("name", ["plan.html", "plan.html.gz"])
def test_saved_page_prints_the_article(pages: Path, name: str) -> None:
    result = runner.invoke(app, ["extract", str(pages / name),
                                 "--url", "https://paper.example/amp/plan?utm_medium=x"])
    assert result.exit_code == 0, result.output
    article = json.loads(result.stdout)
    assert article["url"] == "https://paper.example/amp/plan"
    assert article["canonical_url"] == "https://paper.example/news/harbour-plan"
    assert article["title"] == "Harbour plan"
    assert article["authors"] == ["Ana Ruiz", "Tom Bell"]
    assert article["published_at"] == "2024-03-05T10:00:00+01:00"   # the page's own offset
    assert article["language"] == "en"
    assert article["body"].startswith("The harbour board met on day 0")
    assert article["word_count"] > 40


def test_not_an_article_exits_1_with_the_reason(pages: Path) -> None:
    result = runner.invoke(app, ["extract", str(pages / "stub.html")])
    assert result.exit_code == 1
    assert "not_an_article: only 2 words of body text" in result.stderr


@pytest.mark.parametrize(("args", "message"), [
    (["extract"], "give a page"),
    (["extract", "no-such-file.html"], "no such file"),
    (["extract", "x.html", "--batch", "y.jsonl"], "not both"),
    (["extract", "--batch", "no-such.jsonl"], "no such file"),
])
def test_usage_errors_exit_2(args: list[str], message: str) -> None:
    result = runner.invoke(app, args)
    assert result.exit_code == 2
    assert message in result.stderr


def test_url_is_fetched(demo_server: DemoNewsServer) -> None:
    article = VISIBLE[0]
    url = demo_server.base_url + article_path(article) + "?utm_source=rss"
    result = runner.invoke(app, ["extract", url])
    assert result.exit_code == 0, result.output
    printed = json.loads(result.stdout)
    assert printed["title"] == article.headline
    assert printed["canonical_url"] == demo_server.base_url + article_path(article)
    assert printed["authors"] == list(article.byline)


def test_batch_prints_a_line_per_page_and_goes_past_bad_ones(pages: Path,
                                                            demo_server: DemoNewsServer) -> None:
    live = demo_server.base_url + article_path(VISIBLE[1])
    lines = [
        json.dumps({"path": "plan.html", "url": "https://paper.example/plan"}),
        "this is not json",
        json.dumps({"path": str(pages / "stub.html"), "url": "https://paper.example/stub"}),
        json.dumps({"path": "missing.html"}),
        json.dumps({"path": "broken.html.gz"}),
        json.dumps({"nothing": 1}),
        "",
        json.dumps({"url": live}),
        json.dumps({"path": "plan.html.gz", "url": "https://paper.example/plan2"}),
    ]
    batch = pages / "batch.jsonl"
    batch.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = runner.invoke(app, ["extract", "--batch", str(batch)])
    assert result.exit_code == 1      # some pages failed; all were tried
    out = [json.loads(line) for line in result.stdout.splitlines()]
    assert [o["line"] for o in out] == [1, 2, 3, 4, 5, 6, 8, 9]
    ok = [o for o in out if "error" not in o]
    assert [o["url"] for o in ok] == ["https://paper.example/plan", live,
                                      "https://paper.example/plan2"]
    assert ok[0]["path"] == "plan.html" and ok[0]["title"] == "Harbour plan"
    assert ok[1]["title"] == VISIBLE[1].headline
    errors = {o["line"]: o for o in out if "error" in o}
    assert "bad batch line" in errors[2]["error"]
    assert errors[3]["error_class"] == "not_an_article"
    assert errors[4]["error_class"] == "unreadable"
    assert "gzip" in errors[5]["error"]
    assert "bad batch line" in errors[6]["error"]
