"""Instruments for lifecycle tests: tools that record when they run, and task leak checks."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from dataclasses import dataclass

from rxagents.tools import FunctionTool, function_tool

__all__ = [
    "ProbeCall",
    "ToolProbe",
    "assert_no_pending_tasks",
    "pending_tasks",
    "sample_tools",
]


@dataclass
class ProbeCall:
    """One invocation of a probe tool.

    Attributes:
        tool: the tool's name.
        value: the argument it got.
        after_disposal: it started after :meth:`ToolProbe.mark_disposed`.
        finished: it returned.
        cancelled: it was cancelled while running.
    """

    tool: str
    value: str
    after_disposal: bool
    finished: bool = False
    cancelled: bool = False


class ToolProbe:
    """Makes tools that record every call, to prove what ran and when.

    Example:
        >>> probe = ToolProbe()
        >>> agent = Agent("a", model=..., tools=[probe.tool("lookup", ticks=3)])
        >>> ...                      # run, and at the moment you dispose:
        >>> probe.mark_disposed()
        >>> assert probe.started_after_disposal == []
    """

    def __init__(self) -> None:
        self.calls: list[ProbeCall] = []
        self.disposed = False

    def reset(self) -> None:
        """Forget every call and the disposal mark (reuse one probe across examples)."""
        self.calls.clear()
        self.disposed = False

    def mark_disposed(self) -> None:
        """From now on, a tool that starts is recorded as started after disposal."""
        self.disposed = True

    @property
    def started_after_disposal(self) -> list[ProbeCall]:
        """Calls that began after :meth:`mark_disposed` (disposal should prevent them)."""
        return [c for c in self.calls if c.after_disposal]

    @property
    def running(self) -> list[ProbeCall]:
        """Calls that started and neither finished nor were cancelled."""
        return [c for c in self.calls if not (c.finished or c.cancelled)]

    def tool(self, name: str = "probe", *, ticks: int = 0, fails: bool = False) -> FunctionTool:
        """An async tool ``name(value: str = "")`` that records its call.

        Args:
            name: the tool's name.
            ticks: event-loop iterations it takes (``await asyncio.sleep(0)``,
                never a timer), so calls overlap with the model stream.
            fails: it raises ``RuntimeError`` after its ticks.
        """
        probe = self

        async def run(value: str = "") -> str:
            call = ProbeCall(name, value, after_disposal=probe.disposed)
            probe.calls.append(call)
            try:
                for _ in range(ticks):
                    await asyncio.sleep(0)
            except asyncio.CancelledError:
                call.cancelled = True
                raise
            if fails:
                call.finished = True
                raise RuntimeError(f"probe tool {name!r} failed on purpose")
            call.finished = True
            return f"{name}:{value}"

        run.__doc__ = f"Probe tool {name}: records its calls.\n\nArgs:\n    value: any text."
        return function_tool(name=name)(run)


def sample_tools() -> list[FunctionTool]:
    """Two small pure tools (``lookup(query)``, ``add(a, b)``) for scripts and demos."""

    @function_tool
    def lookup(query: str) -> str:
        """Look something up.

        Args:
            query: what to look up.
        """
        return f"result for {query}"

    @function_tool
    async def add(a: int, b: int = 0) -> int:
        """Add two integers.

        Args:
            a: the first.
            b: the second.
        """
        await asyncio.sleep(0)
        return a + b

    return [lookup, add]


def pending_tasks(before: Iterable[asyncio.Task[object]]) -> set[asyncio.Task[object]]:
    """Tasks not in ``before``, not done, and not the current one."""
    known = set(before)
    current = asyncio.current_task()
    return {t for t in asyncio.all_tasks() if t not in known and t is not current and not t.done()}


async def assert_no_pending_tasks(
    before: Iterable[asyncio.Task[object]], *, ticks: int = 1
) -> None:
    """Assert every task started since ``before`` ends within ``ticks`` loop iterations.

    Take ``before = asyncio.all_tasks()`` before subscribing. The loop turns
    with ``await asyncio.sleep(0)`` only (no timers), so a task that waits for
    anything else — a tool left running, a model stream never closed — fails.

    Raises:
        AssertionError: naming the tasks still pending.
    """
    known = set(before)
    for _ in range(ticks):
        if not pending_tasks(known):
            return
        await asyncio.sleep(0)
    left = pending_tasks(known)
    if left:
        names = ", ".join(sorted(f"{t.get_name()} ({t.get_coro()!r})" for t in left))
        raise AssertionError(
            f"{len(left)} task(s) still pending {ticks} loop iteration(s) after disposal: {names}"
        )
