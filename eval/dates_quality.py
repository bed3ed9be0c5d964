"""Date expressions against TimeML gold (TimeBank + AQUAINT), with dateparser as the baseline.

Relaxed extent: a found expression counts when it overlaps a gold DATE or TIME expression.
Value: it must also carry the gold's TIMEX3 value. Each document is resolved against its own
creation time. Documents are split in two halves by a hash of their name: "dev" is the half to
look at while improving the rules, "held-out" the half that shows whether that overfitted.

`python -m eval.dates_quality --errors` lists the most frequent misses and false alarms of the
dev half (`--all`: every one; `--context`: each error with the text around it, by document).
"""

from __future__ import annotations

import re
import sys
import time
import zlib
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from eval.timeml_corpus import GoldTimex, TimemlDoc, read_corpus
from rules.dates import find_dates

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus" / "timeml-dev"
SCORED_TYPES = ("DATE", "TIME")

Found = tuple[int, int, str]            # start, end, value
Tagger = Callable[[str, date], list[Found]]


def same_value(gold: str, found: str) -> bool:
    """Equal TIMEX3 values; the gold sometimes writes week 6 as W6 where ISO says W06."""
    return re.sub(r"-W(\d)(?!\d)", r"-W0\1", gold) == found


def is_dev(doc: TimemlDoc) -> bool:
    return zlib.crc32(doc.name.encode()) % 2 == 0


def scored_gold(doc: TimemlDoc) -> list[GoldTimex]:
    return [t for t in doc.timexes
            if t.type in SCORED_TYPES and t.function != "CREATION_TIME"]


def newswatch_tagger(text: str, created: date) -> list[Found]:
    # The corpus is American newswire: numeric dates are month first.
    return [(m.start, m.end, m.value) for m in find_dates(text, created, locale="en-US")]


def dateparser_tagger(text: str, created: date) -> list[Found]:
    from dateparser.search import search_dates

    found = search_dates(text, languages=["en"], settings={
        "RELATIVE_BASE": datetime(created.year, created.month, created.day, 12),
        "PREFER_DATES_FROM": "current_period"}) or []
    out, cursor = [], 0
    for surface, when in found:
        start = text.find(surface, cursor)
        if start < 0:
            start = text.find(surface)
        if start < 0:
            continue
        cursor = start + len(surface)
        out.append((start, start + len(surface), when.date().isoformat()))
    return out


@dataclass
class Score:
    found: int = 0
    gold: int = 0
    found_overlapping: int = 0
    gold_overlapped: int = 0
    found_right: int = 0
    gold_right: int = 0
    misses: Counter[str] = field(default_factory=Counter)
    false_alarms: Counter[str] = field(default_factory=Counter)
    wrong_values: Counter[str] = field(default_factory=Counter)

    def add(self, doc: TimemlDoc, found: list[Found]) -> None:
        gold = scored_gold(doc)
        self.found += len(found)
        self.gold += len(gold)

        def overlaps(a: tuple[int, int], b: tuple[int, int]) -> bool:
            return a[0] < b[1] and b[0] < a[1]

        for start, end, value in found:
            hits = [g for g in gold if overlaps((start, end), (g.start, g.end))]
            self.found_overlapping += bool(hits)
            self.found_right += any(same_value(g.value, value) for g in hits)
            if not hits:
                self.false_alarms[doc.text[start:end]] += 1
            elif not any(same_value(g.value, value) for g in hits):
                self.wrong_values[f"{doc.text[start:end]!r} {value} (gold {hits[0].value}, "
                                  f"created {doc.created})"] += 1
        for g in gold:
            values = [v for s, e, v in found if overlaps((s, e), (g.start, g.end))]
            self.gold_overlapped += bool(values)
            self.gold_right += any(same_value(g.value, v) for v in values)
            if not values:
                self.misses[f"{g.text!r} {g.value}"] += 1

    @staticmethod
    def _f1(right_found: int, found: int, right_gold: int, gold: int) -> tuple[float, ...]:
        p = right_found / found if found else 0.0
        r = right_gold / gold if gold else 0.0
        return p, r, (2 * p * r / (p + r) if p + r else 0.0)

    def relaxed(self) -> tuple[float, ...]:
        return self._f1(self.found_overlapping, self.found, self.gold_overlapped, self.gold)

    def value(self) -> tuple[float, ...]:
        return self._f1(self.found_right, self.found, self.gold_right, self.gold)

    def summary(self) -> str:
        rp, rr, rf = self.relaxed()
        vp, vr, vf = self.value()
        return (f"relaxed P {rp:.3f} R {rr:.3f} F1 {rf:.3f}; "
                f"value P {vp:.3f} R {vr:.3f} F1 {vf:.3f} ({self.gold} gold, {self.found} found)")


