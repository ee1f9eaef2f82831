"""The side channel that carries a sub-run's events into its parent's stream.

The run loop sets :data:`rxagents._tool_scope.sub_runner` to a :class:`ParentLink`
while it starts each tool task; asyncio copies the context into the task, so an
agent used as a tool (``Agent.as_tool``) finds the function that runs its sub-run
as part of the parent's call. The sub-run pushes its events into the parent's
:class:`NestedChannel`; the parent's
loop emits them as :class:`~rxagents.events.NestedRunEvent` in the same places
it emits finished tool outputs, with its own ``run_id`` and sequence numbers.
A turn without sub-runs pays one empty-deque check per event.

A sub-run waits while ``limit`` of its events are pending, so it is never read
far ahead of its parent's consumer (the parent's own backpressure applies).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from rxagents.errors import AgentsError
from rxagents.events import NestedRunEvent, RunCompletedStreamEvent, StreamEvent
from rxagents.result import RunResult

if TYPE_CHECKING:
    from rxagents.agent import Agent
    from rxagents.models.base import ModelProvider

__all__ = ["NestedChannel", "ParentLink", "StartSubRun"]


class Wakeup:
    """A one-waiter :class:`asyncio.Event`: set by tools and sub-runs, awaited by the turn.

    One lives per turn of every run, most never awaited; an ``asyncio.Event``
    costs ~850 bytes (its waiter deque), this ~60 until the turn really waits.
    """

    __slots__ = ("_future", "_set")

    def __init__(self) -> None:
        self._set = False
        self._future: asyncio.Future[None] | None = None

    def set(self) -> None:
        """Wake the waiter, or let the next :meth:`wait` return at once."""
        self._set = True
        future = self._future
        if future is not None and not future.done():
            future.set_result(None)

    def clear(self) -> None:
        """Forget an earlier :meth:`set`."""
        self._set = False

    async def wait(self) -> None:
        """Return once :meth:`set` (at once if it already was)."""
        if self._set:
            return
        future = self._future = asyncio.get_running_loop().create_future()
        try:
            await future
        finally:
            self._future = None


class NestedChannel:
    """Sub-run events waiting for one turn of the parent loop to emit them.

    Attributes:
        pending: ``(call_id, tool_name, event)`` in arrival order.
    """

    __slots__ = ("_space", "_wakeup", "limit", "pending")

    def __init__(self, wakeup: Wakeup | asyncio.Event, limit: int = 256) -> None:
        # A list, not a deque: an empty deque costs ~600 bytes per turn of every run,
        # and ``pop(0)`` over at most ``limit`` entries is cheap.
        self.pending: list[tuple[str, str, StreamEvent]] = []
        self._wakeup = wakeup
        self._space: asyncio.Event | None = None
        self.limit = limit

    async def put(self, call_id: str, tool_name: str, event: StreamEvent) -> None:
        """Queue a sub-run event (from inside a tool task); waits while the queue is full."""
        self.pending.append((call_id, tool_name, event))
        self._wakeup.set()
        while len(self.pending) >= self.limit:
            if self._space is None:
                self._space = asyncio.Event()
            self._space.clear()
            await self._space.wait()

    def take(self, run_id: str, sequence_number: int) -> NestedRunEvent:
        """The oldest pending event, wrapped for the parent's stream."""
        call_id, tool_name, inner = self.pending.pop(0)
        if self._space is not None and len(self.pending) < self.limit:
            self._space.set()
        e: Any = inner
        if e.type == "nested_run_event":  # a deeper level: the path names every level
            path: tuple[str, ...] = (run_id, call_id, *e.path)
            tools: tuple[str, ...] = (tool_name, *e.tools)
        else:
            path = (run_id, call_id, e.run_id)
            tools = (tool_name,)
        event: NestedRunEvent = NestedRunEvent._fast(
            run_id=run_id, sequence_number=sequence_number, path=path, tools=tools, event=inner
        )
        return event


class StartSubRun(Protocol):
    """The run loop's own entry point for a sub-run (it passes ``run_events``' twin in)."""

    def __call__(
        self,
        agent: Agent[Any],
        input: str,
        *,
        context: Any,
        max_turns: int,
        model_provider: ModelProvider | None,
    ) -> AsyncIterator[StreamEvent]: ...


@dataclass(frozen=True, slots=True)
class ParentLink:
    """What a tool task knows of the run that started it; runs sub-agents inside that run.

    It is the :class:`~rxagents._tool_scope.SubRunner` the loop hands its tools:
    ``start`` is the loop's own sub-run entry point, passed in by the loop so that
    this module (and the agent tool) import nothing from it.
    """

    channel: NestedChannel
    call_id: str
    tool_name: str
    model_provider: ModelProvider | None
    start: StartSubRun

    async def __call__(
        self, agent: Agent[Any], input: str, *, context: Any, max_turns: int
    ) -> RunResult:
        """Run ``agent`` as a sub-run; each of its events goes to the parent's stream first."""
        events = self.start(
            agent, input, context=context, max_turns=max_turns, model_provider=self.model_provider
        )
        result: RunResult | None = None
        try:
            async for event in events:
                await self.channel.put(self.call_id, self.tool_name, event)
                if isinstance(event, RunCompletedStreamEvent):
                    result = event.result
        finally:  # cancelled with the parent's tool task: close the sub-run's model stream
            aclose: Any = getattr(events, "aclose", None)
            if aclose is not None:
                await aclose()
        if result is None:
            raise AgentsError(f"the sub-run of tool {self.tool_name!r} ended without a result")
        return result
