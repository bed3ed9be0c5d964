"""HTML pages: works out what goes on each page, then hands it to the outlet's layout."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from demo.articles import WIRE_CREDITS, DemoArticle
from demo.catalog import (
    article_path,
    feed_path,
    find_article,
    front_path,
    section_path,
    visible_articles,
)
from demo.html_parts import esc
from demo.layouts import layout_for
from demo.metadata import head_metadata
from demo.sites import PROFILES, SiteProfile, profile_for
from demo.views import ArticleView, Link, ListingItem, ListingView

MOST_READ_COUNT = 5


def _section_links(profile: SiteProfile) -> list[Link]:
    return [Link(name, section_path(profile.slug, name)) for name in profile.sections]


def _link_to(article: DemoArticle) -> Link:
    return Link(article.headline, article_path(article))


def render_article_page(
    article: DemoArticle, now: datetime, base_url: str, extra: Sequence[DemoArticle] = ()
) -> str:
    profile = profile_for(article.site)
    if profile is None:
        raise ValueError(f"unknown site {article.site!r}")
    canonical_url = base_url + article_path(article)
    # Related links only to stories that are already out: no spoilers from the future.
    related = [
        _link_to(found)
        for path in article.related
        if (found := find_article(article.site, path, now, extra)) is not None
    ]
    most_read = [
        _link_to(other)
        for other in visible_articles(article.site, now, extra=extra)
        if other.path != article.path and other.path not in article.related
    ][:MOST_READ_COUNT]
    credit = WIRE_CREDITS.get(article.story) if article.story else None
    view = ArticleView(
        profile=profile,
        article=article,
        now=now,
        canonical_url=canonical_url,
        head_meta=head_metadata(profile, article, canonical_url, base_url),
        feed_url=base_url + feed_path(profile.slug),
        sections=_section_links(profile),
        related=related,
        most_read=most_read,
        agency=credit.agency if credit and credit.agency not in article.byline else None,
        wire_footer=credit.footer if credit and profile.prints_wire_footer else None,
    )
    return layout_for(profile.slug).article_page(view)


def render_listing_page(
    profile: SiteProfile,
    now: datetime,
    base_url: str,
    section: str | None = None,
    extra: Sequence[DemoArticle] = (),
) -> str:
    """Front page when `section` is None, otherwise that section's index."""
    path = section_path(profile.slug, section) if section else front_path(profile.slug)
    view = ListingView(
        profile=profile,
        now=now,
        heading=section,
        canonical_url=base_url + path,
        feed_url=base_url + feed_path(profile.slug),
        sections=_section_links(profile),
        items=[
            ListingItem(article, article_path(article))
            for article in visible_articles(profile.slug, now, section, extra)
        ],
    )
    return layout_for(profile.slug).listing_page(view)


def render_index_page(now: datetime, garbage_path: str, error_path: str) -> str:
    """Plain directory of the demo web, for people browsing it by hand."""
    rows = "\n".join(
        f'<li><a href="{front_path(p.slug)}">{esc(p.name)}</a> '
        f'(<a href="{feed_path(p.slug)}">{p.feed_kind} feed</a>)</li>'
        for p in PROFILES
    )
    return f"""<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>newswatch demo web</title></head>
<body>
<h1>newswatch demo web</h1>
<p>Fictional outlets served locally. Demo clock: {time_html(now)}</p>
<ul>
{rows}
</ul>
<h2>Misbehaving sources</h2>
<ul>
<li><a href="{garbage_path}">Feed that returns junk</a></li>
<li><a href="{error_path}">Feed that is unavailable (503)</a></li>
</ul>
<p>Move the clock: <code>POST /_demo/clock?advance_hours=24</code></p>
</body>
</html>
"""


def time_html(when: datetime) -> str:
    return f'<time datetime="{when.isoformat()}">{when.isoformat()}</time>'


def render_not_found_page() -> str:
    return """<!DOCTYPE html>
<html lang="en">
<head><meta charset="utf-8"><title>Page not found</title></head>
<body><h1>404 Not Found</h1><p>There is no story at this address (yet).</p></body>
</html>
"""
