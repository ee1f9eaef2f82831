"""throttle_latest: at most one item per period, the latest, and never the last one lost."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any, TypeVar

from reactivex import Observable, abc

from rxagents.operators._scheduler import Clock, Duration, seconds
from rxagents.operators._timed import TimedSubscription, timed

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
    return timed("throttle_latest", scheduler, partial(_Throttle, period=period))


class _Throttle(TimedSubscription[T, T]):
    """One subscription: the period's timer and the item waiting for it to end."""

    __slots__ = ("latest", "period")

    def __init__(self, observer: abc.ObserverBase[T], clock: Clock | None, period: float) -> None:
        super().__init__(observer, clock)
        self.period = period
        self.latest: Any = _NOTHING  # the item waiting for the period to end

    def on_next(self, value: T) -> None:
        if self.stopped:
            return
        if self.timer is not None:  # a period runs: the latest waits for its end
            self.latest = value
            return
        self.start_timer(self.period, self.on_period_end)
        self.observer.on_next(value)

    def on_period_end(self) -> None:
        value = self.latest
        if value is _NOTHING:
            return  # a quiet period: the next item passes at once
        if self.completing:
            self.complete()  # the waiting item, then the completion
            return
        self.latest = _NOTHING
        self.start_timer(self.period, self.on_period_end)
        self.observer.on_next(value)

    def flush(self) -> None:
        value, self.latest = self.latest, _NOTHING
        if value is not _NOTHING:
            self.observer.on_next(value)

    def settle(self) -> bool:
        return self.latest is not _NOTHING  # completion waits for the period's end
