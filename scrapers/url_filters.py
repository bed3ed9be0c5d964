"""Which discovered URLs a source follows: its `include` and `exclude` regular expressions.

Patterns are Python regular expressions searched anywhere in the canonical URL (so "/world/"
matches any URL containing it; anchor with ^ or $ when needed). Regexes, not globs: a glob
cannot say "a four-digit year" or "ends in .pdf" without surprises about what `*` spans.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

MAX_PATTERN_LENGTH = 500


def check_patterns(patterns: Sequence[str]) -> list[re.Pattern[str]]:
    """Compile each pattern or raise ValueError naming the first bad one and why."""
    compiled = []
    for index, pattern in enumerate(patterns):
        if not pattern:
            raise ValueError(f"pattern [{index}] is empty; write a regular expression such "
                             "as \"/world/\"")
        if len(pattern) > MAX_PATTERN_LENGTH:
            raise ValueError(f"pattern [{index}] is longer than {MAX_PATTERN_LENGTH} characters")
        try:
            compiled.append(re.compile(pattern))
        except re.error as exc:
            raise ValueError(
                f"pattern [{index}] {pattern!r} is not a valid regular expression: {exc}. "
                "Patterns are Python regular expressions searched in the URL (escape a literal "
                "dot or question mark as \\. or \\?)") from None
    return compiled


@dataclass(frozen=True)
class UrlFilter:
    include: tuple[re.Pattern[str], ...] = ()
    exclude: tuple[re.Pattern[str], ...] = ()

    @classmethod
    def of(cls, include: Iterable[str] = (), exclude: Iterable[str] = ()) -> UrlFilter:
        return cls(tuple(check_patterns(list(include))), tuple(check_patterns(list(exclude))))

    def allows(self, url: str) -> bool:
        if self.include and not any(p.search(url) for p in self.include):
            return False
        return not any(p.search(url) for p in self.exclude)
