"""batch: marble tests and virtual-time invariants."""

from __future__ import annotations

import asyncio
import threading
from datetime import timedelta
from time import sleep
from typing import Any

import pytest
import reactivex
from hypothesis import given
from hypothesis import strategies as st
from reactivex import operators as ops
from reactivex.scheduler import NewThreadScheduler, ThreadPoolScheduler
from reactivex.scheduler.eventloop import AsyncIOScheduler
from reactivex.subject import Subject
from reactivex.testing import ReactiveTest, TestScheduler
from reactivex.testing.marbles import marbles_testing

from rxagents import Agent, Runner
from rxagents import operators as rxo
from rxagents.errors import UserError
from rxagents.operators._scheduler import serialized
from rxagents.testing import ScriptedModel, text
from tests.operators.opevents import collect

on_next = ReactiveTest.on_next
on_completed = ReactiveTest.on_completed
on_error = ReactiveTest.on_error


def test_the_docstring_marble() -> None:
    with marbles_testing(timespan=1.0) as (start, cold, _, exp):
        source = cold("--a--b--c--d-e-------|")
        expected = exp("-----x-----y-----z---|", {"x": ["a", "b"], "y": ["c", "d"], "z": ["e"]})
        assert start(source.pipe(rxo.batch(2, 4.0))) == expected


def test_flushes_on_completion_before_the_delay() -> None:
    with marbles_testing(timespan=1.0) as (start, cold, _, exp):
        source = cold("-a-b-|")
        assert start(source.pipe(rxo.batch(10, 60.0))) == exp("-----(x,|)", {"x": ["a", "b"]})


def test_flushes_before_an_error() -> None:
    boom = ValueError("boom")
    with marbles_testing(timespan=1.0) as (start, cold, _, exp):
        source = cold("-a-b-#", error=boom)
        assert start(source.pipe(rxo.batch(10, 60.0))) == exp(
            "-----(x,#)", {"x": ["a", "b"]}, error=boom
        )


def test_never_emits_an_empty_batch() -> None:
    with marbles_testing(timespan=1.0) as (start, cold, _, exp):
        source = cold("------------|")  # quiet for many delays
        assert start(source.pipe(rxo.batch(3, 2.0))) == exp("------------|")


def test_count_of_one_passes_each_item_at_once() -> None:
    with marbles_testing(timespan=1.0) as (start, cold, _, exp):
        source = cold("-a-b-|")
        assert start(source.pipe(rxo.batch(1, 5.0))) == exp("-x-y-|", {"x": ["a"], "y": ["b"]})


def test_explicit_scheduler_and_timedelta() -> None:
    scheduler = TestScheduler()
    source = scheduler.create_hot_observable(on_next(210, 1), on_completed(400))
    results = scheduler.start(
        lambda: source.pipe(rxo.batch(5, timedelta(seconds=30), scheduler=scheduler))
    )
    assert results.messages == [on_next(240, [1]), on_completed(400)]


def test_disposing_cancels_the_pending_timer() -> None:
    scheduler = TestScheduler()
    source = scheduler.create_hot_observable(on_next(210, 1), on_next(220, 2))
    results = scheduler.start(lambda: source.pipe(rxo.batch(5, 100.0)), disposed=250)
    assert results.messages == []
    scheduler.advance_to(1000)  # the timer at 310 must not fire into a disposed observer
    assert results.messages == []


@pytest.mark.parametrize(
    ("count", "delay"), [(0, 1.0), (-1, 1.0), (2.5, 1.0), (True, 1.0), (2, 0), (2, -1.0)]
)
def test_bad_arguments(count: Any, delay: Any) -> None:
    with pytest.raises(UserError, match="batch"):
        rxo.batch(count, delay)


def test_needs_a_scheduler_outside_asyncio() -> None:
    with pytest.raises(UserError, match="needs a scheduler"):
        collect(reactivex.of(1, 2).pipe(rxo.batch(2, 1.0)))


async def test_under_asyncio_it_uses_the_running_loop() -> None:
    pieces = [f"t{i} " for i in range(25)]
    agent = Agent("a", model=ScriptedModel([[text("".join(pieces), chunks=pieces)]]))
    batches: list[list[str]] = []
    await Runner.run_streamed(agent, "hi").pipe(
        rxo.text_deltas(), rxo.batch(10, 0.05), ops.do_action(batches.append)
    )
    assert [piece for b in batches for piece in b] == pieces
    assert all(1 <= len(b) <= 10 for b in batches)


timelines = st.lists(st.integers(min_value=0, max_value=6), max_size=40)


@given(
    gaps=timelines,
    max_count=st.integers(min_value=1, max_value=6),
    max_delay=st.integers(min_value=1, max_value=15),
    end_gap=st.integers(min_value=0, max_value=30),
    fails=st.booleans(),
)
def test_invariants(
    gaps: list[int], max_count: int, max_delay: int, end_gap: int, fails: bool
) -> None:
    scheduler = TestScheduler()
    times: list[int] = []
    t = 201
    for gap in gaps:
        t += gap
        times.append(t)
    end = t + end_gap
    boom = RuntimeError("source failed")
    messages = [on_next(time, i) for i, time in enumerate(times)]
    messages.append(on_error(end, boom) if fails else on_completed(end))
    source = scheduler.create_hot_observable(messages)
    results = scheduler.start(
        lambda: source.pipe(rxo.batch(max_count, float(max_delay))), disposed=100_000
    )

    emitted = [(m.time, m.value.value) for m in results.messages if m.value.kind == "N"]
    last = results.messages[-1]
    # Terminates exactly as the source did, after the final flush.
    assert last.time == end
    assert last.value.kind == ("E" if fails else "C")
    assert all(time <= end for time, _ in emitted)
    # Concatenation is the input; never empty, never over max_count.
    assert [x for _, b in emitted for x in b] == list(range(len(times)))
    assert all(1 <= len(b) <= max_count for _, b in emitted)
    for time, b in emitted:
        first, newest = times[b[0]], times[b[-1]]
        # No item waits longer than max_delay...
        assert time - first <= max_delay
        # ...and no batch leaves early: full at its last item, or when its first
        # item has waited max_delay, or at the source's end.
        if len(b) == max_count:
            assert time == newest
        else:
            assert time in (first + max_delay, end)


def test_callbacks_are_serialized_only_for_schedulers_that_may_use_threads() -> None:
    loop = asyncio.new_event_loop()
    try:
        assert serialized(AsyncIOScheduler(loop)) is None
    finally:
        loop.close()
    assert serialized(TestScheduler()) is None
    guard = serialized(ThreadPoolScheduler(2))
    assert guard is not None
    inside = 0
    overlaps: list[int] = []

    def critical(_: int) -> None:
        nonlocal inside
        inside += 1
        overlaps.append(inside)
        sleep(0)  # let another thread run: without the lock it would enter
        inside -= 1

    guarded = guard(critical)
    threads = [threading.Thread(target=lambda: [guarded(i) for i in range(100)]) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(overlaps) == 400
    assert max(overlaps) == 1


def test_with_a_threaded_scheduler_nothing_is_lost_or_repeated() -> None:
    subject: Subject[int] = Subject()
    batches: list[list[int]] = []
    done = threading.Event()
    subject.pipe(rxo.batch(7, 0.0005, scheduler=NewThreadScheduler())).subscribe(
        batches.append, on_completed=done.set
    )
    for i in range(2000):
        subject.on_next(i)
    subject.on_completed()
    assert done.wait(10)
    assert [x for b in batches for x in b] == list(range(2000))
    assert all(1 <= len(b) <= 7 for b in batches)
