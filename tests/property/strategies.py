"""Shared hypothesis set-up: fixed, modest example counts and a deadline per example, so the
property tests take well under a minute in CI and always draw the same examples."""

from __future__ import annotations

from datetime import timedelta

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from demo.clock import DemoClock
from demo.routes import DemoApp

# derandomize: the same examples every run (no flaky CI); no example database on disk.
FUZZ = settings(max_examples=60, deadline=timedelta(seconds=5), derandomize=True,
                database=None, suppress_health_check=[HealthCheck.too_slow,
                                                      HealthCheck.data_too_large])


def demo_document(target: str) -> bytes:
    """A page or feed of the project's own demo web, as served."""
    return DemoApp(DemoClock(), "http://demo.localhost").handle("GET", target, {}).body


@st.composite
def mutated(draw: st.DrawFn, base: bytes, max_edits: int = 6) -> bytes:
    """`base` with a few random edits: slices cut, duplicated or replaced by random bytes,
    bytes flipped, the end chopped off."""
    data = bytearray(base)
    for _ in range(draw(st.integers(1, max_edits))):
        if not data:
            break
        kind = draw(st.sampled_from(["cut", "dup", "insert", "flip", "truncate"]))
        i = draw(st.integers(0, len(data) - 1))
        j = min(len(data), i + draw(st.integers(1, 400)))
        if kind == "cut":
            del data[i:j]
        elif kind == "dup":
            data[i:i] = data[i:j]
        elif kind == "insert":
            data[i:i] = draw(st.binary(min_size=1, max_size=64))
        elif kind == "flip":
            data[i] ^= draw(st.integers(1, 255))
        else:
            del data[i:]
    return bytes(data)
