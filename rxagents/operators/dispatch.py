"""dispatch: one callback per kind of event ("streaming with callbacks"), sync or async."""

from __future__ import annotations

import asyncio
import inspect
from collections import deque
from collections.abc import Callable
from typing import Any, TypeVar

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
from rxagents.operators.filtering import AgentHandoff
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
    callbacks = {
        "on_text": on_text,
        "on_tool_called": on_tool_called,
        "on_tool_output": on_tool_output,
        "on_agent_updated": on_agent_updated,
        "on_handoff": on_handoff,
        "on_complete": on_complete,
        "on_error": on_error,
    }
    for name, callback in callbacks.items():
        if callback is not None and not callable(callback):
            raise UserError(f"dispatch(): {name} must be callable, got {callback!r}")
    by_item: dict[str, tuple[Callable[[Any], object], Callable[[Any], Any]]] = {}
    if on_tool_called is not None:
        by_item["tool_called"] = (on_tool_called, _same)
    if on_tool_output is not None:
        by_item["tool_output"] = (on_tool_output, _same)
    if on_handoff is not None:
        by_item["handoff_occured"] = (on_handoff, _handoff)

    def call(value: Any) -> object:
        """Run the callback for ``value``, if any; its result (an awaitable, or not)."""
        if isinstance(value, RawResponsesStreamEvent):
            if on_text is not None and value.data.type == "response.output_text.delta":
                return on_text(value.data.delta)
        elif isinstance(value, RunItemStreamEvent):
            entry = by_item.get(value.name)
            if entry is not None:
                return entry[0](entry[1](value.item))
        elif isinstance(value, AgentUpdatedStreamEvent):
            if on_agent_updated is not None:
                return on_agent_updated(value.new_agent)
        elif isinstance(value, RunCompletedStreamEvent) and on_complete is not None:
            return on_complete(value.result)
        return None

    def invoke(kind: int, value: Any) -> Any:
        """Run the callback of a notification: an awaitable to wait for, or None.

        A callback that raises becomes an awaitable that raises (handled in one place).
        """
        try:
            result = call(value) if kind == _NEXT else on_error(value) if on_error else None
        except Exception as exc:
            return _raise(exc)
        return result if result is not None and inspect.isawaitable(result) else None

    def operator(source: Observable[T]) -> Observable[T]:
        def subscribe(
            observer: abc.ObserverBase[T], scheduler: abc.SchedulerBase | None = None
        ) -> abc.DisposableBase:
            upstream = SingleAssignmentDisposable()
            waiting: deque[tuple[int, Any]] = deque()  # while an async callback runs
            task: asyncio.Task[None] | None = None
            stopped = False

            def deliver(kind: int, value: Any) -> None:
                nonlocal stopped
                if kind == _NEXT:
                    observer.on_next(value)
                    return
                stopped = True
                if kind == _ERROR:
                    observer.on_error(value)
                else:
                    observer.on_completed()

            def start(pending: Any, kind: int, value: Any) -> None:
                """Await ``pending`` (and whatever queues up meanwhile) in a task."""
                nonlocal task
                try:
                    loop = asyncio.get_running_loop()
                except RuntimeError:
                    if inspect.iscoroutine(pending):
                        pending.close()
                    waiting.clear()
                    upstream.dispose()
                    deliver(
                        _ERROR,
                        UserError(
                            "dispatch(): an async callback needs a running asyncio event loop; "
                            "subscribe from async code or use synchronous callbacks"
                        ),
                    )
                    return
                task = loop.create_task(drain(pending, kind, value))

            async def drain(pending: Any, kind: int, value: Any) -> None:
                nonlocal task
                while True:
                    if pending is not None:
                        try:
                            await pending
                        except Exception as exc:
                            waiting.clear()
                            upstream.dispose()
                            if kind == _ERROR or on_error is None:
                                deliver(_ERROR, exc)  # (on_error itself failed: report that)
                                return
                            kind, value = _ERROR, exc
                            pending = invoke(_ERROR, exc)
                            continue
                    if stopped:
                        return
                    deliver(kind, value)
                    if stopped or not waiting:
                        task = None
                        return
                    kind, value = waiting.popleft()
                    pending = invoke(kind, value) if kind != _COMPLETED else None

            def error_now(error: Exception) -> None:
                """Run ``on_error`` (awaited if async), then fail downstream."""
                if on_error is None:
                    deliver(_ERROR, error)
                    return
                try:
                    result = on_error(error)
                except Exception as exc:  # on_error itself failed: report that
                    deliver(_ERROR, exc)
                    return
                if result is None or not inspect.isawaitable(result):
                    deliver(_ERROR, error)
                else:
                    start(result, _ERROR, error)

            def on_next_(value: T) -> None:
                if task is None and not stopped:
                    try:
                        result = call(value)
                    except Exception as exc:
                        upstream.dispose()
                        error_now(exc)
                        return
                    if result is None or not inspect.isawaitable(result):
                        observer.on_next(value)
                    else:
                        start(result, _NEXT, value)
                elif not stopped:
                    waiting.append((_NEXT, value))

            def on_error_(error: Exception) -> None:
                if stopped:
                    return
                if task is not None:
                    waiting.append((_ERROR, error))
                    return
                error_now(error)

            def on_completed_() -> None:
                if stopped:
                    return
                if task is not None:
                    waiting.append((_COMPLETED, None))
                    return
                deliver(_COMPLETED, None)

            upstream.disposable = source.subscribe(
                on_next_, on_error_, on_completed_, scheduler=scheduler
            )

            def dispose() -> None:
                nonlocal stopped
                stopped = True
                waiting.clear()
                if task is not None and asyncio.current_task() is not task:
                    task.cancel()
                upstream.dispose()

            return Disposable(dispose)

        return Observable(subscribe)

    return operator


async def _raise(error: Exception) -> None:
    raise error
