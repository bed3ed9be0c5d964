"""Stories a demo server publishes at a time of its own (DemoNewsServer.publish), and the
clock that follows real time, over real HTTP on 127.0.0.1."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import pytest

from demo.clock import DEFAULT_START, DemoClock, WallClock
from demo.model import DemoArticle, make_article
from demo.server import DemoNewsServer

from .page_parsing import parse_feed
from .serving import fetch, site_named


def _story(path: str = "world/lantern-pass-truce",
           headline: str = "Truce holds at Lantern Pass") -> DemoArticle:
    return make_article(
        "harbour-times", path, headline, "Both sides kept to the lines agreed on Monday.",
        byline=["Mara Quint"], section="World", tags=["Conflict"],
        published_at=DEFAULT_START,
        paragraphs=["The truce at Lantern Pass held through a second night, observers said.",
                    "Supply convoys crossed the pass for the first time in three weeks."])


def test_a_story_appears_on_feed_front_page_and_its_own_page_at_its_time() -> None:
    clock = DemoClock()
    with DemoNewsServer(clock) as server:
        site = site_named(server, "harbour-times")
        when = DEFAULT_START + timedelta(minutes=30)
        url = server.publish(_story(), at=when)
        assert url == f"{server.base_url}/harbour-times/world/lantern-pass-truce"

        before = fetch(site.feed_url)
        assert "Lantern Pass" not in before.text
        assert fetch(url).status == 404
        assert fetch(site.feed_url, headers={"If-None-Match": before.headers["ETag"]}).status \
            == 304

        clock.set(when)
        after = fetch(site.feed_url, headers={"If-None-Match": before.headers["ETag"]})
        assert after.status == 200, "the feed's validators must change with the new story"
        newest = parse_feed(after.body)[0]
        assert newest.title == "Truce holds at Lantern Pass"
        assert newest.link.split("?")[0] == url
        page = fetch(url)
        assert page.status == 200 and "Supply convoys crossed the pass" in page.text
        assert "Truce holds at Lantern Pass" in fetch(site.front_url).text


def test_published_stories_belong_to_one_server_only() -> None:
    with DemoNewsServer(DemoClock()) as first, DemoNewsServer(DemoClock()) as second:
        first.publish(_story(), at=DEFAULT_START - timedelta(hours=1))
        assert "Lantern Pass" in fetch(site_named(first, "harbour-times").feed_url).text
        assert "Lantern Pass" not in fetch(site_named(second, "harbour-times").feed_url).text


def test_publishing_refuses_a_taken_path_an_unknown_site_and_a_stopped_server() -> None:
    server = DemoNewsServer(DemoClock())
    with pytest.raises(RuntimeError, match="start"):
        server.publish(_story())
    with server:
        server.publish(_story())
        with pytest.raises(ValueError, match="already taken"):
            server.publish(_story(headline="Another headline"))
        story = _story(path="world/other")
        with pytest.raises(ValueError, match="no demo site"):
            server.publish(type(story)(**{**story.__dict__, "site": "nowhere"}))


def test_the_wall_clock_runs_and_can_be_shifted() -> None:
    clock = WallClock()
    first = clock.now()
    assert abs((first - datetime.now(UTC)).total_seconds()) < 1
    time.sleep(0.05)
    assert clock.now() > first
    clock.set(DEFAULT_START)
    assert abs((clock.now() - DEFAULT_START).total_seconds()) < 1
    shifted = clock.advance(2)
    assert abs((shifted - DEFAULT_START - timedelta(hours=2)).total_seconds()) < 1
    with pytest.raises(ValueError):
        clock.advance(-1)


def test_a_story_due_in_a_moment_appears_by_the_wall_clock() -> None:
    with DemoNewsServer(WallClock()) as server:
        site = site_named(server, "harbour-times")
        url = server.publish(_story(), at=datetime.now(UTC) + timedelta(seconds=0.5))
        assert fetch(url).status == 404
        time.sleep(0.6)
        assert fetch(url).status == 200
        assert "Lantern Pass" in fetch(site.feed_url).text


def test_the_inbox_stamps_each_message_on_arrival() -> None:
    import smtplib
    from email.message import EmailMessage

    from demo.mailbox import LoopbackMailbox

    message = EmailMessage()
    message["Subject"], message["From"], message["To"] = "Truce", "a@example.org", "b@example.org"
    message.set_content("The truce holds.")
    with LoopbackMailbox() as box:
        before = datetime.now(UTC)
        with smtplib.SMTP("127.0.0.1", box.port, timeout=10) as client:
            client.send_message(message)
        after = datetime.now(UTC)
        assert [m.subject for m in box.received] == ["Truce"]
        assert before <= box.received[0].received_at <= after
