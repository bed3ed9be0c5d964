"""Prefect's dual sync/async methods, called from synchronous code.

`Flow.to_deployment`, `Flow.from_source` and `Flow.deploy` (Prefect's `async_dispatch`) run
synchronously when called outside an event loop and return their async twin's coroutine when
called inside one; their return type is the union of both. `serve.py` and `deploy.py` call them
only from synchronous code, so the result is the value itself: `sync_result` checks that and
gives the checker the plain type.
"""

from __future__ import annotations

from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")


def sync_result(result: T | Coroutine[Any, Any, T], call: str) -> T:
    """`result` of a dual method (`call` names it), which ran synchronously."""
    if isinstance(result, Coroutine):
        result.close()   # never awaited: close it rather than leave a warning behind
        raise RuntimeError(
            f"{call} returned a coroutine: it was called inside a running event loop or an "
            "async flow; call it from synchronous code, or await its async variant")
    return result
