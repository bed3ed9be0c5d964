"""Fault scenarios of issue 14 about what newswatch reads and prints: a rule regex built to
backtrack, a YAML file of aliases of aliases, and hostile titles (Rich markup, ANSI escapes, a
spreadsheet formula) read back through `newswatch sql`. scenarios.py appends OUTPUT.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import datetime
from typing import Any

from tests.faults import hostile_web as web
from tests.faults.blocks import HTML, RSS, FirstRun, Recorded, Scenario, Setup
from tests.faults.world import REPO, RunResult, World
from tests.scrapers.hostile_server import reply

REGEX_RUN_BOUND = 30.0   # seconds for a whole run; a backtracking engine would take hours
SINK_ENV = "NEWSWATCH_SINK_SLACK_URL"


def _s(name: str, setup: Setup, *recorded: Recorded, **kw: Any) -> Scenario:
    return Scenario(name, setup, tuple(recorded), **kw)


def _counted_repeat(world: World) -> None:
    """A rule whose regex repeats a variable group twelve times: on a backtracking engine,
    every article without a match would take hours. Its alerts go to a webhook of their own
    (not the desk's), so only the run's time and the desk's alerts are judged."""
    world.env[SINK_ENV] = "slack://T0SINKFLT/B0SINKFLT/s1nkSu1teW3bh00kT0ken42"
    world.extra_channels.append({"name": "regex-sink", "url": {"$env": SINK_ENV},
                                 "format": "slack"})
    world.extra_rule_files["counted.yaml"] = (
        "rules:\n  - id: counted\n    name: Counted repeat\n"
        "    match: {any: [{regex: '(?:.*a){12}x'}]}\n    channels: [regex-sink]\n")
    _hostile_title("a" * 300 + " Corvania")(world)


def _within(seconds: float) -> FirstRun:
    def first_run(world: World, now: datetime) -> RunResult:
        started = time.monotonic()
        result = world.run(now)
        took = time.monotonic() - started
        if result.error is None and took > seconds:
            result.error = f"the run took {took:.0f} s (bound {seconds:g} s)"
        return result
    return first_run


# Six levels of eight aliases: 262,144 terms in one rule, from under 500 bytes.
ALIAS_BOMB = """\
a: &a {any: [x, x, x, x, x, x, x, x]}
b: &b {any: [*a, *a, *a, *a, *a, *a, *a, *a]}
c: &c {any: [*b, *b, *b, *b, *b, *b, *b, *b]}
d: &d {any: [*c, *c, *c, *c, *c, *c, *c, *c]}
e: &e {any: [*d, *d, *d, *d, *d, *d, *d, *d]}
f: &f {any: [*e, *e, *e, *e, *e, *e, *e, *e]}
rules:
  - id: bomb
    name: Bomb
    channels: [desk-email]
    match: *f
"""


def _alias_bomb(world: World) -> None:
    world.extra_rule_files["bomb.yaml"] = ALIAS_BOMB


# --- hostile titles read back through the CLI ------------------------------------------------

MARKUP = "[link=https://evil.example]sign in[/link] [/r/worldnews]"
ANSI = "\x1b[31mred\x1b[0m\x1b]8;;https://evil.example\x07"
FORMULA = '=HYPERLINK("https://evil.example","Corvania")'


def _hostile_title(title: str) -> Setup:
    """One hostile article about Corvania (so it alerts) under `title`."""
    def setup(world: World) -> None:
        p = web.Page(1, title, "Corvania")
        url = f"{world.base}/a/1.html"
        world.hostile.route("/a/1.html", reply(
            200, web.article_html(p, canonical=url).encode(), content_type=HTML))
        world.hostile.route("/feed.xml", reply(200, web.rss([web.Item(url, "Item")]),
                                               content_type=RSS))
        world.add_source(f"{world.base}/feed.xml")
        world.expect(url, p)
    return setup


def newswatch_sql(world: World, *args: str) -> tuple[int, str]:
    """`newswatch sql --live ARGS` on the scenario's warehouse: (exit code, stdout)."""
    env = {**os.environ, "COLUMNS": "400", "NEWSWATCH_CONFIG_DIR": str(world.config_dir)}
    done = subprocess.run(
        [sys.executable, "-m", "cli.app", "sql", "--live", "--warehouse",
         str(world.warehouse), *args], cwd=REPO, env=env, capture_output=True, text=True,
        timeout=120)
    return done.returncode, done.stdout + done.stderr


TITLE_SQL = "SELECT title FROM articles WHERE source_id = 'hostile'"


def _printed_literally(world: World) -> list[str]:
    [(stored,)] = world.rows(TITLE_SQL) or [("",)]
    problems = []
    if "\x1b" in stored or "\x07" in stored:
        problems.append(f"escape sequences stored: {stored!r}")
    if MARKUP not in stored:
        problems.append(f"markup not stored as text: {stored!r}")
    code, out = newswatch_sql(world, TITLE_SQL)
    if code != 0 or MARKUP not in out or "\x1b" in out:
        problems.append(f"sql printed (exit {code}): {out[-300:]!r}")
    return problems


def _formula_neutralised(world: World) -> list[str]:
    code, out = newswatch_sql(world, "--format", "csv", TITLE_SQL)
    cells = out.splitlines()[1:]
    if code != 0 or not cells or "HYPERLINK" not in cells[0]:
        return [f"sql --format csv (exit {code}): {out[-300:]!r}"]
    live = [c for c in cells if c.lstrip('"').startswith(("=", "+", "-", "@"))]
    return [f"formula cells in the CSV: {live}"] if live else []


OUTPUT: list[Scenario] = [
    _s("rule with a counted-repeat regex ((?:.*a){12}x)", _counted_repeat,
       first_run=_within(REGEX_RUN_BOUND)),
    _s("YAML alias bomb in a rule file", _alias_bomb,
       Recorded("config", "aliases nest too deep or expand too large")),
    _s("Rich markup and ANSI escapes in a title",
       _hostile_title(f"Corvania {MARKUP} {ANSI}"), check=_printed_literally),
    _s("formula in a title (sql --format csv)", _hostile_title(FORMULA),
       check=_formula_neutralised),
]
