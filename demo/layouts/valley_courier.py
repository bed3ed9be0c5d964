"""The Valley Courier: an old blog-style template with id-based boxes and no metadata tags."""

from __future__ import annotations

from datetime import datetime

from demo.catalog import front_path, section_path
from demo.html_parts import (
    body_paragraphs,
    clock_12h,
    esc,
    footer_link_items,
    join_names,
    link_items,
    time_tag,
)
from demo.sites import SiteProfile
from demo.views import ArticleView, Link, ListingItem, ListingView


def _stamp(when: datetime) -> str:
    return f"{when:%B} {when.day}, {when.year} at {clock_12h(when)}"


def _page(
    profile: SiteProfile,
    title: str,
    canonical_url: str,
    feed_url: str,
    main: str,
    sidebar: str,
    sections: list[Link],
    now: datetime,
) -> str:
    menu = [Link("Home", front_path(profile.slug)), *sections]
    return f"""<!DOCTYPE html>
<html>
<head>
<meta charset="utf-8">
<title>{esc(title)}</title>
<link rel="canonical" href="{esc(canonical_url)}">
<link rel="alternate" type="application/rss+xml" title="{esc(profile.name)} RSS"
 href="{esc(feed_url)}">
</head>
<body>
<div id="wrapper">
<div id="cookie-notice" class="notice-bar">{esc(profile.cookie_notice)}
<a href="#" class="notice-ok">OK</a></div>
<div id="top">
<div id="logo"><a href="{front_path(profile.slug)}">{esc(profile.name)}</a></div>
<div class="motto">{esc(profile.tagline)}</div>
<div class="today">{now:%A}, {now:%B} {now.day}, {now.year}</div>
</div>
<nav id="menu-bar">
<ul id="menu">
{link_items(menu)}
</ul>
</nav>
<div id="main">
<div id="content">
{main}
</div>
<aside id="sidebar">
{sidebar}
<div class="widget widget-newsletter">
<h3>{esc(profile.newsletter_title)}</h3>
<p>{esc(profile.newsletter_pitch)}</p>
<form action="#" method="post">
<input type="text" name="email" value=""> <input type="submit" value="Go">
</form>
</div>
</aside>
</div>
<footer id="footer">
<ul class="footer-links">
{footer_link_items(profile.footer_links)}
</ul>
<p>© {now.year} {esc(profile.copyright_holder)}. 14 Bridge Street, Ashfold.
All content is copyright and may not be reproduced without permission.</p>
</footer>
</div>
</body>
</html>
"""


def _widget(title: str, links: list[Link]) -> str:
    if not links:
        return ""
    return f"""<div class="widget">
<h3>{esc(title)}</h3>
<ul>
{link_items(links)}
</ul>
</div>"""


def article_page(view: ArticleView) -> str:
    article, profile = view.article, view.profile
    section_link = section_path(profile.slug, article.section)
    posted = time_tag(article.published_at, _stamp(article.published_at))
    main = f"""<article class="post">
<h1 class="entry-title">{esc(article.headline)}</h1>
<p class="byline">By {esc(join_names(article.byline))}</p>
<p class="post-meta">Posted {posted} in <a href="{section_link}">{esc(article.section)}</a></p>
<div class="entry-content">
{body_paragraphs(article.paragraphs, article.dateline)}
</div>
</article>"""
    sidebar = _widget("Most read", view.most_read) + "\n" + _widget("See also", view.related)
    title = f"{article.headline} - {profile.name}"
    return _page(
        profile, title, view.canonical_url, view.feed_url, main, sidebar, view.sections, view.now
    )


def _news_item(item: ListingItem) -> str:
    article = item.article
    return f"""<div class="news-item">
<h3><a href="{esc(item.href)}">{esc(article.headline)}</a></h3>
<p class="date">{time_tag(article.published_at, _stamp(article.published_at))}</p>
<p>{esc(article.summary)}</p>
<a class="more" href="{esc(item.href)}">Read more »</a>
</div>"""


def listing_page(view: ListingView) -> str:
    profile = view.profile
    items = "\n".join(_news_item(item) for item in view.items)
    heading = view.heading or "Latest news"
    main = f"""<h2 class="page-heading">{esc(heading)}</h2>
<div class="news-list">
{items}
</div>"""
    title = f"{profile.name} - {view.heading}" if view.heading else profile.name
    return _page(
        profile, title, view.canonical_url, view.feed_url, main, "", view.sections, view.now
    )
