"""The demo's own watchlist: the fictional leaders, places and bodies of its news web.

`newswatch demo` adds these to the copied entities.yaml, so entity mentions are stored for the
demo's stories (the report's "Most mentioned entities") the way a real watchlist does for the
real world. Plain data: the demo imports nothing of newswatch.
"""

from __future__ import annotations

DEMO_ENTITIES: list[dict[str, object]] = [
    {"id": "adrian-volkas", "name": "Adrian Volkas", "kind": "person",
     "aliases": ["Volkas"], "titles": ["Corvanian president", "President of Corvania"]},
    {"id": "helena-marsk", "name": "Helena Marsk", "kind": "person",
     "aliases": ["Marsk"], "titles": ["Estmark's president", "President of Estmark"]},
    {"id": "ruth-halvorsen", "name": "Ruth Halvorsen", "kind": "person",
     "aliases": ["Halvorsen"]},
    {"id": "lake-forum", "name": "Lake Forum", "kind": "organisation"},
    {"id": "corvania", "name": "Corvania", "kind": "place", "aliases": ["Varnholt"]},
    {"id": "estmark", "name": "Estmark", "kind": "place", "aliases": ["Lisk"]},
    {"id": "serin-valley", "name": "Serin Valley", "kind": "place"},
    {"id": "geneva", "name": "Geneva", "kind": "place"},
]
