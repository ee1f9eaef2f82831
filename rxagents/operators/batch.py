"""batch: lists of at most ``max_count`` items, none older than ``max_delay``."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TypeVar

from reactivex import Observable, abc

from rxagents.errors import UserError
from rxagents.operators._scheduler import Duration, Timer, clock, seconds, subscribe_clocked

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

    def operator(source: Observable[T]) -> Observable[list[T]]:
        def subscribe(
            observer: abc.ObserverBase[list[T]],
            subscribe_scheduler: abc.SchedulerBase | None = None,
        ) -> abc.DisposableBase:
            timers = clock(scheduler, subscribe_scheduler, "batch")
            start_timer = timers.start
            items: list[T] = []
            timer: Timer | None = None  # set while a batch waits for its delay
            generation = 0  # which batch a timer belongs to (a cancel may come too late)
            stopped = False

            def take() -> list[T]:
                nonlocal items, timer, generation
                full, items = items, []
                generation += 1
                if timer is not None:
                    timer.cancel()
                    timer = None
                return full

            def on_timer(batch: int) -> None:
                if stopped or batch != generation or not items:
                    return
                observer.on_next(take())

            def on_next(value: T) -> None:
                nonlocal timer
                if stopped:
                    return
                items.append(value)
                size = len(items)
                if size >= max_count:
                    observer.on_next(take())
                elif size == 1:
                    timer = start_timer(delay, partial(on_timer, generation))

            def on_error(error: Exception) -> None:
                nonlocal stopped
                if stopped:
                    return
                stopped = True
                if items:
                    observer.on_next(take())
                observer.on_error(error)

            def on_completed() -> None:
                nonlocal stopped
                if stopped:
                    return
                stopped = True
                if items:
                    observer.on_next(take())
                observer.on_completed()

            def stop() -> None:
                nonlocal stopped, timer
                stopped = True
                if timer is not None:
                    timer.cancel()
                    timer = None

            return subscribe_clocked(
                source, timers, on_next, on_error, on_completed, stop, subscribe_scheduler
            )

        return Observable(subscribe)

    return operator
