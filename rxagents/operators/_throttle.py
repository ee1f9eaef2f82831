"""throttle_latest: at most one item per period, the latest, and never the last one lost."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any, TypeVar

from reactivex import Observable, abc

from rxagents.operators._scheduler import Clock, Duration, seconds
from rxagents.operators._state import Accumulated
from rxagents.operators._timed import TimedSubscription, timed
from rxagents.snapshot import RunAccumulator, RunSnapshot, RunState, _snapshot

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
    plain = timed("throttle_latest", scheduler, partial(_Throttle, period=period))
    fused = timed("throttle_latest", scheduler, partial(_ThrottledSnapshots, period=period))

    def operator(source: Observable[T]) -> Observable[T]:
        if type(source) is Accumulated:  # accumulate() right before: fold here, see below
            return fused(source.source)  # type: ignore[return-value,arg-type]
        return plain(source)

    return operator


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
        self.observer.on_next(self.take(value))

    def flush(self) -> None:
        value, self.latest = self.latest, _NOTHING
        if value is not _NOTHING:
            self.observer.on_next(self.take(value))

    def settle(self) -> bool:
        return self.latest is not _NOTHING  # completion waits for the period's end

    def take(self, value: Any) -> T:
        """The item to emit for the held ``value`` (itself, here)."""
        return value  # type: ignore[no-any-return]


class _ThrottledSnapshots(_Throttle[RunSnapshot]):
    """``accumulate()`` then ``throttle_latest``, in one subscription to the run's events.

    Each event is folded into the subscription's own accumulator, and a
    :class:`~rxagents.RunSnapshot` is built only when one is emitted: the same
    snapshots, at the same times, as the two operators apart (a property test
    holds them equal), without building and dropping the superseded ones. The
    held item is the snapshot's parts, taken after each fold, so a later event
    that fails to fold cannot change the snapshot emitted before its error.
    """

    __slots__ = ("accumulator", "count", "length", "state")

    def __init__(
        self, observer: abc.ObserverBase[RunSnapshot], clock: Clock | None, period: float
    ) -> None:
        super().__init__(observer, clock, period)
        self.accumulator = RunAccumulator()
        self.state: RunState | None = None
        self.count = 0
        self.length = 0

    def on_next(self, value: Any) -> None:
        if self.stopped:
            return
        accumulator = self.accumulator
        try:
            accumulator.fold(value)
        except Exception as exc:  # a malformed event: fail the stream, as accumulate() does
            self.on_error(exc)
            return
        if self.timer is not None:  # a period runs: keep the parts of the latest snapshot
            self.latest = value
            self.state = accumulator.state
            self.count = accumulator.event_count
            self.length = accumulator.text.length
            return
        self.start_timer(self.period, self.on_period_end)
        self.observer.on_next(accumulator.snapshot())

    def take(self, value: Any) -> Any:
        state = self.state
        assert state is not None
        return _snapshot(state, self.count, self.length, value)
