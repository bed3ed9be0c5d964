"""Progress of a run, for a display: the flow reports events, a listener (the CLI) shows them.

In-process only and optional: with no listener, reporting does nothing. Events: "source"
(a source finished; amount = articles it fetched) and "alerts" (amount = alerts sent).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager

Listener = Callable[[str, int], None]
_listeners: list[Listener] = []


@contextmanager
def listening(listener: Listener) -> Iterator[None]:
    _listeners.append(listener)
    try:
        yield
    finally:
        _listeners.remove(listener)


def report(event: str, amount: int = 0) -> None:
    for listener in list(_listeners):
        listener(event, amount)
