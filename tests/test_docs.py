"""The documentation stays true: every `newswatch ...` command in a code block of README.md and
docs/*.md exists with the options it is given, every configuration example validates as the
file it claims to be, and the field tables match the models."""

from __future__ import annotations

import re
import shlex
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import typer
import yaml
from typer.testing import CliRunner

from cli.app import app
from pipeline.config import load_config
from tools.doc_tables import BLOCK, expected

REPO = Path(__file__).resolve().parents[1]
DOCS = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
FENCE = re.compile(r"^(?P<indent>[ \t]*)```(?P<lang>[\w-]*)[^\n]*\n(?P<body>.*?)^(?P=indent)```",
                   re.MULTILINE | re.DOTALL)
# `newswatch` as a program: at the start, after a space or a path; then a word.
COMMAND = re.compile(r"(?:^|(?<=[\s/]))newswatch[ \t]+(?=[a-z])")
# A config example says which file it is in its first line ("# config/sources.yaml"), or is
# recognised by its top-level key.
MARKER = re.compile(r"^#\s*(?:config/)?(?P<file>sources\.yaml|channels\.yaml|entities\.yaml|"
                    r"rules/[\w.-]+\.ya?ml)\b")
BY_KEY = {"sources": "sources.yaml", "channels": "channels.yaml", "rules": "rules/example.yaml"}
runner = CliRunner()


@dataclass(frozen=True)
class Block:
    doc: Path
    line: int
    lang: str
    body: str

    def __str__(self) -> str:
        return f"{self.doc.relative_to(REPO)}:{self.line}"


def blocks() -> list[Block]:
    found = []
    for doc in DOCS:
        text = doc.read_text("utf-8")
        for match in FENCE.finditer(text):
            indent = len(match.group("indent"))
            body = "".join(line[indent:] if line[:indent].isspace() else line
                           for line in match.group("body").splitlines(keepends=True))
            found.append(Block(doc, text.count("\n", 0, match.start()) + 1,
                               match.group("lang"), body))
    return found


def _words(lexer: shlex.shlex, rest: str) -> list[str]:
    try:
        return list(lexer)
    except ValueError:   # quoted inside a message (echo "... newswatch check"): plain words
        words = []
        for word in rest.split():
            found = re.match(r"[^\"'();<>|&#]*", word)
            assert found is not None       # the pattern matches the empty string too
            plain = found.group()
            if plain:
                words.append(plain)
            if plain != word:
                break
        return words


def commands() -> list[tuple[str, str]]:
    """(where, the words after `newswatch` up to the first shell operator)."""
    found = []
    for block in blocks():
        if block.lang in {"yaml", "yml"}:
            continue
        for line in block.body.replace("\\\n", " ").splitlines():
            for match in COMMAND.finditer(line):
                if re.search(r"(^|\s)#", line[:match.start()]):
                    break   # in a comment
                lexer = shlex.shlex(line[match.end():], posix=True, punctuation_chars=True)
                lexer.whitespace_split = True
                lexer.commenters = "#"
                words = []
                for word in _words(lexer, line[match.end():]):
                    if set(word) <= set("();<>|&"):
                        break
                    words.append(word)
                found.append((str(block), shlex.join(words)))
    return found


def test_the_docs_show_commands_and_config_examples() -> None:
    assert len(commands()) >= 30
    assert len([b for b in blocks() if b.lang == "yaml"]) >= 5


def _is_group(command: Any) -> bool:
    return isinstance(getattr(command, "commands", None), dict)


def _resolve(words: list[str]) -> tuple[list[str], Any, list[str]]:
    command: Any = typer.main.get_command(app)
    path: list[str] = []
    rest = list(words)
    while rest and _is_group(command) and rest[0] in command.commands:
        command = command.commands[rest[0]]
        path.append(rest.pop(0))
    return path, command, rest


@pytest.mark.parametrize(("where", "line"), commands())
def test_documented_command_exists(where: str, line: str) -> None:
    path, command, rest = _resolve(shlex.split(line))
    assert path, f"{where}: `newswatch {line}`: no such command"
    if _is_group(command) and rest and not rest[0].startswith("-"):
        pytest.fail(f"{where}: `newswatch {line}`: {rest[0]!r} is not a command of "
                    f"`newswatch {' '.join(path)}`")
    shown = runner.invoke(app, [*path, "--help"])
    assert shown.exit_code == 0, f"{where}: `newswatch {' '.join(path)} --help` failed"
    options = {o for p in command.params for o in (*p.opts, *p.secondary_opts)} | {"--help"}
    for word in rest:
        if word.startswith("-") and not re.fullmatch(r"-\d.*", word):
            assert word.split("=", 1)[0] in options, (
                f"{where}: `newswatch {line}`: no option {word.split('=', 1)[0]} "
                f"(it has {', '.join(sorted(options))})")


