"""Channels: where alerts go. Apprise URLs come from the environment, never from YAML."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator

from core.errors import MissingSecret
from core.timing import DigestSchedule, QuietHours

ChannelFormat = Literal["email", "slack", "markdown", "text"]


class EnvRef(BaseModel):
    """`{$env: NAME}`: the value is read from the environment variable NAME when sending."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    env: str = Field(alias="$env", pattern=r"^[A-Za-z_][A-Za-z0-9_]*$")


class Channel(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$")
    url: EnvRef | str = Field(
        description="An Apprise URL. Write `{$env: NAME}` for any URL that holds a secret.")
    format: ChannelFormat = "text"
    timezone: str = Field(default="UTC", description="Times in alerts are shown in this zone.")
    digest: DigestSchedule | None = Field(
        default=None, description="Send this channel one digest per period (local time) "
        "instead of an alert per story; critical alerts still go at once. Later copies of "
        "alerted stories are listed in it.")
    quiet_hours: QuietHours | None = Field(
        default=None, description="Local hours when alerts below critical wait (until the "
        "end of quiet hours, or for the next digest when the channel has one).")
    ops: bool = Field(default=False, description="Receives a message when newswatch gives up "
                      "delivering an alert to another channel.")

    @field_validator("url")
    @classmethod
    def _no_inline_secret(cls, value: EnvRef | str) -> EnvRef | str:
        if isinstance(value, str) and ("@" in value.split("?")[0] or "password" in value.lower()):
            raise ValueError("looks like it holds a credential; put the URL in an environment "
                             "variable and write {$env: VARIABLE_NAME}")
        return value

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as exc:
            raise ValueError(f"unknown time zone {value!r}; use an IANA name such as "
                             "Europe/London") from exc
        return value

    def resolve_url(self, env: Mapping[str, str]) -> str:
        if isinstance(self.url, EnvRef):
            value = env.get(self.url.env)
            if not value:
                raise MissingSecret(self.url.env)
            return value
        return self.url

    def secret_names(self) -> list[str]:
        return [self.url.env] if isinstance(self.url, EnvRef) else []


class ChannelFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    channels: list[Channel] = Field(min_length=1)
