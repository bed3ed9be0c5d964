"""`newswatch rules schema`: the JSON Schema of rule files (and of the watchlist), for editors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Annotated

import typer

rules_app = typer.Typer(help="Rule files: their schema, checks and dry runs.",
                        no_args_is_help=True)


@rules_app.command("schema")
def schema(
    entities: Annotated[bool, typer.Option(
        "--entities", help="The schema of config/entities.yaml instead of rule files.")] = False,
    output: Annotated[Path | None, typer.Option(
        "--output", "-o", help="Write to this file instead of printing.")] = None,
) -> None:
    """Print the JSON Schema of rule files, generated from the rule models.

    Save it and point editors at it; with the YAML language server (VS Code's YAML extension,
    among others) the first line of a rule file can be:
    `# yaml-language-server: $schema=../rules.schema.json`
    """
    from rules.schema import entity_file_schema, rule_file_schema

    text = json.dumps(entity_file_schema() if entities else rule_file_schema(), indent=2,
                      ensure_ascii=False) + "\n"
    if output is None:
        typer.echo(text, nl=False)
        return
    output.write_text(text, "utf-8")
    typer.echo(f"wrote {output}")
