"""`newswatch report`: one self-contained HTML page (inline CSS, the chart as a data: PNG)
and the chart alone as a PNG for chat.

Titles, source and entity names and sentences come from the web: every one is escaped, links
are kept only when they are http(s), and a Content-Security-Policy forbids the page to load or
run anything, so a hostile headline can neither inject markup nor make the viewer call home.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import UTC, date, datetime
from html import escape
from pathlib import Path

from reports.chart import render_png
from warehouse.connection import reader
from warehouse.report_data import Filter, ReportData, load_report

CSS = """
body { font: 15px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color: #1d1d1f;
       max-width: 1240px; margin: 24px auto; padding: 0 16px; background: #fff; }
h1 { font-size: 24px; margin: 0 0 4px; } h2 { font-size: 18px; margin: 28px 0 8px; }
h3 { font-size: 15px; margin: 16px 0 4px; }
.meta, .none, .sources { color: #5f6368; } .none { font-style: italic; }
img.chart { width: 100%; height: auto; border: 1px solid #e0e0e0; }
table { border-collapse: collapse; } td, th { padding: 3px 12px 3px 0; text-align: left;
  vertical-align: top; } th { border-bottom: 1px solid #ccc; } td.n { text-align: right; }
ol { margin: 4px 0; padding-left: 22px; } li { margin: 3px 0; }
"""
CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"


@dataclass(frozen=True)
class Written:
    html: Path
    png: Path
    data: ReportData


def _text(value: object) -> str:
    return escape("" if value is None else str(value), quote=True)


def _link(title: str, url: str | None) -> str:
    if url and url.lower().startswith(("http://", "https://")):
        return f'<a href="{_text(url)}" rel="noopener noreferrer">{_text(title)}</a>'
    return _text(title)


def _sources_table(data: ReportData) -> str:
    totals: dict[str, int] = {}
    for row in data.daily:
        totals[row.source] = totals.get(row.source, 0) + row.articles
    if not totals:
        return ""
    rows = "".join(f'<tr><td>{_text(s)}</td><td class="n">{n}</td></tr>'
                   for s, n in sorted(totals.items(), key=lambda x: (-x[1], x[0])))
    return f"<table><tr><th>source</th><th>articles</th></tr>{rows}</table>"


def _peaks(data: ReportData) -> str:
    if not data.peak_stories:
        return '<p class="none">No matching articles in this window.</p>'
    per_day = data.per_day()
    parts = []
    for day in sorted(data.peak_days(), key=lambda d: (-per_day.get(d, 0), d)):
        items = []
        for story in (s for s in data.peak_stories if s.day == day):
            carried = f"{story.sources} source{'s' if story.sources != 1 else ''}"
            items.append(f"<li>{_link(story.title, story.url)} "
                         f'<span class="sources">· {carried}: '
                         f"{_text(', '.join(story.source_names))}</span></li>")
        count = per_day.get(day, 0)
        parts.append(f"<h3>{day:%A %d %B %Y}: {count} matching "
                     f"article{'s' if count != 1 else ''}</h3>"
                     f"<ol>{''.join(items)}</ol>")
    return "".join(parts)


def _entities(data: ReportData) -> str:
    if not data.entities_recorded:
        return ('<p class="none">None recorded yet: entity mentions are stored when a watchlist '
                "(config/entities.yaml) is set up and articles are evaluated against it.</p>")
    if not data.entities:
        return '<p class="none">No watched entity is mentioned in the matching articles.</p>'
    rows = "".join(f'<tr><td>{_text(e.name)}</td><td>{_text(e.kind)}</td>'
                   f'<td class="n">{e.articles}</td><td class="n">{e.mentions}</td></tr>'
                   for e in data.entities)
    return ("<table><tr><th>entity</th><th>kind</th><th>articles</th><th>mentions</th></tr>"
            f"{rows}</table>")


def _dates(data: ReportData) -> str:
    if not data.dates_recorded:
        return ('<p class="none">None recorded yet: event dates ("talks next Tuesday") are '
                "stored when date extraction runs on new articles.</p>")
    if not data.dates:
        return (f'<p class="none">No event date on or after {data.last_day:%d %B %Y} in the '
                "matching articles.</p>")
    rows = "".join(f"<tr><td>{d.day:%a %d %b %Y}</td><td>{_text(d.expression)}</td>"
                   f"<td>{_text(d.sentence)}</td><td>{_link(d.title, d.url)}</td></tr>"
                   for d in data.dates)
    return ("<table><tr><th>date</th><th>as written</th><th>sentence</th><th>article</th></tr>"
            f"{rows}</table>")


def render_html(data: ReportData, png: bytes, generated_at: datetime) -> str:
    chart = base64.b64encode(png).decode("ascii")
    sources = len({row.source for row in data.daily})
    return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{CSP}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>newswatch report: {_text(data.filter.describe())}</title>
<style>{CSS}</style></head>
<body>
<h1>newswatch report: {_text(data.filter.describe())}</h1>
<p class="meta">{data.first_day:%d %B %Y} to {data.last_day:%d %B %Y} (UTC days) ·
{data.total} matching articles from {sources} sources ·
generated {generated_at:%Y-%m-%d %H:%M} UTC</p>
<img class="chart" alt="Matching articles per day and source" src="data:image/png;base64,{chart}">
{_sources_table(data)}
<h2>The stories behind the peaks</h2>
{_peaks(data)}
<h2>Most mentioned entities</h2>
{_entities(data)}
<h2>Upcoming event dates</h2>
{_dates(data)}
</body></html>
"""


def write_report(warehouse: Path, filter: Filter, last_day: date, days: int, out: Path,
                 png_out: Path | None = None, wait_seconds: float = 5.0) -> Written:
    """Query the warehouse (read-only) and write the HTML page and the chart's PNG."""
    with reader(warehouse, wait_seconds=wait_seconds) as con:
        data = load_report(con, filter, last_day, days)
    png = render_png(data)
    png_path = png_out or out.with_suffix(".png")
    out.parent.mkdir(parents=True, exist_ok=True)
    png_path.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(render_html(data, png, datetime.now(UTC)), encoding="utf-8")
    png_path.write_bytes(png)
    return Written(out, png_path, data)
