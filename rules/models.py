"""The rule language as strict models. Unknown keys are errors: a typo never disables a rule."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import PurePosixPath
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from rules.policy import DigestSchedule, parse_realert

Severity = Literal["low", "medium", "high", "critical"]
TextField = Literal["title", "summary", "body"]
TemplateFormat = Literal["email", "slack", "markdown", "text"]
DEFAULT_FLOOD_LIMIT = 10
SEVERITY_ORDER: dict[str, int] = {"low": 0, "medium": 1, "high": 2, "critical": 3}


class Condition(BaseModel):
    """Boolean text condition. Every key given must hold: `any` (at least one item), `all`
    (every item), `none` (no item). Items are terms or nested conditions.

    A term matches its spelling variants and inflections: "ceasefire" also finds "cease-fire",
    "cease fire" and "ceasefires"; case is ignored.
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    any: list[str | Condition] | None = Field(default=None, min_length=1)
    all: list[str | Condition] | None = Field(default=None, min_length=1)
    none: list[str | Condition] | None = Field(default=None, min_length=1)

    @model_validator(mode="after")
    def _needs_positive(self) -> Condition:
        if self.any is None and self.all is None:
            raise ValueError("needs `any` or `all` (a condition made only of `none` would "
                             "match every article)")
        for items in (self.any, self.all, self.none):
            for item in items or ():
                if isinstance(item, str) and not item.strip():
                    raise ValueError("a term is empty")
        return self


class Rule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$",
                    description="Stable id, used in the warehouse; lower-case, digits, - and _.")
    name: str = Field(min_length=1, description="Shown in alerts.")
    description: str | None = None
    severity: Severity = "medium"
    match: Condition
    fields: list[TextField] = Field(
        default_factory=lambda: ["title", "body"], min_length=1,
        description="Article fields searched; page chrome (menus, sidebars) is never searched.")
    sources: list[str] | None = Field(
        default=None, description="Only articles from these source ids (default: all).")
    channels: list[str] = Field(min_length=1, description="Channel names from channels.yaml.")
    enabled: bool = True
    realert: timedelta | None = Field(
        default=None, description="After an alert on a story, a materially updated copy may "
        "alert again once this long has passed (30m, 6h, 2d). Default: never again.")
    digest: DigestSchedule | None = Field(
        default=None, description="Send this rule's matches only in digests, on this schedule "
        "(in each channel's time zone).")
    flood_limit: int = Field(
        default=DEFAULT_FLOOD_LIMIT, ge=1, le=10_000,
        description="More alerts than this for the rule in one run go out as one digest.")
    template: dict[TemplateFormat, str] | None = Field(
        default=None, description="Per channel format, a Jinja2 template file (relative to "
        "the config folder) that replaces the built-in one.")

    @field_validator("realert", mode="before")
    @classmethod
    def _realert(cls, value: Any) -> timedelta | None:
        return parse_realert(value)

    @field_validator("template")
    @classmethod
    def _relative_paths(cls, value: dict[str, str] | None) -> dict[str, str] | None:
        for path in (value or {}).values():
            pure = PurePosixPath(path.replace("\\", "/"))
            if not path.strip() or pure.is_absolute() or ".." in pure.parts:
                raise ValueError(f"{path!r}: give a path inside the config folder, relative "
                                 "to it, e.g. templates/ceasefire.html.j2")
        return value


class RuleFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    rules: list[Rule] = Field(min_length=1)


@dataclass(frozen=True)
class Evidence:
    """One condition of a rule found in one place of an article.

    Offsets are character offsets into the article field (`title`, `summary` or `body`), so the
    exact words can be highlighted; `sentence_start`/`sentence_end` bound their sentence.
    """

    condition: str            # what matched: a term as written in the rule, an entity id, ...
    field: str
    start: int
    end: int
    text: str                 # the words as they appear in the article
    sentence_start: int
    sentence_end: int


@dataclass(frozen=True)
class EventDate:
    """An event date found near an event term, resolved against the publication date."""

    value: str                # TIMEX3 value: 2026-11-24, 2026-W48, 2026-11
    text: str                 # as written: "next Tuesday"
    sentence: str
    start: date | None = None  # first and last day the value covers
    end: date | None = None


@dataclass(frozen=True)
class Match:
    """A rule matched an article; the evidence says where and why."""

    rule_id: str
    article_id: str
    story_id: str
    field: str
    terms: tuple[str, ...]    # the words as they appear in the article
    sentence: str
    evidence: tuple[Evidence, ...] = ()
    event_date: EventDate | None = None


@dataclass(frozen=True)
class AlertView:
    """What a channel needs to render one alert."""

    alert_id: str
    rule_id: str
    rule_name: str
    severity: str
    title: str
    url: str
    source_name: str
    published_at: datetime | None
    sentence: str | None
    terms: tuple[str, ...]
    other_sources: tuple[str, ...] = ()
    event_date: EventDate | None = None
