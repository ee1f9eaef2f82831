"""dispatch: one callback per kind of event ("streaming with callbacks"), sync or async."""

from __future__ import annotations

import asyncio
import inspect
from collections import deque
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from reactivex import Observable, abc
from reactivex.disposable import Disposable, SingleAssignmentDisposable

from rxagents.agent import Agent
from rxagents.errors import UserError
from rxagents.events import (
    AgentUpdatedStreamEvent,
    RawResponsesStreamEvent,
    RunCompletedStreamEvent,
    RunItemStreamEvent,
)
from rxagents.items import ToolCallItem, ToolCallOutputItem
from rxagents.operators._filtering import AgentHandoff
from rxagents.operators._lift import lift
from rxagents.result import RunResult

__all__ = ["dispatch"]

T = TypeVar("T")

_NEXT, _ERROR, _COMPLETED = 0, 1, 2


def _handoff(item: Any) -> AgentHandoff:
    return AgentHandoff(item.source_agent, item.target_agent)


def _same(item: Any) -> Any:
    return item


def dispatch(
    *,
    on_text: Callable[[str], object] | None = None,
    on_tool_called: Callable[[ToolCallItem], object] | None = None,
    on_tool_output: Callable[[ToolCallOutputItem], object] | None = None,
    on_agent_updated: Callable[[Agent[Any]], object] | None = None,
    on_handoff: Callable[[AgentHandoff], object] | None = None,
    on_complete: Callable[[RunResult], object] | None = None,
    on_error: Callable[[Exception], object] | None = None,
) -> Callable[[Observable[T]], Observable[T]]:
    """Call a function per kind of event, then pass the event on.

    Callbacks receive what the matching view operator emits: ``on_text`` each
    text delta (``str``), ``on_tool_called`` / ``on_tool_output`` the
    :class:`~rxagents.items.ToolCallItem` / :class:`~rxagents.items.ToolCallOutputItem`,
    ``on_agent_updated`` the new agent, ``on_handoff`` an ``AgentHandoff(from_agent,
    to_agent)``, ``on_complete`` the run's :class:`~rxagents.RunResult`, ``on_error``
    the exception the stream fails with.

    A callback may be ``async`` (return an awaitable): it is awaited before its
    event is passed on, and later events wait their turn, so callbacks run one at
    a time, in event order. Async callbacks need a running asyncio loop.

    If a callback raises, the stream fails with that exception (the source is
    disposed, which cancels a run) and ``on_error`` is called with it. ``on_error``
    observes errors, it does not swallow them: the error still reaches the
    subscriber.

    .. marble::
        --u--d--c--o--R--|      u: agent updated, d: text delta, c/o: tool call/output, R: done
        [ dispatch(on_text=show) ]
        --u--d--c--o--R--|      (the same events; show("...") ran before d passed on)

    Example:
        >>> result_event = await Runner.run_streamed(agent, "hi").pipe(
        ...     rxo.dispatch(on_text=print_delta, on_tool_called=log_call)
        ... )

    Raises:
        UserError: a callback is not callable.
    """
    callbacks = _Callbacks(
        on_text, on_tool_called, on_tool_output, on_agent_updated, on_handoff, on_complete, on_error
    )

    def subscribe(
        source: Observable[T], observer: abc.ObserverBase[T], scheduler: abc.SchedulerBase | None
    ) -> abc.DisposableBase:
        return _Dispatching(callbacks, observer).subscribe_to(source, scheduler)

    return lift(subscribe)


class _Callbacks:
    """The callbacks of one ``dispatch(...)``, checked, and how to run them."""

    __slots__ = ("by_item", "on_agent_updated", "on_complete", "on_error", "on_text")

    def __init__(
        self,
        on_text: Callable[[str], object] | None,
        on_tool_called: Callable[[ToolCallItem], object] | None,
        on_tool_output: Callable[[ToolCallOutputItem], object] | None,
        on_agent_updated: Callable[[Agent[Any]], object] | None,
        on_handoff: Callable[[AgentHandoff], object] | None,
        on_complete: Callable[[RunResult], object] | None,
        on_error: Callable[[Exception], object] | None,
    ) -> None:
        named = {
            "on_text": on_text,
            "on_tool_called": on_tool_called,
            "on_tool_output": on_tool_output,
            "on_agent_updated": on_agent_updated,
            "on_handoff": on_handoff,
            "on_complete": on_complete,
            "on_error": on_error,
        }
        for name, callback in named.items():
            if callback is not None and not callable(callback):
                raise UserError(f"dispatch(): {name} must be callable, got {callback!r}")
        self.on_text = on_text
        self.on_agent_updated = on_agent_updated
        self.on_complete = on_complete
        self.on_error = on_error
        # Run item events by name: (callback, what it receives from the item).
        self.by_item: dict[str, tuple[Callable[[Any], object], Callable[[Any], Any]]] = {}
        if on_tool_called is not None:
            self.by_item["tool_called"] = (on_tool_called, _same)
        if on_tool_output is not None:
            self.by_item["tool_output"] = (on_tool_output, _same)
        if on_handoff is not None:
            self.by_item["handoff_occured"] = (on_handoff, _handoff)

    def call(self, value: Any) -> object:
        """Run the callback for ``value``, if any; its result (an awaitable, or not)."""
        if isinstance(value, RawResponsesStreamEvent):
            on_text = self.on_text
            if on_text is not None and value.data.type == "response.output_text.delta":
                return on_text(value.data.delta)
        elif isinstance(value, RunItemStreamEvent):
            entry = self.by_item.get(value.name)
            if entry is not None:
                return entry[0](entry[1](value.item))
        elif isinstance(value, AgentUpdatedStreamEvent):
            if self.on_agent_updated is not None:
                return self.on_agent_updated(value.new_agent)
        elif isinstance(value, RunCompletedStreamEvent) and self.on_complete is not None:
            return self.on_complete(value.result)
        return None

    def invoke(self, kind: int, value: Any) -> Any:
        """Run the callback of a notification: an awaitable to wait for, or None.

        A callback that raises becomes an awaitable that raises (handled in one place).
        """
        on_error = self.on_error
        try:
            result = self.call(value) if kind == _NEXT else on_error(value) if on_error else None
        except Exception as exc:
            return _raise(exc)
        return result if result is not None and inspect.isawaitable(result) else None


