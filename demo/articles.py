"""All demo content as data: what each outlet publishes, when, and what it is really about."""

from __future__ import annotations

from demo.content import harbour_times, northern_ledger, valley_courier
from demo.content.wire import SERIN_TALKS_CREDIT, SERIN_TALKS_STORY
from demo.model import DemoArticle, WireCredit

__all__ = ["ARTICLES", "WIRE_CREDITS", "DemoArticle", "WireCredit", "articles_for_site"]

ARTICLES: list[DemoArticle] = [
    *harbour_times.ARTICLES,
    *northern_ledger.ARTICLES,
    *valley_courier.ARTICLES,
]

# Agency credits by story key, for the outlets that print an agency footer line.
WIRE_CREDITS: dict[str, WireCredit] = {SERIN_TALKS_STORY: SERIN_TALKS_CREDIT}


def articles_for_site(slug: str) -> list[DemoArticle]:
    return [article for article in ARTICLES if article.site == slug]
