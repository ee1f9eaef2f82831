"""coalesce_text: fewer, larger text deltas; nothing lost, nothing reordered."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from reactivex import Observable, abc

from rxagents.operators._scheduler import Duration, Timer, clock, seconds, subscribe_clocked
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

    def operator(source: Observable[T]) -> Observable[T]:
        def subscribe(
            observer: abc.ObserverBase[T],
            subscribe_scheduler: abc.SchedulerBase | None = None,
        ) -> abc.DisposableBase:
            timers = clock(scheduler, subscribe_scheduler, "coalesce_text")
            start_timer = timers.start
            pending: TextRun | None = None
            timer: Timer | None = None  # set while an interval runs
            stopped = False

            def flush() -> None:
                nonlocal pending
                if pending is not None:
                    run, pending = pending, None
                    observer.on_next(run.build())

            def on_interval_end() -> None:
                nonlocal timer
                timer = None
                if stopped or pending is None:
                    return
                timer = start_timer(period, on_interval_end)
                flush()

            def on_next(value: T) -> None:
                nonlocal pending, timer
                if stopped:
                    return
                if not is_text_delta(value):
                    flush()
                    observer.on_next(value)
                elif timer is None:
                    timer = start_timer(period, on_interval_end)
                    observer.on_next(value)
                elif pending is None:
                    pending = TextRun(value)
                elif same_text_part(pending.last, value):
                    pending.add(value)
                else:
                    flush()
                    pending = TextRun(value)

            def stop() -> None:
                nonlocal stopped, timer
                stopped = True
                if timer is not None:
                    timer.cancel()
                    timer = None

            def on_error(error: Exception) -> None:
                if stopped:
                    return
                stop()
                flush()
                observer.on_error(error)

            def on_completed() -> None:
                if stopped:
                    return
                stop()
                flush()
                observer.on_completed()

            return subscribe_clocked(
                source, timers, on_next, on_error, on_completed, stop, subscribe_scheduler
            )

        return Observable(subscribe)

    return operator
