"""`newswatch rules check|test` and `newswatch match`: tools for the people who write rules.

Nothing here sends an alert or writes to the warehouse: `rules test` reads stored articles
read-only, `match` needs no warehouse at all.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from dataclasses import asdict, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console

from cli.common import EXIT_PROBLEMS, EXIT_USAGE, literal
from cli.reading import LiveOption, read_target
from cli.rules_eval import print_excluded
from core.durations import DurationError, parse_duration

# The rule engine and the config reader load inside the commands, so that every other
# command (and --help) starts without them.
if TYPE_CHECKING:
    from core.records import ArticleText, Match
    from pipeline.config import Config
    from rules.compiled import RuleSet
    from rules.models import Rule

console = Console(soft_wrap=True, highlight=False)
err = Console(stderr=True, soft_wrap=True, highlight=False)

def register_rules_commands(group: typer.Typer) -> None:
    """Add `check` and `test` to a `rules` command group."""
    group.command("check")(rules_check)
    group.command("test")(rules_test)


def _load(paths: list[Path], config_dir: Path, *, check_channels: bool) -> tuple[Config, RuleSet]:
    """Rules from files or folders, checked against the config folder's channels and
    entities; every problem is collected, the valid rules kept."""
    from alerts.channels import ChannelFile
    from core.errors import ConfigError, ConfigProblem
    from core.yamlfile import read_yaml, validate
    from pipeline.config import Config, load_rules, rule_files
    from rules.compiled import compile_rules
    from rules.entities import load_entities

    config = Config(config_dir=config_dir)
    try:
        config.entities = load_entities(config_dir / "entities.yaml")
    except ConfigError as exc:
        config.problems.extend(exc.problems)
    channels = config_dir / "channels.yaml"
    if check_channels and channels.is_file():
        data, node, problems = read_yaml(channels)
        parsed, more = validate(ChannelFile, data, file=str(channels), node=node) \
            if not problems else (None, [])
        config.problems.extend(problems + more)
        config.channels = {c.name: c for c in getattr(parsed, "channels", [])}
    files = [f for p in paths for f in rule_files(p)]
    load_rules(files, config, check_channels=check_channels and channels.is_file())
    compiled = compile_rules(config.rules, config.entities)
    config.problems.extend(ConfigProblem("", None, None, "", p) for p in compiled.problems)
    return config, compiled


def rules_check(
    path: Annotated[Path | None, typer.Argument(
        help="A rule file or a folder of them (default: the config folder's rules/).")] = None,
    config: Annotated[Path | None, typer.Option(
        help="Config folder whose channels.yaml and entities.yaml the rules refer to "
             "(default: settings).")] = None,
) -> None:
    """Validate rule files: every problem in every file at once (file:line:column). Exit 1 if
    any is found."""
    from core.settings import Settings
    from pipeline.config import rule_files

    config_dir = config or Settings().config_dir
    target = path or config_dir / "rules"
    if not target.exists():
        err.print(literal(f"{target}: no such file or folder; give a rule file or a folder of "
                          "*.yaml rule files"))
        raise typer.Exit(EXIT_USAGE)
    files = rule_files(target)
    loaded, compiled = _load([target], config_dir, check_channels=True)
    for problem in loaded.problems:
        err.print(literal(str(problem).removeprefix(": ")))
    console.print(literal(f"{len(compiled.compiled.rules)} valid rule(s) in {len(files)} file(s); "
                          f"{len(loaded.problems)} problem(s)"))
    if loaded.problems or not files:
        if not files:
            err.print(literal(f"{target}: no *.yaml or *.yml rule files found"))
        raise typer.Exit(EXIT_PROBLEMS)


def parse_since(text: str) -> timedelta:

    try:
        return parse_duration(text, what="time span", minimum=timedelta(minutes=1))
    except DurationError as exc:
        raise typer.BadParameter(str(exc)) from None


def rules_test(
    rule_id: Annotated[str, typer.Argument(metavar="RULE", help="The rule's id.")],
    since: Annotated[str, typer.Option(help="Articles first stored this long ago or later "
                                            "(30m, 12h, 7d, 2w).")] = "7d",
    warehouse: Annotated[Path | None, typer.Option(help="DuckDB file (default: settings).")]
        = None,
    live: LiveOption = False,
    limit: Annotated[int, typer.Option(help="Show at most this many hits.")] = 50,
    reference: Annotated[str | None, typer.Option(
        help="Date that event dates of articles without a publication date resolve against "
             "(default: each article's ingest time).")] = None,
) -> None:
    """Run one rule over stored articles and print its hits with their evidence. Sends
    nothing and writes nothing (the warehouse is opened read-only). Articles without a
    publication date resolve event dates against their ingest time, or --reference."""
    from core.settings import Settings
    from pipeline.config import load_config
    from rules.compiled import compile_rules
    from rules.kinds import Hit, threshold_crossing
    from warehouse.connection import reader
    from warehouse.rule_state import articles_since, source_names

    settings = Settings()
    age = parse_since(since)
    config = load_config(settings.config_dir)
    rule = next((r for r in config.rules if r.id == rule_id), None)
    if rule is None:
        mine = [str(p) for p in config.problems if rule_id in str(p)]
        for problem in mine:
            err.print(literal(problem))
        known = ", ".join(sorted(r.id for r in config.rules)) or "none"
        err.print(literal(f"no valid rule {rule_id!r} in {settings.config_dir / 'rules'}; "
                          f"valid rules: {known}"))
        raise typer.Exit(EXIT_USAGE)
    compiled = compile_rules([rule.model_copy(update={"enabled": True})], config.entities)
    if compiled.problems:
        err.print(literal(compiled.problems[0]))
        raise typer.Exit(EXIT_USAGE)
    now = datetime.now(UTC)
    with reader(read_target(settings, warehouse, live, say_freshness=True).path) as con:
        articles = articles_since(con, now - age)
        names = source_names(con)
    articles = _with_reference(articles, reference, rule)
    hits = _matches(compiled, rule, articles)
    for article, match in hits[:limit]:
        source = names.get(article.source_id, article.source_id)
        console.print(literal(f"{article.first_seen_at:%Y-%m-%d %H:%M} {source}: {article.title}"))
        for line in _evidence_lines(match):
            console.print(literal(f"    {line}"))
    shown = f" (first {limit} shown)" if len(hits) > limit else ""
    console.print(literal(f"{len(hits)} of {len(articles)} article(s) stored in the last "
                          f"{since} matched rule {rule.id}{shown}"))
    print_excluded(compiled.compiled, rule.id, articles, {a.article_id for a, _ in hits},
                   names, limit, now)
    if rule.kind == "threshold" and rule.threshold is not None:
        crossing = threshold_crossing(rule, [Hit(a.article_id, a.source_id, a.first_seen_at,
                                                 a.title) for a, _ in hits], now)
        state = ("would fire now" if crossing else "would not fire now")
        console.print(literal(f"threshold ({rule.threshold.articles} articles from "
                              f"{rule.threshold.sources} sources within the window): {state}"))


def _with_reference(articles: list[Any], reference: str | None, rule: Rule) -> list[Any]:
    """Undated articles resolve event dates against --reference (or their ingest time); say
    which, since the dates an event rule finds depend on it."""
    undated = [a for a in articles if a.published_at is None]
    if reference is not None:
        when = parse_reference(reference)
        articles = [a if a.published_at else replace(a, first_seen_at=when) for a in articles]
    if undated and rule.event is not None:
        said = f"--reference {reference}" if reference else "their ingest time"
        console.print(literal(f"{len(undated)} article(s) without a publication date: event dates "
                              f"resolved against {said}"))
    return articles


def parse_reference(text: str | None) -> datetime:
    """--reference as an aware time (a bare date is its midnight UTC); now when not given."""
    if text is None:
        return datetime.now(UTC)
    try:
        when = datetime.fromisoformat(text.strip().replace("Z", "+00:00"))
    except ValueError:
        raise typer.BadParameter(f"{text!r} is not a date; write 2026-12-04 or "
                                 "2026-12-04T09:30+01:00", param_hint="--reference") from None
    return when if when.tzinfo else when.replace(tzinfo=UTC)


def _matches(compiled: RuleSet, rule: Rule, articles: list[Any]) -> list[tuple[Any, Match]]:
    from rules.dates import find_dates
    from rules.events import apply_events

    out = []
    for article in articles:
        found = apply_events(compiled.compiled, article, compiled.compiled.evaluate(article),
                             {rule.id: rule}, find_dates)
        out += [(article, m) for m in found]
    return out


def _evidence_lines(match: Match) -> Iterator[str]:
    if match.event_date is not None:
        event = match.event_date
        yield f"event date: {event.value} ({event.text!r})"
    if not match.evidence:
        yield f"{match.field}: {', '.join(match.terms)} in: {match.sentence}"
    for e in match.evidence:
        yield f"{e.condition} -> {e.text!r} in {e.field} [{e.start}:{e.end}]"
    if match.evidence:
        yield f"sentence: {match.sentence}"


def match_command(
    rules: Annotated[Path, typer.Option("--rules", help="A rule file or a folder of them.")],
    articles: Annotated[Path, typer.Option(
        "--articles", help="JSON lines: url, title, body, published_at, source, language.")],
    entities: Annotated[Path | None, typer.Option(
        help="Watchlist file (default: entities.yaml next to the rules' folder, if any).")]
        = None,
    reference: Annotated[str | None, typer.Option(
        help="Date (2026-12-04 or an ISO time) that event dates of articles without "
             "published_at resolve against (default: now, the ingest time).")] = None,
) -> None:
    """Match rules against articles in a JSON-lines file, offline: one JSON line per match
    (rule, url, evidence). Needs no warehouse and sends nothing. An article without
    published_at resolves its event dates against --reference or now, and says which."""
    from core.errors import ConfigError
    from pipeline.config import Config, load_rules, rule_files
    from rules.compiled import compile_rules
    from rules.dates import find_dates
    from rules.entities import load_entities
    from rules.events import apply_events

    if not rules.exists() or not articles.is_file():
        missing = rules if not rules.exists() else articles
        err.print(literal(f"{missing}: no such file"))
        raise typer.Exit(EXIT_USAGE)
    config = Config()
    watchlist = entities or default_entities(rules)
    try:
        config.entities = load_entities(watchlist) if watchlist else {}
    except ConfigError as exc:
        config.problems.extend(exc.problems)
    load_rules(rule_files(rules), config, check_channels=False)
    compiled = compile_rules(config.rules, config.entities)
    problems = [str(p) for p in config.problems] + compiled.problems
    by_id = {r.id: r for r in compiled.compiled.rules}
    fallback, said = parse_reference(reference), "--reference" if reference else "now"
    for url, article in _read_articles(articles, problems):
        if article.published_at is None:
            article = replace(article, first_seen_at=fallback)
        if article.published_at is None and any(r.event for r in by_id.values()):
            err.print(literal(f"{url}: no published_at; event dates resolved against "
                              f"{fallback.isoformat(timespec='minutes')} ({said})"))
        found = apply_events(compiled.compiled, article, compiled.compiled.evaluate(article),
                             by_id, find_dates)
        for m in found:
            sys.stdout.write(json.dumps(_as_json(m, article, url), ensure_ascii=False) + "\n")
    for problem in problems:
        err.print(literal(problem))
    if problems:
        raise typer.Exit(EXIT_PROBLEMS)


def default_entities(rules: Path) -> Path | None:
    folder = rules if rules.is_dir() else rules.parent
    for candidate in (folder / "entities.yaml", folder.parent / "entities.yaml"):
        if candidate.is_file():
            return candidate
    return None


def _read_articles(path: Path, problems: list[str]) -> Iterator[tuple[str, ArticleText]]:
    """Each valid line as an article; a bad line is a problem and the others still run."""
    from rules.evaluation import json_lines

    yield from json_lines(path, problems, _url_and_article,
                          "each line needs a JSON object with url, title and body "
                          "(published_at, source, language optional)")


def _url_and_article(data: dict[str, Any]) -> tuple[str, ArticleText]:
    from rules.evaluation import article_from_json  # the labels file's format too

    article = article_from_json(data)   # checks that url is text
    return data["url"], article


def _as_json(m: Match, article: ArticleText, url: str) -> dict[str, Any]:
    event = m.event_date
    return {"rule": m.rule_id, "url": url, "title": article.title,
            "field": m.field, "terms": list(m.terms), "sentence": m.sentence,
            "evidence": [asdict(e) for e in m.evidence],
            "event_date": None if event is None else {
                "value": event.value, "text": event.text, "sentence": event.sentence,
                "first_day": event.start.isoformat() if event.start else None,
                "last_day": event.end.isoformat() if event.end else None}}

