"""Rule and channel errors. Config problems are collected, never raised one at a time."""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from dataclasses import dataclass


@dataclass(frozen=True)
class ConfigProblem:
    """One precise problem in a user's file: `file:line:column: field: message`."""

    file: str
    line: int | None
    column: int | None
    field: str
    message: str

    def __str__(self) -> str:
        where = self.file
        if self.line is not None:
            where += f":{self.line}"
            if self.column is not None:
                where += f":{self.column}"
        if self.field:
            return f"{where}: {self.field}: {self.message}"
        return f"{where}: {self.message}"


class ConfigError(Exception):
    """Raised where a caller cannot go on; carries every problem found, not just the first."""

    def __init__(self, problems: list[ConfigProblem]) -> None:
        self.problems = problems
        super().__init__("\n".join(str(p) for p in problems))


class MissingSecret(Exception):
    """A `{$env: NAME}` reference names a variable that is not set."""

    def __init__(self, name: str) -> None:
        self.name = name
        super().__init__(f"environment variable {name} is not set")


class DeliveryError(Exception):
    """A channel refused or could not take a message."""


def unknown_name(kind: str, plural: str, value: str, known: Iterable[str], where: str) -> str:
    """An unknown id, with the one it is probably a typo of, or the few there are; never a
    list of fifty."""
    names = sorted(known)
    close = difflib.get_close_matches(value, names, n=1, cutoff=0.75)
    if close:
        return f"unknown {kind} {value!r}; did you mean {close[0]}?"
    if not names:
        return f"unknown {kind} {value!r}; known {plural}: none ({where})"
    if len(names) <= 8:
        return f"unknown {kind} {value!r}; known {plural}: {', '.join(names)}"
    return (f"unknown {kind} {value!r}; none of the {len(names)} {plural} in {where} has an id "
            "like it")
