"""Title, authors, date and body on 158 real news pages (shared corpus `news-html`), overall and
per family of pages (fundus, trafilatura, newspaper4k: whose test data the page and its expected
values come from).

What counts as right, per field (a page counts only for the fields its ground truth gives):
- title: equal after normalization (Unicode NFKC, case-folded, curly quotes and dashes made
  plain, whitespace collapsed);
- authors: the same set of people after the same normalization (an expected "A and B" string is
  split on commas, semicolons, "and" and "&");
- date: the same calendar day: in the expected value's own UTC offset when it has one; for a
  bare date, some UTC offset from -12 to +14 hours puts our instant on that day;
- snippets: every expected snippet (fundus body paragraphs, trafilatura `with` snippets,
  newspaper4k text paragraphs) occurs in the extracted body, both normalized as above;
- clean: no trafilatura `without` snippet (boilerplate) occurs in the body;
and "snippets found": the share of expected snippets found, averaged over pages.
A page refused as not an article is wrong on every field.
`python -m eval.news_html_quality --misses title` lists the misses of one field.
"""

from __future__ import annotations

import argparse
import gzip
import json
import re
import unicodedata
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import TypedDict

from scrapers.errors import ScrapeError
from scrapers.extract import decode_html, extract_article
from scrapers.models import Article

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "news-html"
FIELDS = ("title", "authors", "date", "snippets", "clean")
FETCHED_AT = datetime(2026, 11, 27, tzinfo=UTC)
_PLAIN = str.maketrans({"‘": "'", "’": "'", "‚": "'", "“": '"', "”": '"', "„": '"',
                        "–": "-", "—": "-", "\u00a0": " ", "\u200b": ""})
_SPLIT_PEOPLE = re.compile(r"\s*(?:,|;|\band\b|&)\s*", re.IGNORECASE)


def norm(text: str) -> str:
    return " ".join(unicodedata.normalize("NFKC", text).translate(_PLAIN).casefold().split())


@dataclass
class PageResult:
    file: str
    family: str
    verdicts: dict[str, bool] = field(default_factory=dict)
    snippet_share: float | None = None     # share of the expected snippets found
    got: dict[str, object] = field(default_factory=dict)
    expected: Mapping[str, object] = field(default_factory=dict)


class Truth(TypedDict):
    """One page's ground truth; a field the page's test data does not give is None."""

    title: str | None
    authors: list[str] | None
    date: str | None
    snippets: list[str] | None
    without: list[str] | None


def _expected(corpus: Path) -> dict[str, dict]:
    rows: dict[str, dict] = {}
    for path in sorted((corpus / "expected").glob("*.jsonl")):
        for line in path.read_text("utf-8").splitlines():
            if line.strip():
                row = json.loads(line)
                rows[row["file"]] = row
    return rows


def _truth(row: dict, family: str) -> Truth:
    """The ground truth of one page in one shape: title, authors, date, snippets, without."""
    if family == "fundus":
        authors, when = row.get("authors"), row.get("publishing_date")
        snippets = row.get("body_paragraphs")
    elif family == "newspaper4k":
        authors, when = row.get("authors"), row.get("publish_date")
        snippets = [p for p in (row.get("text") or "").split("\n") if p.strip()]
    else:
        authors = _SPLIT_PEOPLE.split(row["author"]) if row.get("author") else None
        when, snippets = row.get("date"), row.get("with")
    if isinstance(when, str) and family == "newspaper4k" and when.endswith("T00:00:00"):
        when = when[:10]                      # newspaper4k writes a bare day as midnight
    return {"title": row.get("title"), "authors": authors or None, "date": when,
            "snippets": snippets or None, "without": row.get("without") or None}


def _same_day(got: datetime | None, expected: str) -> bool:
    if got is None:
        return False
    if len(expected) == 10:
        day = date.fromisoformat(expected)
        return any((got + timedelta(hours=h)).date() == day for h in range(-12, 15))
    want = datetime.fromisoformat(expected.replace("Z", "+00:00"))
    if want.tzinfo is None:
        want = want.replace(tzinfo=UTC)
    return got.astimezone(want.tzinfo).date() == want.date()


