"""What every command module shares: the consoles and the exit codes (docs/exit-codes.md)."""

from __future__ import annotations

from rich.console import Console

console = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)

# Exit codes scripts can rely on.
EXIT_OK, EXIT_PROBLEMS, EXIT_USAGE = 0, 1, 2
EXIT_DEFERRED = 3   # the warehouse was locked: scraped and kept, loaded by the next run
