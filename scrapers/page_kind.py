"""Is this page an article? Index and section pages, galleries, paywall stubs and error pages
served with status 200 are refused with the reason, so the request log says why."""

from __future__ import annotations

import re

from lxml.html import HtmlElement

from scrapers.errors import NotAnArticle
from scrapers.metadata import ARTICLE_TYPES, PageMetadata

_ERROR_TITLE = re.compile(
    r"\b(?:404|410|500|503)\b|page not found|not found|"
    r"page (?:does not|doesn't|cannot) (?:exist|be found)|no longer available|server error|"
    r"access denied|error page|seite nicht gefunden|página no encontrada|page introuvable",
    re.IGNORECASE)
_LISTING_TYPES = {"collectionpage", "itemlist", "searchresultspage", "profilepage",
                  "sitenavigationelement"}
_GALLERY_TYPES = {"imagegallery", "mediagallery", "imageobject", "videogallery"}
_PAYWALL_TEXT = re.compile(
    r"subscribe (?:now )?to (?:continue|read)|subscribers? only|already a subscriber|"
    r"to continue reading|sign in to read|this (?:article|content) is for (?:paid )?subscribers",
    re.IGNORECASE)
# A listing page's text is headlines that link elsewhere: paragraphs of this many words or
# more, at least this many, and this share of them links.
_HEADLINE_LINK_WORDS = 4
_LISTING_MIN_ITEMS = 5
_LISTING_SHARE = 0.5


def refuse_non_article(meta: PageMetadata, *, url: str, h1: str | None) -> None:
    """Raise NotAnArticle for pages whose markup says they are not an article, before the
    (costly) body extraction. Pages that declare an article type are never refused here."""
    if meta.ld_types & ARTICLE_TYPES or meta.og_type == "article":
        return
    for heading in (meta.page_title, h1):
        if heading and len(heading) < 120 and _ERROR_TITLE.search(heading):
            raise NotAnArticle(f"an error page served as a normal page: {heading[:80]!r}",
                               url=url)
    if meta.ld_types & _GALLERY_TYPES:
        raise NotAnArticle("a photo or video gallery (JSON-LD "
                           f"{', '.join(sorted(meta.ld_types & _GALLERY_TYPES))})", url=url)
    if meta.og_type and "gallery" in meta.og_type.lower():
        raise NotAnArticle(f"a gallery (og:type {meta.og_type})", url=url)
    if meta.ld_types & _LISTING_TYPES:
        raise NotAnArticle("an index or section page (JSON-LD "
                           f"{', '.join(sorted(meta.ld_types & _LISTING_TYPES))})", url=url)


def refuse_listing(tree: HtmlElement, meta: PageMetadata, body: str, *, url: str) -> None:
    """An index page's "body" is its teasers: most of its paragraphs are the text of links
    to other pages. An article links a few words here and there."""
    if meta.ld_types & ARTICLE_TYPES or meta.og_type == "article":
        return
    paragraphs = [" ".join(p.split()).casefold() for p in body.split("\n")
                  if len(p.split()) >= _HEADLINE_LINK_WORDS]
    if len(paragraphs) < _LISTING_MIN_ITEMS:
        return
    anchors = {" ".join(a.text_content().split()).casefold() for a in tree.iter("a")}
    linked = sum(1 for p in paragraphs if p in anchors)
    if linked >= _LISTING_SHARE * len(paragraphs):
        raise NotAnArticle(f"an index or section page: {linked} of its {len(paragraphs)} "
                           "paragraphs are links to other pages", url=url)


def short_body_reason(words: int, needed: int, meta: PageMetadata, body: str) -> str:
    """Why a page with too little text is not an article, as specific as the page allows."""
    counted = f"only {words} words of body text (needs {needed})"
    if meta.accessible_for_free is False or _PAYWALL_TEXT.search(body):
        return f"a paywall stub: {counted}"
    return f"{counted}: an index page, teaser or paywall stub"

