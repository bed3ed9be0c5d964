"""Publication days in the page's own calendar, on every news-html page with a known date,
beside htmldate's `find_date(original_date=True)` on the same pages in the same run.

Right means the calendar day the page printed: the expected value's own date part (its day in
its own offset, or a bare date) equals the day of what we found, read in the offset the page
gave (no conversion to UTC). A page refused as not an article counts with the date its refusal
reports ("...; the page's date: ..."). The extraction benchmark's ground truth has no dates,
so it is not scored here.
"""

from __future__ import annotations

import gzip
import json
import re
from datetime import datetime
from pathlib import Path

from eval.news_html_quality import CORPUS, FETCHED_AT, _expected, _truth
from scrapers.errors import ScrapeError
from scrapers.extract import decode_html, extract_article

_REFUSED_DATE = re.compile(r"the page's date: (\S+)$")


def _newswatch_day(raw: bytes, url: str) -> str | None:
    try:
        article = extract_article(decode_html(raw, None), url=url, source_id="eval",
                                  fetched_at=FETCHED_AT)
    except ScrapeError as exc:
        found = _REFUSED_DATE.search(exc.message)
        return datetime.fromisoformat(found.group(1)).date().isoformat() if found else None
    return article.published_at.date().isoformat() if article.published_at else None


def _htmldate_day(raw: bytes, url: str) -> str | None:
    from htmldate import find_date

    try:
        return find_date(decode_html(raw, None), url=url, original_date=True)
    except Exception:       # htmldate has no error contract
        return None


def evaluate(corpus: Path = CORPUS) -> list[tuple[str, str, str | None, str | None]]:
    """(file, expected day, newswatch's day, htmldate's day) for every page with a date."""
    manifest = {m["file"]: m for m in json.loads((corpus / "manifest.json").read_text("utf-8"))}
    rows = []
    for file, row in _expected(corpus).items():
        truth = _truth(row, file.split("/", 1)[0])
        if not truth["date"]:
            continue
        url = manifest.get(file, {}).get("url") or f"https://page.invalid/{file}"
        raw = gzip.decompress((corpus / file).read_bytes())
        rows.append((file, str(truth["date"])[:10], _newswatch_day(raw, url),
                     _htmldate_day(raw, url)))
    return rows


def run(corpus: Path = CORPUS) -> list[tuple[str, str]]:
    if not corpus.is_dir():
        return [("publication day", f"skipped: no corpus at {corpus}")]
    rows = evaluate(corpus)
    ours = sum(1 for _, want, got, _ in rows if got == want)
    theirs = sum(1 for _, want, _, got in rows if got == want)
    out = [("publication day, page's calendar (news-html)",
            f"newswatch {ours / len(rows):.3f} ({ours}/{len(rows)}); htmldate "
            f"find_date(original_date=True) {theirs / len(rows):.3f} ({theirs}/{len(rows)}); "
            "target >= htmldate and >= 0.95")]
    for file, want, got, other in rows:
        if got != want:
            out.append((f"  day miss {file}", f"expected {want}, newswatch {got or '-'}, "
                                              f"htmldate {other or '-'}"))
    return out
