"""sources.yaml validation for every source kind: each problem at its file:line:column."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from pydantic import ValidationError

from pipeline.config import load_config
from scrapers.models import SourceConfig
from scrapers.url_filters import UrlFilter

SOURCES = """\
sources:
  - id: feed-ok
    url: http://127.0.0.1/feed.xml
    exclude: ["/video/"]
  - id: sitemap-ok
    kind: sitemap
    url: http://127.0.0.1/sitemap_index.xml.gz
    max_age: 36h
    max_depth: 1
    selectors: {body: "div.story p"}
  - id: listing-ok
    kind: listing
    url: http://127.0.0.1/news/
    include: '/news/20[0-9]{2}/'
    selectors:
      links: "h3.card a"
      title: "h1"
      date: "time[datetime]"
  - id: feed-with-selectors
    url: http://127.0.0.1/feed.xml
    selectors: {links: "a"}
  - id: listing-no-selectors
    kind: listing
    url: http://127.0.0.1/news/
  - id: listing-no-links
    kind: listing
    url: http://127.0.0.1/news/
    selectors: {title: h1}
  - id: broken-css
    kind: listing
    url: http://127.0.0.1/news/
    selectors: {links: "div.card > a[href", bodyy: p}
  - id: bad-regex
    kind: sitemap
    url: http://127.0.0.1/s.xml
    include: ["/world/", "(unclosed"]
  - id: depth-on-feed
    url: http://127.0.0.1/feed.xml
    max_depth: 2
  - id: bad-age
    kind: sitemap
    url: http://127.0.0.1/s.xml
    max_age: two days
  - id: typo-kind
    kind: sitemaps
    url: http://127.0.0.1/s.xml
"""


def problems_of(tmp_path: Path, text: str) -> tuple[list[str], list[SourceConfig]]:
    (tmp_path / "sources.yaml").write_text(text)
    config = load_config(tmp_path)
    name = str(tmp_path / "sources.yaml")
    return [str(p).replace(name, "sources.yaml") for p in config.problems
            if Path(p.file).name == "sources.yaml"], config.sources


def test_every_problem_is_reported_with_its_place_and_the_good_sources_load(
        tmp_path: Path) -> None:
    problems, sources = problems_of(tmp_path, SOURCES)
    assert [s.id for s in sources] == ["feed-ok", "sitemap-ok", "listing-ok"]
    text = "\n".join(problems)
    expected = [
        ("sources.yaml:21:16: sources[3].selectors:", "for kind: listing or sitemap"),
        ("sources.yaml:22:5: sources[4]:", "kind: listing needs `selectors`"),
        ("sources.yaml:28:16: sources[5].selectors:", "needs `selectors.links`"),
        ("sources.yaml:32:24: sources[6].selectors.links:",
         "invalid CSS selector 'div.card > a[href'"),
        ("sources.yaml:32:45: sources[6].selectors.bodyy:", "unknown key; did you mean 'body'?"),
        ("sources.yaml:36:14: sources[7].include:",
         "pattern [1] '(unclosed' is not a valid regular expression"),
        ("sources.yaml:39:16: sources[8].max_depth:", "only for kind: sitemap"),
        ("sources.yaml:43:14: sources[9].max_age:", "'two days' is not a valid maximum age"),
        ("sources.yaml:45:11: sources[10].kind:", "'feed', 'sitemap' or 'listing'"),
    ]
    for where, what in expected:
        line = next((p for p in problems if p.startswith(where)), None)
        assert line is not None, f"{where} not in:\n{text}"
        assert what in line, line
    assert len(problems) == len(expected), text


def test_valid_kinds_get_their_defaults(tmp_path: Path) -> None:
    _, sources = problems_of(tmp_path, SOURCES)
    feed, sitemap, listing = sources
    assert feed.age_limit is None and feed.exclude == ("/video/",)
    assert str(sitemap.age_limit) == "1 day, 12:00:00" and sitemap.max_depth == 1
    assert listing.include == ("/news/20[0-9]{2}/",)     # one pattern may be a plain string
    assert listing.selectors is not None and listing.selectors.date == "time[datetime]"
    default = SourceConfig(id="s", kind="sitemap", url="http://127.0.0.1/s.xml")
    assert str(default.age_limit) == "2 days, 0:00:00"


def test_the_shipped_field_descriptions_name_the_pattern_syntax() -> None:
    description = SourceConfig.model_fields["include"].description or ""
    assert "regular expression" in description.lower()


@pytest.mark.parametrize(("include", "exclude", "url", "allowed"), [
    ((), (), "http://x/any", True),
    (("/world/",), (), "http://x/world/a", True),
    (("/world/",), (), "http://x/sport/a", False),
    (("/world/",), ("/video/",), "http://x/world/video/a", False),
    ((), (r"\.pdf$",), "http://x/report.pdf", False),
    ((), (r"\.pdf$",), "http://x/report.pdf.html", True),
])
def test_url_filter(include: tuple[str, ...], exclude: tuple[str, ...], url: str,
                    allowed: bool) -> None:
    assert UrlFilter.of(include, exclude).allows(url) is allowed


def test_empty_selector_is_an_error() -> None:
    with pytest.raises(ValidationError, match="empty selector"):
        SourceConfig.model_validate({"id": "l", "kind": "listing", "url": "http://127.0.0.1/",
                                     "selectors": {"links": " "}})


def test_the_example_in_docs_sources_validates(tmp_path: Path) -> None:
    doc = (Path(__file__).resolve().parents[2] / "docs" / "sources.md").read_text()
    [example] = re.findall(r"```yaml\n(.*?)```", doc, re.DOTALL)
    problems, sources = problems_of(tmp_path, example)
    assert problems == []
    assert [s.kind for s in sources] == ["feed", "sitemap", "listing"]


def test_duplicate_source_ids_are_one_problem_naming_each_once(tmp_path: Path) -> None:
    urls = "".join(f"  - {{id: {i}, url: 'http://127.0.0.1/{n}.xml'}}\n"
                   for n, i in enumerate(["a", "b", "a", "c", "b", "a", "d"]))
    (tmp_path / "sources.yaml").write_text("sources:\n" + urls)
    config = load_config(tmp_path)
    [problem] = [p for p in config.problems if "duplicate" in p.message]
    assert problem.message == "duplicate source ids: a, b"
