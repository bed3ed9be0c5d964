"""The three fictional outlets: names, sections and the house style each one follows."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class SiteProfile:
    slug: str
    name: str
    feed_kind: str  # "rss" or "atom"
    markup: str  # article metadata style: "json-ld", "opengraph" or "byline-only"
    tagline: str
    sections: tuple[str, ...]
    domain: str  # fictional domain used for feed ids and contact addresses
    feed_link_query: str  # appended to article links in the feed ("" for clean links)
    prints_wire_footer: bool  # whether agency copy ends with a "Reporting by ..." line
    newsletter_title: str
    newsletter_pitch: str
    cookie_notice: str
    copyright_holder: str
    footer_links: tuple[str, ...]
    # RSS only: the two ways of crediting authors and identifying items seen in the wild.
    rss_author: str = "dc:creator"  # or "author-email"
    rss_guid: str = "permalink"  # or "opaque"


HARBOUR_TIMES = SiteProfile(
    slug="harbour-times",
    name="The Harbour Times",
    feed_kind="rss",
    markup="json-ld",
    tagline="Port Averley’s daily paper since 1862",
    sections=("World", "Politics", "Business", "City", "Sport", "Culture"),
    domain="harbourtimes.example",
    # Mimics the analytics parameters many outlets bolt onto their feed links.
    feed_link_query="utm_source=rss&utm_medium=feed&utm_campaign=harbour-times",
    prints_wire_footer=True,
    newsletter_title="The Morning Tide",
    newsletter_pitch="The day’s essential stories from the city and the world, before 7am.",
    cookie_notice=(
        "We and our partners use cookies to keep this site working, measure readership and "
        "show you relevant advertising. You can change your choices at any time."
    ),
    copyright_holder="Harbour Times Media Ltd",
    footer_links=("About us", "Contact the newsroom", "Corrections", "Privacy", "Terms of use"),
)

NORTHERN_LEDGER = SiteProfile(
    slug="northern-ledger",
    name="The Northern Ledger",
    feed_kind="atom",
    markup="opengraph",
    tagline="Independent journalism for Kettleby and the north",
    sections=("News", "World", "Money", "Science", "Sport", "Arts"),
    domain="northernledger.example",
    feed_link_query="",
    prints_wire_footer=False,
    newsletter_title="The Ledger Daily",
    newsletter_pitch="One email every weekday evening with what mattered and why.",
    cookie_notice=(
        "The Ledger uses essential cookies and, with your permission, analytics cookies to "
        "understand how our journalism is read."
    ),
    copyright_holder="Northern Ledger Publishing Co-operative",
    footer_links=("Who we are", "Support our journalism", "Complaints", "Cookie settings"),
)

VALLEY_COURIER = SiteProfile(
    slug="valley-courier",
    name="The Valley Courier",
    feed_kind="rss",
    markup="byline-only",
    tagline="Serving Ashfold and the upper valley since 1887",
    sections=("Local", "Business", "Farming", "Sport", "Opinion", "What’s On", "Nation & World"),
    domain="valleycourier.example",
    feed_link_query="",
    prints_wire_footer=False,
    newsletter_title="Get the Courier in your inbox",
    newsletter_pitch="Local news, sport and what’s on, every Thursday morning.",
    cookie_notice="This website uses cookies. By continuing to browse you agree to their use.",
    copyright_holder="Valley Courier Newspapers",
    footer_links=("Contact us", "Advertise", "Announcements", "Privacy policy"),
    rss_author="author-email",
    rss_guid="opaque",
)

PROFILES: tuple[SiteProfile, ...] = (HARBOUR_TIMES, NORTHERN_LEDGER, VALLEY_COURIER)


def profile_for(slug: str) -> SiteProfile | None:
    return next((profile for profile in PROFILES if profile.slug == slug), None)
