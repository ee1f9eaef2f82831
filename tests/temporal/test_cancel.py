"""Cancelling a durable run: the workflow is cancelled, the model stream closed, readers
see RunCancelled."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

from temporalio.client import WorkflowExecutionStatus

from rxagents import Agent
from rxagents.errors import RunCancelled
from rxagents.testing import ScriptedModel, text
from tests.redis.helpers import collect, until


class SlowModel:
    """Streams one character every 50 ms for 10 s; notes when its stream is closed."""

    def __init__(self) -> None:
        self.started = asyncio.Event()
        self.closed = asyncio.Event()

    def stream(self, request: Any) -> AsyncIterator[Any]:
        return self._play(request)

    async def _play(self, request: Any) -> AsyncIterator[Any]:
        inner = ScriptedModel([[text("x" * 200, chunk_size=1, delay=0.05)]]).stream(request)
        self.started.set()
        try:
            async for event in inner:
                yield event
        finally:
            self.closed.set()


async def test_cancel_closes_the_model_stream_and_ends_the_stream(serve: Any) -> None:
    model = SlowModel()
    async with serve(Agent("slow", model=model), heartbeat_timeout=1.0) as runs:
        run_id = await runs.start("go")
        await asyncio.wait_for(model.started.wait(), 20)
        await runs.cancel(run_id)
        events, error = await collect(runs.events(run_id))
        await asyncio.wait_for(model.closed.wait(), 10)  # closed long before its 10 s

        async def cancelled() -> bool:
            status = await runs.status(run_id)
            print("status", status)
            return status == WorkflowExecutionStatus.CANCELED

        await until(cancelled)
    assert isinstance(error, RunCancelled)
    assert [e.sequence_number for e in events] == list(range(len(events)))
    deltas = [e for e in events if getattr(getattr(e, "data", None), "type", "").endswith("delta")]
    assert len(deltas) < 200
