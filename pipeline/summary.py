"""What a run did, per source and in total, with every problem it met; and the same as
markdown, for the monitor flow's artifact."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

from alerts.escaping import md, plain
from scrapers.models import FetchRecord, SourceResult
from warehouse.report_data import DaySummary
from warehouse.staging import StagedLoadReport


@dataclass
class SourceSummary:
    source_id: str
    entries: int
    new_articles: int
    skipped_known: int
    errors: list[str]
    not_modified: bool


@dataclass
class RunSummary:
    run_id: str
    sources: list[SourceSummary] = field(default_factory=list)
    articles_new: int = 0
    articles_updated: int = 0
    stories_new: int = 0
    matches: int = 0
    alerts_queued: int = 0
    alerts_sent: int = 0
    realerts: int = 0
    alerts_held: int = 0            # by quiet hours, until they end or for a digest
    digests_sent: int = 0           # scheduled digests and flood digests
    ops_messages: int = 0
    source_notices: list[str] = field(default_factory=list)   # source problems begun or ended
    delivery_failures: list[str] = field(default_factory=list)
    config_problems: list[str] = field(default_factory=list)
    # Set when the warehouse was locked: what was kept, where, and what happens next.
    deferred: str | None = None
    batches_loaded: int = 0         # batches earlier runs kept for the lock, loaded now
    batch_articles_new: int = 0     # of articles_new, from those batches

    @property
    def errors(self) -> int:
        return sum(len(s.errors) for s in self.sources) + len(self.delivery_failures)


class Loaded(Protocol):
    """What a load reports, from scrape results (`LoadReport`) or staged batches
    (`StagedLoadReport`)."""

    @property
    def new_article_ids(self) -> Sequence[str]: ...

    @property
    def updated_article_ids(self) -> Sequence[str]: ...

    @property
    def new_stories(self) -> int: ...


def summarize_load(run_id: str, results: Sequence[SourceResult], loaded: Loaded) -> RunSummary:
    """The start of a run's summary: what each source brought and what the load stored. The
    post-load steps fill in the rest (pipeline/runner.py:after_load)."""
    summary = RunSummary(run_id=run_id, articles_new=len(loaded.new_article_ids),
                         articles_updated=len(loaded.updated_article_ids),
                         stories_new=loaded.new_stories)
    new_ids = set(loaded.new_article_ids)
    for result in results:
        summary.sources.append(SourceSummary(
            source_id=result.source_id, entries=result.entries_seen,
            new_articles=sum(1 for a in result.articles if a.article_id in new_ids),
            skipped_known=result.skipped_known,
            errors=[error_line(e) for e in result.errors],
            not_modified=any(f.outcome == "not_modified" for f in result.fetches)))
    return summary


def summarize_staged(run_id: str, loaded: StagedLoadReport) -> RunSummary:
    """The start of the staged loader's summary: per source of the batches it loaded, the
    same line as a monitor run's, summed over that source's batches (in source order). A
    source is "not modified" when every one of its batches found its feed unchanged."""
    summary = summarize_load(run_id, [], loaded)
    for tally in sorted(loaded.by_source.values(), key=lambda t: t.source_id):
        summary.sources.append(SourceSummary(
            source_id=tally.source_id, entries=tally.entries_seen,
            new_articles=tally.new_articles, skipped_known=tally.skipped_known,
            errors=[error_line(e) for e in tally.errors],
            not_modified=tally.batches > 0 and tally.not_modified == tally.batches))
    return summary


def error_line(error: FetchRecord) -> str:
    return f"{error.error_class}: {error.message} ({error.url})"


def cell(text: str, limit: int | None = None) -> str:
    """Remote text (an error message, a headline, a name) as one line of inert markdown: no
    links, images, HTML, table breaks or mentions can form (alerts/escaping.py)."""
    return md(plain(text, limit))


def run_markdown(summary: RunSummary, today: DaySummary | None) -> str:
    """The run as markdown: a table of sources, the totals, problems, then today's picture
    (None: the warehouse could not be read). Error messages quote remote servers, so every
    remote string is escaped."""
    lines = [] if summary.deferred is None else [f"**{cell(summary.deferred)}**", ""]
    lines += ["| source | entries | new | known | errors |", "|---|---|---|---|---|"]
    for s in summary.sources:
        errors = cell("; ".join(s.errors), 200) or ("304 not modified" if s.not_modified
                                                    else "")
        lines.append(f"| {cell(s.source_id)} | {s.entries} | {s.new_articles} "
                     f"| {s.skipped_known} | {errors} |")
    lines.append("")
    lines.append(f"New articles: {summary.articles_new}; matches: {summary.matches}; "
                 f"alerts queued: {summary.alerts_queued}; sent: {summary.alerts_sent}; "
                 f"re-alerts: {summary.realerts}; held by quiet hours: {summary.alerts_held}; "
                 f"digests sent: {summary.digests_sent}.")
    if summary.config_problems:
        lines.append("")
        lines.append("Config problems (skipped; everything else ran):")
        lines += [f"- {cell(problem)}" for problem in summary.config_problems]
    if summary.delivery_failures:
        lines.append("")
        lines.append("Delivery failures: " + cell("; ".join(summary.delivery_failures), 1000))
    if today is not None:
        lines += ["", *today_lines(today)]
    return "\n".join(lines)


def today_lines(today: DaySummary) -> list[str]:
    """Markdown: matching articles first seen today per source, the stories most sources
    carried (`newswatch report` draws the same numbers over days). Titles are escaped."""
    if not today.matches_per_source:
        return ["Matching articles first seen today (UTC): none."]
    lines = ["Matching articles first seen today (UTC), per source: " + ", ".join(
        f"{cell(name)} {count}" for name, count in today.matches_per_source) + ".", "",
        "| top stories today | sources |", "|---|---|"]
    lines += [f"| {cell(s.title)} | {s.sources}: {cell(', '.join(s.source_names))} |"
              for s in today.stories]
    return lines
