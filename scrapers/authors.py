"""Bylines to people: 'By Ana Ruiz and Tom Bell, Staff Writers | 3 May 2024' -> two names."""

from __future__ import annotations

import re

from scrapers.controls import one_line

_PREFIX = re.compile(
    r"^\s*(?:(?:written|words|reporting|additional reporting|reported|story|text|posted|"
    r"published|compiled|edited|editing|photos?|photographs|illustrations?|video)"
    r"\s+by|by|from|von|par|por|door)\b[\s:]*", re.IGNORECASE)
# Between people: commas, semicolons, "and", "&", " with " and the same in a few languages.
_GLUE = re.compile(r"\s*(?:[,;/]|\band\b|&|\bund\b|\bet\b|\bwith\b)\s*",
                   re.IGNORECASE)
# What is not a person's name: roles, desks and time stamps that sit in bylines.
_ROLE_WORDS = frozenset({"reporter", "reporters", "correspondent", "correspondents", "editor",
    "editors", "writer", "writers", "staff", "contributor", "contributors", "columnist",
    "journalist", "journalists", "producer", "photographer", "photographers", "analyst", "bureau",
    "chief", "senior", "deputy", "managing", "associate", "executive", "political", "economics",
    "business", "sports", "opinion", "desk", "team", "newsroom", "updated", "published", "posted",
    "modified", "last", "share", "follow", "email", "contributing", "special", "editorial",
    "freelance", "intern", "anchor", "host", "presenter", "critic"})
_NOT_NAMES = re.compile(r"https?://|www\.|@|\d|\.(?:com|org|net)\b", re.IGNORECASE)
_CUT = re.compile(r"\s+(?:is|was|has|covers|writes)\s+.*$|\s+[|•·]\s+.*$|\s+[-–—]\s+.*$",
                  re.IGNORECASE)
_LINKS = re.compile(r"\S+@\S+|https?://\S+|www\.\S+|@\w+")
# Words that begin a sentence, never a name: "This is ...", "Read more".
_NOT_FIRST = frozenset(["this", "that", "the", "a", "an", "it", "he", "she", "we", "they",
                        "our", "my", "more", "read", "share"])
_PLACEHOLDERS = frozenset({"no author", "unknown", "anonymous", "admin", "administrator",
                           "author", "guest", "none", "null"})
_MAX_WORDS = 5


def clean_authors(names: list[str]) -> list[str]:
    """People's names from raw bylines, in order, each once (case-insensitively).

    Drops "By", roles ("Staff Writer", "Senior Correspondent"), dates and times, addresses,
    profile links, and anything too long to be a name.
    """
    cleaned: list[str] = []
    seen: set[str] = set()
    for raw in names:
        if not isinstance(raw, str):
            continue
        for part in _split_people(raw):
            key = part.casefold()
            if key not in seen:
                seen.add(key)
                cleaned.append(part)
    return cleaned


def _split_people(raw: str) -> list[str]:
    text = " ".join(_LINKS.sub(" ", one_line(raw)).split())
    text = _CUT.sub("", text)              # "Ana Ruiz | Staff", "Ana Ruiz - Reporter"
    text = _PREFIX.sub("", text)
    people = []
    for part in _GLUE.split(text):
        part = _PREFIX.sub("", part).strip(" :,;()[]'\"-–—")
        if part.endswith(".") and len(part.rsplit(" ", 1)[-1]) > 4:
            part = part[:-1]               # a full stop, not "Jr." or an initial
        if part and _is_name(part):
            people.append(_recase(part))
    return people


def _is_name(part: str) -> bool:
    if _NOT_NAMES.search(part) or part.casefold() in _PLACEHOLDERS:
        return False
    words = part.split()
    if words[0].lower() in _NOT_FIRST or len(words) > _MAX_WORDS or len(part) > 60:
        return False
    if any(w.lower().strip(".,") in _ROLE_WORDS for w in words):
        return False
    return any(ch.isalpha() for ch in part)


def _recase(name: str) -> str:
    """'ANA RUIZ' -> 'Ana Ruiz'; a name already in mixed case is kept as written."""
    return name.title() if name.isupper() and len(name) > 3 else name
