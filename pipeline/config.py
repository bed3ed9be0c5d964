"""Reading the user's config folder: sources, rules and channels, every problem at once.

A broken rule file or source entry is reported and skipped; everything valid keeps running.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, get_args

from pydantic import BaseModel, ConfigDict, Field

from alerts.channels import Channel, ChannelFile
from core.errors import ConfigError, ConfigProblem
from core.yamlfile import locate, read_yaml, validate
from rules.entities import Entity, load_entities
from rules.models import Rule, RuleFile
from scrapers.models import SourceConfig


class SourcesFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sources: list[SourceConfig] = Field(min_length=1)


@dataclass
class Config:
    sources: list[SourceConfig] = field(default_factory=list)
    rules: list[Rule] = field(default_factory=list)
    channels: dict[str, Channel] = field(default_factory=dict)
    entities: dict[str, Entity] = field(default_factory=dict)
    problems: list[ConfigProblem] = field(default_factory=list)
    config_dir: Path | None = None   # rules' template paths are relative to it

    def template_path(self, rule: Rule, fmt: str) -> Path | None:
        """The rule's own template for this channel format, if it has one."""
        # Keyed by str: alerts.config.AlertConfig asks by any format name.
        templates: dict[str, str] = dict((rule.template or {}).items())
        relative = templates.get(fmt)
        if relative is None or self.config_dir is None:
            return None
        return self.config_dir / relative

    def ops_channels(self, named: str | None = None) -> list[str]:
        """Channels that hear about given-up deliveries: `ops: true`, plus the one named in
        settings (NEWSWATCH_OPS_CHANNEL)."""
        found = [c.name for c in self.channels.values() if c.ops]
        if named and named in self.channels and named not in found:
            found.append(named)
        return found


def load_config(config_dir: Path) -> Config:
    config = Config(config_dir=config_dir)
    config.sources = _load_list(config_dir / "sources.yaml", SourcesFile, "sources", config)
    config.channels = {c.name: c for c in
                       _load_list(config_dir / "channels.yaml", ChannelFile, "channels", config)}
    try:
        config.entities = load_entities(config_dir / "entities.yaml")
    except ConfigError as exc:   # rules naming entities are then reported, the others run
        config.problems.extend(exc.problems)
    load_rules(rule_files(config_dir / "rules"), config)
    return config


def rule_files(path: Path) -> list[Path]:
    """A rule file, or the *.yaml / *.yml files of a folder, in name order."""
    if path.is_file():
        return [path]
    return sorted([*path.glob("*.yaml"), *path.glob("*.yml")]) if path.is_dir() else []


def load_rules(files: list[Path], config: Config, *, check_channels: bool = True) -> None:
    """Every valid rule of every file into `config.rules`; each broken file, rule or entry is a
    problem in `config.problems` and the rest still load. Offline matching, which sends
    nothing, passes `check_channels=False`."""
    places: list[tuple[str, Any, int]] = []   # (file, node tree, index) of each valid rule
    context: dict[str, Any] = {"entities": config.entities}
    if check_channels:
        context["channels"] = set(config.channels)
    for path in files:
        for rule in _load_list(path, RuleFile, "rules", config, places, context):
            config.rules.append(rule)
    _cross_check(config, places, check_channels=check_channels)


def _load_list(path: Path, model: type[BaseModel], key: str, config: Config,
               places: list[tuple[str, Any, int]] | None = None,
               context: dict[str, Any] | None = None) -> list:
    """Validate entries one by one, so one bad entry does not hide the good ones."""
    if not path.exists():
        config.problems.append(ConfigProblem(str(path), None, None, "", "file not found"))
        return []
    data, node, problems = read_yaml(path)
    config.problems.extend(problems)
    if problems:
        return []
    if not isinstance(data, dict) or not isinstance(data.get(key), list) or not data[key]:
        _, problems = validate(model, data, file=str(path), node=node)
        config.problems.extend(problems or [
            ConfigProblem(str(path), 1, 1, key, f"expected a list under `{key}:`")])
        return []
    # Check the top level (unknown keys) without the entries, then each entry alone.
    _, problems = validate(model, {**data, key: [None]}, file=str(path), node=node)
    config.problems.extend(p for p in problems if not p.field.startswith(f"{key}[0]"))
    item_model = get_args(model.model_fields[key].annotation)[0]   # list[X] -> X
    valid = []
    for index, item in enumerate(data[key]):
        parsed, problems = validate(item_model, item, file=str(path), node=node,
                                    prefix=(key, index), context=context)
        config.problems.extend(problems)
        if parsed is not None:
            valid.append(parsed)
            if places is not None:
                places.append((str(path), node, index))
    return valid


def _cross_check(config: Config, places: list[tuple[str, Any, int]], *,
                 check_channels: bool = True) -> None:
    seen: dict[str, str] = {}
    kept = []
    for rule, (file, node, index) in zip(config.rules, places, strict=True):
        unknown = ([c for c in rule.channels if c not in config.channels] if check_channels
                   else [])
        line, column = locate(node, ("rules", index, "id"))
        if rule.id in seen:
            config.problems.append(ConfigProblem(
                file, line, column, f"rules[{index}].id",
                f"the id {rule.id!r} is already used at {seen[rule.id]}; "
                "ids must be unique because alerts are keyed on them"))
            continue
        if unknown:
            line, column = locate(node, ("rules", index, "channels"))
            config.problems.append(ConfigProblem(
                file, line, column, f"rules[{index}].channels",
                f"unknown channel(s) {', '.join(unknown)}; defined: "
                f"{', '.join(sorted(config.channels)) or 'none'}"))
            continue
        missing = [p for p in (rule.template or {}).values()
                   if config.config_dir is not None and not (config.config_dir / p).is_file()]
        if missing:
            line, column = locate(node, ("rules", index, "template"))
            config.problems.append(ConfigProblem(
                file, line, column, f"rules[{index}].template",
                f"template file(s) not found: {', '.join(missing)} (paths are relative to "
                f"{config.config_dir})"))
            continue
        seen[rule.id] = f"{file}:{line}"
        kept.append(rule)
    config.rules = kept
    # Counted once, not with list.count per source: quadratic, 17 ms at 1,000 sources.
    duplicates = {i for i, n in Counter(s.id for s in config.sources).items() if n > 1}
    if duplicates:
        config.problems.append(ConfigProblem(
            "sources.yaml", None, None, "sources",
            f"duplicate source ids: {', '.join(sorted(duplicates))}"))
