"""Seeded "syndicated copy" transformations for the near-duplicate evaluation.

A wire story reaches a reader through many outlets, and each one changes it a little: a new
headline, a dateline or byline from its own template, paragraphs cut for length or moved, a few
words edited, an agency credit line at the bottom. `syndicate` applies a random mix of those edits
to a title and its paragraphs. Every random choice comes from the `random.Random` passed in, so a
seeded caller gets the same copies on every run. The names, agencies and cities below are invented.
"""

from __future__ import annotations

import random
import re
from dataclasses import dataclass

_FIRST = ["Aino", "Bastian", "Corin", "Delphine", "Emeka", "Farrah", "Gideon", "Halla", "Ivo",
          "Jorun", "Kalani", "Lisandro", "Marit", "Nnamdi", "Oriel", "Priya", "Quill", "Rosalind",
          "Soren", "Tamsin", "Ulric", "Vesna", "Wendell", "Xiomara", "Yusuf", "Zelda"]
_LAST = ["Abernathy", "Brightwater", "Castellane", "Dunmore", "Elsworth", "Fairlie", "Galloway",
         "Hargreave", "Ingleby", "Jessop", "Kettering", "Lindqvist", "Marchetti", "Northcott",
         "Okonkwo", "Pellegrini", "Quarrie", "Rothwell", "Sandoval", "Thistlewood", "Umberto",
         "Vantongeren", "Whitcombe", "Yardley", "Zubiri"]
_AGENCIES = ["Meridian Wire", "Northgate Press", "Harbour News Service", "Atlas Newswire",
             "Crosswind Media"]
_AGENCY_TAGS = ["MW", "NGP", "HNS", "Atlas", "CWM"]
_CITIES = ["LONDON", "NEW YORK", "WASHINGTON", "BRUSSELS", "SYDNEY", "TORONTO", "NAIROBI",
           "SINGAPORE", "JOHANNESBURG", "MUMBAI"]
_MONTHS = ["Jan", "Feb", "March", "April", "May", "June", "July", "Aug", "Sept", "Oct", "Nov",
           "Dec"]
_DASHES = ["-", "—", "–", "--"]
_READ_MORE = ["Read more: What the figures tell us", "Read more: Five things to know this week",
              "Read more: The story so far", "READ MORE: Our live coverage",
              "Read more: Analysis from our correspondents"]
_HEADLINE_TAGS = ["UPDATE 1-", "UPDATE 2-", "Exclusive: ", "Analysis: ", "Breaking: ", ""]
_HEADLINE_TAILS = [" - report", " | Meridian Wire", ": sources", " (updated)"]
# Edits a desk makes when it rewrites copy for its house style.
_REWORDS = {"said": "says", "says": "said", "told": "informed", "people": "residents",
            "government": "administration", "company": "firm", "firm": "company",
            "however": "but", "percent": "per cent", "also": "additionally", "large": "big",
            "big": "major", "officials": "authorities", "would": "will", "will": "would",
            "announced": "unveiled", "including": "among them", "before": "ahead of"}
_FILLERS = ["reportedly", "notably", "meanwhile", "recently", "officially", "still"]
_WORD = re.compile(r"[A-Za-z]{4,}")


@dataclass(frozen=True)
class Copy:
    title: str
    paragraphs: tuple[str, ...]
    edits: tuple[str, ...]   # names of the transformations applied, for error breakdowns


def _name(rng: random.Random) -> str:
    return f"{rng.choice(_FIRST)} {rng.choice(_LAST)}"


def _headline(title: str, paragraphs: list[str], rng: random.Random) -> str:
    words = title.split()
    style = rng.randrange(3)
    if style == 0 or len(words) < 4:
        # A new headline from other words of the article: a span of one of its sentences.
        sentences = [s.split() for p in paragraphs for s in re.split(r"(?<=[.!?])\s+", p)]
        sentences = [s for s in sentences if len(s) >= 6] or [title.split() or ["Update"]]
        sentence = rng.choice(sentences)
        start = rng.randrange(max(1, len(sentence) - 5))
        span = sentence[start:start + rng.randint(6, 10)]
        text = " ".join(span).rstrip(".,;:")
        return text[:1].upper() + text[1:]
    if style == 1:
        # Same headline, words moved: the last part goes first, one word replaced.
        cut = rng.randrange(1, len(words))
        words = words[cut:] + words[:cut]
        i = rng.randrange(len(words))
        words[i] = _REWORDS.get(words[i].lower(), words[i])
        return " ".join(words)
    return f"{rng.choice(_HEADLINE_TAGS)}{title}{rng.choice(_HEADLINE_TAILS)}"


