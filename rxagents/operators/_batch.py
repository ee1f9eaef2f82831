"""batch: lists of at most ``max_count`` items, none older than ``max_delay``."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TypeVar

from reactivex import Observable, abc

from rxagents.errors import UserError
from rxagents.operators._scheduler import Clock, Duration, seconds
from rxagents.operators._timed import TimedSubscription, timed

__all__ = ["batch"]

T = TypeVar("T")


def batch(
    max_count: int, max_delay: Duration, scheduler: abc.SchedulerBase | None = None
) -> Callable[[Observable[T]], Observable[list[T]]]:
    """Group items into lists, flushed when full or when the first item has waited ``max_delay``.

    Unlike RxPY's ``buffer_with_time_or_count`` it never emits an empty list,
    starts its timer at a batch's first item (so no item waits longer than
    ``max_delay``), and builds no Subject per window: one list and at most one
    timer per batch.

    The pending batch is flushed when the source completes, and before its error.

    .. marble::
        --a--b--c--d-e-------|      (max_count=2, max_delay=4 ticks)
        [ batch(2, 4) ]
        -----x-----y-----z---|      x=[a, b] (full), y=[c, d] (full), z=[e] (e waited 4)

    Args:
        max_count: the largest batch (>= 1).
        max_delay: the longest an item waits in a batch: seconds, or a timedelta.
        scheduler: runs the timers; default: the subscription's scheduler, else an
            AsyncIOScheduler on the running loop.

    Raises:
        UserError: ``max_count < 1`` or ``max_delay <= 0``.
    """
    if isinstance(max_count, bool) or not isinstance(max_count, int) or max_count < 1:
        raise UserError(f"batch(): max_count must be an int >= 1, got {max_count!r}")
    delay = seconds(max_delay, "max_delay", "batch")
    return timed("batch", scheduler, partial(_Batch, max_count=max_count, delay=delay))


class _Batch(TimedSubscription[T, list[T]]):
    """One subscription: the batch being filled and its first item's timer."""

    __slots__ = ("delay", "items", "max_count")

    def __init__(
        self,
        observer: abc.ObserverBase[list[T]],
        clock: Clock | None,
        max_count: int,
        delay: float,
    ) -> None:
        super().__init__(observer, clock)
        self.max_count = max_count
        self.delay = delay
        self.items: list[T] = []

    def on_next(self, value: T) -> None:
        if self.stopped:
            return
        items = self.items
        items.append(value)
        size = len(items)
        if size >= self.max_count:
            self.flush()
        elif size == 1:  # the timer starts at a batch's first item
            self.start_timer(self.delay, self.flush)

    def flush(self) -> None:
        full = self.items
        if full:
            self.items = []
            self.cancel_timer()
            self.observer.on_next(full)
