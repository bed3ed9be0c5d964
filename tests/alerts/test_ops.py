"""Ops notices through `send_to_ops`: config problems told once per problem, escaped for each
ops channel's format, over real SMTP on loopback and a real DuckDB file."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from alerts.channels import Channel
from alerts.ops import announce_config_problems
from alerts.render import OpsNotice, render_notice
from core.settings import Settings
from demo.mailbox import LoopbackMailbox
from pipeline.config import Config

T0 = datetime(2026, 11, 21, 12, 0, tzinfo=UTC)
HOSTILE = "rules/x.yaml:3:5: match: <b>bold</b> *stars* @here"


def _ops(name: str, box: LoopbackMailbox, fmt: str, monkeypatch: pytest.MonkeyPatch) -> Channel:
    variable = f"TEST_OPS_{name.upper().replace('-', '_')}_URL"
    monkeypatch.setenv(variable, box.apprise_url(to=f"{name}@newswatch.localhost"))
    return Channel.model_validate({"name": name, "url": {"$env": variable}, "format": fmt,
                                   "ops": True})


def _announce(settings: Settings, config: Config, problems: list[str],
              now: datetime) -> tuple[int, list[str]]:
    return asyncio.run(announce_config_problems(settings, config, problems, now=now))


def test_config_problems_are_told_once_and_escaped_for_each_format(
        tmp_path: Path, mailbox: LoopbackMailbox, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = Settings(warehouse=tmp_path / "wh.duckdb", config_dir=tmp_path)
    with LoopbackMailbox() as text_box:
        config = Config(channels={"html-ops": _ops("html-ops", mailbox, "email", monkeypatch),
                                  "text-ops": _ops("text-ops", text_box, "text", monkeypatch)})
        assert _announce(settings, config, [HOSTILE], T0) == (2, [])
        [html_mail], [text_mail] = mailbox.received, text_box.received
        assert html_mail.subject == text_mail.subject == "[newswatch] 1 config problem(s)"
        html = html_mail.part("text/html")
        assert "&lt;b&gt;bold&lt;/b&gt;" in html and "<b>bold" not in html
        assert "<code>newswatch check</code>" in html
        text = text_mail.part("text/plain")
        assert "- rules/x.yaml:3:5: match: <b>bold</b> *stars* @" in text
        assert "@here" not in html and "@here" not in text   # defused with a zero-width joiner

        # The same problem again: not told again; a new one: only the new one.
        assert _announce(settings, config, [HOSTILE], T0 + timedelta(hours=1)) == (0, [])
        later = "rules/y.yaml:1:1: rules: expected a list"
        assert _announce(settings, config, [HOSTILE, later], T0 + timedelta(hours=2)) == (2, [])
        assert len(mailbox.received) == len(text_box.received) == 2
        body = text_box.received[1].part("text/plain")
        assert later in body and "x.yaml" not in body


def test_a_refusing_ops_channel_is_named_and_the_other_still_told(
        tmp_path: Path, mailbox: LoopbackMailbox, monkeypatch: pytest.MonkeyPatch) -> None:
    settings = Settings(warehouse=tmp_path / "wh.duckdb", config_dir=tmp_path)
    with LoopbackMailbox() as broken:
        broken.refuse("554 no thanks")
        config = Config(channels={"broken-ops": _ops("broken-ops", broken, "email", monkeypatch),
                                  "ops-mail": _ops("ops-mail", mailbox, "email", monkeypatch)})
        sent, failures = _announce(settings, config, [HOSTILE], T0)
    assert sent == 1 and len(mailbox.received) == 1
    [failure] = failures
    assert failure.startswith("broken-ops (ops): DeliveryError: ")


def test_no_ops_channel_records_the_problem_and_sends_nothing(tmp_path: Path) -> None:
    settings = Settings(warehouse=tmp_path / "wh.duckdb", config_dir=tmp_path)
    assert _announce(settings, Config(), [HOSTILE], T0) == (0, [])


@pytest.mark.parametrize(("fmt", "listed", "code"), [
    ("email", "<li>rules/x.yaml:3:5: match: &lt;b&gt;bold&lt;/b&gt;", "<code>v</code>"),
    ("markdown", "- rules/x.yaml:3:5: match: \\<b\\>bold\\</b\\> \\*stars\\*", "`v`"),
    # A slack channel's body is what any other service would get: markdown.
    ("slack", "- rules/x.yaml:3:5: match: \\<b\\>bold\\</b\\> \\*stars\\*", "`v`"),
    ("text", "- rules/x.yaml:3:5: match: <b>bold</b> *stars*", "`v`"),
])
def test_a_notice_is_escaped_like_alerts_in_every_format(fmt: str, listed: str,
                                                         code: str) -> None:
    rendered = render_notice(OpsNotice("subject <i>", [HOSTILE], intro="Intro:",
                                       footer="See `v`."), fmt)
    assert rendered.title == "[newswatch] subject <i>"   # escaped where it is sent, per service
    assert listed in rendered.body
    assert code in rendered.body and "Intro:" in rendered.body
    assert (rendered.slack is not None) == (fmt == "slack")


def test_a_slack_notice_is_block_kit_posted_as_built() -> None:
    # As a markdown body it would go through Apprise's CommonMark-to-mrkdwn conversion, and a
    # remote server's reason phrase would become a link and an @channel.
    reason = "[Feed moved: sign in](https://evil.example) [.](!channel) <!here>"
    rendered = render_notice(OpsNotice("sources: x failing", [HOSTILE, reason],
                                       intro="Source health changed:", footer="See `v`."),
                             "slack")
    assert rendered.slack == {"color": "#e2b93d", "fallback": "[newswatch] sources: x failing",
                              "blocks": [
        _section("*[newswatch] sources: x failing*"),
        _section("Source health changed:"),
        _section("• rules/x.yaml:3:5: match: &lt;b&gt;bold&lt;/b&gt; \u2217stars\u2217 "
                 "@\u200dhere\n"
                 "• [Feed moved: sign in](https://evil.example) [.](!channel) "
                 "&lt;\u200d!here&gt;"),
        {"type": "context", "elements": [{"type": "mrkdwn", "text": "See `v`.",
                                          "verbatim": True}]}]}


def test_many_lines_are_split_into_sections_under_slacks_limit() -> None:
    lines = [f"problem {n}: " + "x" * 900 for n in range(12)]
    rendered = render_notice(OpsNotice("12 config problem(s)", lines), "slack")
    assert rendered.slack is not None
    texts = [b["text"]["text"] for b in rendered.slack["blocks"] if b["type"] == "section"]
    assert [len(t.split("\n")) for t in texts] == [1, 3, 3, 3, 3]   # heading, then 3 a block
    assert all(len(t) <= 3000 for t in texts)
    assert "\n".join(texts[1:]).count("• problem") == 12


def _section(text: str) -> dict[str, object]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text, "verbatim": True}}
