"""The Northern Ledger: BEM class names, a right-hand rail, OpenGraph tags in head."""

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
from demo.views import ArticleView, Link, ListingItem, ListingView


def _stamp(when: datetime) -> str:
    return f"{when.day} {when:%b %Y}, {when:%H:%M} UTC"


def _header(profile: SiteProfile, sections: list[Link]) -> str:
    nav = "\n".join(
        f'<a class="site-nav__link" href="{esc(link.href)}">{esc(link.text)}</a>'
        for link in sections
    )
    return f"""<a class="skip-link" href="#content">Skip to content</a>
<header class="site-header">
<div class="site-header__brand">
<a class="site-header__logo" href="{front_path(profile.slug)}">{esc(profile.name)}</a>
<span class="site-header__strap">{esc(profile.tagline)}</span>
</div>
<nav class="site-nav" aria-label="Main">
{nav}
</nav>
</header>
<div class="consent-overlay" id="consent" role="region" aria-label="Privacy choices">
<div class="consent-overlay__panel">
<h2>Your privacy</h2>
<p>{esc(profile.cookie_notice)}</p>
<button class="consent-overlay__accept" type="button">Accept analytics</button>
<button class="consent-overlay__reject" type="button">Essential only</button>
</div>
</div>"""


def _newsletter(profile: SiteProfile) -> str:
    return f"""<section class="newsletter-signup">
<h2 class="newsletter-signup__title">{esc(profile.newsletter_title)}</h2>
<p class="newsletter-signup__pitch">{esc(profile.newsletter_pitch)}</p>
<form class="newsletter-signup__form" action="#" method="post">
<input type="email" name="email" placeholder="you@example.com" aria-label="Email address">
<button type="submit">Subscribe</button>
</form>
</section>"""


def _footer(profile: SiteProfile, now: datetime) -> str:
    return f"""<footer class="site-footer">
<nav class="site-footer__nav" aria-label="About the Ledger">
<ul>
{footer_link_items(profile.footer_links)}
</ul>
</nav>
<p class="site-footer__legal">Copyright © {now.year} {esc(profile.copyright_holder)}.
Registered in Kettleby. Published without a paywall, paid for by readers.</p>
</footer>"""


def _page(
    profile: SiteProfile,
    title: str,
    head: str,
    page_class: str,
    main: str,
    sections: list[Link],
    now: datetime,
) -> str:
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{esc(title)}</title>
{head}
</head>
<body class="ledger">
{_header(profile, sections)}
<main id="content" class="page {page_class}">
{main}
{_newsletter(profile)}
</main>
{_footer(profile, now)}
</body>
</html>
"""


def article_page(view: ArticleView) -> str:
    article, profile = view.article, view.profile
    modified = ""
    if article.updated_at is not None and article.updated_at <= view.now:
        modified = (
            '<p class="story__timestamp story__timestamp--updated">Updated '
            f"{time_tag(article.updated_at, _stamp(article.updated_at))}</p>"
        )
    tags = "\n".join(f'<li class="story__tag">{esc(tag)}</li>' for tag in article.tags)
    head = "\n".join(
        [
            f'<link rel="canonical" href="{esc(view.canonical_url)}">',
            f'<link rel="alternate" type="application/atom+xml" title="{esc(profile.name)}" '
            f'href="{esc(view.feed_url)}">',
            view.head_meta,
        ]
    )
    section_link = section_path(profile.slug, article.section)
    published = time_tag(article.published_at, _stamp(article.published_at))
    main = f"""<div class="page__grid">
<article class="story">
<a class="story__section" href="{section_link}">{esc(article.section)}</a>
<h1 class="story__title">{esc(article.headline)}</h1>
<p class="story__dek">{esc(article.summary)}</p>
<div class="story__meta">
<p class="story__byline">{byline_html(article.byline, "story__author")}</p>
<p class="story__timestamp">Published {published}</p>
{modified}
</div>
<div class="story__body">
{body_paragraphs(article.paragraphs, article.dateline)}
</div>
<ul class="story__tags">
{tags}
</ul>
</article>
<aside class="rail">
<div class="rail__block">
<h3 class="rail__title">More from the Ledger</h3>
<ul class="rail__list">
{link_items(view.related, "rail__item")}
</ul>
</div>
<div class="rail__block rail__block--popular">
<h3 class="rail__title">Most read</h3>
<ol class="rail__list">
{link_items(view.most_read, "rail__item")}
</ol>
</div>
</aside>
</div>"""
    title = f"{article.headline} – {profile.name}"
    return _page(profile, title, head, "page--article", main, view.sections, view.now)


def _river_item(item: ListingItem) -> str:
    article = item.article
    stamp = time_tag(article.published_at, _stamp(article.published_at))
    return f"""<li class="river__item">
<a class="river__link" href="{esc(item.href)}">
<h2 class="river__headline">{esc(article.headline)}</h2>
</a>
<p class="river__dek">{esc(article.summary)}</p>
<p class="river__meta">{esc(article.section)} · {stamp}</p>
</li>"""


def listing_page(view: ListingView) -> str:
    profile = view.profile
    items = "\n".join(_river_item(item) for item in view.items)
    head = "\n".join(
        [
            f'<link rel="canonical" href="{esc(view.canonical_url)}">',
            f'<link rel="alternate" type="application/atom+xml" title="{esc(profile.name)}" '
            f'href="{esc(view.feed_url)}">',
            f'<meta property="og:site_name" content="{esc(profile.name)}">',
            '<meta property="og:type" content="website">',
        ]
    )
    heading = view.heading or "Today in the Ledger"
    main = f"""<h1 class="page__title">{esc(heading)}</h1>
<ol class="river">
{items}
</ol>"""
    title = f"{view.heading} – {profile.name}" if view.heading else profile.name
    return _page(profile, title, head, "page--listing", main, view.sections, view.now)
