"""The skeleton every time-based operator shares: one subscription, its timer, its end.

``batch``, ``coalesce_text``, ``smooth_text`` and ``throttle_latest`` differ only
in what they hold and when they let it go. Everything else lives here, once:

* the scheduler and its timers (:func:`~rxagents.operators._scheduler.clock`:
  ``loop.call_later`` on asyncio, the scheduler's own timing elsewhere);
* at most one timer per subscription, and a timer that fires after it was
  cancelled or replaced (possible when a threaded scheduler's timer thread was
  already waiting for the lock) does nothing;
* on threaded schedulers, one lock around the source's callbacks, the timer
  callbacks and ``dispose`` (none is needed on the asyncio loop or in virtual time);
* the ending: an error or completion releases what is held at once, then passes
  on; completion may instead wait for the pending timer (:meth:`TimedSubscription.settle`);
  nothing is emitted after the end or after ``dispose``;
* ``dispose`` cancels the pending timer, drops what is held, then unsubscribes.

An operator subclasses :class:`TimedSubscription` (its ``on_next``, its timer
callbacks, :meth:`~TimedSubscription.flush`, optionally
:meth:`~TimedSubscription.settle`) and its public factory returns
``timed(name, scheduler, make)``.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from reactivex import Observable, abc
from reactivex.disposable import Disposable

from rxagents.operators._lift import lift
from rxagents.operators._scheduler import Clock, Timer, clock

__all__ = ["TimedSubscription", "timed"]

T = TypeVar("T")
U = TypeVar("U")


class TimedSubscription(ABC, Generic[T, U]):
    """The state of one subscription of a time-based operator.

    Attributes:
        observer: where the operator's output goes.
        clock: the subscription's timers; ``None`` for an operator that needs none
            (``smooth_text`` without pacing).
        timer: the pending timer, or ``None``; at most one at a time.
        stopped: the subscription has ended (error, completion or dispose):
            callbacks do nothing from then on.
        completing: the source has completed and :meth:`settle` asked the
            completion to wait; the subclass calls :meth:`complete` when it may.
    """

    __slots__ = ("_generation", "clock", "completing", "observer", "stopped", "timer")

    def __init__(self, observer: abc.ObserverBase[U], clock: Clock | None) -> None:
        self.observer = observer
        self.clock = clock
        self.timer: Timer | None = None
        self.stopped = False
        self.completing = False
        self._generation = 0  # which timer is current (a cancel may come too late)

    # What an operator writes.

    @abstractmethod
    def on_next(self, value: T) -> None:
        """A value from the source (it returns at once once ``stopped``)."""

    def flush(self) -> None:
        """Emit everything held, at once (the error and completion paths call it)."""

    def settle(self) -> bool:
        """At the source's completion: emit what may go now, and say whether
        something must still wait for the pending timer (then completion waits
        too, until the operator calls :meth:`complete`). By default nothing
        waits: :meth:`flush`, then complete."""
        return False

    def drop(self) -> None:
        """Forget what is held (``dispose``: nothing of it will be emitted)."""

    # The shared skeleton.

    def start_timer(self, delay: float, callback: Callable[[], None]) -> None:
        """Call ``callback()`` after ``delay`` seconds, unless cancelled before;
        replaces (cancels) a pending timer."""
        if self.timer is not None:
            self.cancel_timer()
        clock = self.clock
        assert clock is not None, "an operator without a clock started a timer"
        # The generation and callback travel as the timer's arguments, not in a
        # partial: one object less per timer, and a UI throttle over 1,000 runs
        # keeps ~1,000 timers alive at once (each one the GC has to look at).
        self.timer = clock.start(delay, self._fire, self._generation, callback)

    def cancel_timer(self) -> None:
        """Cancel the pending timer, if any."""
        self._generation += 1
        timer = self.timer
        if timer is not None:
            self.timer = None
            timer.cancel()

    def _fire(self, generation: int, callback: Callable[[], None]) -> None:
        if self.stopped or generation != self._generation:
            return  # cancelled or replaced while its thread waited for the lock
        self.timer = None
        callback()

    def halt(self) -> None:
        """End the subscription: nothing more is emitted by callbacks or timers."""
        self.stopped = True
        self.cancel_timer()

    def complete(self) -> None:
        """Emit what is held, then complete."""
        self.halt()
        self.flush()
        self.observer.on_completed()

    def on_error(self, error: Exception) -> None:
        """The source failed: emit what is held at once, then the error."""
        if self.stopped:
            return
        self.halt()
        self.flush()
        self.observer.on_error(error)

    def on_completed(self) -> None:
        """The source completed: complete now, or when :meth:`settle` says."""
        if self.stopped:
            return
        if self.settle():
            self.completing = True
            return
        self.complete()

    def dispose(self) -> None:
        """Cancel the timer and drop what is held (the caller unsubscribes)."""
        self.halt()
        self.drop()

    def subscribe_to(
        self, source: Observable[T], scheduler: abc.SchedulerBase | None
    ) -> abc.DisposableBase:
        """Subscribe this state's callbacks to ``source``: serialized with the
        timers when the scheduler needs it; disposing cancels, then unsubscribes."""
        on_next: Callable[[Any], None] = self.on_next
        on_error: Callable[[Exception], None] = self.on_error
        on_completed: Callable[[], None] = self.on_completed
        stop: Callable[[], None] = self.dispose
        guard = None if self.clock is None else self.clock.guard
        if guard is not None:
            on_next, on_error = guard(on_next), guard(on_error)
            on_completed, stop = guard(on_completed), guard(stop)
        subscription = source.subscribe(on_next, on_error, on_completed, scheduler=scheduler)

        def dispose() -> None:
            stop()
            subscription.dispose()

        return Disposable(dispose)


def timed(
    name: str,
    scheduler: abc.SchedulerBase | None,
    make: Callable[[abc.ObserverBase[U], Clock | None], TimedSubscription[T, U]],
    *,
    clocked: bool = True,
) -> Callable[[Observable[T]], Observable[U]]:
    """The operator whose every subscription is ``make(observer, clock)``.

    Args:
        name: the operator's name, for the error when no scheduler can be found.
        scheduler: the operator's ``scheduler`` argument (see
            :func:`~rxagents.operators._scheduler.resolve_scheduler`).
        make: builds one subscription's state.
        clocked: ``False`` when this configuration needs no timers (and so no
            scheduler); ``make`` then gets ``None``.
    """

    def subscribe(
        source: Observable[T],
        observer: abc.ObserverBase[U],
        subscribe_scheduler: abc.SchedulerBase | None,
    ) -> abc.DisposableBase:
        timers = clock(scheduler, subscribe_scheduler, name) if clocked else None
        return make(observer, timers).subscribe_to(source, subscribe_scheduler)

    return lift(subscribe)
