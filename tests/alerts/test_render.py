"""Alert rendering: article text is hostile until escaped, per channel format."""

from __future__ import annotations

import os
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest

from alerts.render import TemplateError, check_template, render
from core.records import AlertView

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
    assert "<bdi>The Harbour Times</bdi> · 20 Nov 2026 10:40 CET" in out.body
    assert "Also carried by: Northern Ledger, Valley Courier" in out.body
    assert "HIGH · Ceasefire" in out.body


def test_email_escapes_a_hostile_headline_and_sentence() -> None:
    out = render(HOSTILE, "email")
    assert "<script" not in out.body and "<img" not in out.body and "<b>" not in out.body
    assert ("Talks &lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &lt;img src=x "
            f"onerror=alert(1)&gt; @{ZWJ}channel</a>") in out.body
    assert ("A <mark>cease-fire</mark> &lt;b&gt;now&lt;/b&gt; &amp; a <mark>Ceasefire</mark> "
            f"@{ZWJ}here, said *the* [envoy](http://evil).") in out.body
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
        "Alert `a1b2c3` · rate it: `newswatch feedback a1b2c3 relevant|irrelevant`",
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
        "Alert a1b2c3 · rate it: newswatch feedback a1b2c3 relevant|irrelevant",
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
    assert ("“The <mark>ceasefire</mark> " + kept[len("The ceasefire "):] + "…”</bdi></p>"
            in render(alert, "email").body)


def test_missing_sentence_and_sources_are_left_out() -> None:
    alert = replace(ALERT, sentence=None, other_sources=())
    assert render(alert, "text").body.splitlines() == [
        "Ceasefire talks to open as Corvania and Estmark step back",
        "https://harbour-times.example/world/2026/11/20/ceasefire-talks?id=7&page=2",
        "The Harbour Times · 20 Nov 2026 09:40 UTC",
        "HIGH · Ceasefire (matched: ceasefire)",
        "Alert a1b2c3 · rate it: newswatch feedback a1b2c3 relevant|irrelevant",
    ]
    email = render(alert, "email").body
    assert "“" not in email and "Also carried by" not in email



# A rule's own template ----------------------------------------------------------------------

def test_a_rules_email_template_is_autoescaped_whatever_its_name(tmp_path: Path) -> None:
    for name in ("mine.html.j2", "mine.txt"):
        template = tmp_path / name
        template.write_text("<p>{{ severity | upper }}: {{ title_link }}</p>\n"
                            "<blockquote>{{ sentence }}</blockquote>\n")
        out = render(HOSTILE, "email", template=template)
        assert out.body_format == "html"
        assert out.body == (
            '<p>HIGH: <a href="https://harbour-times.example/world/2026/11/20/ceasefire-talks?'
            'id=7&amp;page=2">Talks &lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &lt;img '
            f'src=x onerror=alert(1)&gt; @{ZWJ}channel</a></p>\n'
            '<blockquote>A <mark>cease-fire</mark> &lt;b&gt;now&lt;/b&gt; &amp; a '
            f'<mark>Ceasefire</mark> @{ZWJ}here, said *the* [envoy](http://evil).</blockquote>')


def test_a_rules_text_and_markdown_templates_get_text_escaped_for_them(tmp_path: Path) -> None:
    template = tmp_path / "short.j2"
    template.write_text("{{ rule_name }}: {{ title_link }} ({{ source }}{% if published %}, "
                        "{{ published }}{% endif %})\n")
    assert render(HOSTILE, "text", "Asia/Tokyo", template=template).body == (
        f'Ceasefire: Talks <script>alert("x")</script> <img src=x onerror=alert(1)> @{ZWJ}channel '
        f"(Harbour @{ZWJ}everyone Times, 20 Nov 2026 18:40 JST)")
    assert render(HOSTILE, "markdown", template=template).body == (
        'Ceasefire: [Talks \\<script\\>alert\\("x"\\)\\</script\\> \\<img src=x '
        f'onerror=alert\\(1\\)\\> @{ZWJ}channel](https://harbour-times.example/world/2026/11/20/'
        f"ceasefire-talks?id=7&page=2) (Harbour @{ZWJ}everyone Times, 20 Nov 2026 09:40 UTC)")


def test_an_edited_template_is_read_again(tmp_path: Path) -> None:
    template = tmp_path / "t.j2"
    template.write_text("one {{ title }}")
    assert render(ALERT, "text", template=template).body.startswith("one ")
    template.write_text("two: {{ title }}")
    os.utime(template, ns=(1, 2))   # a different modification time, as an editor leaves
    assert render(ALERT, "text", template=template).body.startswith("two: ")


@pytest.mark.parametrize(("text", "problem"), [
    ("{{ titel }}", "t.j2: 'titel' is undefined"),
    ("{% if title %}open", "t.j2:1: Unexpected end of template."),
    ("{{ title.__class__.__mro__ }}", "t.j2: access to attribute '__class__' of 'str' object "
                                      "is unsafe."),
])
def test_template_problems_name_the_file(tmp_path: Path, text: str, problem: str) -> None:
    template = tmp_path / "t.j2"
    template.write_text(text)
    with pytest.raises(TemplateError) as caught:
        check_template(template, "text")
    assert str(caught.value).startswith(str(tmp_path / problem))


def test_a_missing_template_file_is_a_template_error(tmp_path: Path) -> None:
    with pytest.raises(TemplateError, match="cannot read the template: No such file"):
        render(ALERT, "text", template=tmp_path / "nope.j2")


def test_the_built_in_templates_pass_their_own_check() -> None:
    for fmt in ("email", "slack", "markdown", "text"):
        check_template(Path(__file__).parents[2] / "alerts" / "templates" / {
            "email": "email.html.j2", "slack": "alert.slack.j2", "markdown": "alert.md.j2",
            "text": "alert.txt.j2"}[fmt], fmt)


def test_an_unknown_format_is_refused() -> None:
    with pytest.raises(ValueError, match="unknown channel format 'pigeon'"):
        render(ALERT, "pigeon")
