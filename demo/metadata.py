"""Machine-readable article metadata, in the one flavour each outlet uses."""

from __future__ import annotations

import json

from demo.articles import DemoArticle
from demo.html_parts import esc
from demo.sites import SiteProfile


def head_metadata(
    profile: SiteProfile, article: DemoArticle, canonical_url: str, base_url: str
) -> str:
    if profile.markup == "json-ld":
        return json_ld(profile, article, canonical_url, base_url)
    if profile.markup == "opengraph":
        return opengraph(profile, article, canonical_url)
    return ""  # "byline-only": readers must use the visible byline and <time>


def json_ld(profile: SiteProfile, article: DemoArticle, canonical_url: str, base_url: str) -> str:
    modified = article.updated_at or article.published_at
    data: dict[str, object] = {
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "headline": article.headline,
        "description": article.summary,
        "datePublished": article.published_at.isoformat(),
        "dateModified": modified.isoformat(),
        "author": [{"@type": "Person", "name": name} for name in article.byline],
        "publisher": {
            "@type": "Organization",
            "name": profile.name,
            "logo": {"@type": "ImageObject", "url": f"{base_url}/{profile.slug}/logo.png"},
        },
        "mainEntityOfPage": {"@type": "WebPage", "@id": canonical_url},
        "articleSection": article.section,
        "keywords": article.tags,
        "inLanguage": "en-GB",
        "isAccessibleForFree": True,
    }
    if article.dateline:
        data["dateline"] = article.dateline
    # "</" inside a script element would end it early; JSON allows "\/" instead.
    payload = json.dumps(data, ensure_ascii=False, indent=2).replace("</", "<\\/")
    return f'<script type="application/ld+json">\n{payload}\n</script>'


def opengraph(profile: SiteProfile, article: DemoArticle, canonical_url: str) -> str:
    pairs: list[tuple[str, str, str]] = [
        ("property", "og:site_name", profile.name),
        ("property", "og:type", "article"),
        ("property", "og:title", article.headline),
        ("property", "og:description", article.summary),
        ("property", "og:url", canonical_url),
        ("property", "og:locale", "en_GB"),
        ("property", "article:published_time", article.published_at.isoformat()),
    ]
    if article.updated_at is not None:
        pairs.append(("property", "article:modified_time", article.updated_at.isoformat()))
    pairs.append(("property", "article:section", article.section))
    pairs.extend(("property", "article:tag", tag) for tag in article.tags)
    pairs.extend(
        [
            ("name", "author", ", ".join(article.byline)),
            ("name", "description", article.summary),
            ("name", "twitter:card", "summary"),
        ]
    )
    return "\n".join(
        f'<meta {attr}="{esc(key)}" content="{esc(value)}">' for attr, key, value in pairs
    )
