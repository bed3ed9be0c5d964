"""Page templates, one module per outlet so each site keeps its own look and markup."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from demo.layouts import harbour_times, northern_ledger, valley_courier
from demo.views import ArticleView, ListingView


@dataclass(frozen=True)
class Layout:
    article_page: Callable[[ArticleView], str]
    listing_page: Callable[[ListingView], str]


_LAYOUTS: dict[str, Layout] = {
    "harbour-times": Layout(harbour_times.article_page, harbour_times.listing_page),
    "northern-ledger": Layout(northern_ledger.article_page, northern_ledger.listing_page),
    "valley-courier": Layout(valley_courier.article_page, valley_courier.listing_page),
}


def layout_for(slug: str) -> Layout:
    return _LAYOUTS[slug]
