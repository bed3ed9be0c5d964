"""`newswatch channels check|test`: are the channels' secrets set, and does a message arrive."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Annotated

import typer

from cli.common import EXIT_PROBLEMS, EXIT_USAGE, console, err, literal
from core.settings import Settings

channels_app = typer.Typer(help="Check channels and send test messages.", no_args_is_help=True)


@channels_app.command("check")
def channels_check() -> None:
    """Validate channels.yaml and check every channel's secret is set in the environment."""
    from pipeline.config import load_config

    settings = Settings()
    config = load_config(settings.config_dir)
    problems = [p for p in config.problems
                if Path(p.file).name == "channels.yaml" or p.field.endswith(".channels")]
    for problem in problems:
        err.print(literal(str(problem)))
    failed = bool(problems)
    for channel in config.channels.values():
        missing = [v for v in channel.secret_names() if not os.environ.get(v)]
        if missing:
            failed = True
            err.print(literal(f"{channel.name}: environment variable {', '.join(missing)} is "
                              "not set; set it where newswatch runs (see .env.example)"))
        else:
            console.print(literal(f"{channel.name}: ok ({channel.format})"))
    if failed:
        raise typer.Exit(EXIT_USAGE)


@channels_app.command("test")
def channels_test(name: Annotated[str, typer.Argument(help="Channel name.")]) -> None:
    """Send a test alert to one channel now."""
    from datetime import UTC, datetime

    from alerts.notify import send
    from alerts.render import render
    from core.errors import DeliveryError, MissingSecret
    from core.records import AlertView
    from pipeline.config import load_config

    config = load_config(Settings().config_dir)
    channel = config.channels.get(name)
    if channel is None:
        err.print(literal(f"no channel {name!r}; channels: "
                          f"{', '.join(sorted(config.channels)) or 'none'}"))
        raise typer.Exit(EXIT_USAGE)
    sample = AlertView(
        alert_id="test", rule_id="test", rule_name="newswatch test message", severity="low",
        title="Test alert: if you can read this, the channel works",
        url="https://example.org/newswatch-test", source_name="newswatch",
        published_at=datetime.now(UTC), sentence="This is a test message sent by "
        "`newswatch channels test`; no rule matched anything.", terms=("test message",))
    try:
        send(channel.resolve_url(os.environ), render(sample, channel.format, channel.timezone),
             secrets=channel.secret_names())
    except (MissingSecret, DeliveryError) as exc:
        err.print(literal(f"{name}: not sent: {exc}"))
        raise typer.Exit(EXIT_PROBLEMS) from exc
    console.print(literal(f"{name}: test message sent"))
