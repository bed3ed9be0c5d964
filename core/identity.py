"""How newswatch names itself to the sites it reads: its version and User-Agent."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

try:
    VERSION = version("newswatch")
except PackageNotFoundError:   # run from a source tree that was never installed
    VERSION = "0.1.0"

# Site owners who see newswatch in their logs need a way to reach whoever runs it: the
# operator sets NEWSWATCH_CONTACT_URL; this placeholder only names the project.
PLACEHOLDER_CONTACT = "https://github.com/newswatch/newswatch"


def build_user_agent(contact: str = PLACEHOLDER_CONTACT) -> str:
    """`newswatch/VERSION (+CONTACT; news monitoring)`: robots.txt groups for `newswatch`
    apply to it."""
    return f"newswatch/{VERSION} (+{contact}; news monitoring)"
