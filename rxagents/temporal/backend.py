"""TemporalBackend: the web tier's runs are Temporal workflows, their events in Redis."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from reactivex import Observable

from rxagents.events import StreamEvent
from rxagents.temporal.runs import RunNotFound, TemporalRuns

if TYPE_CHECKING:
    from fastapi import FastAPI

    from rxagents.web.inputs import WebLimits
    from rxagents.web.security import WebSecurity

__all__ = ["TemporalBackend", "create_temporal_app"]


class TemporalBackend:
    """A :class:`~rxagents.web.backend.RunBackend` over :class:`TemporalRuns`.

    Any web node serves any run: ``start`` starts a workflow, ``events`` reads
    the run's Redis Stream (``Last-Event-ID`` resumes on any node), ``cancel``
    cancels the workflow.

    Args:
        runs: the runs, or a coroutine function returning them (connected on first use,
            so an app can be built before its event loop runs).
        owns_clients: close the Redis client in :meth:`aclose`.
    """

    def __init__(self, runs: TemporalRuns | Any, *, owns_clients: bool = False) -> None:
        self._runs: TemporalRuns | None = runs if isinstance(runs, TemporalRuns) else None
        self._connect = None if isinstance(runs, TemporalRuns) else runs
        self._lock = asyncio.Lock()
        self._owns = owns_clients

    async def runs(self) -> TemporalRuns:
        """The runs, connected."""
        if self._runs is None:
            async with self._lock:
                if self._runs is None:
                    self._runs = await self._connect()  # type: ignore[misc]
        assert self._runs is not None
        return self._runs

    async def _known(self, run_id: str) -> TemporalRuns:
        from rxagents.web.backend import UnknownRun

        runs = await self.runs()
        try:
            await runs.status(run_id)
        except RunNotFound:
            raise UnknownRun(run_id) from None
        return runs

    async def start(self, input: str | Sequence[dict[str, Any]]) -> str:
        """Start a run on the workers; see :meth:`RunBackend.start`."""
        return await (await self.runs()).start(input)

    async def events(self, run_id: str, after: int | None = None) -> Observable[StreamEvent]:
        """The run's events after ``after``; see :meth:`RunBackend.events`.

        Raises:
            UnknownRun: Temporal has no run with this id.
        """
        return (await self._known(run_id)).events(run_id, after)

    async def cancel(self, run_id: str) -> None:
        """Cancel the run's workflow; see :meth:`RunBackend.cancel`."""
        runs = await self._known(run_id)
        await runs.cancel(run_id)

    async def aclose(self) -> None:
        """Release the Redis client if owned. Runs live on the workers: they go on."""
        if self._owns and self._runs is not None:
            await self._runs.redis.aclose()


def create_temporal_app(
    address: str,
    redis_url: str,
    *,
    namespace: str = "default",
    task_queue: str = "rxagents",
    prefix: str = "rxagents",
    tls: bool = False,
    api_key: str | None = None,
    heartbeat_timeout: float = 10.0,
    limits: WebLimits | None = None,
    security: WebSecurity | None = None,
) -> FastAPI:
    """The web app of ``rxagents serve --temporal HOST:PORT``: runs are workflows.

    Needs the ``web`` and ``temporal`` extras.
    """
    from rxagents.redis import connect
    from rxagents.temporal.client import connect_temporal
    from rxagents.web.app import create_app

    async def connect_runs() -> TemporalRuns:
        client = await connect_temporal(address, namespace=namespace, tls=tls, api_key=api_key)
        return TemporalRuns(
            client, connect(redis_url), task_queue=task_queue, prefix=prefix,
            heartbeat_timeout=heartbeat_timeout,
        )  # fmt: skip

    backend = TemporalBackend(connect_runs, owns_clients=True)
    return create_app(backend=backend, limits=limits, security=security)
