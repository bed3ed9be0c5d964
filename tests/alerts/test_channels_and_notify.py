"""Channels resolve their URL from the environment; notify delivers through Apprise for real."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime

import pytest
from pydantic import ValidationError

from alerts.channels import Channel, EnvRef
from alerts.notify import send
from alerts.render import Rendered, render
from core.errors import DeliveryError, MissingSecret
from core.records import AlertView
from demo.mailbox import LoopbackMailbox

ALERT = AlertView(
    alert_id="a1b2c3",
    rule_id="ceasefire",
    rule_name="Ceasefire",
    severity="high",
    title="Ceasefire talks <to open> as Corvania & Estmark step back",
    url="https://harbour-times.example/world/ceasefire-talks",
    source_name="The Harbour Times",
    published_at=datetime(2026, 11, 20, 9, 40, tzinfo=UTC),
    sentence="Negotiators said they would open talks on a ceasefire in the disputed region.",
    terms=("ceasefire",),
    other_sources=("Northern Ledger",),
)


def channel(url: object, **extra: object) -> Channel:
    return Channel.model_validate({"name": "desk", "url": url, **extra})


def test_resolve_url_reads_the_named_variable() -> None:
    desk = channel({"$env": "DESK_URL"})
    assert desk.url == EnvRef.model_validate({"$env": "DESK_URL"})
    assert desk.resolve_url({"DESK_URL": "json://localhost/hook", "OTHER": "x"}) == (
        "json://localhost/hook")
    assert desk.secret_names() == ["DESK_URL"]


def test_a_plain_url_needs_no_environment() -> None:
    chat = channel("json://localhost/hook")
    assert chat.resolve_url({}) == "json://localhost/hook"
    assert chat.secret_names() == []


@pytest.mark.parametrize("env", [{}, {"DESK_URL": ""}, {"DESK_URLS": "json://localhost"}])
def test_missing_secret_names_the_variable(env: dict[str, str]) -> None:
    with pytest.raises(MissingSecret) as caught:
        channel({"$env": "DESK_URL"}).resolve_url(env)
    assert caught.value.name == "DESK_URL"
    assert str(caught.value) == "environment variable DESK_URL is not set"


TOKEN = "a1B2c3D4e5F6g7H8i9J0k1L2"
HOOK = "a webhook URL carries the service's token"


@pytest.mark.parametrize(("url", "why"), [
    ("mailtos://desk:app-password@smtp.example.org?to=desk@example.org",
     "a user name or password"),
    ("mailto://desk@smtp.example.org?to=desk@example.org", "a user name or password"),
    ("json://user@hooks.example.org/", "a user name or password"),
    ("json://hooks.example.org/?Password=abc", "a password or key in the query"),
    ("json://hooks.example.org/?token=abc", "a password or key in the query"),
    (f"json://hooks.example.org/services/{TOKEN}", "what looks like a token"),
    (f"form://hooks.example.org/?id={TOKEN}", "what looks like a token"),
    (f"slack://T0NEWSWAT/B0ALERTS1/{TOKEN}", "a slack:// URL carries the service's token"),
    (f"slack://xoxb-1234-5678-{TOKEN}/#news", "a slack:// URL carries the service's token"),
    (f"discord://123456789012345678/{TOKEN}", "a discord:// URL carries the service's token"),
    (f"tgram://123456789:{TOKEN}/-100123", "a tgram:// URL carries the service's token"),
    (f"msteams://group/{TOKEN}/x/y", "a msteams:// URL carries the service's token"),
    (f"workflow://prod.westeurope.logic.azure.com/wf/{TOKEN}",
     "a workflow:// URL carries the service's token"),
    ("mmost://chat.example.org/abcdef", "a mmost:// URL carries the service's token"),
    ("https://hooks.slack.com/services/T000/B000/XXXX", HOOK),
    (f"https://discord.com/api/webhooks/1234/{TOKEN}", HOOK),
])
def test_inline_secrets_are_refused_with_what_to_write(url: str, why: str) -> None:
    with pytest.raises(ValidationError) as caught:
        channel(url)
    [error] = caught.value.errors()
    assert error["msg"] == (f"Value error, holds a credential ({why}); put it in an environment "
                            "variable: url: {$env: NAME}")
    assert TOKEN not in error["msg"] and "s3cret" not in error["msg"]


@pytest.mark.parametrize("url", [
    "mailto://127.0.0.1:2525?from=alerts@example.org&to=desk@example.org&mode=insecure",
    "mailto://desk:s3cret@localhost:2525?to=desk@example.org",   # loopback: never leaves
    f"json://127.0.0.1:8080/hooks/{TOKEN}",
    f"form://[::1]:8080/?token={TOKEN}",
    f"mmost://127.0.0.1:8065/{TOKEN}",
    "json://hooks.example.org/newswatch-alerts",   # nothing secret in it
    "ntfy://ntfy.example.org/newswatch",
])
def test_loopback_urls_and_urls_without_secrets_may_be_inline(url: str) -> None:
    assert channel(url).resolve_url({}) == url


def test_unknown_zone_and_format_are_refused() -> None:
    with pytest.raises(ValidationError, match="unknown time zone 'Mars/Olympus'"):
        channel("json://localhost", timezone="Mars/Olympus")
    with pytest.raises(ValidationError, match="format"):
        channel("json://localhost", format="pigeon")


def test_send_delivers_an_email_with_html_and_text_parts(mailbox: LoopbackMailbox) -> None:
    desk = channel({"$env": "DESK_URL"}, format="email", timezone="Europe/Paris")
    url = desk.resolve_url({"DESK_URL": mailbox.apprise_url(to="desk@newswatch.localhost")})
    send(url, render(ALERT, desk.format, desk.timezone), secrets=desk.secret_names())

    [mail] = mailbox.received
    assert mail.subject == ("[newswatch] Ceasefire: Ceasefire talks <to open> as Corvania & "
                            "Estmark step back")
    assert mail.recipients == ["desk@newswatch.localhost"]
    assert mail.sender == "alerts@newswatch.localhost"
    html = mail.part("text/html")
    assert ('<a href="https://harbour-times.example/world/ceasefire-talks">Ceasefire talks '
            "&lt;to open&gt; as Corvania &amp; Estmark step back</a>") in html
    assert ("Negotiators said they would open talks on a <mark>ceasefire</mark> in the "
            "disputed region.") in html
    assert "<bdi>The Harbour Times</bdi> · 20 Nov 2026 10:40 CET" in html
    assert mail.message.get_content_type() == "multipart/alternative"
    # Apprise derives the text part from the HTML: one paragraph per piece of information.
    assert mail.part("text/plain").splitlines() == [
        "HIGH · Ceasefire", "",
        "Ceasefire talks <to open> as Corvania & Estmark step back", "",
        "The Harbour Times · 20 Nov 2026 10:40 CET", "",
        "https://harbour-times.example/world/ceasefire-talks", "",
        "“Negotiators said they would open talks on a ceasefire in the disputed region.”", "",
        "Also carried by: Northern Ledger", "",
        "Matched: ceasefire · rule: ceasefire", "",
        "Alert a1b2c3 · rate it: newswatch feedback a1b2c3 relevant|irrelevant",
    ]


def test_send_delivers_each_message_once(mailbox: LoopbackMailbox) -> None:
    url = mailbox.apprise_url()
    send(url, render(ALERT, "email"))
    send(url, render(replace(ALERT, title="Second alert"), "email"))
    assert [m.subject for m in mailbox.received] == [
        "[newswatch] Ceasefire: Ceasefire talks <to open> as Corvania & Estmark step back",
        "[newswatch] Ceasefire: Second alert",
    ]


def test_a_refusing_server_raises_delivery_error_without_secrets(
        mailbox: LoopbackMailbox) -> None:
    mailbox.refuse("550 no")
    user, password = "deskuser", "s3cr3t-Pa55word"
    url = (f"mailto://{user}:{password}@127.0.0.1:{mailbox.port}"
           "?from=alerts@newswatch.localhost&to=desk@newswatch.localhost&mode=insecure")
    with pytest.raises(DeliveryError) as caught:
        send(url, render(ALERT, "email"), secrets=["NEWSWATCH_DESK_URL"])
    reason = str(caught.value)
    assert reason.strip()
    assert "127.0.0.1" in reason   # says where it failed
    for secret in (user, password, url):
        assert secret not in reason
    assert mailbox.received == []


def test_an_invalid_apprise_url_raises_delivery_error() -> None:
    with pytest.raises(DeliveryError) as caught:
        send("nosuchservice://token-abcdef123456/room", render(ALERT, "text"))
    assert str(caught.value) == "not a valid Apprise URL for any service (nosuchservice://…)"
    assert "token-abcdef123456" not in str(caught.value)


def test_a_closed_port_raises_delivery_error_without_the_token() -> None:
    # Port 9 on loopback: nothing listens, the connection is refused at once.
    token = "tok3n-5ecret-value"
    with pytest.raises(DeliveryError) as caught:
        send(f"json://127.0.0.1:9/{token}", Rendered("t", "b", "text"))
    assert token not in str(caught.value)
    assert "127.0.0.1" in str(caught.value)