def judge(article: Article | None, truth: Truth) -> dict[str, bool]:
    verdicts: dict[str, bool] = {}
    body = norm(article.body) if article else ""
    if truth["title"]:
        verdicts["title"] = article is not None and norm(article.title) == norm(str(truth["title"]))
    if truth["authors"]:
        want = {norm(a) for a in truth["authors"] if a.strip()}
        verdicts["authors"] = article is not None and {norm(a) for a in article.authors} == want
    if truth["date"]:
        verdicts["date"] = article is not None and _same_day(article.published_at,
                                                             str(truth["date"]))
    if truth["snippets"]:
        verdicts["snippets"] = article is not None and all(
            norm(s) in body for s in truth["snippets"] if s.strip())
    if truth["without"]:
        verdicts["clean"] = article is not None and not any(
            norm(s) in body for s in truth["without"] if s.strip())
    return verdicts


def evaluate(corpus: Path = CORPUS) -> list[PageResult]:
    manifest = {m["file"]: m for m in json.loads((corpus / "manifest.json").read_text("utf-8"))}
    results = []
    for file, row in _expected(corpus).items():
        family = file.split("/", 1)[0]
        url = manifest.get(file, {}).get("url") or f"https://page.invalid/{file}"
        raw = gzip.decompress((corpus / file).read_bytes())
        truth = _truth(row, family)
        article: Article | None
        try:
            article = extract_article(
                decode_html(raw, None), url=url, source_id=family, fetched_at=FETCHED_AT)
        except ScrapeError as exc:
            article = None
            got: dict[str, object] = {"refused": exc.message}
        else:
            got = {"title": article.title, "authors": list(article.authors),
                   "date": article.published_at.isoformat() if article.published_at else None}
        wanted = [norm(x) for x in truth["snippets"] or [] if x.strip()]
        body = norm(article.body) if article else ""
        share = sum(1 for x in wanted if x in body) / len(wanted) if wanted else None
        results.append(PageResult(file, family, judge(article, truth), share, got, truth))
    return results


def shares(results: list[PageResult]) -> dict[str, dict[str, tuple[int, int]]]:
    """{group: {field: (right, judged)}} for "all" and each family."""
    table: dict[str, dict[str, list[int]]] = defaultdict(lambda: defaultdict(lambda: [0, 0]))
    for result in results:
        for group in ("all", result.family):
            for name, ok in result.verdicts.items():
                table[group][name][0] += ok
                table[group][name][1] += 1
    return {g: {f: (v[0], v[1]) for f, v in fs.items()} for g, fs in table.items()}


def run(corpus: Path = CORPUS) -> list[tuple[str, str]]:
    if not corpus.is_dir():
        return [("news-html", f"skipped: no corpus at {corpus}")]
    results = evaluate(corpus)
    table = shares(results)
    rows = [("news-html: pages", f"{len(results)}; right = see eval/news_html_quality.py")]
    for group in ("all", "fundus", "trafilatura", "newspaper4k"):
        cells = [f"{name} {table[group][name][0] / table[group][name][1]:.0%} "
                 f"({table[group][name][0]}/{table[group][name][1]})"
                 for name in FIELDS if name in table[group]]
        found = [r.snippet_share for r in results
                 if r.snippet_share is not None and group in ("all", r.family)]
        cells.append(f"snippets found {sum(found) / len(found):.1%}")
        rows.append((f"news-html: {group}", ", ".join(cells)))
    return rows


def misses(name: str, corpus: Path = CORPUS) -> None:
    for result in evaluate(corpus):
        if result.verdicts.get(name) is False:
            want = result.expected.get(name if name != "clean" else "without")
            print(f"{result.file}\n   got:      {result.got}\n   expected: {str(want)[:300]}")


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--misses", choices=FIELDS, help="list the pages wrong on one field")
    args = parser.parse_args()
    if args.misses:
        misses(args.misses)
    else:
        for label, figure in run():
            print(f"  {label:<30} {figure}")
