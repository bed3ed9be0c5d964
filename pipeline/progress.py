"""Progress of a run, for a display: the flow reports events, a listener (the CLI) shows them.

In-process only and optional: with no listener, reporting does nothing. Events: "source"
(a source finished; amount = articles it fetched) and "alerts" (amount = alerts sent).
`RunDisplay` is the CLI's listener.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rich.console import Console
    from rich.progress import Progress, TaskID

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


class RunDisplay:
    """Shows a run's progress: sources done / total, articles fetched, alerts sent.

    On a terminal, one live line that redraws (rich) and vanishes at the end; otherwise (cron,
    systemd, a pipe) a plain line per finished source and one for the alerts, with no colour
    or cursor codes, so logs stay readable.
    """

    def __init__(self, console: Console, total: int) -> None:
        self.console, self.total = console, total
        self.sources = self.articles = self.alerts = 0
        self._live: Progress | None = None
        self._bar: TaskID | None = None

    def line(self) -> str:
        return (f"{self.sources}/{self.total} sources done, {self.articles} articles fetched, "
                f"{self.alerts} alerts sent")

    def __call__(self, event: str, amount: int) -> None:
        if event == "source":
            self.sources += 1
            self.articles += amount
        elif event == "alerts":
            self.alerts += amount
        else:
            return
        if self._live is not None and self._bar is not None:
            self._live.update(self._bar, completed=self.sources, articles=self.articles,
                              alerts=self.alerts)
        else:
            self.console.print(f"progress: {self.line()}", markup=False, highlight=False)

    @contextmanager
    def showing(self) -> Iterator[RunDisplay]:
        """Listen to the run's events for the duration of the block."""
        if self.console.is_terminal:
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn

            self._live = Progress(
                TextColumn("sources"), BarColumn(), MofNCompleteColumn(),
                TextColumn("{task.fields[articles]} articles fetched, "
                           "{task.fields[alerts]} alerts sent"),
                console=self.console, transient=True)
            self._bar = self._live.add_task("sources", total=self.total, articles=0, alerts=0)
            with self._live, listening(self):
                yield self
            self._live = self._bar = None
        else:
            with listening(self):
                yield self
