"""Start-up time of the commands people type many times a day, each a fresh process, against
`python -c "import duckdb"` (the least any command that reads the warehouse can cost) run in the
same rounds as the baseline. Wall-clock time is what a user waits; CPU time (the process's
user + system time) is shown beside it because it moves less with the load of a shared machine.

The commands run on the repo's config/ and a small warehouse made here, through the `newswatch`
script of this Python (or `python -m cli.app`), with this checkout first on the path. Each
round runs every command once, in turn, so load from other processes falls on all alike; the
figure is the median of the rounds, after one round to warm the caches.

    python -m bench.startup
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
ROUNDS = 10
SQL_TARGET_SECONDS, SQL_TARGET_RATIO = 0.5, 3.0


def _newswatch() -> list[str]:
    script = Path(sys.executable).with_name("newswatch")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "cli.app"]


def _commands(warehouse: Path) -> dict[str, list[str]]:
    cli = _newswatch()
    return {
        "baseline": [sys.executable, "-c", "import duckdb"],
        "newswatch --help": [*cli, "--help"],
        'newswatch sql "SELECT 1"': [*cli, "sql", "SELECT 1", "--warehouse", str(warehouse)],
        "newswatch check": [*cli, "check"],
        "newswatch rules check": [*cli, "rules", "check"],
    }


def _small_warehouse(path: Path) -> None:
    from warehouse.connection import writer

    with writer(path) as con:
        con.execute("INSERT INTO sources (source_id, name, kind, url) VALUES "
                    "('a', 'Alpha News', 'feed', 'http://127.0.0.1/a')")


def _cpu() -> float:
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def _seconds(command: list[str], env: dict[str, str], cwd: Path) -> tuple[float, float]:
    """Wall-clock and CPU seconds of one run of `command`."""
    cpu, started = _cpu(), time.perf_counter()
    done = subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True, timeout=120)
    took, cpu = time.perf_counter() - started, _cpu() - cpu
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} exited with {done.returncode}: "
                           f"{done.stderr.strip()[-500:]}")
    return took, cpu


def medians(rounds: int = ROUNDS) -> dict[str, tuple[float, float]]:
    """Median wall-clock and CPU seconds per command (the keys of `_commands`)."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        _small_warehouse(folder / "wh.duckdb")
        commands = _commands(folder / "wh.duckdb")
        env = {**os.environ, "PYTHONPATH": str(REPO),
               "NEWSWATCH_CONFIG_DIR": str(REPO / "config")}
        samples: dict[str, list[tuple[float, float]]] = {name: [] for name in commands}
        for round_number in range(rounds + 1):
            for name, command in commands.items():
                took = _seconds(command, env, folder)
                if round_number:                      # round 0 warms the caches
                    samples[name].append(took)
    return {name: (statistics.median(w for w, _ in times), statistics.median(c for _, c in times))
            for name, times in samples.items()}


def run(rounds: int = ROUNDS) -> list[tuple[str, str]]:
    figures = medians(rounds)
    base, base_cpu = figures.pop("baseline")
    out = [("start-up, python -c 'import duckdb' (baseline)",
            f"{base:.2f} s (CPU {base_cpu:.2f} s; medians of {rounds})")]
    for name, (seconds, cpu) in figures.items():
        figure = (f"{seconds:.2f} s, {seconds / base:.1f}x the baseline (CPU {cpu:.2f} s, "
                  f"{cpu / base_cpu:.1f}x)")
        if name.startswith("newswatch sql"):
            met = seconds <= SQL_TARGET_SECONDS and seconds / base <= SQL_TARGET_RATIO
            figure += (f" (target: at most {SQL_TARGET_SECONDS:g} s and "
                       f"{SQL_TARGET_RATIO:g}x: {'met' if met else 'NOT met'})")
        out.append((f"start-up, {name}", figure))
    return out


if __name__ == "__main__":
    for label, value in run():
        print(f"  {label:<45} {value}", flush=True)
