"""`newswatch check` and `newswatch config`: is config/ valid, and what settings are in effect."""

from __future__ import annotations

import os

import typer
from rich.table import Table

from cli.common import EXIT_USAGE, console, err, literal
from core.settings import Settings


def check() -> None:
    """Validate config/: sources, rules and channels. Every problem is listed at once."""
    from alerts import delivery as alerting
    from alerts.render import TemplateError, check_template
    from pipeline.config import load_config

    settings = Settings()
    config = load_config(settings.config_dir)
    console.print(literal(f"{len(config.sources)} sources, {len(config.rules)} rules, "
                          f"{len(config.channels)} channels valid in {settings.config_dir}"))
    missing = sorted({name for c in config.channels.values() for name in c.secret_names()
                      if not os.environ.get(name)})
    for name in missing:
        err.print(literal(f"warning: environment variable {name} is not set (needed to send "
                          "alerts)"))
    problems = [str(p) for p in config.problems]
    problems += alerting.settings_problems(settings, config)
    for rule in config.rules:
        for fmt, relative in (rule.template or {}).items():
            try:
                check_template(settings.config_dir / relative, fmt)
            except TemplateError as exc:
                problems.append(f"rule {rule.id}: template for {fmt}: {exc}")
    for problem in problems:
        err.print(literal(problem))
    if problems:
        raise typer.Exit(EXIT_USAGE)


def show_config() -> None:
    """Print the effective settings and which secrets are set (values are never shown)."""
    from pipeline.config import load_config

    settings = Settings()
    table = Table("setting", "value", "environment variable")
    for name, value in settings.model_dump().items():
        table.add_row(literal(name), literal(str(value)), literal(f"NEWSWATCH_{name.upper()}"))
    console.print(table)
    config = load_config(settings.config_dir)
    for channel in config.channels.values():
        for variable in channel.secret_names():
            state = "set" if os.environ.get(variable) else "NOT SET"
            console.print(literal(f"channel {channel.name}: {variable} is {state}"))
