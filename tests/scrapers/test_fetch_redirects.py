"""Where a fetch ends up, against a real server on 127.0.0.1: redirects followed, limited or
refused, and conditional requests answered 304."""

from __future__ import annotations

from scrapers import errors
from scrapers.models import Validators

from .fetching import fast, fetch, fetch_error
from .hostile_server import HostileServer, redirect_to, reply, with_etag


def test_redirects_are_followed(hostile: HostileServer) -> None:
    hostile.route("/old", redirect_to("/moved", 301))
    hostile.route("/moved", redirect_to(hostile.base_url + "/final"))
    final = hostile.route("/final", reply(200, b"arrived"))
    response = fetch(hostile.base_url + "/old")
    assert response.body == b"arrived"
    assert response.url == final


def test_redirect_loop_is_named_as_a_loop(hostile: HostileServer) -> None:
    hostile.route("/a", redirect_to("/b"))
    hostile.route("/b", redirect_to(hostile.base_url + "/a"))
    exc = fetch_error(hostile.base_url + "/a", fast(max_redirects=5, retries=2))
    assert type(exc) is errors.RedirectError
    assert exc.error_class == "redirect"
    assert exc.message == (f"redirect loop: {hostile.base_url}/a -> {hostile.base_url}/b -> "
                           f"{hostile.base_url}/a")
    assert exc.transient is False
    # Each page requested once: the loop is seen before /a is asked for again, never retried.
    assert (hostile.hits["/a"], hostile.hits["/b"]) == (1, 1)


def test_redirect_limit(hostile: HostileServer) -> None:
    for n in range(1, 6):
        hostile.route(f"/r{n}", redirect_to(f"/r{n + 1}"))
    exc = fetch_error(hostile.base_url + "/r1", fast(max_redirects=3, retries=2))
    assert type(exc) is errors.RedirectError
    assert exc.message == f"more than 3 redirects (the last to {hostile.base_url}/r5)"
    # The first request and three redirects followed, once each; the fifth never asked for.
    assert [hostile.hits[f"/r{n}"] for n in range(1, 6)] == [1, 1, 1, 1, 0]


def test_redirect_limit_boundary(hostile: HostileServer) -> None:
    for n in range(1, 4):
        hostile.route(f"/r{n}", redirect_to(f"/r{n + 1}"))
    final = hostile.route("/r4", reply(200, b"three hops"))
    response = fetch(hostile.base_url + "/r1", fast(max_redirects=3))
    assert response.body == b"three hops" and response.url == final
    assert response.redirects == tuple(f"{hostile.base_url}/r{n}" for n in (2, 3, 4))


def test_redirect_to_another_scheme_is_refused(hostile: HostileServer) -> None:
    url = hostile.route("/ftp", redirect_to("ftp://127.0.0.1/file"))
    exc = fetch_error(url)
    assert type(exc) is errors.RedirectError
    assert exc.message == "redirect to a non-HTTP address: ftp://127.0.0.1/file"


ETAG = '"feed-v1"'


LAST_MODIFIED = "Tue, 05 Mar 2024 10:00:00 GMT"


def test_conditional_get_with_etag_and_last_modified(hostile: HostileServer) -> None:
    url = hostile.route("/feed.xml", with_etag(ETAG, LAST_MODIFIED, b"<rss version='2.0'/>"))
    first = fetch(url)
    assert first.status == 200
    assert first.validators == Validators(etag=ETAG, last_modified=LAST_MODIFIED)

    second = fetch(url, validators=first.validators)
    assert second.not_modified
    assert second.status == 304
    assert second.body == b""
    sent = hostile.requests_to("/feed.xml")[1].headers
    assert sent["if-none-match"] == ETAG
    assert sent["if-modified-since"] == LAST_MODIFIED
    assert "if-none-match" not in hostile.requests_to("/feed.xml")[0].headers


def test_conditional_get_with_last_modified_only(hostile: HostileServer) -> None:
    url = hostile.route("/feed.xml", with_etag(ETAG, LAST_MODIFIED, b"<rss version='2.0'/>"))
    response = fetch(url, validators=Validators(last_modified=LAST_MODIFIED))
    assert response.not_modified
    [seen] = hostile.requests_to("/feed.xml")
    assert "if-none-match" not in seen.headers
    assert seen.headers["if-modified-since"] == LAST_MODIFIED


def test_stale_validators_get_the_new_body(hostile: HostileServer) -> None:
    url = hostile.route("/feed.xml", with_etag(ETAG, LAST_MODIFIED, b"<rss version='2.0'/>"))
    response = fetch(url, validators=Validators(etag='"feed-v0"'))
    assert response.status == 200
    assert response.body == b"<rss version='2.0'/>"