def _drop(paragraphs: list[str], rng: random.Random) -> list[str]:
    most = int(len(paragraphs) * 0.3)
    if most < 1:
        return paragraphs
    gone = set(rng.sample(range(len(paragraphs)), rng.randint(1, most)))
    return [p for i, p in enumerate(paragraphs) if i not in gone]


def _reorder(paragraphs: list[str], rng: random.Random) -> list[str]:
    if len(paragraphs) < 3:
        return paragraphs
    out = list(paragraphs)
    for _ in range(rng.randint(1, 2)):
        # Move one paragraph (never the lead) somewhere else, as editors do with quotes.
        moved = out.pop(rng.randrange(1, len(out)))
        out.insert(rng.randrange(1, len(out) + 1), moved)
    return out


def _reword(paragraphs: list[str], rng: random.Random) -> list[str]:
    out = list(paragraphs)
    for _ in range(rng.randint(2, 5)):
        i = rng.randrange(len(out))
        spots = list(_WORD.finditer(out[i]))
        if not spots:
            continue
        m = rng.choice(spots)
        word = m.group()
        new = _REWORDS.get(word.lower())
        if new is None:
            new = word.replace("ise", "ize") if "ise" in word else rng.choice(_FILLERS)
        out[i] = out[i][:m.start()] + new + out[i][m.end():]
    return out


def _trim_last(paragraphs: list[str], rng: random.Random) -> list[str]:
    if len(paragraphs) < 2:
        return paragraphs
    words = paragraphs[-1].split()
    if len(words) < 6:
        return paragraphs[:-1]
    return [*paragraphs[:-1], " ".join(words[:rng.randint(3, len(words) // 2 + 1)]) + "..."]


def _dateline(paragraphs: list[str], rng: random.Random) -> list[str]:
    agency = rng.choice(_AGENCY_TAGS)
    city = rng.choice(_CITIES)
    if rng.random() < 0.5:
        line = f"{city} ({agency}) {rng.choice(_DASHES)} "
    else:
        line = (f"{city}, {rng.choice(_MONTHS)} {rng.randint(1, 28)} ({agency}) "
                f"{rng.choice(_DASHES)} ")
    return [line + paragraphs[0], *paragraphs[1:]]


def _byline(paragraphs: list[str], rng: random.Random) -> list[str]:
    line = rng.choice([f"By {_name(rng)}", f"By {_name(rng)}, {rng.choice(_AGENCIES)}",
                       f"By {_name(rng).upper()} and {_name(rng).upper()}"])
    return [line, *paragraphs]


def _read_more(paragraphs: list[str], rng: random.Random) -> list[str]:
    return [*paragraphs, rng.choice(_READ_MORE)]


def _footer(paragraphs: list[str], rng: random.Random) -> list[str]:
    style = rng.randrange(3)
    if style == 0:
        line = f"(Reporting by {_name(rng)}; Editing by {_name(rng)})"
    elif style == 1:
        line = (f"Reporting by {_name(rng)} and {_name(rng)} in {rng.choice(_CITIES).title()}; "
                f"Additional reporting by {_name(rng)}; Writing by {_name(rng)}; "
                f"Editing by {_name(rng)} and {_name(rng)}")
    else:
        line = (f"Copyright {rng.randint(2004, 2025)} {rng.choice(_AGENCIES)}. All rights "
                f"reserved. This material may not be published, broadcast, rewritten or "
                f"redistributed.")
    return [*paragraphs, line]


# (name, probability): every copy gets its own random subset, so edits combine.
_BODY_EDITS = [("drop", 0.5, _drop), ("reorder", 0.35, _reorder), ("reword", 0.5, _reword),
               ("trim", 0.3, _trim_last)]
_CHROME = [("dateline", 0.5, _dateline), ("byline", 0.3, _byline),
           ("read-more", 0.3, _read_more), ("footer", 0.5, _footer)]


def syndicate(title: str, paragraphs: list[str], rng: random.Random) -> Copy:
    """One syndicated copy of an article: its headline, paragraphs and the edits made."""
    edits = []
    out = list(paragraphs)
    for name, chance, edit in [*_BODY_EDITS, *_CHROME]:
        if rng.random() < chance:
            out = edit(out, rng)
            edits.append(name)
    new_title = title
    if rng.random() < 0.8:
        new_title = _headline(title, paragraphs, rng)
        edits.append("headline")
    return Copy(new_title, tuple(out), tuple(edits))
