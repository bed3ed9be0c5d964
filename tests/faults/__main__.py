"""`python -m tests.faults` (`make faults`): every fault scenario against the real monitor
steps, a table of what was lost or duplicated, non-zero exit if anything was.

    python -m tests.faults [NAME_SUBSTRING ...]
"""

from __future__ import annotations

import multiprocessing
import os
import sys
import time
from concurrent.futures import ProcessPoolExecutor, as_completed

os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
# Every site here is on 127.0.0.1: no pause between requests (pacing itself is tested in
# tests/scrapers/test_politeness.py).
os.environ.setdefault("NEWSWATCH_FETCH_MIN_DELAY_SECONDS", "0")
os.environ.setdefault("NEWSWATCH_CONTACT_URL", "mailto:faults@example.org")

from tests.faults.runner import JOBS_ENV, Row, run_named, start_worker
from tests.faults.scenarios import NOT_YET_COVERED, SCENARIOS

COLUMNS = ("fault", "outcome", "articles lost", "dup articles", "alerts lost", "dup alerts",
           "healthy alert delivered", "expected art/alerts", "RSS +MB", "s")


def main(argv: list[str]) -> int:
    chosen = [s.name for s in SCENARIOS
              if not argv or any(a.lower() in s.name.lower() for a in argv)]
    jobs = int(os.environ.get(JOBS_ENV) or min(2, os.cpu_count() or 1))
    started = time.monotonic()
    done: dict[str, Row] = {}
    # Independent scenarios side by side; each has its own servers, files and ports.
    with ProcessPoolExecutor(jobs, mp_context=multiprocessing.get_context("spawn"),
                             initializer=start_worker) as pool:
        futures = {pool.submit(run_named, name): name for name in chosen}
        for future in as_completed(futures):
            row = future.result()
            done[row.name] = row
            print(_line(row), flush=True)
    rows = [done[name] for name in chosen]
    print(_table(rows))
    lost = sum(r.ledger.articles_lost + r.ledger.duplicate_articles + r.ledger.alerts_lost
               + r.ledger.duplicate_alerts for r in rows)
    failed = [r.name for r in rows if not r.ok]
    if NOT_YET_COVERED:
        print(f"\nnot yet covered: {', '.join(NOT_YET_COVERED)}")
    print(f"TOTAL {len(rows)} faults in {time.monotonic() - started:.0f} s: "
          f"articles lost {sum(r.ledger.articles_lost for r in rows)}, "
          f"duplicate articles {sum(r.ledger.duplicate_articles for r in rows)}, "
          f"alerts lost {sum(r.ledger.alerts_lost for r in rows)}, "
          f"duplicate alerts {sum(r.ledger.duplicate_alerts for r in rows)}, "
          f"healthy alert delivered {sum(r.ledger.healthy_alert for r in rows)}/{len(rows)}"
          + (f"; FAILED: {', '.join(failed)}" if failed else "; all checks passed"))
    return 1 if lost or failed else 0


def _line(row: Row) -> str:
    return f"  {row.name}: {row.outcome} ({row.seconds:.1f} s)"


def _table(rows: list[Row]) -> str:
    body = [(r.name, r.outcome, str(r.ledger.articles_lost), str(r.ledger.duplicate_articles),
             str(r.ledger.alerts_lost), str(r.ledger.duplicate_alerts),
             "yes" if r.ledger.healthy_alert else "no",
             f"{r.ledger.articles_expected}/{r.ledger.alerts_expected}",
             "-" if r.rss_mb is None else f"{r.rss_mb:.0f}", f"{r.seconds:.1f}") for r in rows]
    widths = [max(len(c), *(len(b[i]) for b in body)) if body else len(c)
              for i, c in enumerate(COLUMNS)]
    widths[1] = min(widths[1], 70)

    def fmt(cells: tuple[str, ...]) -> str:
        return " | ".join(c[:w].ljust(w) if i < 2 else c.rjust(w)
                          for i, (c, w) in enumerate(zip(cells, widths, strict=True)))
    rule = "-+-".join("-" * w for w in widths)
    return "\n".join(["", fmt(COLUMNS), rule, *(fmt(b) for b in body)])


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
