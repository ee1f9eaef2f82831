"""TemporalWorker: runs the agent-run workflow and its activities on a task queue."""

from __future__ import annotations

from typing import Any

from redis.asyncio import Redis
from temporalio import activity
from temporalio.client import Client
from temporalio.worker import Worker
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

from rxagents.errors import UserError
from rxagents.models.base import ModelProvider
from rxagents.temporal._emit import emit
from rxagents.temporal._shared import AgentSource, WorkerShared, factory_of
from rxagents.temporal._tool import run_tool
from rxagents.temporal._turn import run_turn
from rxagents.temporal._types import EmitInput, ToolInput, ToolOutput, TurnInput, TurnOutput
from rxagents.temporal._workflow import AgentRunWorkflow

__all__ = ["DEFAULT_TASK_QUEUE", "TemporalWorker"]

DEFAULT_TASK_QUEUE = "rxagents"

# Modules the workflow sandbox hands through as they are instead of importing them
# again per workflow run: the workflow only touches plain data from rxagents, and
# re-importing pydantic/openai per run would cost seconds.
_PASSTHROUGH = ("rxagents", "pydantic", "pydantic_core", "openai", "redis", "reactivex", "httpx")


class _Activities:
    """The activities, bound to one worker's agents and Redis client."""

    def __init__(self, shared: WorkerShared) -> None:
        self.shared = shared

    @activity.defn(name="rxagents.model_turn")
    async def model_turn(self, inp: TurnInput) -> TurnOutput:
        return await run_turn(self.shared, inp)

    @activity.defn(name="rxagents.tool_call")
    async def tool_call(self, inp: ToolInput) -> ToolOutput:
        return await run_tool(self.shared, inp)

    @activity.defn(name="rxagents.emit")
    async def emit(self, inp: EmitInput) -> dict[str, Any]:
        return await emit(self.shared, inp)


class TemporalWorker:
    """Serves durable agent runs started with :class:`~rxagents.temporal.TemporalRuns`.

    Every worker of a task queue must serve the same agent (a run's turns may land
    on any of them). The agent's model must answer from the request alone (real
    models do): after a lost worker, another one repeats the turn.

    Args:
        client: a connected ``temporalio.client.Client``.
        redis: where the runs' events are published (the web nodes read them there).
        agent: the starting agent, or a function returning a fresh one (called per
            activity, so per-run state does not live in the agent).
        task_queue: the Temporal task queue the runs are started on.
        concurrency: activities (model turns, tool calls) run at once.
        model_provider: resolves agents' model names (default: the default provider).
        maxlen, ttl: retention of each run's event stream in Redis.
        sticky_timeout: seconds a workflow waits for the worker that cached it
            before any worker of the queue takes it (how soon a lost worker's runs
            move on between activities).
    """

    def __init__(
        self,
        client: Client,
        redis: Redis,
        agent: AgentSource,
        *,
        task_queue: str = DEFAULT_TASK_QUEUE,
        concurrency: int = 100,
        model_provider: ModelProvider | None = None,
        maxlen: int = 100_000,
        ttl: float = 3600.0,
        sticky_timeout: float = 5.0,
    ) -> None:
        if concurrency < 1:
            raise UserError(f"concurrency must be >= 1, got {concurrency}")
        from datetime import timedelta

        self.shared = WorkerShared(factory_of(agent), redis, model_provider, maxlen, ttl)
        self.task_queue = task_queue
        activities = _Activities(self.shared)
        self.worker = Worker(
            client,
            task_queue=task_queue,
            workflows=[AgentRunWorkflow],
            activities=[activities.model_turn, activities.tool_call, activities.emit],
            max_concurrent_activities=concurrency,
            workflow_runner=SandboxedWorkflowRunner(
                restrictions=SandboxRestrictions.default.with_passthrough_modules(*_PASSTHROUGH)
            ),
            sticky_queue_schedule_to_start_timeout=timedelta(seconds=sticky_timeout),
        )

    async def run(self) -> None:
        """Serve until cancelled or :meth:`shutdown`."""
        await self.worker.run()

    async def shutdown(self) -> None:
        """Stop polling, let activities in progress finish, then return."""
        await self.worker.shutdown()

    async def __aenter__(self) -> TemporalWorker:
        await self.worker.__aenter__()
        return self

    async def __aexit__(self, *exc: Any) -> None:
        await self.worker.__aexit__(*exc)
