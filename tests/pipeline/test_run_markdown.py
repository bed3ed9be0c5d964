"""The monitor run's artifact is markdown built from remote text (servers' error messages,
headlines, source names): rendered, it shows that text and nothing else, no link, image, HTML
or broken table."""

from __future__ import annotations

from datetime import date

from markdown_it import MarkdownIt

from pipeline.summary import RunSummary, SourceSummary, run_markdown
from warehouse.report_data import DaySummary, Story

HOSTILE = "HTTP 403 [x](https://evil.example) | <img src=x onerror=alert(1)>\n| injected | row"


def _rendered(markdown: str) -> str:
    return MarkdownIt("commonmark").enable("table").render(markdown)


def test_remote_error_messages_and_names_render_as_text() -> None:
    summary = RunSummary(run_id="r", sources=[
        SourceSummary("evil-site", 3, 0, 0, [f"http_status: {HOSTILE} (https://evil.example/f)"],
                      False),
        SourceSummary("calm-site", 2, 1, 1, [], True)])
    summary.delivery_failures = [f"desk-slack: {HOSTILE}"]
    summary.config_problems = [f"sources.yaml: {HOSTILE}"]
    today = DaySummary([(f"Evil {HOSTILE}", 1)], [Story(
        date(2026, 11, 21), "s1", f"Headline {HOSTILE}", "https://evil.example/a", 1,
        (f"Evil {HOSTILE}",), 1)])
    markdown = run_markdown(summary, today)
    html = _rendered(markdown)
    assert "<a " not in html and "<img" not in html
    tables = html.split("<table>")[1:]
    assert len(tables) == 2
    # Each row keeps its cells: the sources' table 5, the stories' 2; no row was injected.
    for table, cells in zip(tables, (5, 2), strict=True):
        rows = table.split("</table>")[0].split("<tr>")[1:]
        assert len(rows) == (3 if cells == 5 else 2)
        assert all(row.count("<td") + row.count("<th") == cells for row in rows)
    assert "[x](https://evil.example)" in html   # the reader sees what the server said
    assert "&lt;img src=x onerror=alert(1)&gt;" in html
    rows = [line for line in markdown.splitlines() if line.startswith("| evil-site")]
    assert len(rows) == 1


def test_a_quiet_run_still_renders() -> None:
    markdown = run_markdown(RunSummary(run_id="r", sources=[
        SourceSummary("calm-site", 2, 0, 2, [], True)]), DaySummary([], []))
    assert "| calm-site | 2 | 0 | 2 | 304 not modified |" in markdown
