"""The scaffold shared by the time-based operators (rxagents/operators/_timed.py).

Tested twice: through a minimal operator written on it (so the scaffold's own
promises are pinned down: dispose mid-timer cancels the timer, completion and
errors flush first, a stale timer does nothing), and through the four real
operators, in virtual time (hypothesis) and on threaded schedulers.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from functools import partial
from typing import Any, TypeVar

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from reactivex import Observable, abc
from reactivex.scheduler import EventLoopScheduler, ThreadPoolScheduler
from reactivex.subject import Subject
from reactivex.testing import ReactiveTest, TestScheduler
from reactivex.testing.marbles import marbles_testing

from rxagents import operators as rxo
from rxagents.operators._scheduler import Clock, Timer
from rxagents.operators._timed import TimedSubscription, timed

on_next = ReactiveTest.on_next
on_completed = ReactiveTest.on_completed
on_error = ReactiveTest.on_error

T = TypeVar("T")


class _Hold(TimedSubscription[T, list[T]]):
    """A minimal operator on the scaffold: holds values, emits them together
    ``hold`` after the first; with ``wait_at_end`` completion waits for the timer."""

    __slots__ = ("held", "hold", "wait_at_end")

    def __init__(
        self, observer: abc.ObserverBase[list[T]], clock: Clock | None, hold: float, wait: bool
    ) -> None:
        super().__init__(observer, clock)
        self.hold = hold
        self.wait_at_end = wait
        self.held: list[T] = []

    def on_next(self, value: T) -> None:
        if self.stopped:
            return
        self.held.append(value)
        if len(self.held) == 1:
            self.start_timer(self.hold, self.on_timer)

    def on_timer(self) -> None:
        if self.completing:
            self.complete()
        else:
            self.flush()

    def flush(self) -> None:
        held, self.held = self.held, []
        if held:
            self.observer.on_next(held)

    def settle(self) -> bool:
        return self.wait_at_end and bool(self.held)

    def drop(self) -> None:
        self.held.clear()


def hold(
    seconds: float, *, wait: bool = False, scheduler: abc.SchedulerBase | None = None
) -> Callable[[Observable[T]], Observable[list[T]]]:
    def make(observer: abc.ObserverBase[list[T]], clock: Clock | None) -> _Hold[T]:
        return _Hold(observer, clock, seconds, wait)

    return timed("hold", scheduler, make)


class RecordingScheduler(TestScheduler):
    """A TestScheduler that remembers the operators' timers (``schedule_relative``;
    the test harness itself schedules absolutely): when each ran, if it did."""

    def __init__(self) -> None:
        super().__init__()
        self.timers: list[tuple[abc.DisposableBase, list[float]]] = []

    def schedule_relative(
        self, duetime: Any, action: abc.ScheduledAction[Any], state: Any = None
    ) -> abc.DisposableBase:
        ran: list[float] = []

        def run(scheduler: abc.SchedulerBase, state: Any) -> Any:
            ran.append(self.clock)
            return action(scheduler, state)

        disposable = super().schedule_relative(duetime, run, state)
        self.timers.append((disposable, ran))
        return disposable

    def ran_after(self, time: float) -> list[float]:
        """When timers ran after ``time`` (after dispose or the end: none should)."""
        return [at[0] for _, at in self.timers if at and at[0] > time]

    def pending(self) -> int:
        """Timers neither run nor cancelled."""
        return sum(1 for d, at in self.timers if not at and not _disposed(d))


def _disposed(disposable: abc.DisposableBase) -> bool:
    return bool(getattr(disposable, "is_disposed", False))


# The scaffold through a minimal operator.


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("-a-b-----c-|", "-----x-----(y,|)"),  # completion flushes at once
        ("-a-b|", "----(x,|)"),
        ("---|", "---|"),
    ],
)
def test_completion_flushes(source: str, expected: str) -> None:
    values = {"a": 1, "b": 2, "c": 3, "x": [1, 2], "y": [3]}
    with marbles_testing(timespan=1.0) as (start, cold, _, exp):
        assert start(cold(source, values).pipe(hold(4.0))) == exp(expected, values)


def test_completion_may_wait_for_the_timer() -> None:
    values = {"a": 1, "b": 2, "x": [1, 2]}
    with marbles_testing(timespan=1.0) as (start, cold, _, exp):
        result = start(cold("-a-b|", values).pipe(hold(4.0, wait=True)))
        assert result == exp("-----(x,|)", values)


def test_an_error_passes_through_after_the_held_values() -> None:
    boom = ValueError("boom")
    values = {"a": 1, "b": 2, "x": [1, 2]}
    with marbles_testing(timespan=1.0) as (start, cold, _, exp):
        result = start(cold("-a-b#", values, error=boom).pipe(hold(4.0, wait=True)))
        assert result == exp("----(x,#)", values, error=boom)


def test_dispose_mid_timer_cancels_the_timer() -> None:
    scheduler = RecordingScheduler()
    source = scheduler.create_hot_observable(on_next(210, 1), on_next(220, 2))
    results = scheduler.start(lambda: source.pipe(hold(50.0)), disposed=230)
    scheduler.advance_to(1000)
    assert len(scheduler.timers) == 1
    assert scheduler.ran_after(230) == []  # cancelled at 230, not left to fire at 260
    assert results.messages == []


def test_nothing_after_the_end_even_from_a_late_timer() -> None:
    """A timer that fires after it was cancelled (a threaded scheduler's timer
    thread already waiting for the lock) does nothing: the scaffold checks."""
    due: list[Callable[[], None]] = []

    class _Late:
        def cancel(self) -> None:  # too late: the callback is already on its way
            return None

    def start(_delay: float, callback: Callable[..., None], *args: Any) -> Timer:
        due.append(partial(callback, *args))
        return _Late()

    out: list[object] = []
    subject: Subject[int] = Subject()
    state = _Hold[int](_ListObserver(out), Clock(start, None), 1.0, False)
    subscription = state.subscribe_to(subject, None)
    subject.on_next(1)
    subject.on_next(2)
    state.flush()  # another path emitted the batch and cancelled its timer
    state.cancel_timer()
    subject.on_next(3)  # a new batch, a new timer
    due[0]()  # the first timer arrives late: it must not emit [3]
    assert out == [[1, 2]]
    due[1]()
    assert out == [[1, 2], [3]]
    subject.on_next(4)
    subscription.dispose()
    due[2]()  # after dispose
    subject.on_completed()
    assert out == [[1, 2], [3]]


def test_a_new_timer_replaces_the_pending_one() -> None:
    fired: list[str] = []
    scheduler = RecordingScheduler()
    state = _Hold[int](_ListObserver([]), Clock(_virtual_start(scheduler), None), 1.0, False)
    state.start_timer(5.0, lambda: fired.append("first"))
    state.start_timer(3.0, lambda: fired.append("second"))
    scheduler.advance_to(100)
    assert fired == ["second"]
    assert scheduler.pending() == 0


def _virtual_start(scheduler: TestScheduler) -> Callable[..., Timer]:
    def start(delay: float, callback: Callable[..., None], *args: Any) -> Timer:
        disposable = scheduler.schedule_relative(delay, lambda _s, _st: callback(*args))

        class _Cancel:
            def cancel(self) -> None:
                disposable.dispose()

        return _Cancel()

    return start


class _ListObserver(abc.ObserverBase[Any]):
    def __init__(self, out: list[object]) -> None:
        self.out = out

    def on_next(self, value: Any) -> None:
        self.out.append(value)

    def on_error(self, error: Exception) -> None:
        self.out.append(error)

    def on_completed(self) -> None:
        self.out.append("|")


# The four operators on the scaffold, in virtual time.

OPERATORS: dict[str, Callable[[], Callable[[Observable[str]], Observable[Any]]]] = {
    "batch": lambda: rxo.batch(3, 7.0),
    "coalesce_text": lambda: rxo.coalesce_text(5.0),
    "smooth_text": lambda: rxo.smooth_text("word", 3.0),
    "throttle_latest": lambda: rxo.throttle_latest(4.0),
}


def _text(values: list[Any], name: str) -> str:
    if name == "batch":
        return "".join(x for batch in values for x in batch)
    return "".join(values)


timelines = st.lists(
    st.tuples(st.integers(min_value=0, max_value=6), st.sampled_from(["a", "b ", "c\n", "d"])),
    max_size=30,
)


@settings(max_examples=60, deadline=None)
@given(
    name=st.sampled_from(sorted(OPERATORS)),
    timeline=timelines,
    end_gap=st.integers(min_value=0, max_value=20),
    ending=st.sampled_from(["completed", "error", "dispose"]),
    dispose_after=st.integers(min_value=0, max_value=40),
)
def test_every_operator_ends_cleanly(
    name: str, timeline: list[tuple[int, str]], end_gap: int, ending: str, dispose_after: int
) -> None:
    scheduler = RecordingScheduler()
    t = 201
    messages = []
    for gap, piece in timeline:
        t += gap
        messages.append(on_next(t, piece))
    end = t + end_gap
    boom = RuntimeError("source failed")
    if ending == "error":
        messages.append(on_error(end, boom))
    elif ending == "completed":
        messages.append(on_completed(end))
    disposed = 201 + dispose_after if ending == "dispose" else 100_000
    source = scheduler.create_hot_observable(messages)
    results = scheduler.start(lambda: source.pipe(OPERATORS[name]()), disposed=disposed)
    scheduler.advance_to(200_000)

    ended = disposed if ending == "dispose" else results.messages[-1].time
    assert scheduler.ran_after(ended) == []  # the end cancelled the pending timer
    kinds = [m.value.kind for m in results.messages]
    assert all(kind == "N" for kind in kinds[:-1])  # nothing after the end
    values = [m.value.value for m in results.messages if m.value.kind == "N"]
    text = "".join(piece for _, piece in timeline)
    if ending == "dispose":
        assert all(m.time <= disposed for m in results.messages)
        if name == "throttle_latest":
            pieces = iter(piece for _, piece in timeline)
            assert all(value in pieces for value in values)  # a subsequence
        else:
            assert text.startswith(_text(values, name))
        return
    last = results.messages[-1]
    if name == "throttle_latest" and ending == "completed":
        assert end <= last.time <= end + 4  # waits at most the period in course...
        if values:
            assert values[-1] == timeline[-1][1]  # ...and never loses the last value
    elif name == "smooth_text" and ending == "completed":
        assert last.time >= end  # the paced chunks go first...
        assert _text(values, name) == text
    else:
        assert last.time == end  # an error, or batch/coalesce: at once...
        if name != "throttle_latest":
            assert _text(values, name) == text  # ...after flushing what was held
        elif timeline:
            assert values[-1] == timeline[-1][1]
    if ending == "error":
        assert last.value.kind == "E" and last.value.exception is boom
    else:
        assert last.value.kind == "C"


# The four operators on threaded schedulers (synchronised with events, never sleeps).


class _Checked:
    """An observer that records values and catches two callbacks overlapping."""

    def __init__(self) -> None:
        self.values: list[Any] = []
        self.inside = 0
        self.overlaps = 0
        self.done = threading.Event()
        self.error: Exception | None = None

    def on_next(self, value: Any) -> None:
        self.inside += 1
        if self.inside > 1:
            self.overlaps += 1
        self.values.append(value)
        time.sleep(0)  # not for timing: yield the GIL, so an unguarded timer would enter
        self.inside -= 1

    def on_error(self, error: Exception) -> None:
        self.error = error
        self.done.set()

    def on_completed(self) -> None:
        self.done.set()


THREADED: dict[str, Callable[[abc.SchedulerBase], Callable[[Observable[str]], Observable[Any]]]] = {
    "batch": lambda s: rxo.batch(5, 0.0002, scheduler=s),
    "coalesce_text": lambda s: rxo.coalesce_text(0.0002, scheduler=s),
    "smooth_text": lambda s: rxo.smooth_text("word", 0.00001, scheduler=s),
    "throttle_latest": lambda s: rxo.throttle_latest(0.0002, scheduler=s),
}


@pytest.mark.parametrize("name", sorted(THREADED))
@pytest.mark.parametrize("kind", ["event_loop", "thread_pool"])
def test_threaded_schedulers_lose_nothing_and_never_overlap(name: str, kind: str) -> None:
    scheduler: abc.SchedulerBase = (
        EventLoopScheduler() if kind == "event_loop" else ThreadPoolScheduler(4)
    )
    subject: Subject[str] = Subject()
    observer = _Checked()
    pieces = [f"w{i} " for i in range(1500)]
    subject.pipe(THREADED[name](scheduler)).subscribe(
        observer.on_next, observer.on_error, observer.on_completed
    )
    for piece in pieces:
        subject.on_next(piece)
    subject.on_completed()
    assert observer.done.wait(20)
    assert observer.error is None
    assert observer.overlaps == 0
    if name == "throttle_latest":
        assert observer.values[-1] == pieces[-1]
        assert observer.values == sorted(set(observer.values), key=pieces.index)
    else:
        assert _text(observer.values, name) == "".join(pieces)
    if isinstance(scheduler, EventLoopScheduler):
        scheduler.dispose()


@pytest.mark.parametrize("name", sorted(THREADED))
def test_dispose_on_a_threaded_scheduler_cancels_the_pending_timer(name: str) -> None:
    """On an EventLoopScheduler timers run in due order on one thread, so once a
    later sentinel has run, a timer that was not cancelled would have fired."""
    scheduler = EventLoopScheduler()
    slow: dict[str, Callable[[], Callable[[Observable[str]], Observable[Any]]]] = {
        "batch": lambda: rxo.batch(100, 0.05, scheduler=scheduler),
        "coalesce_text": lambda: rxo.coalesce_text(0.05, scheduler=scheduler),
        "smooth_text": lambda: rxo.smooth_text("word", 0.05, scheduler=scheduler),
        "throttle_latest": lambda: rxo.throttle_latest(0.05, scheduler=scheduler),
    }
    subject: Subject[str] = Subject()
    observer = _Checked()
    subscription = subject.pipe(slow[name]()).subscribe(
        observer.on_next, observer.on_error, observer.on_completed
    )
    for piece in ["one ", "two ", "three "]:
        subject.on_next(piece)
    before = list(observer.values)
    subscription.dispose()
    sentinel = threading.Event()
    scheduler.schedule_relative(0.1, lambda _s, _st: sentinel.set())
    assert sentinel.wait(10)
    assert observer.values == before
    assert not observer.done.is_set()
    scheduler.dispose()
