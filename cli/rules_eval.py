"""`newswatch rules eval`: score rules against labelled articles, as a test suite for rules.

Labels come from a JSON-lines file (`--labels`) or from the alerts the desk rated with
`newswatch feedback` (`--from-feedback`). Prints precision, recall, F1, the confusion counts
and every false positive and false negative with why; `--min-precision`/`--min-recall` exit 1
below a floor, so rules can be kept in CI.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from cli.common import EXIT_PROBLEMS, EXIT_USAGE

if TYPE_CHECKING:
    from core.records import ArticleText
    from pipeline.config import Config
    from rules.compiled import RuleSet
    from rules.evaluation import Labelled, RuleScore
    from rules.matcher import CompiledRules

console = Console(soft_wrap=True, highlight=False)
err = Console(stderr=True, soft_wrap=True, highlight=False)


def _figure(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}"


def _print_score(result: RuleScore) -> None:
    console.print(f"rule {result.rule_id}: precision {_figure(result.precision)}, recall "
                  f"{_figure(result.recall)}, F1 {_figure(result.f1)} (tp {result.tp}, fp "
                  f"{result.fp}, fn {result.fn}, tn {result.tn}; {result.labelled} labelled)",
                  markup=False)
    for kind, misses in (("false positive", result.false_positives),
                         ("false negative", result.false_negatives)):
        for miss in misses:
            console.print(f"  {kind}: {miss.url} {miss.title!r}", markup=False)
            for line in miss.lines:
                console.print(f"    {line}", markup=False)
            if miss.sentence:
                console.print(f"    sentence: {miss.sentence}", markup=False)


def _entities_for(rules: Path, entities: Path | None, config: Config) -> None:
    from cli.rules import default_entities
    from core.errors import ConfigError
    from rules.entities import load_entities

    watchlist = (entities if entities.is_file() else None) if entities else default_entities(rules)
    try:
        config.entities = load_entities(watchlist) if watchlist else {}
    except ConfigError as exc:
        config.problems.extend(exc.problems)


def _from_feedback(since: str, warehouse: Path | None, write: Path | None) -> list[Labelled]:
    from cli.rules import parse_since
    from core.settings import Settings
    from rules.evaluation import Labelled, labels_line
    from warehouse.connection import reader
    from warehouse.feedback import rated_alerts

    age = parse_since(since)
    with reader(warehouse or Settings().warehouse) as con:
        rated = rated_alerts(con, datetime.now(UTC) - age)
    items = [Labelled(r.url, r.article, {r.rule_id: r.relevant}) for r in rated]
    if write is not None:
        write.write_text("".join(labels_line(i.url, i.article, i.labels) + "\n" for i in items),
                         encoding="utf-8")
        err.print(f"wrote {len(items)} rated alert(s) to {write}", markup=False)
    return items


def rules_eval(
    rules: Annotated[Path, typer.Argument(metavar="RULES",
                                          help="A rule file or a folder of them.")],
    labels: Annotated[Path | None, typer.Option(
        help="JSON lines: url, title, body, labels {rule_id: true|false}.")] = None,
    from_feedback: Annotated[bool, typer.Option(
        "--from-feedback", help="Label with the alerts rated by `newswatch feedback`.")] = False,
    since: Annotated[str, typer.Option(help="With --from-feedback: alerts rated this long "
                                            "ago or later (7d, 30d).")] = "30d",
    write_labels: Annotated[Path | None, typer.Option(
        help="With --from-feedback: also write the labels file here.")] = None,
    warehouse: Annotated[Path | None, typer.Option(help="DuckDB file (default: settings).")]
        = None,
    entities: Annotated[Path | None, typer.Option(
        help="Watchlist file (default: entities.yaml next to the rules' folder).")] = None,
    min_precision: Annotated[float | None, typer.Option(
        help="Exit 1 if a rule's precision is below this (0 to 1).")] = None,
    min_recall: Annotated[float | None, typer.Option(
        help="Exit 1 if a rule's recall is below this (0 to 1).")] = None,
    as_json: Annotated[bool, typer.Option("--json", help="One JSON object on stdout.")] = False,
    reference: Annotated[str | None, typer.Option(
        help="Date (2026-12-04 or an ISO time) that event dates of labelled articles without "
             "published_at resolve against (default: now).")] = None,
) -> None:
    """Score rules against labelled articles: precision, recall, F1, confusion counts, and
    every false positive (what fired) and false negative (the nearest miss). Sends nothing.
    A labelled article without published_at resolves its event dates against --reference or
    now, and the count of such articles is said on stderr."""
    from rules.dates import find_dates
    from rules.evaluation import read_labels, score, unknown_rules
    from rules.events import apply_events

    if (labels is None) == (not from_feedback):
        err.print("give either --labels FILE.jsonl or --from-feedback", markup=False)
        raise typer.Exit(EXIT_USAGE)
    for path in (p for p in (rules, labels) if p is not None and not p.exists()):
        err.print(f"{path}: no such file or folder", markup=False)
        raise typer.Exit(EXIT_USAGE)
    compiled, problems = _compile(rules, entities)
    items = (read_labels(labels, problems) if labels is not None
             else _from_feedback(since, warehouse, write_labels))
    problems += [f"labels name rule {rid!r}, which is not among the rules in {rules}"
                 for rid in unknown_rules(items, compiled.compiled)]
    by_id = {r.id: r for r in compiled.compiled.rules}
    items = _dated(items, reference, any(r.event for r in by_id.values()))
    results = score(compiled.compiled, items, lambda article: apply_events(
        compiled.compiled, article, compiled.compiled.evaluate(article), by_id, find_dates))
    below = _below_floor(results, min_precision, min_recall)
    _report(results, len(items), below, problems, as_json)
    if below or problems or not results:
        raise typer.Exit(EXIT_PROBLEMS)


def _dated(items: list[Labelled], reference: str | None, has_events: bool) -> list[Labelled]:
    """Labelled articles without a publication date resolve event dates against --reference
    or now (as `newswatch match` does), and stderr says how many and against what: without
    it, an event rule could never hold on them and would score a recall of 0."""
    from dataclasses import replace

    from cli.rules import parse_reference

    when = parse_reference(reference)
    undated = [i for i in items if i.article.published_at is None]
    if undated and has_events:
        said = "--reference" if reference else "now"
        err.print(f"{len(undated)} labelled article(s) without published_at: event dates "
                  f"resolved against {when.isoformat(timespec='minutes')} ({said})",
                  markup=False)
    return [replace(i, article=replace(i.article, first_seen_at=when))
            if i.article.published_at is None and i.article.first_seen_at is None else i
            for i in items]


def _compile(rules: Path, entities: Path | None) -> tuple[RuleSet, list[str]]:
    """The rules of a file or folder, compiled with their watchlist, and the problems met."""
    from pipeline.config import Config, load_rules, rule_files
    from rules.compiled import compile_rules

    config = Config()
    _entities_for(rules, entities, config)
    load_rules(rule_files(rules), config, check_channels=False)
    compiled = compile_rules(config.rules, config.entities)
    return compiled, [str(p) for p in config.problems] + list(compiled.problems)


def _report(results: list[RuleScore], items: int, below: list[str], problems: list[str],
            as_json: bool) -> None:
    if as_json:
        sys.stdout.write(json.dumps({"rules": [r.as_json() for r in results],
                                     "below_floor": below, "problems": problems},
                                    ensure_ascii=False, indent=1) + "\n")
    else:
        for result in results:
            _print_score(result)
        console.print(f"{items} labelled article(s), {len(results)} rule(s) scored",
                      markup=False)
        for line in below:
            err.print(line, markup=False)
    for problem in problems:
        err.print(problem, markup=False)
    if not results:
        err.print("no rule was scored: no article carries a label for a loaded rule",
                  markup=False)


def print_excluded(compiled: CompiledRules, rule_id: str, articles: Sequence[ArticleText],
                   matched: set[str], names: dict[str, str], limit: int,
                   now: datetime) -> None:
    """For `rules test`: the articles a `none:` clause, a filter or the event window kept out
    of an otherwise matching rule, with why."""
    from rules.explain import exclusion

    shown = 0
    excluded = 0
    for article in articles:
        if article.article_id in matched:
            continue
        lines = exclusion(compiled, rule_id, article, now)
        if lines is None:
            continue
        excluded += 1
        if shown < limit:
            shown += 1
            when = f"{article.first_seen_at:%Y-%m-%d %H:%M} " if article.first_seen_at else ""
            source = names.get(article.source_id, article.source_id)
            console.print(f"excluded: {when}{source}: {article.title}", markup=False)
            for line in lines:
                console.print(f"    {line}", markup=False)
    if excluded:
        console.print(f"{excluded} article(s) excluded by a none: clause, a filter or the "
                      f"event window" + (f" (first {limit} shown)" if excluded > limit else ""),
                      markup=False)


def _below_floor(results: list[RuleScore], min_precision: float | None,
                 min_recall: float | None) -> list[str]:
    out = []
    for r in results:
        for name, value, floor in (("precision", r.precision, min_precision),
                                   ("recall", r.recall, min_recall)):
            if floor is not None and (value or 0.0) < floor:
                out.append(f"rule {r.rule_id}: {name} {_figure(value)} is below the floor "
                           f"{floor:.2f}")
    return out
