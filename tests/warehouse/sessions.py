"""A user's DuckDB session in another process (a `duckdb` shell, a notebook, a BI tool left
open), for tests of what runs do while it holds a file."""

from __future__ import annotations

import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

# Opens the file, says so with a count of its articles, and keeps it open until stdin
# closes; a line on stdin asks for the count again. Gives up after 10 minutes.
_SESSION = """
import os, sys, threading, duckdb
con = duckdb.connect(sys.argv[1], read_only=sys.argv[2] == "ro")
count = lambda: con.execute("SELECT count(*) FROM articles").fetchone()[0]
print(f"open {count()}", flush=True)
guard = threading.Timer(600, lambda: os._exit(1))
guard.daemon = True
guard.start()
for _ in sys.stdin:
    print(f"still {count()}", flush=True)
con.close()
"""


class Session:
    def __init__(self, proc: subprocess.Popen[str], articles: int) -> None:
        self.proc = proc
        self.pid = proc.pid
        self.articles_at_open = articles

    def articles(self) -> int:
        """The article count this session sees now (its snapshot, for a read copy)."""
        assert self.proc.stdin is not None and self.proc.stdout is not None
        self.proc.stdin.write("\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline().split()
        assert line and line[0] == "still", line
        return int(line[1])


@contextmanager
def held_open(path: Path, *, read_only: bool = True) -> Iterator[Session]:
    """`path` held open by another process for the duration of the block."""
    proc = subprocess.Popen([sys.executable, "-c", _SESSION, str(path),
                             "ro" if read_only else "rw"], text=True,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline().split()
        assert line and line[0] == "open", proc.stderr.read() if proc.stderr else line
        yield Session(proc, int(line[1]))
    finally:
        if proc.stdin:
            proc.stdin.close()
        try:
            proc.wait(timeout=20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
