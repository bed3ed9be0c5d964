"""Channels: where alerts go. Apprise URLs that hold a secret come from the environment, never
from YAML."""

from __future__ import annotations

import ipaddress
import re
from collections.abc import Mapping
from typing import Literal
from urllib.parse import parse_qsl, urlsplit
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator

from core.errors import MissingSecret
from core.timing import DigestSchedule, QuietHours

ChannelFormat = Literal["email", "slack", "markdown", "text"]

# Services whose URL is itself the credential: a webhook or bot token, a signed workflow.
TOKEN_SCHEMES = frozenset({"slack", "discord", "tgram", "msteams", "workflow", "workflows",
                           "mmost", "mmosts"})
# Hosts of the services' own webhook URLs, which are the token (Slack, Discord, Telegram, Teams).
_WEBHOOK_HOSTS = ("hooks.slack.com", "discord.com", "discordapp.com", "api.telegram.org",
                  ".webhook.office.com", ".logic.azure.com", ".api.powerplatform.com")
_SECRET_KEY = re.compile(r"pass|pwd|token|key|secret|sig|auth|cred", re.IGNORECASE)
# A path segment or query value that looks generated: long, letters and digits mixed.
_TOKEN = re.compile(r"(?=.*[0-9])(?=.*[A-Za-z])[A-Za-z0-9_\-.~+=%:]{16,}")


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
        why = inline_secret(value) if isinstance(value, str) else None
        if why:   # the message never repeats the URL: it would store the secret in a log
            raise ValueError(f"holds a credential ({why}); put it in an environment variable: "
                             "url: {$env: NAME}")
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


def inline_secret(url: str) -> str | None:
    """What makes `url` a secret that must not be written in a file, or None.

    Loopback URLs (tests, the demo's SMTP inbox, a local relay) are never secret: nothing
    written there reaches another machine."""
    try:
        parts = urlsplit(url.strip())
        host = parts.hostname or ""
        userinfo = "@" in parts.netloc
    except ValueError:   # not a URL Apprise could use either; it says so when sending
        return None
    if _loopback(host):
        return None
    scheme = parts.scheme.lower()
    if scheme in TOKEN_SCHEMES:
        return f"a {scheme}:// URL carries the service's token"
    if any(host == h or (h.startswith(".") and host.endswith(h)) for h in _WEBHOOK_HOSTS):
        return "a webhook URL carries the service's token"
    if userinfo:
        return "a user name or password"
    query = parse_qsl(parts.query, keep_blank_values=True)
    if "password" in url.lower() or any(_SECRET_KEY.search(k) and v for k, v in query):
        return "a password or key in the query"
    if any(_TOKEN.fullmatch(piece) for piece in [*parts.path.split("/"),
                                                  *(v for _, v in query)]):
        return "what looks like a token"
    return None


def _loopback(host: str) -> bool:
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False