def config_examples() -> list[tuple[str, str, str]]:
    """(where, config file it claims to be, text) for every YAML block that is a config file."""
    found = []
    for block in blocks():
        if block.lang not in {"yaml", "yml"}:
            continue
        marker = MARKER.match(block.body)
        data = yaml.safe_load(block.body)   # every YAML block must at least parse
        if marker:
            found.append((str(block), marker.group("file"), block.body))
        elif isinstance(data, dict) and len(data) == 1 and next(iter(data)) in BY_KEY:
            found.append((str(block), BY_KEY[next(iter(data))], block.body))
    return found


@pytest.mark.parametrize(("where", "file", "text"), config_examples())
def test_config_example_validates(where: str, file: str, text: str, tmp_path: Path) -> None:
    """Loaded the way newswatch loads it: in a copy of the shipped config folder (so the
    channels a rule names exist), as the file the example claims to be."""
    config = tmp_path / "config"
    shutil.copytree(REPO / "config", config)
    (config / file).parent.mkdir(parents=True, exist_ok=True)
    (config / file).write_text(text, "utf-8")
    data = yaml.safe_load(text)
    if file.startswith("rules/"):
        # A rule example stands alone: the shipped rules would clash with its id, and the
        # channels it names are added (the shipped rules are checked on their own elsewhere).
        for shipped in (config / "rules").glob("*.yaml"):
            if shipped.name != Path(file).name:
                shipped.unlink()
        channels = yaml.safe_load((config / "channels.yaml").read_text("utf-8"))
        known = {c["name"] for c in channels["channels"]}
        for rule in data.get("rules") or []:
            for name in set(rule.get("channels") or []) - known:
                channels["channels"].append({"name": name, "url": "json://127.0.0.1:9/"})
                known.add(name)
        (config / "channels.yaml").write_text(yaml.safe_dump(channels), "utf-8")
        # Entities it names: the shipped watchlist plus those the same page's examples define.
        watchlist = yaml.safe_load((config / "entities.yaml").read_text("utf-8"))
        ids = {e["id"] for e in watchlist["entities"]}
        page = REPO / where.split(":")[0]
        for block in (b for b in blocks() if b.doc == page and b.lang in ("yaml", "yml")):
            example = yaml.safe_load(block.body)
            if isinstance(example, dict) and set(example) == {"entities"}:
                watchlist["entities"] += [e for e in example["entities"] if e["id"] not in ids]
                ids |= {e["id"] for e in example["entities"]}
        (config / "entities.yaml").write_text(yaml.safe_dump(watchlist, allow_unicode=True),
                                              "utf-8")
    for rule in data.get("rules") or [] if file.startswith("rules/") else []:
        for template in (rule.get("template") or {}).values():   # a template it names
            (config / template).parent.mkdir(parents=True, exist_ok=True)
            (config / template).write_text("{{ title }}", "utf-8")
    loaded = load_config(config)
    problems = [str(p) for p in loaded.problems if Path(p.file).name == Path(file).name]
    assert not problems, f"{where}: the example is not a valid {file}:\n" + "\n".join(problems)
    if file == "sources.yaml":
        assert len(loaded.sources) == len(data["sources"])
    elif file == "channels.yaml":
        assert len(loaded.channels) == len(data["channels"])
    elif file.startswith("rules/"):
        ids = {r.id for r in loaded.rules}
        assert {r["id"] for r in data["rules"]} <= ids


def test_field_tables_match_the_models() -> None:
    doc = (REPO / "docs" / "configuration.md").read_text("utf-8")
    assert len(BLOCK.findall(doc)) >= 5
    assert doc == expected(doc), ("docs/configuration.md: a field table differs from its "
                                  "model; run `python -m tools.doc_tables docs/configuration.md`")


def test_field_tables_notice_a_change(tmp_path: Path) -> None:
    doc = (REPO / "docs" / "configuration.md").read_text("utf-8")
    stale = doc.replace("| `max_articles` | integer | `50` |", "| `max_articles` | integer | `5` |")
    assert stale != doc and expected(stale) == doc


def test_docs_link_to_each_other() -> None:
    readme = (REPO / "README.md").read_text("utf-8")
    for name in ("quickstart", "configuration", "running", "troubleshooting", "exit-codes",
                 "rules", "warehouse", "scaling"):
        assert f"docs/{name}.md" in readme, f"README.md does not link docs/{name}.md"
    assert "docs/img/report.png" in readme and (REPO / "docs" / "img" / "report.png").is_file()
    for doc in DOCS:
        for target in re.findall(r"\]\(((?!https?:|#)[^)#\s]+)", doc.read_text("utf-8")):
            if target.endswith("rules.md"):
                continue   # the rule language reference is written alongside
            assert (doc.parent / target).exists(), f"{doc.name}: broken link {target}"
