"""Count the `# type: ignore` comments in the packages, for `make lint`.

Each one hides a type error from mypy, so they are few and each says why:

    x = f(y)  # type: ignore[arg-type]  # the library's stub lacks the `y` overload

Prints the count and every ignore; exits 1 when there are more than `--max` (5) or when one
has no error code or no reason comment after it.

    python -m tools.count_ignores core scrapers rules ...
"""

from __future__ import annotations

import argparse
import io
import re
import sys
import tokenize
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

MAX_IGNORES = 5
PACKAGES = ("core", "scrapers", "rules", "warehouse", "alerts", "pipeline", "flows", "cli",
            "reports", "demo", "tools")
# A comment that starts `type: ignore` (as mypy reads them), an optional `[code, ...]`, then
# whatever follows in the same comment.
_IGNORE = re.compile(r"^#\s*type:\s*ignore(?P<codes>\[[^\]]*\])?(?P<rest>.*)$")
# A reason is a further `#` comment with a few words in it, not just punctuation.
_REASON = re.compile(r"^\s*#\s*(?P<reason>.*\w.*\w.*)$")


@dataclass(frozen=True)
class Ignore:
    path: Path
    line: int
    codes: str          # "[arg-type]", or "" when the ignore names none
    reason: str         # the comment after it, or "" when there is none
    text: str           # the source line

    @property
    def problem(self) -> str | None:
        if not self.codes:
            return "no error code (name the one mypy reports: # type: ignore[arg-type])"
        if not self.reason:
            return "no reason (add one: # type: ignore[arg-type]  # the stub lacks X)"
        return None


def find_ignores(source: str, path: Path) -> Iterator[Ignore]:
    """The `# type: ignore` comments of one module (comments only: not in strings)."""
    tokens = tokenize.generate_tokens(io.StringIO(source).readline)
    for token in tokens:
        if token.type != tokenize.COMMENT:
            continue
        found = _IGNORE.match(token.string)
        if found is None:
            continue
        reason = _REASON.match(found.group("rest"))
        yield Ignore(path, token.start[0], found.group("codes") or "",
                     reason.group("reason").strip() if reason else "", token.line.strip())


def scan(roots: Iterable[Path]) -> list[Ignore]:
    found: list[Ignore] = []
    for root in roots:
        files = [root] if root.is_file() else sorted(root.rglob("*.py"))
        for path in files:
            found.extend(find_ignores(path.read_text(encoding="utf-8"), path))
    return found


def report(ignores: list[Ignore], limit: int) -> tuple[list[str], bool]:
    """The lines to print, and whether the check passed."""
    lines = [f"# type: ignore: {len(ignores)} (at most {limit}, each with a reason)"]
    for item in ignores:
        lines.append(f"  {item.path}:{item.line}: {item.text}")
        if item.problem:
            lines.append(f"    ^ {item.problem}")
    ok = len(ignores) <= limit and all(item.problem is None for item in ignores)
    if len(ignores) > limit:
        lines.append(f"too many: remove at least {len(ignores) - limit} of them by fixing the "
                     "types (a typed helper, a Protocol, a narrowing check)")
    return lines, ok


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("paths", nargs="*", type=Path, default=[Path(p) for p in PACKAGES],
                        help="packages or files (default: every newswatch package)")
    parser.add_argument("--max", type=int, default=MAX_IGNORES, dest="limit",
                        help=f"most ignores allowed (default {MAX_IGNORES})")
    args = parser.parse_args(argv)
    missing = [str(p) for p in args.paths if not p.exists()]
    if missing:
        print(f"count_ignores: no such package or file: {', '.join(missing)} "
              "(run it from the repository root)", file=sys.stderr)
        return 2
    lines, ok = report(scan(args.paths), args.limit)
    print("\n".join(lines))
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
