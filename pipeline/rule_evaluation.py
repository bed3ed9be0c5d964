"""Rule evaluation, one way: read a batch (warehouse), evaluate it (rules), decide what it
alerts (alerts.routing), write all of it in one transaction (warehouse).

Article rules queue one alert per story. Rules with `event:` hold only with a date in their
window (rules.events). Threshold and first-seen rules store their per-article matches and
raise alerts of their own (rules.kinds), with their state in the warehouse. Every article's
watchlist mentions are stored whether or not a rule matched. A crash leaves all of a batch
or none of it: the articles of a batch not committed are evaluated again by the next run.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from alerts.delivery import queue_policy
from alerts.routing import QueuePolicy, route
from core.records import ArticleText, Match
from core.settings import Settings
from pipeline.config import Config
from rules.compiled import RuleSet, compile_rules
from rules.dates import find_dates as default_find_dates
from rules.events import DateFinder, apply_events
from rules.kinds import Hit, crossing_match, describe_crossing, subjects, threshold_crossing
from rules.matcher import CompiledRules
from rules.models import Rule
from warehouse import evaluation, rule_state
from warehouse.connection import Connection, transaction, writer
from warehouse.outbox import QueueReport

logger = logging.getLogger("newswatch.rules")


def evaluate_pending(settings: Settings, config: Config, *, now: datetime,
                     rules: RuleSet | None = None) -> QueueReport:
    """Evaluate every article the rules have not seen (also those left by a crashed run), a
    batch at a time until none is left."""
    rules = rules or compile_rules(config.rules, config.entities)
    policy = queue_policy(config)
    total = QueueReport(0, 0, 0)
    with writer(settings.warehouse) as con:
        while batch := evaluation.articles_to_evaluate(con):
            report = evaluate_batch(con, rules, batch, policy=policy, now=now,
                                    find_dates=default_find_dates)
            total = QueueReport(total.matches + report.matches, total.alerts + report.alerts,
                                total.evaluated + report.evaluated,
                                total.realerts + report.realerts,
                                total.digest_items + report.digest_items)
    return total


@dataclass
class _Found:
    """What one batch writes: article-rule matches go to routing; the rest as it is."""

    plain: list[Match] = field(default_factory=list)        # article rules
    counted: list[Match] = field(default_factory=list)      # threshold / first-seen matches
    alerts: list[Match] = field(default_factory=list)       # the alerts those kinds raise
    mentions: list[rule_state.MentionRow] = field(default_factory=list)
    firings: list[rule_state.Firing] = field(default_factory=list)
    seen: dict[tuple[str, str], tuple[datetime, str]] = field(default_factory=dict)
    baselines: list[tuple[str, int]] = field(default_factory=list)


def evaluate_batch(con: Connection, rules: RuleSet, batch: Sequence[ArticleText], *,
                   policy: QueuePolicy, now: datetime, find_dates: DateFinder) -> QueueReport:
    """One batch through every rule kind, written with the articles marked evaluated in one
    transaction."""
    compiled, by_id = rules.compiled, rules.by_id
    found = _Found()
    per_article: list[tuple[ArticleText, Match]] = []
    for article in batch:
        matches = apply_events(compiled, article, compiled.evaluate(article), by_id, find_dates)
        per_article += [(article, m) for m in matches]
        found.mentions += _mentions(rules, article)
    found.plain = [m for _, m in per_article if by_id[m.rule_id].kind == "article"]
    found.counted = [m for _, m in per_article if by_id[m.rule_id].kind != "article"]
    with transaction(con):
        for rule in compiled.rules:
            hits = [(a, m) for a, m in per_article if m.rule_id == rule.id]
            if rule.kind == "threshold":
                _threshold(con, rule, hits, now, found)
            elif rule.kind == "first_seen":
                _first_seen(con, rules, rule, hits, now, find_dates, found)
        report = _queue(con, found.plain + found.alerts, {r.id: r.channels for r in compiled.rules},
                        {r.id: r.severity for r in compiled.rules}, policy, now)
        _store_found(con, found, [a.article_id for a in batch], now)
        evaluation.mark_evaluated(con, [a.article_id for a in batch], now)
    return QueueReport(len(found.plain) + len(found.counted), report.alerts, len(batch),
                       report.realerts, report.digest_items)


def queue_matches(con: Connection, matches: Sequence[Match], evaluated_ids: Sequence[str],
                  rule_channels: Mapping[str, Sequence[str]], rule_severity: Mapping[str, str],
                  *, policy: QueuePolicy | None = None,
                  now: datetime | None = None) -> QueueReport:
    """Article-rule matches into the outbox (alerts.routing decides), with the articles they
    came from marked evaluated, in one transaction."""
    now = now or datetime.now(UTC)
    with transaction(con):
        report = _queue(con, matches, rule_channels, rule_severity, policy or QueuePolicy(),
                        now)
        evaluation.mark_evaluated(con, evaluated_ids, now)
    return QueueReport(report.matches, report.alerts, len(evaluated_ids), report.realerts,
                       report.digest_items)


def _queue(con: Connection, matches: Sequence[Match], rule_channels: Mapping[str, Sequence[str]],
           rule_severity: Mapping[str, str], policy: QueuePolicy, now: datetime) -> QueueReport:
    """Read the routing state, decide, write; the caller holds the transaction."""
    state = evaluation.routing_state(con, matches)
    decision = route(matches, state, policy, rule_channels, rule_severity, now)
    alerts, items = evaluation.write_routing(con, matches, decision, now)
    return QueueReport(len(matches), alerts, 0, len(decision.realerts), items)


def _mentions(rules: RuleSet, article: ArticleText) -> list[rule_state.MentionRow]:
    out = []
    for mention in rules.compiled.entity_mentions(article):
        entity = rules.entities.get(mention.entity_id)
        out.append(rule_state.MentionRow(
            article.article_id, mention.entity_id,
            entity.name if entity else mention.entity_id, entity.kind if entity else "",
            mention.field, mention.start, mention.end, mention.text, mention.sentence))
    return out


def _store_found(con: Connection, found: _Found, article_ids: list[str],
                 now: datetime) -> None:
    """What goes with the routed matches: kinds' matches, evidence, event dates, mentions,
    threshold firings, first-seen subjects and baselines."""
    rule_state.store_matches(con, found.counted, now)
    rule_state.store_evidence(con, found.plain + found.counted)
    rule_state.store_events(con, found.plain + found.counted, now)
    rule_state.store_mentions(con, article_ids, found.mentions, now)
    rule_state.store_firings(con, found.firings)
    rule_state.mark_seen(con, found.seen)
    for rule_id, articles in found.baselines:
        rule_state.record_baseline(con, rule_id, now, articles)


def _threshold(con: Connection, rule: Rule, hits: list[tuple[ArticleText, Match]],
               now: datetime, found: _Found) -> None:
    if not hits or rule.threshold is None:
        return   # nothing new: a crossing needs a new article
    stored = [Hit(h.article_id, h.source_id, h.seen_at, h.title) for h in
              rule_state.window_hits(con, rule.id, now - rule.threshold.within)]
    new = [Hit(a.article_id, a.source_id, a.first_seen_at or now, a.title) for a, _ in hits]
    last = rule_state.last_firing(con, rule.id)
    crossing = threshold_crossing(
        rule, stored + new, now, last_fired_at=last.fired_at if last else None,
        already_counted=frozenset(last.article_ids) if last else frozenset())
    if crossing is None:
        return
    names = rule_state.source_names(con)
    by_article = {m.article_id: m for _, m in hits}
    found.alerts.append(crossing_match(rule, crossing, by_article,
                                       describe_crossing(rule, crossing, names)))
    found.firings.append(rule_state.Firing(
        crossing.firing_id, rule.id, now, crossing.window_start,
        tuple(h.article_id for h in crossing.hits), crossing.sources))
    logger.info("rule %s crossed its threshold: %d articles from %d sources", rule.id,
                len(crossing.hits), len(crossing.sources))


def _first_seen(con: Connection, rules: RuleSet, rule: Rule,
                hits: list[tuple[ArticleText, Match]], now: datetime,
                find_dates: DateFinder, found: _Found) -> None:
    assert rule.first_seen is not None
    since = now - timedelta(days=rule.first_seen.days)
    if not rule_state.baseline_learned(con, rule.id):
        found.baselines.append((rule.id, _learn_baseline(con, rules, rule, since, now,
                                                         find_dates, found)))
    wanted = {s for _, m in hits for s in subjects(m)}
    known = rule_state.seen_since(con, rule.id, wanted, since)
    known |= {s for (r, s), (at, _) in found.seen.items() if r == rule.id and at >= since}
    for article, match in hits:
        if any(s not in known for s in subjects(match)):
            found.alerts.append(match)
        for subject in subjects(match):
            known.add(subject)
            _see(found, rule.id, subject, article.first_seen_at or now, article.article_id)


def _learn_baseline(con: Connection, rules: RuleSet, rule: Rule, since: datetime,
                    now: datetime, find_dates: DateFinder, found: _Found) -> int:
    """The first time a first-seen rule runs, everything in the articles stored from the last
    `days` days (this run's new ones included) counts as seen: alerts start with the articles
    that come after. Without it, the first run would alert on every name it meets."""
    single = CompiledRules([rule], rules.entities)
    articles = rule_state.articles_since(con, since)
    for article in articles:
        for match in apply_events(single, article, single.evaluate(article), {rule.id: rule},
                                  find_dates):
            for subject in subjects(match):
                _see(found, rule.id, subject, article.first_seen_at or now,
                     article.article_id)
    logger.info("rule %s: first-seen baseline learned from %d stored articles", rule.id,
                len(articles))
    return len(articles)


def _see(found: _Found, rule_id: str, subject: str, at: datetime, article_id: str) -> None:
    current = found.seen.get((rule_id, subject))
    if current is None or current[0] <= at:
        found.seen[(rule_id, subject)] = (at, article_id)
