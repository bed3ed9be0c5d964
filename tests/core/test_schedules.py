"""Schedules: parsing intervals and crons, validating sources, grouping by schedule."""

from __future__ import annotations

from datetime import timedelta

import pytest
from pydantic import ValidationError

from core.schedules import Schedule, check_cron, format_interval, group_sources, parse_interval
from core.settings import Settings
from scrapers.models import SourceConfig


def _source(id: str, **kw: object) -> SourceConfig:
    return SourceConfig.model_validate({"id": id, "url": f"https://example.org/{id}", **kw})


@pytest.mark.parametrize(("text", "expected"), [
    ("15m", timedelta(minutes=15)), ("1h", timedelta(hours=1)), (" 1H30m ", timedelta(minutes=90)),
    ("2d", timedelta(days=2)), ("90s", timedelta(seconds=90)), ("60m", timedelta(hours=1))])
def test_parse_interval(text: str, expected: timedelta) -> None:
    assert parse_interval(text) == expected


@pytest.mark.parametrize("text", ["", "15", "m", "1 week", "-5m", "1.5h", "30s", "0m"])
def test_bad_intervals_say_what_is_allowed(text: str) -> None:
    with pytest.raises(ValueError, match="1m"):
        parse_interval(text)


def test_format_interval() -> None:
    assert format_interval(timedelta(minutes=90)) == "1h30m"
    assert format_interval(timedelta(days=1)) == "1d"


def test_cron_is_checked_with_prefects_parser() -> None:
    assert check_cron("  */15   * * * *") == "*/15 * * * *"
    assert check_cron("0 7 * * mon-fri") == "0 7 * * mon-fri"
    assert check_cron("@hourly") == "@hourly"
    for bad in ("61 * * * *", "every day", "H * * * *", "* * *"):
        with pytest.raises(ValueError, match="minute hour day-of-month"):
            check_cron(bad)


def test_source_takes_an_interval_or_a_cron_not_both() -> None:
    assert _source("a", interval="15m").interval == "15m"
    assert _source("b", cron="0 * * * *").cron == "0 * * * *"
    with pytest.raises(ValidationError, match="not both"):
        _source("c", interval="15m", cron="0 * * * *")
    with pytest.raises(ValidationError, match="must be at least 1m"):
        _source("d", interval="10s")
    with pytest.raises(ValidationError, match="not a valid cron"):
        _source("e", cron="sometimes")


def test_settings_validate_their_schedules() -> None:
    assert Settings(default_interval="1h").default_interval == "1h"
    with pytest.raises(ValidationError):
        Settings(default_interval="5s")
    with pytest.raises(ValidationError):
        Settings(maintenance_cron="daily please")


def test_group_sources_by_schedule() -> None:
    sources = [_source("a", interval="15m"), _source("b"), _source("c", interval="30m"),
               _source("d", cron="0 7 * * *"), _source("e", interval="0h15m"),
               _source("f", enabled=False), _source("g", cron="0  7 * * *")]
    groups = group_sources(sources, "30m")
    assert groups == [
        (Schedule(interval=timedelta(minutes=15)), ["a", "e"]),
        (Schedule(interval=timedelta(minutes=30)), ["b", "c"]),
        (Schedule(cron="0 7 * * *"), ["d", "g"])]
    assert [s.label for s, _ in groups] == ["every 15m", "every 30m", "cron 0 7 * * *"]
    assert group_sources([], "30m") == []


def test_schedule_is_one_or_the_other() -> None:
    with pytest.raises(ValueError):
        Schedule()
    with pytest.raises(ValueError):
        Schedule(interval=timedelta(minutes=1), cron="* * * * *")
