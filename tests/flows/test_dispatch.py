"""`sync_result`: Prefect's dual sync/async methods, called from synchronous code."""

from __future__ import annotations

import asyncio
import inspect

import pytest
from prefect.deployments.runner import RunnerDeployment

from flows.digest import digest_flow
from flows.dispatch import sync_result


def test_a_synchronous_call_gives_its_value() -> None:
    deployment = sync_result(digest_flow.to_deployment(name="digest test"),
                             "Flow.to_deployment")
    assert isinstance(deployment, RunnerDeployment)
    assert deployment.name == "digest test"


def test_inside_an_event_loop_the_coroutine_is_refused_and_closed() -> None:
    async def inside_a_loop() -> None:
        pending = digest_flow.to_deployment(name="digest test")
        assert inspect.iscoroutine(pending)   # Prefect's async twin, in a running loop
        with pytest.raises(RuntimeError, match=r"Flow\.to_deployment returned a coroutine"):
            sync_result(pending, "Flow.to_deployment")
        assert inspect.getcoroutinestate(pending) == inspect.CORO_CLOSED

    asyncio.run(inside_a_loop())
