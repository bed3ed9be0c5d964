"""The watchlist: people, organisations and places that rules name by id (config/entities.yaml).

An entity is found by its name, any alias or any title, in any script ("Vladimir Putin",
"Putin", "the Russian president", "Путин"). Matching ignores case, except for an alias written
all in capitals (WHO, UN, US): an acronym must keep its case, or "who" would find the WHO.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from core.errors import ConfigError, ConfigProblem
from core.yamlfile import locate, read_yaml, validate


class Entity(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,63}$",
                    description="Used in rules as {entity: <id>}; lower-case, digits, - and _.")
    name: str = Field(min_length=1, description="The usual full name; also matched.")
    kind: Literal["person", "organisation", "place"]
    aliases: list[str] = Field(default_factory=list, description="Other names, any script.")
    titles: list[str] = Field(default_factory=list,
                              description='Descriptions that stand for it: "the Kremlin chief".')

    @field_validator("aliases", "titles")
    @classmethod
    def _words(cls, values: list[str]) -> list[str]:
        for value in values:
            if not any(c.isalnum() for c in value):
                raise ValueError(f"{value!r} has no letters or digits; write a name")
        return values

    def names(self) -> list[str]:
        """Everything the entity is found by, name first, without repeats."""
        return list(dict.fromkeys([self.name, *self.aliases, *self.titles]))


class EntityFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    entities: list[Entity] = Field(default_factory=list)


@dataclass(frozen=True)
class EntityMention:
    """A watchlist entity found in an article; offsets index the field's text."""

    entity_id: str
    field: str
    start: int
    end: int
    text: str
    sentence: str


def read_entities(path: Path) -> tuple[dict[str, Entity], list[ConfigProblem]]:
    """Every valid entity and every problem of the file; a missing file is an empty list."""
    if not path.exists():
        return {}, []
    data, node, problems = read_yaml(path)
    if problems:
        return {}, problems
    if data is None:
        return {}, []
    if not isinstance(data, dict) or not isinstance(data.get("entities", []), list):
        return {}, [ConfigProblem(str(path), 1, 1, "entities",
                                  "expected a mapping with a list under `entities:`")]
    _, problems = validate(EntityFile, {**data, "entities": []}, file=str(path), node=node)
    found: dict[str, Entity] = {}
    for index, item in enumerate(data.get("entities") or []):
        parsed, item_problems = validate(Entity, item, file=str(path), node=node,
                                         prefix=("entities", index))
        problems.extend(item_problems)
        if not isinstance(parsed, Entity):
            continue
        if parsed.id in found:
            line, column = locate(node, ("entities", index, "id"))
            problems.append(ConfigProblem(str(path), line, column, f"entities[{index}].id",
                                          f"the id {parsed.id!r} is used twice; ids must be "
                                          "unique"))
            continue
        found[parsed.id] = parsed
    return found, problems


def load_entities(path: Path) -> dict[str, Entity]:
    """The watchlist by id; raises ConfigError with every problem of the file."""
    found, problems = read_entities(path)
    if problems:
        raise ConfigError(problems)
    return found
