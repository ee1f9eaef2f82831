"""throttle_latest: at most one item per period, the latest, and never the last one lost."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

from reactivex import Observable, abc

from rxagents.operators._scheduler import Duration, Timer, clock, seconds, subscribe_clocked

__all__ = ["throttle_latest"]

T = TypeVar("T")

_NOTHING: Any = object()


def throttle_latest(
    duration: Duration, scheduler: abc.SchedulerBase | None = None
) -> Callable[[Observable[T]], Observable[T]]:
    """Emit the first item at once, then at most one item per ``duration``: the latest.

    Made for UI refreshes over fast streams (e.g. ``accumulate()`` snapshots):
    an idle stream's first item shows immediately, a busy stream refreshes at
    most once a period, and the final state is always shown. RxPY's
    ``throttle_first`` drops the last items and ``sample`` delays the first;
    ``debounce`` never fires while tokens keep coming.

    When the source completes with an item still waiting, that item is emitted
    at the end of the current period, then the completion: completion is never
    delayed by more than one period. On error the waiting item is emitted first,
    then the error, at once.

    .. marble::
        -a-b--c-----d-|     (duration = 4 ticks)
        [ throttle_latest(4) ]
        -a---b---c---d|     (each waits for the previous period to end)

        -a-b-c-|
        [ throttle_latest(4) ]
        -a---c-|            (b is superseded by c before a's period ends)

        -a-b|
        [ throttle_latest(4) ]
        -a---(b,|)          (the last value as the period ends, then completion)

    Args:
        duration: the period: seconds, or a timedelta.
        scheduler: runs the timers; default: the subscription's scheduler, else an
            AsyncIOScheduler on the running loop.

    Raises:
        UserError: ``duration <= 0``.
    """
    period = seconds(duration, "duration", "throttle_latest")

    def operator(source: Observable[T]) -> Observable[T]:
        def subscribe(
            observer: abc.ObserverBase[T],
            subscribe_scheduler: abc.SchedulerBase | None = None,
        ) -> abc.DisposableBase:
            timers = clock(scheduler, subscribe_scheduler, "throttle_latest")
            start_timer = timers.start
            latest: Any = _NOTHING  # the item waiting for the period to end
            timer: Timer | None = None  # set while a period runs
            completing = False  # the source completed; finish as the period ends
            stopped = False

            def on_period_end() -> None:
                nonlocal latest, timer, stopped
                timer = None
                if stopped or latest is _NOTHING:
                    return
                value, latest = latest, _NOTHING
                if completing:
                    stopped = True
                    observer.on_next(value)
                    observer.on_completed()
                    return
                timer = start_timer(period, on_period_end)
                observer.on_next(value)

            def on_next(value: T) -> None:
                nonlocal latest, timer
                if stopped:
                    return
                if timer is not None:
                    latest = value
                    return
                timer = start_timer(period, on_period_end)
                observer.on_next(value)

            def on_error(error: Exception) -> None:
                nonlocal latest
                if stopped:
                    return
                stop()
                value, latest = latest, _NOTHING
                if value is not _NOTHING:
                    observer.on_next(value)
                observer.on_error(error)

            def on_completed() -> None:
                nonlocal completing
                if stopped:
                    return
                if latest is not _NOTHING:
                    completing = True
                    return
                stop()
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
