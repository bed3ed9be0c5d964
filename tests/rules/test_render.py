"""Alert rendering: article text is hostile until escaped, per channel format."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest

from rules.models import AlertView
from rules.render import render

ZWJ = "\u200d"

ALERT = AlertView(
    alert_id="a1b2c3",
    rule_id="ceasefire",
    rule_name="Ceasefire",
    severity="high",
    title="Ceasefire talks to open as Corvania and Estmark step back",
    url="https://harbour-times.example/world/2026/11/20/ceasefire-talks?id=7&page=2",
    source_name="The Harbour Times",
    published_at=datetime(2026, 11, 20, 9, 40, tzinfo=UTC),
    sentence="Negotiators said they would open talks on a ceasefire in the disputed region.",
    terms=("ceasefire",),
    other_sources=("Northern Ledger", "Valley Courier"),
)

HOSTILE = replace(
    ALERT,
    title='Talks <script>alert("x")</script> <img src=x onerror=alert(1)> @channel',
    sentence="A cease-fire <b>now</b> & a Ceasefire @here, said *the* [envoy](http://evil).",
    terms=("cease-fire", "Ceasefire"),
    source_name="Harbour @everyone Times",
    other_sources=("Valley @here Courier",),
)


def test_email_is_html_with_a_plain_subject() -> None:
    out = render(ALERT, "email", "Europe/Paris")
    assert out.body_format == "html"
    assert out.title == ("[newswatch] Ceasefire: Ceasefire talks to open as Corvania and Estmark "
                         "step back")
    assert ('<a href="https://harbour-times.example/world/2026/11/20/ceasefire-talks?id=7&amp;'
            'page=2">Ceasefire talks to open as Corvania and Estmark step back</a>') in out.body
    assert ("Negotiators said they would open talks on a <mark>ceasefire</mark> in the disputed "
            "region.") in out.body
    assert "The Harbour Times · 20 Nov 2026 10:40 CET" in out.body
    assert "Also carried by: Northern Ledger, Valley Courier" in out.body
    assert "HIGH · Ceasefire" in out.body


def test_email_escapes_a_hostile_headline_and_sentence() -> None:
    out = render(HOSTILE, "email")
    assert "<script" not in out.body and "<img" not in out.body and "<b>" not in out.body
    assert ("Talks &lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &lt;img src=x "
            "onerror=alert(1)&gt; @channel</a>") in out.body
    assert ("A <mark>cease-fire</mark> &lt;b&gt;now&lt;/b&gt; &amp; a <mark>Ceasefire</mark> "
            "@here, said *the* [envoy](http://evil).") in out.body
    # The subject is a header, not HTML: one line, mentions defused, nothing to escape.
    assert out.title == (f"[newswatch] Ceasefire: Talks <script>alert(\"x\")</script> "
                         f"<img src=x onerror=alert(1)> @{ZWJ}channel")


def test_email_marks_whole_words_only() -> None:
    alert = replace(ALERT, sentence="The talks stalled while stalks of talks grew.",
                    terms=("talks",))
    out = render(alert, "email")
    assert ("The <mark>talks</mark> stalled while stalks of <mark>talks</mark> grew."
            in out.body)


def test_a_non_web_article_url_is_never_linked() -> None:
    alert = replace(ALERT, url="javascript:alert(document.cookie)")
    for fmt in ("email", "markdown", "text"):
        body = render(alert, fmt).body
        assert "javascript" not in body, fmt
        assert "about:blank" in body, fmt


def test_markdown_escapes_specials_and_defuses_mentions() -> None:
    out = render(HOSTILE, "markdown", "America/New_York")
    assert out.body_format == "markdown"
    assert out.body.splitlines() == [
        '**[Talks \\<script\\>alert\\("x"\\)\\</script\\> \\<img src=x '
        f'onerror=alert\\(1\\)\\> @{ZWJ}channel]'
        "(https://harbour-times.example/world/2026/11/20/ceasefire-talks?id=7&page=2)**",
        f"Harbour @{ZWJ}everyone Times · 20 Nov 2026 04:40 EST",
        f"> A **cease-fire** \\<b\\>now\\</b\\> & a **Ceasefire** @{ZWJ}here, "
        "said \\*the\\* \\[envoy\\]\\(http://evil\\).",
        f"Also carried by: Valley @{ZWJ}here Courier",
        "_HIGH · Ceasefire_",
    ]
    for mention in ("@channel", "@here", "@everyone"):
        assert mention not in out.body


def test_markdown_link_target_cannot_be_broken_out_of() -> None:
    alert = replace(ALERT, url="https://example.org/wiki/Serin_(river) x)![t](http://evil")
    lines = render(alert, "markdown").body.splitlines()
    assert lines[0] == ("**[Ceasefire talks to open as Corvania and Estmark step back]"
                        "(https://example.org/wiki/Serin_%28river%29%20x%29![t]%28http://evil)**")


def test_text_defuses_mentions_and_keeps_one_item_per_line() -> None:
    out = render(HOSTILE, "text", "Asia/Tokyo")
    assert out.body_format == "text"
    assert out.body.splitlines() == [
        f'Talks <script>alert("x")</script> <img src=x onerror=alert(1)> @{ZWJ}channel',
        "https://harbour-times.example/world/2026/11/20/ceasefire-talks?id=7&page=2",
        f"Harbour @{ZWJ}everyone Times · 20 Nov 2026 18:40 JST",
        f'"A cease-fire <b>now</b> & a Ceasefire @{ZWJ}here, said *the* [envoy](http://evil)."',
        f"Also carried by: Valley @{ZWJ}here Courier",
        "HIGH · Ceasefire (matched: cease-fire, Ceasefire)",
    ]


def test_control_characters_and_newlines_cannot_forge_lines() -> None:
    alert = replace(ALERT, title="Talks\nopen\r\nHIGH · Fake rule\x1b[31m",
                    sentence="One\nTwo\tThree")
    out = render(alert, "text")
    assert out.title == "[newswatch] Ceasefire: Talks open HIGH · Fake rule [31m"
    assert out.body.splitlines()[0] == "Talks open HIGH · Fake rule [31m"
    assert out.body.splitlines()[3] == '"One Two Three"'


@pytest.mark.parametrize(("fmt", "zone", "shown"), [
    ("email", "UTC", "20 Nov 2026 09:40 UTC"),
    ("email", "Australia/Sydney", "20 Nov 2026 20:40 AEDT"),
    ("markdown", "Europe/London", "20 Nov 2026 09:40 GMT"),
    ("text", "America/Los_Angeles", "20 Nov 2026 01:40 PST"),
])
def test_published_time_is_shown_in_the_channel_zone(fmt: str, zone: str, shown: str) -> None:
    assert shown in render(ALERT, fmt, zone).body


def test_no_published_time_no_separator() -> None:
    out = render(replace(ALERT, published_at=None), "text")
    assert out.body.splitlines()[2] == "The Harbour Times"


def test_very_long_sentences_are_shortened() -> None:
    long = "The ceasefire " + "held and " * 200 + "ended."
    alert = replace(ALERT, sentence=long)
    kept = long[:399]                      # 400 characters with the ellipsis
    assert kept.endswith("held an")
    assert render(alert, "text").body.splitlines()[3] == f'"{kept}…"'
    assert render(alert, "markdown").body.splitlines()[2] == (
        "> The **ceasefire** " + kept[len("The ceasefire "):] + "…")
    assert ("The <mark>ceasefire</mark> " + kept[len("The ceasefire "):] + "…</blockquote>"
            in render(alert, "email").body)


def test_missing_sentence_and_sources_are_left_out() -> None:
    alert = replace(ALERT, sentence=None, other_sources=())
    assert render(alert, "text").body.splitlines() == [
        "Ceasefire talks to open as Corvania and Estmark step back",
        "https://harbour-times.example/world/2026/11/20/ceasefire-talks?id=7&page=2",
        "The Harbour Times · 20 Nov 2026 09:40 UTC",
        "HIGH · Ceasefire (matched: ceasefire)",
    ]
    email = render(alert, "email").body
    assert "<blockquote" not in email and "Also carried by" not in email