def score(docs: Iterable[TimemlDoc], tagger: Tagger) -> tuple[Score, Score, Score, float]:
    """(dev, held-out, all) scores and the CPU seconds the tagger took."""
    dev, held_out, everything = Score(), Score(), Score()
    seconds = 0.0
    tagger("Warm up on Monday.", date(2000, 1, 1))       # imports and compiled patterns
    for doc in docs:
        started = time.process_time()      # CPU time: the machine may be shared
        found = tagger(doc.text, doc.created)
        seconds += time.process_time() - started
        (dev if is_dev(doc) else held_out).add(doc, found)
        everything.add(doc, found)
    return dev, held_out, everything, seconds


HEIDELTIME_RELAXED_F1, HEIDELTIME_VALUE_F1 = 0.876, 0.738


def run(corpus: Path = CORPUS) -> list[tuple[str, str]]:
    if not corpus.is_dir():
        return [("dates on TimeML", f"skipped: no corpus at {corpus}")]
    docs = read_corpus(corpus)
    words = sum(len(d.text.split()) for d in docs)
    rows = []
    for name, tagger in (("newswatch", newswatch_tagger), ("dateparser", dateparser_tagger)):
        dev, held_out, everything, seconds = score(docs, tagger)
        rows += [(f"dates {name}, dev half", dev.summary()),
                 (f"dates {name}, held-out half", held_out.summary()),
                 (f"dates {name}, all {len(docs)} docs", everything.summary()),
                 (f"dates {name}, speed",
                  f"{1000 * seconds / words * 1000:.2f} ms CPU per 1,000 words")]
    # HeidelTime is Java and not run here: its published figures on TimeBank + AQUAINT with
    # this kind of scorer (DATE+TIME, creation time as reference), as the anchor to beat
    # (targets: relaxed F1 >= 0.92, value F1 >= 0.85).
    rows.append(("dates HeidelTime, same set (published)",
                 f"relaxed F1 {HEIDELTIME_RELAXED_F1:.3f}; value F1 {HEIDELTIME_VALUE_F1:.3f} "
                 "(not run here)"))
    return rows


def _print_errors(limit: int | None = 40) -> None:
    dev, _, _, _ = score([d for d in read_corpus(CORPUS) if is_dev(d)], newswatch_tagger)
    print(dev.summary())
    for title, counter in (("misses", dev.misses), ("false alarms", dev.false_alarms),
                           ("wrong values", dev.wrong_values)):
        print(f"\n{title} ({sum(counter.values())}):")
        for text, n in counter.most_common(limit):
            print(f"  {n:3d}  {text}")


def _in_context(doc: TimemlDoc, start: int, end: int, room: int = 90) -> str:
    before = doc.text[max(0, start - room):start]
    after = doc.text[end:end + room]
    return " ".join(f"{before}[[{doc.text[start:end]}]]{after}".split())


def error_lines(doc: TimemlDoc, found: list[Found]) -> list[str]:
    """Every error of one document, each with the text around it: what a reader needs to
    tell a rule's mistake from an annotator's."""
    gold = scored_gold(doc)
    lines = []
    for start, end, value in found:
        hits = [g for g in gold if start < g.end and g.start < end]
        if not hits:
            lines.append(f"false alarm {value} | {_in_context(doc, start, end)}")
        elif not any(same_value(g.value, value) for g in hits):
            lines.append(f"wrong value {value} (gold {hits[0].value}) | "
                         f"{_in_context(doc, start, end)}")
    for g in gold:
        if not any(s < g.end and g.start < e for s, e, _ in found):
            lines.append(f"miss {g.value} | {_in_context(doc, g.start, g.end)}")
    return lines


def _print_errors_in_context() -> None:
    for doc in read_corpus(CORPUS):
        if is_dev(doc):
            for line in error_lines(doc, newswatch_tagger(doc.text, doc.created)):
                print(f"{doc.name} {doc.created} {line}")


if __name__ == "__main__":
    if "--errors" in sys.argv and "--context" in sys.argv:
        _print_errors_in_context()
    elif "--errors" in sys.argv:
        _print_errors(None if "--all" in sys.argv else 40)
    else:
        for row_name, figure in run():
            print(f"  {row_name:<48} {figure}")
