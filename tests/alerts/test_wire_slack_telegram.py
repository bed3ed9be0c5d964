"""Slack and Telegram, exactly as they receive the hostile corpus (an alert, a digest and an ops
notice), posted by Apprise's own plugins to stand-ins on 127.0.0.1.

Slack gets Block Kit for a slack channel, ops notices included: a notice used to go out as
mrkdwn-escaped lines in a markdown body, which Apprise's CommonMark conversion turned into a
live link and an @channel (`[Feed moved: sign in](https://evil.example) [.](!channel)`).
Telegram converts markdown to its own: what arrives is its legacy Markdown, every link
bracket of the corpus escaped.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.alerts.hostile_strings import SOURCE, W199, Z, rating_md
from tests.alerts.service_http import (
    SLACK_TOKENS,
    TELEGRAM_BOT,
    TELEGRAM_CHAT,
    Services,
    deliver,
    services,
)

__all__ = ["services"]   # the fixture

# The corpus as Slack mrkdwn: `<`, `>` and `&` are entities, so no <!channel>, <@U1> or
# <url|label> can form; markdown links are not Slack syntax and stay text.
TITLE_MRKDWN = (f"&lt;{Z}!channel&gt; &lt;{Z}!here&gt; @{Z}everyone @{Z}here "
                f"&lt;{Z}@{Z}123456789&gt; &lt;{Z}@{Z}!123456789&gt; "
                f"&lt;{Z}@{Z}&amp;987654321&gt; &lt;{Z}#555555555&gt; "
                f"&lt;{Z}at&gt;General&lt;/at&gt;")
URL_SLACK = "https://harbour-times.example/%40everyone/%3C%40&amp;1%3E?q=[x](y)%20z"
HEAD = (f"*<{URL_SLACK}|{TITLE_MRKDWN}>*\n{SOURCE} · 20 Nov 2026 09:40 UTC\n"
        f"Also carried by: {W199}")
QUOTE = ("> A *ceasefire* [Feed moved: sign in](https://evil.example) [.](!channel) "
         "![pixel](https://evil.example/p.gif) &lt;script&gt;alert(1)&lt;/script&gt; "
         "[link=https://evil.example]click[/link] [31mred [0m "
         f"@{Z}everyone @{Z}channel [boss](tg://user?id=42)")
META = f"*CRITICAL* · Ceasefire @{Z}here · matched: ceasefire"
SECOND_HEAD = (f"*@{Z}all [bold red]alarm[/] ]8;;https://evil.example osc ]8;; isolate "
               f"&lt;{Z}@{Z}123456789&gt;*\nValley Courier · 20 Nov 2026 09:40 UTC")
NOTICE_LINES = (
    f"• FAILING: Rude @{Z}channel Feed (rude): its feed failed in the last 3 runs; last error: "
    "server\u02cderror: HTTP 503 [Feed moved: sign in](https://evil.example) [.](!channel) "
    f"&lt;{Z}@{Z}&amp;987654321&gt; &lt;{Z}!channel&gt;\n"
    "• GONE QUIET: Quiet one TWO Wire (quiet): no new article; "
    "&lt;img src=x onerror=alert(1)&gt;")
FOOTER = "Details: `SELECT * FROM v_source_health`; history: `SELECT * FROM source_alerts`."


def section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text, "verbatim": True}}


def context(*texts: str) -> dict[str, Any]:
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text, "verbatim": True}
                                            for text in texts]}


SLACK = {
    "alert": {"color": "#d40e0d", "fallback": f"CRITICAL · Ceasefire @{Z}here: {TITLE_MRKDWN}",
              "blocks": [section(HEAD), section(QUOTE), context(META, rating_md("h1"))]},
    "digest": {"color": "#d40e0d", "fallback": "newswatch digest: 2 stories", "blocks": [
        section("*newswatch digest: 2 stories*"), section(f"*Ceasefire @{Z}here* · CRITICAL"),
        section(HEAD), section(QUOTE), context(META, rating_md("h1")),
        section(f"*Ports &lt;{Z}!channel&gt;* · LOW"), section(SECOND_HEAD),
        context(f"*LOW* · Ports &lt;{Z}!channel&gt; · matched: ceasefire", rating_md("h2"))]},
    "notice": {"color": "#e2b93d", "fallback": "[newswatch] sources: 1 failing, 1 gone quiet",
               "blocks": [section("*[newswatch] sources: 1 failing, 1 gone quiet*"),
                          section("Source health changed:"), section(NOTICE_LINES),
                          context(FOOTER)]},
}


@pytest.mark.parametrize("kind", SLACK)
def test_slack_gets_block_kit_that_cannot_ping_or_link(
        services: Services, kind: str, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    deliver(services.url("slack"), kind, "slack", tmp_path, monkeypatch)
    [request] = services.posted("slack")
    assert request.path == "/services/{}/{}/{}".format(*SLACK_TOKENS)
    assert request.json == {"attachments": [SLACK[kind]]}


def test_a_markdown_ops_channel_on_slack_gets_text_not_links(
        services: Services, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # The notice as CommonMark, through Apprise's conversion to mrkdwn: the escaped brackets
    # come out as plain brackets, which Slack shows as they are.
    deliver(services.url("slack"), "notice", "markdown", tmp_path, monkeypatch)
    [payload] = services.payloads("slack")
    attachment = payload["attachments"][0]
    assert isinstance(attachment.pop("ts"), float)   # Apprise's own timestamp
    icon = "https://github.com/caronc/apprise/raw/master/apprise/assets/themes/default/"
    assert payload == {"mrkdwn": True, "icon_url": f"{icon}apprise-info-72x72.png",
                       "attachments": [{
        "title": "[newswatch] sources: 1 failing, 1 gone quiet",
        "text": "\n".join([
            "Source health changed:", "",
            f"- FAILING: Rude @{Z}channel Feed (rude): its feed failed in the last 3 runs; last "
            "error: server\\_error: HTTP 503 [Feed moved: sign in](https://evil.example) "
            f"[.](!channel) &lt;{Z}@{Z}&amp;987654321&gt; &lt;{Z}!channel&gt;",
            "- GONE QUIET: Quiet one TWO Wire (quiet): no new article; "
            "&lt;img src=x onerror=alert(1)&gt;", "", FOOTER]),
        "color": "#3AA3E3", "footer_icon": f"{icon}apprise-info-72x72.png",
        "footer": "Apprise"}]}


# The corpus as Telegram's legacy Markdown (Apprise converts CommonMark to it): a "[" that
# would open a link is escaped; < and > mean nothing in this mode.
TG_TITLE = (f"<{Z}!channel> <{Z}!here> @{Z}everyone @{Z}here <{Z}@{Z}123456789> "
            f"<{Z}@{Z}!123456789> <{Z}@{Z}&987654321> <{Z}#555555555> <{Z}at>General</at>")
TG_ALERT = "\n".join([
    f"*[{TG_TITLE}](https://harbour-times.example/%40everyone/%3C%40&1%3E?q=[x]%28y%29%20z)*",
    f"{SOURCE} · 20 Nov 2026 09:40 UTC",
    r"> A *ceasefire* \[Feed moved: sign in\](https://evil.example) \[.\](!channel) "
    r"!\[pixel\](https://evil.example/p.gif) <script>alert(1)</script> "
    r"\[link=https://evil.example\]click\[/link\] \[31mred \[0m "
    f"@{Z}everyone @{Z}channel " r"\[boss\](tg://user?id=42)",
    f"Also carried by: {W199}",
    f"_CRITICAL · Ceasefire @{Z}here_",
    rating_md("h1")])
TELEGRAM = {
    "alert": "\n".join([rf"*\[newswatch\] Ceasefire @{Z}here: {TG_TITLE}*", TG_ALERT]),
    "digest": "\n".join([
        r"*\[newswatch\] newswatch digest: 2 stories*", f"*Ceasefire @{Z}here (critical)*",
        "", TG_ALERT, "", f"*Ports <{Z}!channel> (low)*", "",
        rf"*[@{Z}all \[bold red\]alarm\[/\] \]8;;https://evil.example osc \]8;; isolate "
        f"<{Z}@{Z}123456789>](about:blank)*",
        "Valley Courier · 20 Nov 2026 09:40 UTC", f"_LOW · Ports <{Z}!channel>_",
        rating_md("h2")]),
    "notice": "\n".join([
        r"*\[newswatch\] sources: 1 failing, 1 gone quiet*", "Source health changed:", "",
        f"- FAILING: Rude @{Z}channel Feed (rude): its feed failed in the last 3 runs; last "
        r"error: server\_error: HTTP 503 \[Feed moved: sign in\](https://evil.example) "
        rf"\[.\](!channel) <{Z}@{Z}&987654321> <{Z}!channel>",
        "- GONE QUIET: Quiet one TWO Wire (quiet): no new article; "
        "<img src=x onerror=alert(1)>", "", FOOTER]),
}


@pytest.mark.parametrize("kind", TELEGRAM)
def test_telegram_gets_markdown_with_every_link_escaped(
        services: Services, kind: str, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    deliver(services.url("telegram"), kind, "markdown", tmp_path, monkeypatch)
    [request] = services.posted("telegram")
    assert request.path == f"/bot{TELEGRAM_BOT}/sendMessage"
    assert request.json == {"disable_notification": False, "disable_web_page_preview": True,
                            "parse_mode": "MARKDOWN", "chat_id": int(TELEGRAM_CHAT),
                            "text": TELEGRAM[kind]}
