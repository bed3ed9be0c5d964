"""One duration grammar: every field and option that takes a length of time reads the same
spellings (`30s`, `90m`, `6h`, `2d`, `1w`, `1h30m`) and refuses the same mistakes."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
import typer
from pydantic import ValidationError

from alerts.channels import Channel
from cli.rules import parse_since
from cli.warehouse_admin import parse_age
from core.durations import DurationError, format_duration, parse_duration
from core.schedules import parse_interval
from core.settings import Settings
from rules.models import Rule
from scrapers.models import SourceConfig


@pytest.mark.parametrize(("text", "expected"), [
    ("30s", timedelta(seconds=30)), ("90m", timedelta(minutes=90)), ("6h", timedelta(hours=6)),
    ("2d", timedelta(days=2)), ("1w", timedelta(weeks=1)), ("1h30m", timedelta(minutes=90)),
    ("1d 12h", timedelta(hours=36)), (" 2D ", timedelta(days=2)),
])
def test_the_grammar(text: str, expected: timedelta) -> None:
    assert parse_duration(text) == expected


@pytest.mark.parametrize("text", ["", "15", "m", "1 week", "-5m", "1.5h", "6 hours", "h1"])
def test_what_is_not_a_duration_says_what_is(text: str) -> None:
    with pytest.raises(DurationError, match=r"\(s, m, h, d, w\), e\.g\. 90m"):
        parse_duration(text)


def test_bounds_are_named() -> None:
    with pytest.raises(DurationError, match="the interval must be at least 1m"):
        parse_duration("10s", what="interval", minimum=timedelta(minutes=1))
    with pytest.raises(DurationError, match="must be at most 1d"):
        parse_duration("2d", maximum=timedelta(days=1))


def test_format_round_trips() -> None:
    for text in ["30s", "90m", "1w", "1w2d3h4m5s"]:
        assert parse_duration(format_duration(parse_duration(text))) == parse_duration(text)
    assert format_duration(timedelta(minutes=90)) == "1h30m"


def _source(**fields: Any) -> Any:
    return SourceConfig(id="s", url="https://example.org/feed", **fields)


def _rule(**fields: Any) -> Any:
    return Rule.model_validate({"id": "r", "name": "R", "channels": ["c"],
                                "match": {"any": ["ceasefire"]}, **fields})


def _digest_every(text: str) -> timedelta | None:
    channel = Channel.model_validate({"name": "c", "url": "json://x", "digest": {"every": text}})
    assert channel.digest is not None
    return channel.digest.every


# Every place a user writes a duration, as (name, reader of the text -> timedelta).
FIELDS = {
    "sources: interval": lambda t: parse_interval(_source(interval=t).interval),
    "sources: max_age": lambda t: _source(kind="sitemap", max_age=t).age_limit,
    "rules: realert": lambda t: _rule(realert=t).realert,
    "rules: max_age": lambda t: _rule(max_age=t).max_age,
    "rules: threshold.within": lambda t: _rule(kind="threshold",
        threshold={"articles": 2, "sources": 1, "within": t}).threshold.within,
    "channels: digest.every": _digest_every,
    "NEWSWATCH_DEFAULT_INTERVAL": lambda t: _interval(Settings(default_interval=t)),
    "newswatch prune --older-than": parse_age,
    "newswatch rules test --since": parse_since,
}


SHORT = {"channels: digest.every"}   # at most 1d


def _interval(settings: Settings) -> timedelta:
    return parse_interval(settings.default_interval)


@pytest.mark.parametrize("where", sorted(FIELDS))
def test_every_duration_field_reads_the_one_grammar(where: str) -> None:
    read = FIELDS[where]
    assert read("1h30m") == timedelta(minutes=90)
    if where not in SHORT:
        assert read("1w") == timedelta(weeks=1)
    with pytest.raises((ValidationError, DurationError, typer.BadParameter, ValueError),
                       match=r"e\.g\. 90m, 6h, 2d or 1h30m"):
        read("5 parsecs")
