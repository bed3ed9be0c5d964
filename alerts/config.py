"""What alerting reads from the config, as a protocol: alerts/ sits below pipeline/ and must
not import `pipeline.config.Config`, which satisfies it."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Protocol

from alerts.channels import Channel
from rules.models import Rule


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
