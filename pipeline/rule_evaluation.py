"""One batch of articles through every rule kind, and into the warehouse in one transaction.

Article rules queue one alert per story (warehouse.outbox). Rules with `event:` hold only with
a date in their window (rules.events). Threshold and first-seen rules store their per-article
matches and raise alerts of their own (rules.kinds), with their state in the warehouse. Every
article's watchlist mentions are stored whether or not a rule matched.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta

import duckdb

from rules.entities import Entity
from rules.events import DateFinder, apply_events
from rules.kinds import Hit, crossing_match, describe_crossing, subjects, threshold_crossing
from rules.matcher import CompiledRules
from rules.models import Match, Rule
from warehouse import outbox, rule_state

logger = logging.getLogger("newswatch.rules")


@dataclass
class RuleSet:
    """Rules compiled once per run, with the rules that could not be compiled set aside."""

    compiled: CompiledRules
    entities: Mapping[str, Entity]
    problems: list[str] = field(default_factory=list)

    @property
    def by_id(self) -> dict[str, Rule]:
        return {r.id: r for r in self.compiled.rules}


def compile_rules(rules: Sequence[Rule], entities: Mapping[str, Entity]) -> RuleSet:
    """All rules at once; if that fails, each alone, so one rule that cannot be compiled (a
    pattern the engine refuses) is reported and the others still run."""
    try:
        compiled = CompiledRules(list(rules), entities)
        # Rules the matcher left out (an entity missing from the watchlist) are problems too.
        return RuleSet(compiled, entities, list(compiled.problems))
    except Exception:
        pass
    good, problems = [], []
    for rule in rules:
        try:
            CompiledRules([rule], entities)
        except Exception as exc:
            problems.append(f"rule {rule.id}: cannot be compiled, skipped: "
                            f"{type(exc).__name__}: {exc}")
        else:
            good.append(rule)
    return RuleSet(CompiledRules(good, entities), entities, problems)


@dataclass
class _Pending:
    """What one batch writes besides the outbox."""

    counted: list[Match] = field(default_factory=list)      # threshold / first-seen matches
    alerts: list[Match] = field(default_factory=list)       # the alerts those kinds raise
    firings: list[rule_state.Firing] = field(default_factory=list)
    seen: dict[tuple[str, str], tuple[datetime, str]] = field(default_factory=dict)
    baselines: list[tuple[str, int]] = field(default_factory=list)


def evaluate_batch(con: duckdb.DuckDBPyConnection, rules: RuleSet,
                   batch: Sequence[outbox.StoredArticle], *, policy: outbox.QueuePolicy,
                   now: datetime, find_dates: DateFinder) -> outbox.QueueReport:
    compiled, by_id = rules.compiled, rules.by_id
    found: list[tuple[outbox.StoredArticle, Match]] = []
    mentions: list[rule_state.MentionRow] = []
    for article in batch:
        matches = apply_events(compiled, article, compiled.evaluate(article), by_id, find_dates)
        found += [(article, m) for m in matches]
        for mention in compiled.entity_mentions(article):
            entity = rules.entities.get(mention.entity_id)
            mentions.append(rule_state.MentionRow(
                article.article_id, mention.entity_id, entity.name if entity else
                mention.entity_id, entity.kind if entity else "", mention.field,
                mention.start, mention.end, mention.text, mention.sentence))
    plain = [m for _, m in found if by_id[m.rule_id].kind == "article"]
    pending = _Pending(counted=[m for _, m in found if by_id[m.rule_id].kind != "article"])
    for rule in compiled.rules:
        if rule.kind == "threshold":
            _threshold(con, rule, [(a, m) for a, m in found if m.rule_id == rule.id], now,
                       pending)
        elif rule.kind == "first_seen":
            _first_seen(con, rules, rule, [(a, m) for a, m in found if m.rule_id == rule.id],
                        now, find_dates, pending)

    def also(con: duckdb.DuckDBPyConnection) -> None:
        rule_state.store_matches(con, pending.counted, now)
        rule_state.store_evidence(con, plain + pending.counted)
        rule_state.store_events(con, plain + pending.counted, now)
        rule_state.store_mentions(con, [a.article_id for a in batch], mentions, now)
        rule_state.store_firings(con, pending.firings)
        rule_state.mark_seen(con, pending.seen)
        for rule_id, articles in pending.baselines:
            rule_state.record_baseline(con, rule_id, now, articles)

    report = outbox.queue_matches(
        con, plain + pending.alerts, [a.article_id for a in batch],
        {r.id: r.channels for r in compiled.rules}, {r.id: r.severity for r in compiled.rules},
        policy=policy, now=now, also=also)
    return outbox.QueueReport(len(plain) + len(pending.counted), report.alerts,
                              report.evaluated, report.realerts, report.digest_items)


def _threshold(con: duckdb.DuckDBPyConnection, rule: Rule,
               found: list[tuple[outbox.StoredArticle, Match]], now: datetime,
               pending: _Pending) -> None:
    if not found or rule.threshold is None:
        return   # nothing new: a crossing needs a new article
    stored = [Hit(h.article_id, h.source_id, h.seen_at, h.title) for h in
              rule_state.window_hits(con, rule.id, now - rule.threshold.within)]
    new = [Hit(a.article_id, a.source_id, a.first_seen_at or now, a.title) for a, _ in found]
    last = rule_state.last_firing(con, rule.id)
    crossing = threshold_crossing(
        rule, stored + new, now, last_fired_at=last.fired_at if last else None,
        already_counted=frozenset(last.article_ids) if last else frozenset())
    if crossing is None:
        return
    names = dict(con.execute("SELECT source_id, name FROM sources").fetchall())
    by_article = {m.article_id: m for _, m in found}
    pending.alerts.append(crossing_match(rule, crossing, by_article,
                                         describe_crossing(rule, crossing, names)))
    pending.firings.append(rule_state.Firing(
        crossing.firing_id, rule.id, now, crossing.window_start,
        tuple(h.article_id for h in crossing.hits), crossing.sources))
    logger.info("rule %s crossed its threshold: %d articles from %d sources", rule.id,
                len(crossing.hits), len(crossing.sources))


def _first_seen(con: duckdb.DuckDBPyConnection, rules: RuleSet, rule: Rule,
                found: list[tuple[outbox.StoredArticle, Match]], now: datetime,
                find_dates: DateFinder, pending: _Pending) -> None:
    assert rule.first_seen is not None
    since = now - timedelta(days=rule.first_seen.days)
    if not rule_state.baseline_learned(con, rule.id):
        pending.baselines.append((rule.id, _learn_baseline(con, rules, rule, since, now,
                                                           find_dates, pending)))
    wanted = {s for _, m in found for s in subjects(m)}
    known = rule_state.seen_since(con, rule.id, wanted, since)
    known |= {s for (r, s), (at, _) in pending.seen.items() if r == rule.id and at >= since}
    for article, match in found:
        if any(s not in known for s in subjects(match)):
            pending.alerts.append(match)
        for subject in subjects(match):
            known.add(subject)
            _see(pending, rule.id, subject, article.first_seen_at or now, article.article_id)


def _learn_baseline(con: duckdb.DuckDBPyConnection, rules: RuleSet, rule: Rule,
                    since: datetime, now: datetime, find_dates: DateFinder,
                    pending: _Pending) -> int:
    """The first time a first-seen rule runs, everything in the articles stored from the last
    `days` days (this run's new ones included) counts as seen: alerts start with the articles
    that come after. Without it, the first run would alert on every name it meets."""
    single = CompiledRules([rule], rules.entities)
    rows = rule_state.articles_since(con, since)
    for row in rows:
        article = outbox.StoredArticle(*row)
        for match in apply_events(single, article, single.evaluate(article), {rule.id: rule},
                                  find_dates):
            for subject in subjects(match):
                _see(pending, rule.id, subject, article.first_seen_at or now,
                     article.article_id)
    logger.info("rule %s: first-seen baseline learned from %d stored articles", rule.id,
                len(rows))
    return len(rows)


def _see(pending: _Pending, rule_id: str, subject: str, at: datetime, article_id: str) -> None:
    current = pending.seen.get((rule_id, subject))
    if current is None or current[0] <= at:
        pending.seen[(rule_id, subject)] = (at, article_id)
