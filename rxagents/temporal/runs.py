"""TemporalRuns: start durable runs on Temporal and read them as Observables from any offset."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from reactivex import Observable
from redis.asyncio import Redis
from temporalio.client import Client, WorkflowExecutionStatus
from temporalio.common import WorkflowIDReusePolicy
from temporalio.service import RPCError, RPCStatusCode

from rxagents.errors import AgentsError, UserError
from rxagents.events import RunCompletedStreamEvent, StreamEvent
from rxagents.redis import AgentsArg
from rxagents.redis.source import from_redis
from rxagents.result import RunResult
from rxagents.run import new_run_id
from rxagents.rx import ObservableIterator
from rxagents.temporal._publish import events_key
from rxagents.temporal._types import RetrySettings, RunInput
from rxagents.temporal._workflow import WORKFLOW_NAME
from rxagents.temporal.worker import DEFAULT_TASK_QUEUE

__all__ = ["RetrySettings", "RunNotFound", "TemporalRuns"]

_RUN_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,200}$")


class RunNotFound(AgentsError):
    """Temporal has no run with this id (never started, or past its retention)."""


class TemporalRuns:
    """Durable runs: each a Temporal workflow, its events in a Redis Stream.

    Example:
        >>> runs = TemporalRuns(await Client.connect("127.0.0.1:7233"), connect(redis_url))
        >>> run_id = await runs.start("What is the weather in Paris?")
        >>> runs.events(run_id, after=41).subscribe(print)   # resume after event 41
        >>> result = await runs.result(run_id)

    Args:
        client: a connected ``temporalio.client.Client`` (address, namespace, TLS).
        redis: the Redis the workers publish events to.
        task_queue: the queue the workers serve.
        prefix: the Redis key prefix shared with the workers.
        agents: agents to restore from their names in events read back.
        max_turns: model turns a run may take.
        tool_retry: the retry policy of every tool call.
        heartbeat_timeout: seconds after which a silent worker's activity is retried
            elsewhere (how fast a killed worker's turn restarts).
    """

    def __init__(
        self,
        client: Client,
        redis: Redis,
        *,
        task_queue: str = DEFAULT_TASK_QUEUE,
        prefix: str = "rxagents",
        agents: AgentsArg = None,
        max_turns: int = 10,
        tool_retry: RetrySettings | None = None,
        heartbeat_timeout: float = 10.0,
        tool_timeout: float = 300.0,
        model_timeout: float = 600.0,
    ) -> None:
        if max_turns < 1:
            raise UserError(f"max_turns must be an integer >= 1, got {max_turns!r}")
        if heartbeat_timeout <= 0:
            raise UserError(f"heartbeat_timeout must be > 0 seconds, got {heartbeat_timeout}")
        self.client = client
        self.redis = redis
        self.task_queue = task_queue
        self.prefix = prefix
        self._agents = agents
        self._defaults = {
            "max_turns": max_turns,
            "tool_retry": tool_retry or RetrySettings(),
            "heartbeat_timeout": heartbeat_timeout,
            "tool_timeout": tool_timeout,
            "model_timeout": model_timeout,
        }

    async def start(
        self,
        input: str | Sequence[dict[str, Any]],
        *,
        agent: str = "",
        run_id: str | None = None,
    ) -> str:
        """Start a run (a workflow whose id is the run id) and return its id.

        Args:
            input: the user's message, or Responses input items.
            agent: the starting agent's name (default: the workers' agent).
            run_id: the run's id (default: a new one); letters, digits, ``_.:-``.
        """
        run_id = run_id or new_run_id()
        if not _RUN_ID.match(run_id):
            raise UserError(f"run id {run_id!r} is invalid: use 1-200 letters, digits or _.:-")
        payload = input if isinstance(input, str) else [dict(i) for i in input]
        run = RunInput(run_id, payload, agent, prefix=self.prefix, **self._defaults)  # type: ignore[arg-type]
        await self.client.start_workflow(
            WORKFLOW_NAME,
            run,
            id=run_id,
            task_queue=self.task_queue,
            id_reuse_policy=WorkflowIDReusePolicy.REJECT_DUPLICATE,
        )
        return run_id

    async def status(self, run_id: str) -> WorkflowExecutionStatus | None:
        """The run's workflow status (``RUNNING``, ``COMPLETED``, ``CANCELED``...).

        Raises:
            RunNotFound: Temporal has no run with this id.
        """
        try:
            description = await self.client.get_workflow_handle(run_id).describe()
        except RPCError as exc:
            if exc.status == RPCStatusCode.NOT_FOUND:
                raise RunNotFound(
                    f"no run with id {run_id!r} on Temporal (namespace "
                    f"{self.client.namespace!r}); start one with TemporalRuns.start"
                ) from None
            raise
        return description.status

    def events(self, run_id: str, after: int | None = None) -> Observable[StreamEvent]:
        """The run's events with ``sequence_number > after`` (all when ``None``), live.

        A cold Observable read from Redis: it replays what was emitted, follows the
        run, completes after ``RunCompletedStreamEvent`` and fails with the run's
        typed error (``RunCancelled``, ``MaxTurnsExceeded``...). Any process with
        the Redis URL can read any run, from any offset.

        .. marble::
            run:   -a-b-c-d-R|
            [ events(run_id, after=b.sequence_number) ]
                   -----c-d-R|
        """
        return from_redis(
            self.redis, events_key(self.prefix, run_id), after=after, agents=self._agents
        )

    async def cancel(self, run_id: str) -> None:
        """Cancel the run's workflow: its model stream is closed, readers see RunCancelled."""
        await self.status(run_id)
        await self.client.get_workflow_handle(run_id).cancel()

    async def result(self, run_id: str) -> RunResult:
        """Wait for the run to end and return its result (from its events).

        Raises:
            the run's error: ``RunCancelled``, ``MaxTurnsExceeded``, ...
        """
        async with ObservableIterator(self.events(run_id), 1 << 30, "grow") as events:
            async for event in events:
                if isinstance(event, RunCompletedStreamEvent):
                    return event.result
        raise AgentsError(f"run {run_id} ended without a RunCompletedStreamEvent")
