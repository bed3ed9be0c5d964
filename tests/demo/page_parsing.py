"""Just enough HTML and feed parsing (stdlib only) for the demo server tests."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field
from html.parser import HTMLParser

ATOM = "{http://www.w3.org/2005/Atom}"
DC_CREATOR = "{http://purl.org/dc/elements/1.1/}creator"


class PageParser(HTMLParser):
    """Collects the parts of a news page the tests look at."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.canonical: str | None = None
        self.headings: list[str] = []  # <h1> texts
        self.article_paragraphs: list[str] = []  # <p> texts inside <article>
        self.aside_links: list[tuple[str, str]] = []  # (text, href) inside <aside>
        self.json_ld: list[str] = []
        self.meta: list[dict[str, str]] = []
        self.time_datetimes: list[str] = []
        self.tags: set[str] = set()
        self.classes_and_ids: list[str] = []
        self.input_types: list[str] = []
        self.footer_text: list[str] = []
        self._article_text: list[str] = []
        self._article_depth = 0
        self._aside_depth = 0
        self._footer_depth = 0
        self._capture: str | None = None
        self._href = ""
        self._buffer: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        self.tags.add(tag)
        self.classes_and_ids.append(f"{values.get('class', '')} {values.get('id', '')}")
        if tag == "article":
            self._article_depth += 1
        elif tag == "aside":
            self._aside_depth += 1
        elif tag == "footer" and not self._article_depth:
            self._footer_depth += 1
        elif tag == "link" and values.get("rel") == "canonical":
            self.canonical = values.get("href")
        elif tag == "meta":
            self.meta.append(values)
        elif tag == "time":
            self.time_datetimes.append(values.get("datetime", ""))
        elif tag == "input":
            self.input_types.append(values.get("type", "text"))
        if self._capture is None and (
            tag == "h1"
            or (tag == "p" and self._article_depth)
            or (tag == "a" and self._aside_depth)
            or (tag == "script" and values.get("type") == "application/ld+json")
        ):
            self._capture, self._href, self._buffer = tag, values.get("href", ""), []

    def handle_endtag(self, tag: str) -> None:
        if tag == self._capture:
            text = " ".join("".join(self._buffer).split())
            if tag == "h1":
                self.headings.append(text)
            elif tag == "p":
                self.article_paragraphs.append(text)
            elif tag == "a":
                self.aside_links.append((text, self._href))
            else:
                self.json_ld.append("".join(self._buffer))
            self._capture = None
        if tag == "article":
            self._article_depth -= 1
        elif tag == "aside":
            self._aside_depth -= 1
        elif tag == "footer" and self._footer_depth:
            self._footer_depth -= 1

    def handle_data(self, data: str) -> None:
        if self._capture is not None:
            self._buffer.append(data)
        if self._footer_depth:
            self.footer_text.append(data)
        if self._article_depth:
            self._article_text.append(data)

    @property
    def article_text(self) -> str:
        """All text inside <article>, whitespace collapsed."""
        return " ".join("".join(self._article_text).split())

    def meta_values(self, key: str) -> list[str]:
        return [
            entry.get("content", "")
            for entry in self.meta
            if entry.get("property") == key or entry.get("name") == key
        ]


def parse_page(body: bytes) -> PageParser:
    parser = PageParser()
    parser.feed(body.decode("utf-8"))
    parser.close()
    return parser


@dataclass
class FeedEntry:
    title: str
    link: str
    entry_id: str
    published: str
    summary: str
    authors: list[str]
    categories: list[str] = field(default_factory=list)


def _text(element: ET.Element, path: str) -> str:
    found = element.find(path)
    return (found.text or "").strip() if found is not None else ""


def parse_feed(body: bytes) -> list[FeedEntry]:
    """Entries of an RSS 2.0 or Atom 1.0 document, in document order."""
    root = ET.fromstring(body)
    if root.tag == "rss":
        return [
            FeedEntry(
                title=_text(item, "title"),
                link=_text(item, "link"),
                entry_id=_text(item, "guid"),
                published=_text(item, "pubDate"),
                summary=_text(item, "description"),
                authors=[text for text in (_text(item, DC_CREATOR), _text(item, "author")) if text],
                categories=[(cat.text or "") for cat in item.findall("category")],
            )
            for item in root.iter("item")
        ]
    if root.tag == f"{ATOM}feed":
        entries = []
        for entry in root.findall(f"{ATOM}entry"):
            link = entry.find(f"{ATOM}link[@rel='alternate']")
            entries.append(
                FeedEntry(
                    title=_text(entry, f"{ATOM}title"),
                    link=link.get("href", "") if link is not None else "",
                    entry_id=_text(entry, f"{ATOM}id"),
                    published=_text(entry, f"{ATOM}published"),
                    summary=_text(entry, f"{ATOM}summary"),
                    authors=[
                        _text(author, f"{ATOM}name") for author in entry.findall(f"{ATOM}author")
                    ],
                    categories=[cat.get("term", "") for cat in entry.findall(f"{ATOM}category")],
                )
            )
        return entries
    raise ValueError(f"not a feed: root element {root.tag}")
