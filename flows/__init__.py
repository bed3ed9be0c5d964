"""Prefect flows and tasks over the pipeline steps, `serve` and deployments: the only
package that imports Prefect."""

from __future__ import annotations

import logging


class _QuietTermination(logging.Filter):
    """Drops asyncio's report of a TerminationSignal at asyncio.run() shutdown.

    When a served run is stopped (`newswatch serve` stopping, a run cancelled in the UI),
    Prefect's engine raises TerminationSignal in the run's process, records the run's state and
    logs "Execution of flow run ... was terminated"; for an async flow, asyncio.run() then logs
    the same exception again as unhandled, with three chained tracebacks that look like a
    crash. Every other asyncio message passes."""

    def filter(self, record: logging.LogRecord) -> bool:
        from prefect.exceptions import TerminationSignal

        exc = record.exc_info[1] if record.exc_info else None
        return not (isinstance(exc, TerminationSignal)
                    and "asyncio.run() shutdown" in str(record.msg))


logging.getLogger("asyncio").addFilter(_QuietTermination())
