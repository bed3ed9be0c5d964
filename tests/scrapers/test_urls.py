"""URL canonicalization: one form per article, whatever tracking junk the link carried."""

from __future__ import annotations

import hashlib

import pytest

from scrapers.urls import article_id, canonicalize, host_of


def test_tracking_parameters_go_and_the_others_stay_in_order() -> None:
    url = ("https://news.example.com/world/story?utm_source=rss&id=42&fbclid=IwAR0x"
           "&page=2&gclid=Cj0KCQ&utm_campaign=autumn&lang=en")
    assert canonicalize(url) == "https://news.example.com/world/story?id=42&page=2&lang=en"


@pytest.mark.parametrize("name", [
    "utm_source", "utm_medium", "UTM_Campaign", "utm_content", "fbclid", "gclid", "dclid",
    "msclkid", "mc_cid", "mc_eid", "_hsenc", "pk_campaign", "ref", "ocid", "smid",
])
def test_each_tracking_parameter_is_dropped(name: str) -> None:
    assert canonicalize(f"https://a.example/p?z=1&{name}=x&a=2") == "https://a.example/p?z=1&a=2"


def test_parameters_that_merely_look_like_tracking_are_kept() -> None:
    # "reference" and "utmost" are not tracking names; "ref" and "utm_*" are.
    url = "https://a.example/p?reference=7&utmost=1&ref=home"
    assert canonicalize(url) == "https://a.example/p?reference=7&utmost=1"


def test_query_order_is_not_sorted() -> None:
    assert canonicalize("https://a.example/?z=1&a=2&m=3") == "https://a.example/?z=1&a=2&m=3"


def test_blank_values_are_kept() -> None:
    assert canonicalize("https://a.example/s?q=&page=1") == "https://a.example/s?q=&page=1"


def test_scheme_and_host_are_lower_cased_but_not_the_path() -> None:
    assert canonicalize("HTTPS://News.Example.COM/World/Story-ABC") == \
        "https://news.example.com/World/Story-ABC"


@pytest.mark.parametrize(("url", "expected"), [
    ("http://example.com:80/a", "http://example.com/a"),
    ("https://example.com:443/a", "https://example.com/a"),
    ("http://example.com:8080/a", "http://example.com:8080/a"),
    ("https://example.com:80/a", "https://example.com:80/a"),     # not the default for https
    ("http://127.0.0.1:39631/a", "http://127.0.0.1:39631/a"),
])
def test_only_the_default_port_is_dropped(url: str, expected: str) -> None:
    assert canonicalize(url) == expected


def test_fragment_is_dropped() -> None:
    assert canonicalize("https://a.example/story#comments") == "https://a.example/story"
    assert canonicalize("https://a.example/story?id=3#top") == "https://a.example/story?id=3"


def test_empty_path_becomes_slash_and_whitespace_is_trimmed() -> None:
    assert canonicalize("  https://A.example  ") == "https://a.example/"


def test_only_tracking_query_leaves_no_question_mark() -> None:
    assert canonicalize("https://a.example/x?utm_source=feed&utm_medium=rss") == \
        "https://a.example/x"


def test_canonicalize_is_idempotent() -> None:
    url = "HTTP://Example.com:80/a/b?x=1&utm_medium=email&y=&z=a%2Fb#frag"
    once = canonicalize(url)
    assert canonicalize(once) == once
    assert once == "http://example.com/a/b?x=1&y=&z=a%2Fb"


def test_article_id_is_stable_and_derived_from_the_canonical_url() -> None:
    url = "https://news.example.com/world/story?id=42"
    assert article_id(url) == article_id(url)
    assert article_id(url) == hashlib.sha256(url.encode()).hexdigest()[:24]
    assert len(article_id(url)) == 24
    assert all(c in "0123456789abcdef" for c in article_id(url))


def test_tracking_variants_of_one_link_share_one_article_id() -> None:
    variants = [
        "https://News.example.com/world/story?id=42&utm_source=rss",
        "https://news.example.com:443/world/story?fbclid=abc&id=42#top",
        "https://news.example.com/world/story?id=42",
    ]
    assert len({article_id(canonicalize(v)) for v in variants}) == 1
    assert article_id(canonicalize(variants[0])) != \
        article_id(canonicalize("https://news.example.com/world/story?id=43"))


def test_host_of() -> None:
    assert host_of("https://News.Example.com:8443/x") == "news.example.com"
    assert host_of("not a url") == ""
