"""Alert latency: from a story's publication on a site to its alert in an inbox, under
`newswatch serve` with the sources polled every minute (goal: p95 <= 60 + 30 s).

The demo news sites run on the real clock (demo.clock.WallClock); PROBES new stories, each a
distinct ceasefire story, are published on them SPACING seconds apart (17 s: the publication
times fall all over the minute, not on one phase of the poll), each appearing in its site's
feed and pages at its time. `python -m flows.serve` (what `newswatch serve` runs) serves the
three sites at `interval: 1m` with Prefect's runner and its default poll, against a local
Prefect server started beforehand (its start-up is not what is measured), over a warehouse
that already holds the sites' earlier stories (one plain run first), as on a desk that has
been running for a while. The loopback SMTP inbox stamps each message's arrival; latency =
arrival - publication, p50 and p95 (nearest rank) over the probes.

    python -m bench.alert_latency        (about 6 minutes)
"""

from __future__ import annotations

import asyncio
import math
import os
import random
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO

import yaml

from bench.results import record
from core.settings import Settings
from demo.clock import WallClock
from demo.mailbox import LoopbackMailbox
from demo.model import DemoArticle, make_article
from demo.server import DemoNewsServer
from flows.serve import local_server
from pipeline.runner import run_plain

PROBES = 12
SPACING = 17.0          # seconds between publications
FIRST_AFTER = 15.0      # seconds from serve being ready to the first publication
LAST_WAIT = 150.0       # how long after the last publication its alert may still come
GOAL_SECONDS = 60 + 30
REPO = Path(__file__).resolve().parent.parent
EMAIL_ENV = "NEWSWATCH_EMAIL_URL"
PLACES = ("Ardent Reach", "Bellmoor", "Calloway Ford", "Dunmere", "Esker Vale", "Farrow Gap",
          "Gilden Marsh", "Harrowfield", "Iverholt", "Juniper Crossing", "Kestrel Downs",
          "Larchmont Pass", "Marrow Bay", "Northwick Heights", "Orrin Delta", "Pell Ridge")
SITES = ("harbour-times", "northern-ledger", "valley-courier")
_RULE = {"rules": [{"id": "probe-ceasefire", "name": "Ceasefire (latency probe)",
                    "severity": "high", "match": {"any": ["ceasefire"]},
                    "channels": ["desk-email"]}]}
_CHANNELS = {"channels": [{"name": "desk-email", "url": {"$env": EMAIL_ENV},
                           "format": "email", "timezone": "UTC"}]}


def probe_story(index: int, site: str, when: datetime) -> DemoArticle:
    """A ceasefire story unlike every other probe (own place, own words), so that none is
    taken for a copy of another and each gets an alert of its own."""
    rng = random.Random(index)
    place = PLACES[index % len(PLACES)]
    syllables = ("ka", "lo", "ven", "tir", "mar", "sel", "dun", "ora", "bri", "quen", "hal",
                 "zor", "pim", "eth", "rau", "gol")

    def word() -> str:
        return "".join(rng.choice(syllables) for _ in range(rng.randint(2, 3)))

    def sentence() -> str:
        return " ".join(word() for _ in range(rng.randint(9, 14))).capitalize() + "."

    paragraphs = [f"A ceasefire agreed overnight in {place} was holding on {when:%A}, "
                  f"officials said, after weeks of fighting between {word().title()} "
                  f"militias and government forces."]
    paragraphs += [" ".join(sentence() for _ in range(3)) for _ in range(5)]
    return make_article(
        site, f"world/probe-{index}-{place.lower().replace(' ', '-')}",
        f"Ceasefire agreed in {place}", f"Guns fall silent in {place} after talks.",
        byline=["Probe Desk"], section="World", tags=["Conflict"], published_at=when,
        paragraphs=paragraphs)


def _config(folder: Path, server: DemoNewsServer) -> Path:
    (folder / "rules").mkdir(parents=True)
    sources = [{"id": s.slug, "url": s.feed_url, "language": "en", "interval": "1m",
                "allow_private_addresses": True} for s in server.sites()]
    (folder / "sources.yaml").write_text(yaml.safe_dump({"sources": sources}), "utf-8")
    (folder / "channels.yaml").write_text(yaml.safe_dump(_CHANNELS), "utf-8")
    (folder / "rules" / "probe.yaml").write_text(yaml.safe_dump(_RULE), "utf-8")
    return folder


