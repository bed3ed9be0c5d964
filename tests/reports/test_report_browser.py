"""The report from the demo warehouse, opened in a real browser (headless Chromium): the page
renders offline and its chart is really drawn, not a blank or broken image."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from PIL import Image
from typer.testing import CliRunner

from cli.app import app
from cli.demo import demo_last_day

REPO = Path(__file__).resolve().parents[2]
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable")
WIDTH, HEIGHT = 1280, 1000
BAR_COLOURS = ((31, 119, 180), (255, 127, 14), (44, 160, 44))   # matplotlib C0, C1, C2
runner = CliRunner()


def _browser() -> str:
    for name in BROWSERS:
        found = shutil.which(name)
        if found:
            return found
    pytest.skip(f"no headless browser: none of {', '.join(BROWSERS)} is on PATH "
                "(Debian: apt-get install chromium; .ci/run installs it)")


def screenshot(browser: str, page: Path, shot: Path, profile: Path) -> None:
    # --no-sandbox: CI containers run as root, where Chromium's sandbox refuses to start.
    subprocess.run([browser, "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars",
                    "--no-first-run", f"--user-data-dir={profile}",
                    f"--window-size={WIDTH},{HEIGHT}", f"--screenshot={shot}",
                    page.resolve().as_uri()],
                   check=True, capture_output=True, timeout=120)


@pytest.mark.e2e
def test_demo_report_renders_in_headless_chromium(prefect_harness: None, tmp_path: Path,
                                                  monkeypatch: pytest.MonkeyPatch) -> None:
    browser = _browser()
    monkeypatch.chdir(REPO)
    monkeypatch.delenv("NEWSWATCH_CONFIG_DIR", raising=False)
    demo = runner.invoke(app, ["demo", "--workdir", str(tmp_path / "demo")])
    assert demo.exit_code == 0, demo.output
    last_day = demo_last_day()
    page = tmp_path / "report.html"
    made = runner.invoke(app, ["report", "--warehouse", str(tmp_path / "demo" / "newswatch.duckdb"),
                               "--until", last_day.isoformat(), "--days", "14",
                               "--out", str(page)])
    assert made.exit_code == 0, made.output

    shot = tmp_path / "shot.png"
    screenshot(browser, page, shot, tmp_path / "profile")
    image = Image.open(shot).convert("RGB")
    assert image.size == (WIDTH, HEIGHT)
    # The chart sits under the heading: count what is drawn there.
    pixels = np.asarray(image, dtype=np.int16)
    chart = pixels[60:640].reshape(-1, 3)
    non_white = int((chart.min(axis=1) < 235).sum())
    assert non_white > 0.03 * len(chart), f"chart region nearly blank: {non_white} pixels"
    assert len(np.unique(chart, axis=0)) > 40, "too few colours: the chart did not render"
    for colour in BAR_COLOURS:   # the demo's three sites each have a bar
        near = (np.abs(chart - np.array(colour)) <= 12).all(axis=1).sum()
        assert near > 200, f"no bar drawn in {colour}"
    # And the page's text rendered below it (dark glyphs in the lower part of the page).
    lower = pixels[640:].reshape(-1, 3)
    assert int((lower.max(axis=1) < 120).sum()) > 500
