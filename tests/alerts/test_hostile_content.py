"""Hostile article text in every format, pinned to the exact output: mentions, markup, entity
tricks, link injection, a 10,000-character word, right-to-left text and overrides, emoji."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from alerts.notify import send
from alerts.render import render
from alerts.render_slack import MAX_BYTES, TEXT_MAX, template_json
from core.records import AlertView
from demo.mailbox import LoopbackMailbox
from tests.alerts.test_slack import WEBHOOK, SlackHTTP, context, section, slack_http

__all__ = ["slack_http"]   # the fixture, shared with test_slack

Z = "\u200d"   # the zero-width joiner that defuses a mention: "@\u200dchannel"
HOSTILE = AlertView(
    alert_id="h1", rule_id="ceasefire", rule_name="Ceasefire", severity="critical",
    title=("<!channel> <!here> @channel <@U123> <script>alert(1)</script> &lt;script&gt; "
           "<http://evil.example|click me>"),
    url="https://harbour-times.example/a?b=1&c=<2>|x y",
    source_name="Harbour \u202eemiT\u202c Times",
    published_at=datetime(2026, 11, 20, 9, 40, tzinfo=UTC),
    sentence="A ceasefire <!here> *now* `code` ~strike~ _it_ &amp; &#60;b&#62; @everyone",
    terms=("ceasefire",), other_sources=("<@U999> Daily",),
)
RTL = AlertView(
    alert_id="r1", rule_id="ceasefire", rule_name="Ceasefire", severity="low",
    title="وقف إطلاق النار \u202eفي غزة 🇵🇸 הפסקת אש 👩\u200d💻 ceasefire",
    url="javascript:alert(document.cookie)", source_name="الجزيرة", published_at=None,
    sentence="قال المفاوضون إن ceasefire 🕊️ سيبدأ\u2066", terms=("ceasefire",),
)
SUBJECT = (f"[newswatch] Ceasefire: <{Z}!channel> <{Z}!here> @{Z}channel <{Z}@{Z}U123> "
           "<script>alert(1)</script> &lt;script&gt; <http://evil.example|click me>")
RTL_TITLE = f"وقف إطلاق النار في غزة 🇵🇸 הפסקת אש 👩{Z}💻 ceasefire"
WORD = "W" * 10_000


# Slack ------------------------------------------------------------------------------------

def test_slack_blocks_cannot_ping_link_or_format(slack_http: SlackHTTP) -> None:
    send(WEBHOOK, render(HOSTILE, "slack"))
    assert slack_http.payloads == [{"attachments": [{
        "color": "#d40e0d",
        "fallback": (f"CRITICAL · Ceasefire: &lt;{Z}!channel&gt; &lt;{Z}!here&gt; @{Z}channel "
                     f"&lt;{Z}@{Z}U123&gt; &lt;script&gt;alert(1)&lt;/script&gt; "
                     "&amp;lt;script&amp;gt; &lt;http://evil.example|click me&gt;"),
        "blocks": [
            section("*<https://harbour-times.example/a?b=1&amp;c=%3C2%3E%7Cx%20y|"
                    f"&lt;{Z}!channel&gt; &lt;{Z}!here&gt; @{Z}channel &lt;{Z}@{Z}U123&gt; "
                    "&lt;script&gt;alert(1)&lt;/script&gt; &amp;lt;script&amp;gt; "
                    "&lt;http://evil.example¦click me&gt;>*\n"
                    "Harbour emiT Times · 20 Nov 2026 09:40 UTC\n"
                    f"Also carried by: &lt;{Z}@{Z}U999&gt; Daily"),
            section(f"> A *ceasefire* &lt;{Z}!here&gt; ∗now∗ ˋcodeˋ ∼strike∼ ˍitˍ &amp;amp; "
                    f"&amp;#60;b&amp;#62; @{Z}everyone"),
            context("*CRITICAL* · Ceasefire · matched: ceasefire", "h1"),
        ],
    }]}]
    raw = str(slack_http.requests[0].body)
    for live in ("<!channel", "<!here", "<@U", "<http://evil", "@channel", "@everyone", "\\u202e"):
        assert live not in raw, live


def test_slack_right_to_left_and_emoji_survive_without_overrides(slack_http: SlackHTTP) -> None:
    send(WEBHOOK, render(RTL, "slack"))
    attachment = slack_http.payloads[0]["attachments"][0]
    assert attachment == {
        "color": "#9e9e9e",
        "fallback": f"LOW · Ceasefire: {RTL_TITLE}",
        "blocks": [
            # A javascript: URL is never a link: the headline is just bold.
            section(f"*{RTL_TITLE}*\nالجزيرة"),
            section("> قال المفاوضون إن *ceasefire* 🕊️ سيبدأ"),
            context("*LOW* · Ceasefire · matched: ceasefire", "r1"),
        ],
    }


def test_slack_a_10000_character_word_is_cut_to_fit(slack_http: SlackHTTP) -> None:
    alert = replace(HOSTILE, title=WORD, sentence=f"ceasefire {WORD}", source_name="Source",
                    other_sources=())
    send(WEBHOOK, render(alert, "slack"))
    attachment = slack_http.payloads[0]["attachments"][0]
    assert attachment["blocks"][:2] == [
        section("*<https://harbour-times.example/a?b=1&amp;c=%3C2%3E%7Cx%20y|"
                f"{'W' * 299}…>*\nSource · 20 Nov 2026 09:40 UTC"),
        section(f"> *ceasefire* {'W' * 389}…"),
    ]
    assert attachment["fallback"] == f"CRITICAL · Ceasefire: {'W' * 299}…"
    assert len(template_json(attachment)) <= MAX_BYTES


def test_text_format_to_slack_is_escaped_by_apprise(slack_http: SlackHTTP) -> None:
    send(WEBHOOK, render(HOSTILE, "text"))
    text = slack_http.payloads[0]["attachments"][0]["text"]
    assert text.splitlines()[0] == (
        f"&lt;{Z}!channel&gt; &lt;{Z}!here&gt; @{Z}channel &lt;{Z}@{Z}U123&gt; "
        "&lt;script&gt;alert(1)&lt;/script&gt; &amp;lt;script&amp;gt; "
        "&lt;http://evil.example|click me&gt;")


# Email ------------------------------------------------------------------------------------

def test_email_html_escapes_everything() -> None:
    out = render(HOSTILE, "email")
    assert out.title == SUBJECT
    href = "https://harbour-times.example/a?b=1&amp;c=&lt;2&gt;|x%20y"
    assert (f'<h2 style="margin:6px 0"><bdi><a href="{href}">&lt;{Z}!channel&gt; &lt;{Z}!here&gt; '
            f"@{Z}channel &lt;{Z}@{Z}U123&gt; &lt;script&gt;alert(1)&lt;/script&gt; "
            "&amp;lt;script&amp;gt; &lt;http://evil.example|click me&gt;</a></bdi></h2>"
            ) in out.body
    assert (f"<bdi>“A <mark>ceasefire</mark> &lt;{Z}!here&gt; *now* `code` ~strike~ _it_ "
            f"&amp;amp; &amp;#60;b&amp;#62; @{Z}everyone”</bdi>") in out.body
    assert "<bdi>Harbour emiT Times</bdi> · 20 Nov 2026 09:40 UTC" in out.body
    assert f"Also carried by: &lt;{Z}@{Z}U999&gt; Daily" in out.body
    assert "<script" not in out.body and "\u202e" not in out.body


def test_email_through_smtp_reads_safely(mailbox: LoopbackMailbox) -> None:
    send(mailbox.apprise_url(), render(HOSTILE, "email"))
    send(mailbox.apprise_url(), render(RTL, "email"))
    hostile, rtl = mailbox.received
    assert hostile.subject == SUBJECT
    assert hostile.part("text/plain").splitlines() == [
        "CRITICAL · Ceasefire", "",
        f"<{Z}!channel> <{Z}!here> @{Z}channel <{Z}@{Z}U123> <script>alert(1)</script> "
        "&lt;script&gt; <http://evil.example|click me>", "",
        "Harbour emiT Times · 20 Nov 2026 09:40 UTC", "",
        "https://harbour-times.example/a?b=1&c=<2>|x%20y", "",
        f"“A ceasefire <{Z}!here> *now* `code` ~strike~ _it_ &amp; &#60;b&#62; @{Z}everyone”", "",
        f"Also carried by: <{Z}@{Z}U999> Daily", "",
        "Matched: ceasefire · rule: ceasefire", "",
        "Alert h1 · rate it: newswatch feedback h1 relevant|irrelevant",
    ]
    assert rtl.subject == f"[newswatch] Ceasefire: {RTL_TITLE}"
    assert rtl.part("text/plain").splitlines() == [
        "LOW · Ceasefire", "", RTL_TITLE, "", "الجزيرة", "", "about:blank", "",
        "“قال المفاوضون إن ceasefire 🕊️ سيبدأ”", "", "Matched: ceasefire · rule: ceasefire", "",
        "Alert r1 · rate it: newswatch feedback r1 relevant|irrelevant",
    ]
    assert '<a href="about:blank">' in rtl.part("text/html")
    assert "javascript" not in rtl.part("text/html")


def test_email_a_10000_character_word_is_cut_and_may_wrap() -> None:
    out = render(replace(HOSTILE, title=WORD, sentence=WORD), "email")
    assert out.title == f"[newswatch] Ceasefire: {'W' * 299}…"
    assert f">{'W' * 299}…</a></bdi></h2>" in out.body
    assert f"<bdi>“{'W' * 399}…”</bdi>" in out.body
    assert "overflow-wrap: anywhere" in out.body   # what is left still wraps in narrow windows
    assert len(out.body) < 3000


# Markdown and plain text ------------------------------------------------------------------

def test_markdown_exact() -> None:
    assert render(HOSTILE, "markdown").body.splitlines() == [
        r"**[\<" + Z + r"\!channel\> \<" + Z + r"\!here\> @" + Z + r"channel \<" + Z + "@" + Z
        + r"U123\> "
        r"\<script\>alert\(1\)\</script\> \&lt;script\&gt; \<http://evil.example\|click me\>]"
        "(https://harbour-times.example/a?b=1&c=%3C2%3E|x%20y)**",
        "Harbour emiT Times · 20 Nov 2026 09:40 UTC",
        r"> A **ceasefire** \<" + Z + r"\!here\> \*now\* \`code\` \~strike\~ \_it\_ "
        r"\&amp; &\#60;b&\#62; " f"@{Z}everyone",
        rf"Also carried by: \<{Z}@{Z}U999\> Daily",
        "_CRITICAL · Ceasefire_",
        "Alert `h1` · rate it: `newswatch feedback h1 relevant|irrelevant`",
    ]
    assert render(RTL, "markdown").body.splitlines() == [
        f"**[{RTL_TITLE}](about:blank)**",
        "الجزيرة",
        "> قال المفاوضون إن **ceasefire** 🕊️ سيبدأ",
        "_LOW · Ceasefire_",
        "Alert `r1` · rate it: `newswatch feedback r1 relevant|irrelevant`",
    ]


def test_text_exact() -> None:
    assert render(HOSTILE, "text").body.splitlines() == [
        f"<{Z}!channel> <{Z}!here> @{Z}channel <{Z}@{Z}U123> <script>alert(1)</script> "
        "&lt;script&gt; <http://evil.example|click me>",
        "https://harbour-times.example/a?b=1&c=<2>|x%20y",
        "Harbour emiT Times · 20 Nov 2026 09:40 UTC",
        f'"A ceasefire <{Z}!here> *now* `code` ~strike~ _it_ &amp; &#60;b&#62; @{Z}everyone"',
        f"Also carried by: <{Z}@{Z}U999> Daily",
        "CRITICAL · Ceasefire (matched: ceasefire)",
        "Alert h1 · rate it: newswatch feedback h1 relevant|irrelevant",
    ]
    assert render(RTL, "text").body.splitlines() == [
        RTL_TITLE, "about:blank", "الجزيرة", '"قال المفاوضون إن ceasefire 🕊️ سيبدأ"',
        "LOW · Ceasefire (matched: ceasefire)",
        "Alert r1 · rate it: newswatch feedback r1 relevant|irrelevant",
    ]


@pytest.mark.parametrize("fmt", ["markdown", "text"])
def test_a_10000_character_word_is_cut(fmt: str) -> None:
    lines = render(replace(HOSTILE, title=WORD, sentence=WORD, source_name=WORD,
                           other_sources=()), fmt).body.splitlines()
    assert max(len(line) for line in lines) < 500
    assert any(f"{'W' * 299}…" in line for line in lines)
    assert any(f"{'W' * 399}…" in line for line in lines)
    assert any(line.startswith(f"{'W' * 199}… · 20 Nov 2026") for line in lines)


@pytest.mark.parametrize("fmt", ["email", "slack", "markdown", "text"])
@pytest.mark.parametrize("control", ["\u202e", "\u202d", "\u2066", "\u2067", "\u2068", "\u2069",
                                     "\u200e", "\u200f", "\u061c", "\u200b", "\ufeff",
                                     "\U000e0041"])
def test_invisible_direction_and_format_characters_never_reach_the_output(
        fmt: str, control: str) -> None:
    alert = replace(HOSTILE, title=f"Talks{control} open", source_name=f"Source{control}",
                    sentence=f"A ceasefire{control} now", other_sources=(f"Other{control}",))
    out = render(alert, fmt)
    payload = json.dumps(out.slack, ensure_ascii=False) if out.slack else ""
    for text in (out.title, out.body, payload):
        assert control not in text
    assert "Talks open" in out.title


def test_javascript_and_data_urls_are_never_links() -> None:
    for url in ("javascript:alert(1)", " JAVASCRIPT:alert(1)", "data:text/html,<script>",
                "vbscript:x", "//evil.example/x", "https://" + "a" * 3000):
        alert = replace(HOSTILE, url=url)
        for fmt in ("email", "markdown", "text", "slack"):
            out = render(alert, fmt)
            everything = out.body + json.dumps(out.slack or {})
            assert "javascript" not in everything.lower(), (url, fmt)
            assert "data:" not in everything and "vbscript" not in everything, (url, fmt)
            assert "evil.example/x" not in everything, (url, fmt)
            assert "a" * 3000 not in everything, (url, fmt)
        slack = render(alert, "slack").slack
        assert slack is not None
        assert slack["blocks"][0]["text"]["text"].startswith(f"*&lt;{Z}!channel")


def test_no_text_object_is_ever_over_slacks_limit() -> None:
    huge = replace(HOSTILE, title=WORD, sentence=WORD, source_name=WORD,
                   other_sources=(WORD,) * 100, terms=tuple(f"t{n}" for n in range(500)))
    slack = render(huge, "slack").slack
    assert slack is not None
    texts = [b["text"]["text"] for b in slack["blocks"] if "text" in b]
    texts += [e["text"] for b in slack["blocks"] for e in b.get("elements", ())]
    assert texts and all(len(t) <= TEXT_MAX for t in texts)
    assert len(template_json(slack)) <= MAX_BYTES


def test_emoji_heavy_text_still_fits_apprises_template_limit(slack_http: SlackHTTP) -> None:
    # Each emoji is 12 bytes of escaped JSON: texts are cut shorter until the message fits.
    emoji = "😀" * 10_000
    alert = replace(HOSTILE, title=emoji, sentence=emoji, source_name=emoji,
                    other_sources=(emoji,) * 50)
    send(WEBHOOK, render(alert, "slack"))
    attachment = slack_http.payloads[0]["attachments"][0]
    assert len(template_json(attachment)) <= MAX_BYTES
    assert [len(b["text"]["text"]) for b in attachment["blocks"][:2]] == [1500, 402]
    assert attachment["blocks"][0]["text"]["text"].startswith(
        "*<https://harbour-times.example/a?b=1&amp;c=%3C2%3E%7Cx%20y|😀😀")
    assert attachment["fallback"] == "CRITICAL · Ceasefire: " + "😀" * 299 + "…"


def test_a_slack_template_gets_a_url_that_cannot_form_markup(slack_http: SlackHTTP,
                                                              tmp_path: Path) -> None:
    template = tmp_path / "own.slack.j2"
    template.write_text(
        '[{"type": "section", "text": {"type": "mrkdwn", "text": {{ ("Read " ~ url) | tojson }}},'
        ' "accessory": {"type": "button", "text": {"type": "plain_text", "text": "Open"},'
        ' "url": {{ url | tojson }}}}]')
    alert = replace(HOSTILE, url="https://evil.example/<!channel>|<@U1> x")
    send(WEBHOOK, render(alert, "slack", template=template))
    [block] = slack_http.payloads[0]["attachments"][0]["blocks"]
    target = "https://evil.example/%3C!channel%3E%7C%3C%40U1%3E%20x"
    assert block["text"]["text"] == f"Read {target}"
    assert block["accessory"]["url"] == target
