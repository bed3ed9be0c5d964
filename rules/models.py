"""The rule language as strict models. Unknown keys are errors: a typo never disables a rule."""

from __future__ import annotations

from datetime import timedelta
from pathlib import PurePosixPath
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    Tag,
    ValidationInfo,
    field_validator,
    model_validator,
)

from core.durations import parse_duration
from core.errors import unknown_name
from core.timing import DigestSchedule, parse_realert
from rules.regex_engine import check_regex

Severity = Literal["low", "medium", "high", "critical"]
TextField = Literal["title", "summary", "body"]
TemplateFormat = Literal["email", "slack", "markdown", "text"]
DEFAULT_FLOOD_LIMIT = 10
SEVERITY_ORDER: dict[str, int] = {"low": 0, "medium": 1, "high": 2, "critical": 3}


Case = Literal["ignore", "exact"]
_ITEM_KEYS = {"term": "Term", "entity": "EntityRef", "near": "Near", "sentence": "SameSentence",
              "regex": "Pattern", "any": "Condition", "all": "Condition", "none": "Condition"}
_ATOM_KEYS = ("term", "entity")
ITEM_HELP = ("a condition item is a term (a string) or a mapping with one of the keys "
             "any, all, none, term, entity, near, sentence, regex")
ATOM_HELP = ("an item of `near` or `sentence` is a term (a string), {term: ..., case: exact} "
             "or {entity: <id>}")


def _tag(value: Any, keys: tuple[str, ...] | dict[str, str]) -> str | None:
    """Which model a condition item is, from the key it is written with."""
    if isinstance(value, str):
        return "str"
    if isinstance(value, BaseModel):
        return type(value).__name__
    if isinstance(value, dict):
        for key in keys:
            if key in value:
                return keys[key] if isinstance(keys, dict) else _ITEM_KEYS[key]
    return None


def _term_text(value: str) -> str:
    if not value.strip():
        raise ValueError("a term is empty; write at least one word")
    if not any(c.isalnum() for c in value):
        raise ValueError(f"{value!r} has no letters or digits; a term is matched as words "
                         "(use `regex` for punctuation)")
    return value


TermText = Annotated[str, AfterValidator(_term_text)]


class Term(BaseModel):
    """`{term: US, case: exact}`: a term whose case must match as written (acronyms, names
    that are also words: "Trump" the name, not "trump card"). Inflections still match
    (US's, WHO's); `case: ignore` is the same as writing the plain string."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    term: TermText
    case: Case = "ignore"


class EntityRef(BaseModel):
    """`{entity: vladimir-putin}`: any name, alias or title of a watchlist entity from
    config/entities.yaml ("Vladimir Putin", "Putin", "the Russian president", "Путин")."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    entity: str = Field(min_length=1)

    @field_validator("entity")
    @classmethod
    def _known(cls, value: str, info: ValidationInfo) -> str:
        known = (info.context or {}).get("entities")
        if known is not None and value not in known:
            raise ValueError(unknown_name("entity", "entities", value, known,
                                          "config/entities.yaml"))
        return value


Atom = Annotated[
    Annotated[TermText, Tag("str")] | Annotated[Term, Tag("Term")]
    | Annotated[EntityRef, Tag("EntityRef")],
    Discriminator(lambda v: _tag(v, _ATOM_KEYS), custom_error_type="atom",
                  custom_error_message=ATOM_HELP),
]


class Near(BaseModel):
    """`{near: [ceasefire, collapse], within: 5}`: every item occurs, in one field, with at
    most `within` words from the first to the last of them (default 5)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    near: list[Atom] = Field(min_length=2)
    within: int = Field(default=5, ge=1, le=100,
                        description="Largest distance in words, 1 to 100.")


class SameSentence(BaseModel):
    """`{sentence: [talks, Geneva]}`: every item occurs in one sentence."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    sentence: list[Atom] = Field(min_length=2)


