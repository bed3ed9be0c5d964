"""RSS 2.0 and Atom 1.0 feeds, plus the validators used for conditional GET."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from xml.sax.saxutils import escape, quoteattr

from demo.articles import DemoArticle
from demo.catalog import article_path, feed_path, front_path
from demo.html_parts import join_names
from demo.sites import SiteProfile

RSS_CONTENT_TYPE = "application/rss+xml; charset=utf-8"
ATOM_CONTENT_TYPE = "application/atom+xml; charset=utf-8"

# What a feed reports as last change before anything has been published.
_EMPTY_FEED_TIME = datetime(2026, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class Validators:
    etag: str  # quoted, as sent in the header
    last_modified: datetime  # whole seconds, UTC


def feed_validators(site: str, items: list[DemoArticle], now: datetime) -> Validators:
    """ETag and Last-Modified come from the newest item, so they change only when it does."""
    if not items:
        return Validators(etag=f'"{site}-empty"', last_modified=_EMPTY_FEED_TIME)
    newest = max(items, key=lambda article: article.modified_at(now))
    modified = newest.modified_at(now).replace(microsecond=0)
    # The count is mixed in so that a back-dated story also changes the tag.
    seed = f"{site}|{newest.path}|{modified.isoformat()}|{len(items)}"
    return Validators(
        etag='"' + hashlib.sha256(seed.encode()).hexdigest()[:24] + '"',
        last_modified=modified,
    )


def http_date(when: datetime) -> str:
    return format_datetime(when.astimezone(UTC), usegmt=True)


def is_not_modified(
    validators: Validators, if_none_match: str | None, if_modified_since: str | None
) -> bool:
    """RFC 9110 rules: If-None-Match wins when present; weak comparison is enough for GET."""
    if if_none_match is not None:
        candidates = [tag.strip() for tag in if_none_match.split(",")]
        return "*" in candidates or any(
            tag.removeprefix("W/") == validators.etag for tag in candidates
        )
    if if_modified_since:
        try:
            since = parsedate_to_datetime(if_modified_since)
        except (TypeError, ValueError, IndexError):
            return False  # unparseable dates are ignored, as the RFC says
        if since.tzinfo is None:
            since = since.replace(tzinfo=UTC)
        return validators.last_modified <= since
    return False


def render_feed(
    profile: SiteProfile, items: list[DemoArticle], now: datetime, base_url: str
) -> bytes:
    if profile.feed_kind == "atom":
        return render_atom(profile, items, now, base_url)
    return render_rss(profile, items, now, base_url)


def feed_content_type(profile: SiteProfile) -> str:
    return ATOM_CONTENT_TYPE if profile.feed_kind == "atom" else RSS_CONTENT_TYPE


def _item_link(profile: SiteProfile, article: DemoArticle, base_url: str) -> str:
    url = base_url + article_path(article)
    return f"{url}?{profile.feed_link_query}" if profile.feed_link_query else url


def _categories_rss(article: DemoArticle) -> str:
    terms = [article.section, *article.tags]
    return "".join(f"\n<category>{escape(term)}</category>" for term in terms)


def _rss_author(profile: SiteProfile, article: DemoArticle) -> str:
    if profile.rss_author == "dc:creator":
        return f"<dc:creator>{escape(join_names(article.byline))}</dc:creator>"
    contact = f"newsdesk@{profile.domain} ({', '.join(article.byline)})"
    return f"<author>{escape(contact)}</author>"


def _rss_guid(profile: SiteProfile, article: DemoArticle, base_url: str) -> str:
    if profile.rss_guid == "permalink":
        # The clean URL, even when the <link> carries tracking parameters.
        return f'<guid isPermaLink="true">{escape(base_url + article_path(article))}</guid>'
    stem = article.path.removesuffix(".html").replace("/", "-")
    return f'<guid isPermaLink="false">{escape(profile.slug + ":" + stem)}</guid>'


def render_rss(
    profile: SiteProfile, items: list[DemoArticle], now: datetime, base_url: str
) -> bytes:
    built = feed_validators(profile.slug, items, now).last_modified
    entries = "\n".join(
        f"""<item>
<title>{escape(article.headline)}</title>
<link>{escape(_item_link(profile, article, base_url))}</link>
{_rss_guid(profile, article, base_url)}
<pubDate>{http_date(article.published_at)}</pubDate>
<description>{escape(article.summary)}</description>
{_rss_author(profile, article)}{_categories_rss(article)}
</item>"""
        for article in items
    )
    self_url = base_url + feed_path(profile.slug)
    text = f"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:atom="http://www.w3.org/2005/Atom" xmlns:dc="http://purl.org/dc/elements/1.1/">
<channel>
<title>{escape(profile.name)}</title>
<link>{escape(base_url + front_path(profile.slug))}</link>
<description>{escape(profile.tagline)}</description>
<language>en-gb</language>
<lastBuildDate>{http_date(built)}</lastBuildDate>
<atom:link href={quoteattr(self_url)} rel="self" type="application/rss+xml"/>
{entries}
</channel>
</rss>
"""
    return text.encode("utf-8")


def _atom_id(profile: SiteProfile, article: DemoArticle) -> str:
    return f"tag:{profile.domain},{article.published_at:%Y-%m-%d}:/{article.path}"


def _atom_time(when: datetime) -> str:
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _atom_entry(profile: SiteProfile, article: DemoArticle, now: datetime, base_url: str) -> str:
    authors = "\n".join(f"<author><name>{escape(name)}</name></author>" for name in article.byline)
    categories = "\n".join(
        f"<category term={quoteattr(term)}/>" for term in [article.section, *article.tags]
    )
    link = quoteattr(_item_link(profile, article, base_url))
    return f"""<entry>
<title type="text">{escape(article.headline)}</title>
<link rel="alternate" type="text/html" href={link}/>
<id>{escape(_atom_id(profile, article))}</id>
<published>{_atom_time(article.published_at)}</published>
<updated>{_atom_time(article.modified_at(now))}</updated>
<summary type="text">{escape(article.summary)}</summary>
{authors}
{categories}
</entry>"""


def render_atom(
    profile: SiteProfile, items: list[DemoArticle], now: datetime, base_url: str
) -> bytes:
    updated = feed_validators(profile.slug, items, now).last_modified
    entries = "\n".join(_atom_entry(profile, article, now, base_url) for article in items)
    self_url = quoteattr(base_url + feed_path(profile.slug))
    front_url = quoteattr(base_url + front_path(profile.slug))
    text = f"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en-GB">
<title>{escape(profile.name)}</title>
<subtitle>{escape(profile.tagline)}</subtitle>
<id>tag:{profile.domain},2026:/feed</id>
<updated>{_atom_time(updated)}</updated>
<link rel="self" type="application/atom+xml" href={self_url}/>
<link rel="alternate" type="text/html" href={front_url}/>
<generator>Ledger CMS</generator>
{entries}
</feed>
"""
    return text.encode("utf-8")