def _wait_for(log: Path, text: str, process: subprocess.Popen[bytes], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"newswatch serve exited: {log.read_text()[-2000:]}")
        if text in log.read_text(errors="replace"):
            return
        time.sleep(0.5)
    raise TimeoutError(f"newswatch serve did not print {text!r} in {timeout:g} s")


def _latencies(probes: list[DemoArticle], box: LoopbackMailbox) -> dict[str, float]:
    """Seconds from each probe's publication to the first message naming its headline."""
    found: dict[str, float] = {}
    for mail in box.received:
        text = mail.message.as_string()
        for probe in probes:
            if probe.headline in text and probe.path not in found:
                found[probe.path] = (mail.received_at - probe.published_at).total_seconds()
    return found


def _serve(env: dict[str, str], log: IO[bytes]) -> subprocess.Popen[bytes]:
    return subprocess.Popen([sys.executable, "-m", "flows.serve"], cwd=REPO, env=env,
                            stdout=log, stderr=subprocess.STDOUT)


def measure(tmp: Path) -> tuple[list[float], int]:
    """(latencies of the probes that arrived, probes published)."""
    with DemoNewsServer(WallClock()) as server, LoopbackMailbox() as box, \
            local_server(home=tmp / "prefect", log=tmp / "server.log") as api_url:
        config = _config(tmp / "config", server)
        env = {**os.environ, "PREFECT_API_URL": api_url, "PREFECT_HOME": str(tmp / "prefect"),
               "PREFECT_LOGGING_LEVEL": "INFO", "PYTHONUNBUFFERED": "1",
               "NEWSWATCH_CONFIG_DIR": str(config),
               "NEWSWATCH_WAREHOUSE": str(tmp / "newswatch.duckdb"),
               # The three demo sites share one host: the demo's own pause between requests.
               "NEWSWATCH_FETCH_MIN_DELAY_SECONDS": "0.02",
               "NEWSWATCH_DIGEST_INTERVAL": "1d", EMAIL_ENV: box.apprise_url()}
        os.environ[EMAIL_ENV] = box.apprise_url()
        settings = Settings(config_dir=config, warehouse=tmp / "newswatch.duckdb",
                            fetch_min_delay_seconds=0.02)
        asyncio.run(run_plain(settings, datetime.now(UTC)))   # the sites' stories so far
        with (tmp / "serve.log").open("wb") as log:
            serve = _serve(env, log)
            try:
                _wait_for(tmp / "serve.log", "monitor every 1m", serve, 180)
                start = datetime.now(UTC) + timedelta(seconds=FIRST_AFTER)
                probes = [probe_story(i, SITES[i % len(SITES)],
                                      start + timedelta(seconds=SPACING * i))
                          for i in range(PROBES)]
                for probe in probes:
                    server.publish(probe)
                deadline = probes[-1].published_at + timedelta(seconds=LAST_WAIT)
                while datetime.now(UTC) < deadline and len(_latencies(probes, box)) < PROBES:
                    time.sleep(1)
            finally:
                serve.terminate()
                try:
                    serve.wait(timeout=30)
                except subprocess.TimeoutExpired:
                    serve.kill()
                    serve.wait()
        return sorted(_latencies(probes, box).values()), len(probes)


def nearest_rank(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[max(math.ceil(q * len(ordered)) - 1, 0)]


def run() -> list[tuple[str, str]]:
    previous = os.environ.get(EMAIL_ENV)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            latencies, published = measure(Path(tmp))
    finally:   # the inbox's address was for this measure only
        if previous is None:
            os.environ.pop(EMAIL_ENV, None)
        else:
            os.environ[EMAIL_ENV] = previous
    if not latencies:
        return [("alert latency", f"no alert arrived for any of {published} stories")]
    p50, p95 = nearest_rank(latencies, 0.5), nearest_rank(latencies, 0.95)
    missing = published - len(latencies)
    if not missing:
        record({"alert_latency_p50_seconds": p50, "alert_latency_p95_seconds": p95})
    return [(f"alert latency: serve every 1m, {published} stories",
             f"p50 {p50:.0f} s, p95 {p95:.0f} s (goal p95 <= {GOAL_SECONDS} s); "
             f"min {latencies[0]:.0f} s, max {latencies[-1]:.0f} s"
             + (f"; {missing} never arrived (not recorded)" if missing else ""))]


if __name__ == "__main__":
    for name, figure in run():
        print(f"  {name:<45} {figure}", flush=True)
