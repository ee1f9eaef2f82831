"""What a tool task knows of the run that started it: how to run a sub-agent inside it.

The run loop sets :data:`sub_runner` while it starts each tool task (asyncio copies
the context into the task). An agent used as a tool (``Agent.as_tool``) calls it to
run its sub-agent: the run loop hands over the function that runs a sub-run and
carries the sub-run's events into its own stream, so the core vocabulary needs
nothing from the run loop (a lower layer takes what it needs from above as an
argument).
"""

from __future__ import annotations

from collections.abc import Awaitable
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, Protocol

if TYPE_CHECKING:
    from rxagents.agent import Agent
    from rxagents.result import RunResult

__all__ = ["SubRunner", "sub_runner"]


class SubRunner(Protocol):
    """Runs ``agent`` on ``input`` as a sub-run of the current tool call; returns its result."""

    def __call__(
        self, agent: Agent[Any], input: str, *, context: Any, max_turns: int
    ) -> Awaitable[RunResult]: ...


sub_runner: ContextVar[SubRunner | None] = ContextVar("rxagents_sub_runner", default=None)
"""Set by the run loop around starting each tool task; ``None`` outside tools."""
