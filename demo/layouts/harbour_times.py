"""The Harbour Times: broadsheet masthead, two-column story with a sidebar, JSON-LD in head."""

from __future__ import annotations

from datetime import datetime

from demo.catalog import front_path, section_path
from demo.html_parts import (
    body_paragraphs,
    byline_html,
    esc,
    footer_link_items,
    link_items,
    time_tag,
)
from demo.sites import SiteProfile
from demo.views import ArticleView, Link, ListingView


def _stamp(when: datetime) -> str:
    return f"{when:%A} {when.day} {when:%B %Y %H.%M} GMT"


def _page(
    profile: SiteProfile,
    title: str,
    head: str,
    body_class: str,
    main: str,
    sections: list[Link],
    now: datetime,
) -> str:
    return f"""<!DOCTYPE html>
<html lang="en-GB">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(title)}</title>
{head}
</head>
<body class="ht-body {body_class}">
<div id="ht-consent" class="ht-cookie-banner" role="dialog" aria-label="Cookie consent">
<p>{esc(profile.cookie_notice)}</p>
<button type="button" class="ht-consent-accept">Accept all</button>
<button type="button" class="ht-consent-manage">Manage choices</button>
</div>
<header class="ht-masthead">
<a class="ht-logo" href="{front_path(profile.slug)}">{esc(profile.name)}</a>
<p class="ht-tagline">{esc(profile.tagline)}</p>
<p class="ht-edition">{now:%A} {now.day} {now:%B %Y}</p>
<nav class="ht-nav" aria-label="Sections">
<ul>
{link_items(sections, "ht-nav-item")}
</ul>
</nav>
</header>
{main}
<footer class="ht-footer">
<ul class="ht-footer-links">
{footer_link_items(profile.footer_links)}
</ul>
<p class="ht-copyright">© {now.year} {esc(profile.copyright_holder)}. All rights reserved.</p>
</footer>
</body>
</html>
"""


def _newsletter(profile: SiteProfile) -> str:
    return f"""<section class="ht-newsletter">
<h2>{esc(profile.newsletter_title)}</h2>
<p>{esc(profile.newsletter_pitch)}</p>
<form action="#" method="post">
<label>Email address <input type="email" name="email"></label>
<button type="submit">Sign up</button>
</form>
</section>"""


def article_page(view: ArticleView) -> str:
    article, profile = view.article, view.profile
    updated = ""
    if article.updated_at is not None and article.updated_at <= view.now:
        updated = " · Updated " + time_tag(article.updated_at, _stamp(article.updated_at))
    agency = f' <span class="ht-agency">{esc(view.agency)}</span>' if view.agency else ""
    credit = f'\n<p class="ht-wire-credit">{esc(view.wire_footer)}</p>' if view.wire_footer else ""
    dateline = f'<strong class="ht-dateline">{esc(article.dateline or "")}</strong>'
    topics = ", ".join(esc(tag) for tag in article.tags)
    section_link = section_path(profile.slug, article.section)
    published = time_tag(article.published_at, _stamp(article.published_at))
    head = "\n".join(
        [
            f'<link rel="canonical" href="{esc(view.canonical_url)}">',
            f'<link rel="alternate" type="application/rss+xml" title="{esc(profile.name)}" '
            f'href="{esc(view.feed_url)}">',
            view.head_meta,
        ]
    )
    main = f"""<main class="ht-layout">
<article class="ht-story">
<header class="ht-story-header">
<p class="ht-kicker"><a href="{section_link}">{esc(article.section)}</a></p>
<h1 class="ht-headline">{esc(article.headline)}</h1>
<p class="ht-standfirst">{esc(article.summary)}</p>
<div class="ht-meta">
<span class="ht-byline">{byline_html(article.byline, "ht-author")}</span>{agency}
<span class="ht-published">{published}{updated}</span>
</div>
</header>
<div class="ht-story-body">
{body_paragraphs(article.paragraphs, article.dateline, dateline)}{credit}
</div>
<footer class="ht-topics"><p>Topics: {topics}</p></footer>
</article>
<aside class="ht-sidebar">
<section class="ht-related">
<h2>Related stories</h2>
<ul>
{link_items(view.related)}
</ul>
</section>
<section class="ht-most-read">
<h2>Most read</h2>
<ol>
{link_items(view.most_read)}
</ol>
</section>
{_newsletter(profile)}
</aside>
</main>"""
    title = f"{article.headline} | {profile.name}"
    return _page(profile, title, head, "ht-article", main, view.sections, view.now)


def listing_page(view: ListingView) -> str:
    profile = view.profile
    cards = "\n".join(
        f"""<div class="ht-card">
<p class="ht-card-section">{esc(item.article.section)}</p>
<h3 class="ht-card-headline"><a href="{esc(item.href)}">{esc(item.article.headline)}</a></h3>
<p class="ht-card-summary">{esc(item.article.summary)}</p>
{time_tag(item.article.published_at, _stamp(item.article.published_at), "ht-card-time")}
</div>"""
        for item in view.items
    )
    heading = view.heading or "Latest news"
    head = "\n".join(
        [
            f'<link rel="canonical" href="{esc(view.canonical_url)}">',
            f'<link rel="alternate" type="application/rss+xml" title="{esc(profile.name)}" '
            f'href="{esc(view.feed_url)}">',
            f'<meta name="description" content="{esc(profile.tagline)}">',
        ]
    )
    main = f"""<main class="ht-front">
<section class="ht-top-stories">
<h2 class="ht-section-title">{esc(heading)}</h2>
{cards}
</section>
<aside class="ht-sidebar">
{_newsletter(profile)}
</aside>
</main>"""
    title = f"{view.heading} | {profile.name}" if view.heading else f"{profile.name} | News"
    return _page(profile, title, head, "ht-listing", main, view.sections, view.now)
