"""Errors the rules raise. All are ValueErrors, so callers that handle bad input as a
ValueError keep working; `RuleError` catches any of them without catching bugs."""

from __future__ import annotations


class RuleError(ValueError):
    """A rule cannot be used as written; the message says which part and what to do."""


class UnknownEntity(RuleError):
    """A rule names an entity the watchlist does not have."""


class UnsafeRegex(RuleError):
    """The pattern is refused; the message says why and what to write instead."""