class Pattern(BaseModel):
    """`{regex: 'F-?35[AB]?'}`: a regular expression, the escape hatch for what terms cannot
    say. Searched sentence by sentence, case-insensitive unless `case: exact`, on RE2 (linear
    time) where it can say the same; what runs on Python's engine instead (look-arounds, \\b
    on non-ASCII text) must not be able to backtrack catastrophically ((a+)+, (a|a)*,
    \\d+\\d+). Backreferences are refused."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    regex: str = Field(min_length=1)
    case: Case = "ignore"

    @field_validator("regex")
    @classmethod
    def _safe(cls, value: str) -> str:
        check_regex(value)
        return value


class Condition(BaseModel):
    """`{any: [...], all: [...], none: [...], fields: [...]}`: every key given must hold:
    `any` (at least one item), `all` (every item), `none` (no item), optionally only in some
    of the rule's fields. Items are terms (plain strings) or the mappings term, entity, near,
    sentence, regex, or another condition.

    A term matches its spelling variants and inflections: "ceasefire" also finds "cease-fire",
    "cease fire" and "ceasefires"; case is ignored.
    """

    model_config = ConfigDict(extra="forbid", frozen=True, json_schema_extra={
        "anyOf": [{"required": ["any"]}, {"required": ["all"]}]})

    any: list[Item] | None = Field(default=None, min_length=1)
    all: list[Item] | None = Field(default=None, min_length=1)
    none: list[Item] | None = Field(default=None, min_length=1)
    fields: list[TextField] | None = Field(
        default=None, min_length=1,
        description="Only these article fields, inside the rule's own `fields`.")

    @model_validator(mode="after")
    def _needs_positive(self) -> Condition:
        if self.any is None and self.all is None:
            raise ValueError("needs `any` or `all` (a condition made only of `none` would "
                             "match every article)")
        return self


Item = Annotated[
    Annotated[TermText, Tag("str")] | Annotated[Term, Tag("Term")]
    | Annotated[EntityRef, Tag("EntityRef")] | Annotated[Near, Tag("Near")]
    | Annotated[SameSentence, Tag("SameSentence")] | Annotated[Pattern, Tag("Pattern")]
    | Annotated[Condition, Tag("Condition")],
    Discriminator(lambda v: _tag(v, _ITEM_KEYS), custom_error_type="condition_item",
                  custom_error_message=ITEM_HELP),
]
Condition.model_rebuild()


def _duration(what: str, minimum: timedelta, maximum: timedelta) -> Any:
    def parse(value: Any) -> timedelta | None:
        return None if value is None else parse_duration(value, what=what, minimum=minimum,
                                                         maximum=maximum)
    return BeforeValidator(parse)


class EventCondition(BaseModel):
    """`event: {terms: [summit, talks], window_days: [0, 30]}`: a date expression in the same
    sentence as an event term, resolving to a day between publication + window_days[0] and
    publication + window_days[1]."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    terms: list[TermText] = Field(min_length=1)
    window_days: tuple[int, int] = (0, 30)
    upcoming: bool = Field(
        default=False,
        description="Only events still to come: dated after the publication instant and "
                    "spoken of as future (will, due to, scheduled, set to, next week), so "
                    "\"met Friday\" or \"talks continued today\" do not count.")

    @field_validator("window_days")
    @classmethod
    def _window(cls, value: tuple[int, int]) -> tuple[int, int]:
        first, last = value
        if first < 0 or last < 0:
            raise ValueError(f"[{first}, {last}] has a negative day; write [from, to] with "
                             "0 <= from <= to <= 366 (days after publication)")
        if first > last:
            raise ValueError(f"[{first}, {last}] is reversed; write [from, to] with from <= to, "
                             f"e.g. [{last}, {first}]")
        if last > 366:
            raise ValueError(f"{last} days is more than a year; allowed: 0 to 366")
        return value


class Threshold(BaseModel):
    """`threshold: {articles: 5, sources: 3, within: 6h}`: at least `articles` matching
    articles from at least `sources` sources inside `within`."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    articles: int = Field(ge=1)
    sources: int = Field(default=1, ge=1)
    within: Annotated[timedelta, _duration("threshold window", timedelta(minutes=1),
                                           timedelta(days=365))]


class FirstSeen(BaseModel):
    """`first_seen: {days: 30}`: alert on the first match in `days` days."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    days: int = Field(ge=1, le=3650)


class Rule(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$",
                    description="Stable id, used in the warehouse; lower-case, digits, - and _.")
    name: str = Field(min_length=1, description="Shown in alerts.")
    description: str | None = None
    severity: Severity = "medium"
    match: Condition
    fields: list[TextField] = Field(
        default_factory=lambda: list[TextField](["title", "body"]), min_length=1,
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
    kind: Literal["article", "threshold", "first_seen"] = Field(
        default="article", description="article: alert on each matching article; threshold: "
        "when enough articles match (see `threshold`); first_seen: on the first match in "
        "`first_seen.days`.")
    languages: list[str] | None = Field(
        default=None, description="Only articles in these languages (ISO 639-1 codes such as "
        "en, fr; en also takes en-GB). Articles of unknown language are left out.")
    sections: list[str] | None = Field(
        default=None, description="Only articles from these site sections (case ignored).")
    max_age: Annotated[timedelta | None, _duration("maximum age", timedelta(minutes=1),
                                                   timedelta(days=3650))] = Field(
        default=None, description="Only articles published at most this long before the "
        "evaluation (30m, 6h, 2d). Articles without a publication date are kept.")
    event: EventCondition | None = Field(
        default=None, description="Also require a dated event (see EventCondition).")
    threshold: Threshold | None = Field(default=None, validate_default=True,
                                        description="Required when kind is threshold.")
    first_seen: FirstSeen | None = Field(default=None, validate_default=True,
                                         description="Required when kind is first_seen.")

    @field_validator("realert", mode="before")
    @classmethod
    def _realert(cls, value: Any) -> timedelta | None:
        return parse_realert(value)

    @field_validator("threshold", "first_seen")
    @classmethod
    def _kind_settings(cls, value: Any, info: ValidationInfo) -> Any:
        kind = info.data.get("kind")
        wanted = info.field_name
        if kind == wanted and value is None:
            example = ("{articles: 5, sources: 2, within: 6h}" if wanted == "threshold"
                       else "{days: 30}")
            raise ValueError(f"kind {kind} needs `{wanted}:`, e.g. {wanted}: {example}")
        if kind is not None and kind != wanted and value is not None:
            raise ValueError(f"`{wanted}` is only allowed with kind: {wanted} (this rule's "
                             f"kind is {kind})")
        return value

    @field_validator("channels")
    @classmethod
    def _known_channels(cls, value: list[str], info: ValidationInfo) -> list[str]:
        # Checked here, when the caller knows the channels, so that a typo is reported with
        # the rule's other problems rather than after they are fixed.
        known: set[str] | None = (info.context or {}).get("channels")
        if known is None:
            return value
        unknown = [c for c in value if c not in known]
        if unknown:
            raise ValueError("; ".join(unknown_name("channel", "channels", c, known,
                                                    "channels.yaml") for c in unknown))
        return value

    @field_validator("languages", "sections")
    @classmethod
    def _lower(cls, value: list[str] | None) -> list[str] | None:
        return None if value is None else [v.strip().lower() for v in value]

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
