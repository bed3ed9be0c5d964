"""Discord, Mattermost and Microsoft Teams, exactly as they receive the hostile corpus: an
alert, a digest and an ops notice to a markdown channel, posted by Apprise's own plugins to
stand-ins on 127.0.0.1 (tests/alerts/service_http.py). The bodies are the corpus as CommonMark
(tests/alerts/hostile_strings.py); the subjects are markdown-escaped too, since all three show
them as markdown."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.alerts.hostile_strings import (
    ALERT_MD,
    ALERT_SUBJECT_MD,
    DIGEST_MD,
    DIGEST_SUBJECT_MD,
    NOTICE_MD,
    NOTICE_SUBJECT_MD,
)
from tests.alerts.service_http import (
    DISCORD_ID,
    DISCORD_TOKEN,
    MATTERMOST_TOKEN,
    TEAMS_SIGNATURE,
    TEAMS_WORKFLOW,
    Services,
    deliver,
    services,
)

__all__ = ["services"]   # the fixture

EXPECTED = {   # (subject, body) of each kind, as markdown
    "alert": (ALERT_SUBJECT_MD, ALERT_MD),
    "digest": (DIGEST_SUBJECT_MD, DIGEST_MD),
    "notice": (NOTICE_SUBJECT_MD, NOTICE_MD),
}
ICON = "https://github.com/caronc/apprise/raw/master/apprise/assets/themes/default/apprise-info"


@pytest.mark.parametrize("kind", EXPECTED)
def test_discord_gets_escaped_markdown_content(services: Services, kind: str, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    deliver(services.url("discord"), kind, "markdown", tmp_path, monkeypatch)
    [request] = services.posted("discord")
    assert request.path == f"/api/webhooks/{DISCORD_ID}/{DISCORD_TOKEN}"
    subject, body = EXPECTED[kind]
    # No "allowed_mentions" is needed: nothing in the content can mention anyone.
    assert request.json == {"tts": False, "wait": True, "avatar_url": f"{ICON}-256x256.png",
                            "content": f"{subject}\r\n{body}"}


@pytest.mark.parametrize("kind", EXPECTED)
def test_mattermost_gets_escaped_markdown_text(services: Services, kind: str, tmp_path: Path,
                                               monkeypatch: pytest.MonkeyPatch) -> None:
    deliver(services.url("mattermost"), kind, "markdown", tmp_path, monkeypatch)
    [request] = services.posted("mattermost")
    assert request.path == f"/hooks/{MATTERMOST_TOKEN}"
    subject, body = EXPECTED[kind]
    assert request.json == {"text": f"{subject}\r\n{body}", "icon_url": f"{ICON}-72x72.png",
                            "username": "Apprise"}


@pytest.mark.parametrize("kind", EXPECTED)
def test_teams_gets_an_adaptive_card_of_escaped_markdown(
        services: Services, kind: str, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    deliver(services.url("teams"), kind, "markdown", tmp_path, monkeypatch)
    [request] = services.posted("teams")
    assert request.path == (f"/workflows/{TEAMS_WORKFLOW}/triggers/manual/paths/invoke?"
                            "api-version=2016-06-01&sp=%2Ftriggers%2Fmanual%2Frun&sv=1.0&"
                            f"sig={TEAMS_SIGNATURE}")
    subject, body = EXPECTED[kind]
    assert request.json == {"type": "message", "attachments": [{
        "contentType": "application/vnd.microsoft.card.adaptive",
        "contentUrl": None,
        "content": {
            "$schema": "http://adaptivecards.io/schemas/adaptive-card.json",
            "type": "AdaptiveCard",
            "version": "1.4",
            "body": [
                {"type": "Image", "url": f"{ICON}-32x32.png", "height": "32px",
                 "altText": "info"},
                {"type": "TextBlock", "text": subject, "style": "heading", "weight": "Bolder",
                 "size": "Large", "id": "title"},
                {"type": "TextBlock", "text": body, "style": "default", "wrap": True,
                 "id": "body"},
            ],
            # No "entities": a Teams mention needs <at>...</at>, which never survives.
            "msteams": {"width": "full"},
        },
    }]}
