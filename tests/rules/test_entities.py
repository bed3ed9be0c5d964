"""The watchlist file: loading, and every problem at its line."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from core.errors import ConfigError
from rules.entities import Entity, load_entities, read_entities

WATCHLIST = """\
    # People, organisations and places rules can name as {entity: <id>}.
    entities:
      - id: vladimir-putin
        name: Vladimir Putin
        kind: person
        aliases: [Putin, Путин]
        titles: [the Russian president, the Kremlin chief]
      - id: who
        name: World Health Organization
        kind: organisation
        aliases: [WHO]
    """


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "entities.yaml"
    path.write_text(textwrap.dedent(text), "utf-8")
    return path


def test_load_entities(tmp_path: Path) -> None:
    entities = load_entities(write(tmp_path, WATCHLIST))
    assert list(entities) == ["vladimir-putin", "who"]
    putin = entities["vladimir-putin"]
    assert isinstance(putin, Entity)
    assert putin.names() == ["Vladimir Putin", "Putin", "Путин", "the Russian president",
                             "the Kremlin chief"]


def test_a_missing_file_is_an_empty_watchlist(tmp_path: Path) -> None:
    assert load_entities(tmp_path / "entities.yaml") == {}


def test_every_problem_at_its_line_and_the_valid_entities_kept(tmp_path: Path) -> None:
    path = write(tmp_path, """\
        entities:
          - id: putin
            name: Vladimir Putin
            kind: persn
            alias: [Putin]
          - id: who
            name: WHO
            kind: organisation
          - id: who
            name: Another
            kind: place
          - id: Bad Id
            name: ""
            kind: place
        """)
    found, problems = read_entities(path)
    assert list(found) == ["who"]
    file = str(path)
    assert [str(p).replace(file, "entities.yaml") for p in problems] == [
        "entities.yaml:4:11: entities[0].kind: Input should be 'person', 'organisation' or "
        "'place'",
        "entities.yaml:5:5: entities[0].alias: unknown key; did you mean 'aliases'? allowed: "
        "id, name, kind, aliases, titles",
        "entities.yaml:9:9: entities[2].id: the id 'who' is used twice; ids must be unique",
        "entities.yaml:12:9: entities[3].id: 'Bad Id' is not a valid id: use lower-case "
        "letters a-z, digits, - and _, starting with a letter or digit, at most 64 characters; "
        "e.g. bad-id",
        "entities.yaml:13:11: entities[3].name: String should have at least 1 character",
    ]
    with pytest.raises(ConfigError) as raised:
        load_entities(path)
    assert len(raised.value.problems) == 5


def test_broken_yaml_and_wrong_shape(tmp_path: Path) -> None:
    _, problems = read_entities(write(tmp_path, "entities: [unclosed\n"))
    assert len(problems) == 1 and "invalid YAML" in str(problems[0])
    _, problems = read_entities(write(tmp_path, "entities: {id: x}\n"))
    assert [p.message for p in problems] == ["expected a mapping with a list under `entities:`"]
    _, problems = read_entities(write(tmp_path, "entitys: []\n"))
    assert [p.message for p in problems] == ["unknown key; did you mean 'entities'? allowed: "
                                             "entities"]