class _Dispatching(Generic[T]):
    """One subscription of ``dispatch``: synchronous callbacks inline; while an
    async one runs, later notifications queue in ``waiting`` and one task
    (``task``) awaits each callback in turn, then passes its notification on."""

    __slots__ = ("callbacks", "observer", "stopped", "task", "upstream", "waiting")

    def __init__(self, callbacks: _Callbacks, observer: abc.ObserverBase[T]) -> None:
        self.callbacks = callbacks
        self.observer = observer
        self.upstream = SingleAssignmentDisposable()
        self.waiting: deque[tuple[int, Any]] = deque()
        self.task: asyncio.Task[None] | None = None
        self.stopped = False

    def subscribe_to(
        self, source: Observable[T], scheduler: abc.SchedulerBase | None
    ) -> abc.DisposableBase:
        self.upstream.disposable = source.subscribe(
            self.on_next, self.on_error, self.on_completed, scheduler=scheduler
        )
        return Disposable(self.dispose)

    def on_next(self, value: T) -> None:
        if self.stopped:
            return
        if self.task is not None:
            self.waiting.append((_NEXT, value))
            return
        try:
            result = self.callbacks.call(value)
        except Exception as exc:
            self.upstream.dispose()
            self.error_now(exc)
            return
        if result is None or not inspect.isawaitable(result):
            self.observer.on_next(value)
        else:
            self.start(result, _NEXT, value)

    def on_error(self, error: Exception) -> None:
        if self.stopped:
            return
        if self.task is not None:
            self.waiting.append((_ERROR, error))
            return
        self.error_now(error)

    def on_completed(self) -> None:
        if self.stopped:
            return
        if self.task is not None:
            self.waiting.append((_COMPLETED, None))
            return
        self.deliver(_COMPLETED, None)

    def deliver(self, kind: int, value: Any) -> None:
        if kind == _NEXT:
            self.observer.on_next(value)
            return
        self.stopped = True
        if kind == _ERROR:
            self.observer.on_error(value)
        else:
            self.observer.on_completed()

    def error_now(self, error: Exception) -> None:
        """Run ``on_error`` (awaited if async), then fail downstream."""
        on_error = self.callbacks.on_error
        if on_error is None:
            self.deliver(_ERROR, error)
            return
        try:
            result = on_error(error)
        except Exception as exc:  # on_error itself failed: report that
            self.deliver(_ERROR, exc)
            return
        if result is None or not inspect.isawaitable(result):
            self.deliver(_ERROR, error)
        else:
            self.start(result, _ERROR, error)

    def start(self, pending: Any, kind: int, value: Any) -> None:
        """Await ``pending`` (and whatever queues up meanwhile) in a task."""
        try:
            loop = asyncio.get_running_loop()
        except RuntimeError:
            if inspect.iscoroutine(pending):
                pending.close()
            self.waiting.clear()
            self.upstream.dispose()
            self.deliver(_ERROR, UserError(_NO_LOOP))
            return
        self.task = loop.create_task(self.drain(pending, kind, value))

    async def drain(self, pending: Any, kind: int, value: Any) -> None:
        waiting = self.waiting
        while True:
            if pending is not None:
                try:
                    await pending
                except Exception as exc:
                    waiting.clear()
                    self.upstream.dispose()
                    if kind == _ERROR or self.callbacks.on_error is None:
                        self.deliver(_ERROR, exc)  # (on_error itself failed: report that)
                        return
                    kind, value = _ERROR, exc
                    pending = self.callbacks.invoke(_ERROR, exc)
                    continue
            if self.stopped:
                return
            self.deliver(kind, value)
            if self.stopped or not waiting:
                self.task = None
                return
            kind, value = waiting.popleft()
            pending = self.callbacks.invoke(kind, value) if kind != _COMPLETED else None

    def dispose(self) -> None:
        self.stopped = True
        self.waiting.clear()
        task = self.task
        if task is not None and asyncio.current_task() is not task:
            task.cancel()
        self.upstream.dispose()


_NO_LOOP = (
    "dispatch(): an async callback needs a running asyncio event loop; "
    "subscribe from async code or use synchronous callbacks"
)


async def _raise(error: Exception) -> None:
    raise error
