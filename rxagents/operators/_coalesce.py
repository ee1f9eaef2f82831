"""coalesce_text: fewer, larger text deltas; nothing lost, nothing reordered."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TypeVar

from reactivex import Observable, abc

from rxagents.operators._scheduler import Clock, Duration, seconds
from rxagents.operators._timed import TimedSubscription, timed
from rxagents.rx._coalesce import TextRun, is_text_delta, same_text_part

__all__ = ["coalesce_text"]

T = TypeVar("T")


def coalesce_text(
    interval: Duration, scheduler: abc.SchedulerBase | None = None
) -> Callable[[Observable[T]], Observable[T]]:
    """Merge the text deltas of each ``interval`` into one delta.

    Works on run events (``response.output_text.delta`` raw events; deltas of the
    same run, output item and content part merge, keeping the later
    ``sequence_number``) and on plain strings (the output of ``text_deltas()``).

    The first delta after a quiet period passes at once; deltas arriving during
    the next ``interval`` are joined and emitted as it ends, and so on while
    text keeps coming. Any other event first flushes the pending text, then
    passes, so order is kept. Completion and errors flush the pending text
    first. Lossless: the joined text is unchanged.

    .. marble::
        -a-b-c------d-X-|      (interval = 5 ticks; X: a non-text event)
        [ coalesce_text(5) ]
        -a----B-----d-X-|      (B: b and c joined as a's interval ends)

    Args:
        interval: how long deltas are gathered: seconds, or a timedelta.
        scheduler: runs the timers; default: the subscription's scheduler, else an
            AsyncIOScheduler on the running loop.

    Raises:
        UserError: ``interval <= 0``.
    """
    period = seconds(interval, "interval", "coalesce_text")
    return timed("coalesce_text", scheduler, partial(_Coalesce, period=period))


class _Coalesce(TimedSubscription[T, T]):
    """One subscription: the interval's timer and the text joined during it."""

    __slots__ = ("pending", "period")

    def __init__(self, observer: abc.ObserverBase[T], clock: Clock | None, period: float) -> None:
        super().__init__(observer, clock)
        self.period = period
        self.pending: TextRun | None = None

    def on_next(self, value: T) -> None:
        if self.stopped:
            return
        pending = self.pending
        if not is_text_delta(value):
            self.flush()  # the text before it goes first: order is kept
            self.observer.on_next(value)
        elif self.timer is None:  # after a quiet interval: at once
            self.start_timer(self.period, self.on_interval_end)
            self.observer.on_next(value)
        elif pending is None:
            self.pending = TextRun(value)
        elif same_text_part(pending.last, value):
            pending.add(value)
        else:
            self.flush()
            self.pending = TextRun(value)

    def on_interval_end(self) -> None:
        if self.pending is None:
            return  # a quiet interval: the next delta passes at once
        self.start_timer(self.period, self.on_interval_end)
        self.flush()

    def flush(self) -> None:
        pending = self.pending
        if pending is not None:
            self.pending = None
            self.observer.on_next(pending.build())
