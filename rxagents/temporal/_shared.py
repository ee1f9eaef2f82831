"""What every activity of a worker shares: the agents, Redis, heartbeats, typed failures."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from redis.asyncio import Redis
from temporalio import activity
from temporalio.exceptions import ApplicationError

from rxagents.agent import Agent
from rxagents.errors import AgentsError, UserError
from rxagents.models.base import ModelProvider
from rxagents.redis._codec import agent_map, encode_error
from rxagents.temporal._publish import EventWriter
from rxagents.temporal._workflow import NON_RETRYABLE

__all__ = ["AgentSource", "WorkerShared", "factory_of", "heartbeating", "non_retryable"]

AgentSource = Agent[Any] | Callable[[], Agent[Any]]
"""An Agent, or a function returning a fresh one (called once per activity)."""


def factory_of(agent: AgentSource) -> Callable[[], Agent[Any]]:
    """``agent`` as a function returning an Agent, checked once."""
    if isinstance(agent, Agent):
        fixed = agent
        return lambda: fixed
    if not callable(agent):
        raise UserError(f"a worker needs an Agent or a function returning one, got {agent!r}")
    sample = agent()
    if not isinstance(sample, Agent):
        raise UserError(
            f"the agent factory {agent!r} returned {type(sample).__name__}, not an rxagents Agent"
        )
    return agent


@dataclass
class WorkerShared:
    """A worker's agents, Redis client and stream retention."""

    factory: Callable[[], Agent[Any]]
    redis: Redis
    model_provider: ModelProvider | None = None
    maxlen: int = 100_000
    ttl: float = 3600.0

    def agents(self) -> tuple[Agent[Any], dict[str, Agent[Any]]]:
        """A fresh starting agent and every agent of its handoff graph, by name."""
        start = self.factory()
        return start, agent_map(start)

    def agent(self, name: str) -> Agent[Any]:
        """The agent called ``name`` in the worker's graph (``""``: the starting agent)."""
        start, graph = self.agents()
        if not name:
            return start
        found = graph.get(name)
        if found is None:
            raise non_retryable(
                UserError(
                    f"the worker's agents have no agent named {name!r} (it has "
                    f"{sorted(graph)}); run workers with the agent the run started with"
                )
            )
        return found

    def writer(self, run_id: str, prefix: str, scope: str, **options: Any) -> EventWriter:
        """A writer of events to the run's stream."""
        return EventWriter(
            self.redis, prefix, run_id, scope, maxlen=self.maxlen, ttl=self.ttl, **options
        )


def non_retryable(error: AgentsError) -> ApplicationError:
    """``error`` as a failure Temporal does not retry; the workflow writes its error marker."""
    return ApplicationError(
        f"{type(error).__name__}: {error}",
        encode_error(error),
        type=NON_RETRYABLE,
        non_retryable=True,
    )


@asynccontextmanager
async def heartbeating() -> AsyncIterator[None]:
    """Heartbeat while the block runs, so that a lost worker is noticed within the
    activity's heartbeat timeout and a cancellation reaches it (Temporal delivers
    cancellation in heartbeat replies)."""
    timeout = activity.info().heartbeat_timeout
    interval = timeout.total_seconds() / 4 if timeout else 1.0

    async def beat() -> None:
        while True:
            activity.heartbeat()
            await asyncio.sleep(interval)

    task = asyncio.ensure_future(beat())
    try:
        yield
    finally:
        task.cancel()
