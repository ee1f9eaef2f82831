"""Collect what an Observable emits: in async tests, or synchronously on a loop of its own."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from reactivex import Observable, abc
from reactivex.notification import Notification, OnCompleted, OnError, OnNext
from reactivex.scheduler.eventloop import AsyncIOScheduler

from rxagents.errors import UserError
from rxagents.events import RunCompletedStreamEvent
from rxagents.result import RunResult

__all__ = ["Collected", "collect", "collect_sync"]

T = TypeVar("T")


@dataclass
class Collected(Generic[T]):
    """Everything one subscription received.

    Attributes:
        events: the ``on_next`` values, in order.
        error: the ``on_error`` exception, if the stream failed.
        completed: the stream ended with ``on_completed``.
        notifications: every notification in arrival order (``OnNext``,
            ``OnError``, ``OnCompleted``), for rule 1 of the grammar.
    """

    events: list[T] = field(default_factory=list)
    error: Exception | None = None
    completed: bool = False
    notifications: list[Notification[T]] = field(default_factory=list)

    @property
    def result(self) -> RunResult | None:
        """The :class:`~rxagents.RunResult` of the last ``RunCompletedStreamEvent``, if any."""
        for event in reversed(self.events):
            if isinstance(event, RunCompletedStreamEvent):
                return event.result
        return None

    def __repr__(self) -> str:
        end = "completed" if self.completed else f"error {self.error!r}" if self.error else "open"
        return f"Collected({len(self.events)} events, {end})"

    def __iter__(self) -> Iterator[T]:
        return iter(self.events)

    def __len__(self) -> int:
        return len(self.events)


class _Recorder(abc.ObserverBase[T]):
    def __init__(self, into: Collected[T], done: asyncio.Future[None]) -> None:
        self.into = into
        self.done = done

    def on_next(self, value: T) -> None:
        self.into.events.append(value)
        self.into.notifications.append(OnNext(value))

    def on_error(self, error: Exception) -> None:
        if self.into.error is None and not self.into.completed:
            self.into.error = error
        self.into.notifications.append(OnError(error))
        self._finish()

    def on_completed(self) -> None:
        if self.into.error is None:
            self.into.completed = True
        self.into.notifications.append(OnCompleted())
        self._finish()

    def _finish(self) -> None:
        if not self.done.done():
            self.done.set_result(None)


async def collect(
    source: Observable[T], *, scheduler: abc.SchedulerBase | None = None, raw: bool = False
) -> Collected[T]:
    """Subscribe to ``source`` and wait until it completes or fails.

    The error of a failed stream is returned in :attr:`Collected.error`, not
    raised, so a test can assert on both the events and the error.

    Args:
        source: any Observable (a run, or a run piped through operators).
        scheduler: the subscription's scheduler; default an ``AsyncIOScheduler``
            on the running loop (so time-based operators run on asyncio).
        raw: subscribe without RxPY's ``AutoDetachObserver``, which silently drops
            whatever a broken source emits after it completed. Use it to check
            rule 1 of the grammar on your own sources.

    Example:
        >>> run = await collect(Runner.run_streamed(agent, "hi").pipe(my_operator()))
        >>> assert_valid_run(run)
    """
    loop = asyncio.get_running_loop()
    done: asyncio.Future[None] = loop.create_future()
    into: Collected[T] = Collected()
    recorder = _Recorder(into, done)
    sched = scheduler or AsyncIOScheduler(loop)
    if raw:
        subscription = source._subscribe_core(recorder, sched)
    else:
        subscription = source.subscribe(recorder, scheduler=sched)
    try:
        await done
        if raw:
            # Let a broken source show whatever it emits after terminating.
            await asyncio.sleep(0)
    finally:
        subscription.dispose()
    return into


def collect_sync(source: Observable[T], *, raw: bool = False, debug: bool = False) -> Collected[T]:
    """:func:`collect` from synchronous code, on a new event loop closed afterwards.

    For plain ``def`` tests (hypothesis properties, notebooks). Tasks the
    subscription leaves behind are cancelled when the loop closes.

    Raises:
        UserError: when called while an event loop is running in this thread
            (use ``await collect(...)`` there).
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        pass
    else:
        raise UserError(
            "collect_sync() cannot run inside a running event loop; "
            "use `await collect(...)` in async code"
        )

    async def main() -> Collected[T]:
        return await collect(source, raw=raw)

    return asyncio.run(main(), debug=debug)
