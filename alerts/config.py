"""What alerting reads from the config, as a protocol: alerts/ sits below pipeline/ and must
not import `pipeline.config.Config`, which satisfies it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from alerts.channels import Channel
from rules.models import Rule

if TYPE_CHECKING:
    from core.settings import Settings


class AlertConfig(Protocol):
    @property
    def rules(self) -> Sequence[Rule]: ...

    @property
    def channels(self) -> Mapping[str, Channel]: ...

    def template_path(self, rule: Rule, fmt: str) -> Path | None:
        """The rule's own template for this channel format, if it has one."""
        ...

    def ops_channels(self, named: str | None = None) -> list[str]:
        """The channels that hear ops notices (`ops: true`, plus the one named in settings)."""
        ...


def settings_problems(settings: Settings, config: AlertConfig) -> list[str]:
    """Alerting settings that do not fit the config (for `newswatch check`)."""
    problems = []
    if settings.ops_channel and settings.ops_channel not in config.channels:
        problems.append(f"NEWSWATCH_OPS_CHANNEL names {settings.ops_channel!r}, which is not a "
                        f"channel in channels.yaml ({', '.join(sorted(config.channels))})")
    if settings.delivery_backoff_max_seconds < settings.delivery_backoff_seconds:
        problems.append("NEWSWATCH_DELIVERY_BACKOFF_MAX_SECONDS is shorter than "
                        "NEWSWATCH_DELIVERY_BACKOFF_SECONDS")
    return problems
