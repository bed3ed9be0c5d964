"""`newswatch report`: the queries, the HTML (hostile titles), the PNG and the CLI, against a
real DuckDB file built row by row."""

from __future__ import annotations

import io
import re
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from PIL import Image
from typer.testing import CliRunner

from cli.app import app
from pipeline.summary import today_lines
from reports.chart import render_png
from reports.html import render_html
from warehouse.connection import reader, writer
from warehouse.report_data import Filter, day_summary, load_report

runner = CliRunner()
LAST = date(2026, 11, 22)
HOSTILE = '<script>alert("x")</script> Ceasefire & $\\frac{1}{0}$ [a](javascript:y)'


def _at(day: date, hour: int = 9) -> datetime:
    return datetime(day.year, day.month, day.day, hour, tzinfo=UTC)


class Builder:
    """Rows as the monitor would leave them, written straight into a real warehouse."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.rows: list[tuple[str, list[object]]] = []
        self.count = 0

    def source(self, source_id: str, name: str) -> None:
        self.rows.append(("INSERT INTO sources (source_id, name, kind, url) VALUES (?, ?, "
                          "'feed', ?)", [source_id, name, f"https://{source_id}.example/feed"]))

    def article(self, source_id: str, title: str, day: date, story: str | None = None,
                rules: tuple[str, ...] = ("ceasefire",), published: datetime | None = None,
                first_seen: datetime | None = None, url: str | None = None) -> str:
        self.count += 1
        article_id = f"a{self.count}"
        story_id = story or article_id
        seen = first_seen or _at(day, 12)
        self.rows.append(("""INSERT INTO articles (article_id, source_id, url, title,
            published_at, fetched_at, first_seen_at, body, word_count, content_hash, story_id)
            VALUES (?, ?, ?, ?, ?, ?, ?, 'body', 1, 'h', ?)""",
            [article_id, source_id, url or f"https://{source_id}.example/{article_id}", title,
             published if published is not None else _at(day), seen, seen, story_id]))
        if story is None:
            self.rows.append(("INSERT INTO stories (story_id, title, first_seen_at) "
                              "VALUES (?, ?, ?)", [story_id, title, seen]))
        for rule in rules:
            self.rows.append(("INSERT INTO matches (match_id, rule_id, article_id, story_id, "
                              "matched_at) VALUES (?, ?, ?, ?, ?)",
                              [f"{rule}:{article_id}", rule, article_id, story_id, seen]))
        return article_id

    def entity(self, article_id: str, entity_id: str, name: str, times: int = 1) -> None:
        for _ in range(times):
            self.rows.append(("INSERT INTO entity_mentions (article_id, entity_id, "
                              "entity_name, entity_kind, surface, sentence, found_at) "
                              "VALUES (?, ?, ?, 'place', ?, 's', now())",
                              [article_id, entity_id, name, name]))

    def event_date(self, article_id: str, expression: str, day: date, sentence: str) -> None:
        self.rows.append(("INSERT INTO date_mentions (article_id, expression, resolved_date, "
                          "sentence, found_at) VALUES (?, ?, ?, ?, now())",
                          [article_id, expression, day, sentence]))

    def write(self) -> Path:
        with writer(self.path) as con:
            for sql, params in self.rows:
                con.execute(sql, params)
        return self.path


@pytest.fixture
def news(tmp_path: Path) -> Builder:
    """Three sources over a week; 20 Nov is the peak, its widest story carried by all three."""
    b = Builder(tmp_path / "wh.duckdb")
    for source_id, name in (("north", "Northern Ledger"), ("harbour", "Harbour Times"),
                            ("valley", "Valley Courier")):
        b.source(source_id, name)
    peak = LAST - timedelta(days=2)
    wire = b.article("north", "Truce talks open in Geneva", peak)
    b.article("harbour", "Geneva truce talks begin", peak, story=wire)
    b.article("valley", "Talks on a truce start", peak, story=wire)
    b.article("north", "Second story on the peak day", peak)
    b.article("harbour", "An earlier ceasefire story", LAST - timedelta(days=5))
    b.article("valley", "Border story, other rule only", LAST, rules=("border",))
    b.article("valley", "Nothing matched here", LAST, rules=())
    b.article("north", "Too old for the window", LAST - timedelta(days=40))
    # Claims tomorrow as its publication date: it counts on the day it was first seen.
    b.article("harbour", "Wrongly dated", LAST, published=_at(LAST + timedelta(days=1)),
              first_seen=_at(LAST, 8))
    b.entity(wire, "corvania", "Corvania", times=3)
    b.entity("a2", "corvania", "Corvania")
    b.entity("a4", "estmark", "Estmark")
    b.event_date(wire, "next Tuesday", LAST + timedelta(days=3), "Talks resume next Tuesday.")
    b.event_date(wire, "last Monday", LAST - timedelta(days=4), "It began last Monday.")
    return b


def test_counts_peaks_entities_and_upcoming_dates(news: Builder) -> None:
    with reader(news.write()) as con:
        data = load_report(con, Filter(), LAST, days=30, peaks=1)
    per_day = data.per_day()
    assert per_day == {LAST - timedelta(days=5): 1, LAST - timedelta(days=2): 4,
                       LAST: 2}   # the border match and the wrongly dated article
    assert data.total == 7
    assert data.peak_days() == [LAST - timedelta(days=2)]
    widest = data.peak_stories[0]
    assert (widest.title, widest.sources, widest.articles) == ("Truce talks open in Geneva", 3, 3)
    assert widest.source_names == ("Harbour Times", "Northern Ledger", "Valley Courier")
    assert widest.url == "https://north.example/a1"
    assert [s.title for s in data.peak_stories] == ["Truce talks open in Geneva",
                                                    "Second story on the peak day"]
    assert [(e.name, e.articles, e.mentions) for e in data.entities] == [
        ("Corvania", 2, 4), ("Estmark", 1, 1)]
    assert [(d.day, d.expression) for d in data.dates] == [
        (LAST + timedelta(days=3), "next Tuesday")]


def test_rule_and_entity_filters(news: Builder) -> None:
    with reader(news.write()) as con:
        border = load_report(con, Filter(rule="border"), LAST, days=30)
        corvania = load_report(con, Filter(entity="Corvania"), LAST, days=30)
        by_id = load_report(con, Filter(entity="corvania", rule="ceasefire"), LAST, days=30)
        short = load_report(con, Filter(), LAST, days=1)
    assert [(d.source, d.articles) for d in border.daily] == [("Valley Courier", 1)]
    assert corvania.total == 2 and by_id.total == 2
    assert short.total == 2 and short.first_day == LAST


def test_empty_mentions_say_none_recorded_yet(tmp_path: Path) -> None:
    b = Builder(tmp_path / "wh.duckdb")
    b.source("north", "Northern Ledger")
    b.article("north", "A ceasefire", LAST)
    with reader(b.write()) as con:
        data = load_report(con, Filter(), LAST, days=7)
    page = render_html(data, render_png(data), datetime(2026, 11, 22, tzinfo=UTC))
    assert page.count("None recorded yet") == 2
    assert not data.entities_recorded and not data.dates_recorded


def test_hostile_titles_and_links_are_escaped(tmp_path: Path) -> None:
    b = Builder(tmp_path / "wh.duckdb")
    b.source("evil", 'Evil <img src=x onerror=alert(1)> $x^2$ News')
    b.article("evil", HOSTILE, LAST, url="javascript:alert(1)")
    b.article("evil", "Fine title", LAST, url='https://ok.example/a?b=1&c="2"')
    with reader(b.write()) as con:
        data = load_report(con, Filter(), LAST, days=3)
    png = render_png(data)   # `$...$` in a name must not be read as math (it would raise)
    page = render_html(data, png, datetime(2026, 11, 22, tzinfo=UTC))
    assert "<script>" not in page and "<img src=x" not in page
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    assert 'href="javascript' not in page
    assert 'href="https://ok.example/a?b=1&amp;c=&quot;2&quot;"' in page
    assert "default-src 'none'" in page   # the page may not load or run anything
    tags = set(re.findall(r"<([a-z0-9]+)[\s>]", page))
    assert tags <= {"html", "head", "meta", "title", "style", "body", "h1", "h2", "h3", "p",
                    "img", "table", "tr", "th", "td", "ol", "li", "a", "span"}


def test_chart_png_shows_bars_per_source(news: Builder) -> None:
    with reader(news.write()) as con:
        data = load_report(con, Filter(), LAST, days=14)
        empty = load_report(con, Filter(rule="nope"), LAST, days=14)
    image = Image.open(io.BytesIO(render_png(data))).convert("RGB")
    assert image.size == (1200, 520)
    colours = _colours(image)
    # matplotlib's first three series colours: one per source.
    for bar in ((31, 119, 180), (255, 127, 14), (44, 160, 44)):
        assert bar in colours
    blank = Image.open(io.BytesIO(render_png(empty))).convert("RGB")
    assert (31, 119, 180) not in _colours(blank)


def _colours(image: Image.Image) -> set[tuple[int, ...] | float]:
    counted = image.getcolors(1_000_000)
    assert counted is not None, "the chart has more colours than getcolors counts"
    return {c for _, c in counted}


def test_cli_writes_html_and_png(news: Builder, tmp_path: Path) -> None:
    warehouse = news.write()
    out = tmp_path / "out" / "news.html"
    result = runner.invoke(app, ["report", "--warehouse", str(warehouse), "--until",
                                 LAST.isoformat(), "--days", "14", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "7 matching articles" in result.output
    page = out.read_text("utf-8")
    assert "Truce talks open in Geneva" in page and "data:image/png;base64," in page
    assert "http://" not in page.replace('href="http', "")   # nothing fetched from anywhere
    assert Image.open(out.with_suffix(".png")).size == (1200, 520)

    chart = tmp_path / "chat.png"
    nothing = runner.invoke(app, ["report", "--warehouse", str(warehouse), "--rule", "nope",
                                  "--out", str(tmp_path / "n.html"), "--png", str(chart)])
    assert nothing.exit_code == 0 and "nothing matched" in nothing.output and chart.is_file()

    missing = runner.invoke(app, ["report", "--warehouse", str(tmp_path / "none.duckdb"),
                                  "--out", str(tmp_path / "x.html")])
    assert missing.exit_code == 1 and "newswatch run" in missing.output
    bad_day = runner.invoke(app, ["report", "--warehouse", str(warehouse), "--until", "22/11"])
    assert bad_day.exit_code == 2 and "YYYY-MM-DD" in bad_day.output
    same = runner.invoke(app, ["report", "--warehouse", str(warehouse), "--out",
                               str(tmp_path / "c.png")])
    assert same.exit_code == 2


def test_run_artifact_summarizes_today(news: Builder) -> None:
    with reader(news.write()) as con:
        today = day_summary(con, LAST - timedelta(days=2))
        quiet = day_summary(con, LAST - timedelta(days=1))
    assert today.matches_per_source == [("Northern Ledger", 2), ("Harbour Times", 1),
                                        ("Valley Courier", 1)]
    lines = "\n".join(today_lines(today))
    assert "| Truce talks open in Geneva | 3: Harbour Times, Northern Ledger, Valley Courier |" \
        in lines
    assert today_lines(quiet) == ["Matching articles first seen today (UTC): none."]
