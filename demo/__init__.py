"""Fictional local news web for newswatch demos, end-to-end tests and benchmarks.

Three made-up outlets served from one HTTP server on 127.0.0.1, with a clock that decides
which articles are already published. Never touches the internet.
"""

from demo.articles import ARTICLES, DemoArticle
from demo.clock import ADVANCE_HOURS, DEFAULT_START, DemoClock
from demo.server import DemoNewsServer, DemoSite

__all__ = [
    "ADVANCE_HOURS",
    "ARTICLES",
    "DEFAULT_START",
    "DemoArticle",
    "DemoClock",
    "DemoNewsServer",
    "DemoSite",
]
