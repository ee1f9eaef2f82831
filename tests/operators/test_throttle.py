"""throttle_latest: marble tests and virtual-time invariants."""

from __future__ import annotations

from typing import Any

import pytest
import reactivex
from hypothesis import given
from hypothesis import strategies as st
from reactivex import operators as ops
from reactivex.testing import ReactiveTest, TestScheduler
from reactivex.testing.marbles import marbles_testing

from rxagents import Agent, Runner
from rxagents import operators as rxo
from rxagents.errors import UserError
from rxagents.testing import ScriptedModel, text
from tests.operators.opevents import collect

on_next = ReactiveTest.on_next
on_completed = ReactiveTest.on_completed
on_error = ReactiveTest.on_error


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("-a-b--c-----d-|", "-a---b---c---d|"),
        ("-a-b-c-|", "-a---c-|"),
        ("-a-b|", "-a---(b,|)"),
        ("-a------b---|", "-a------b---|"),  # idle: each value at once
        ("---|", "---|"),
    ],
)
def test_docstring_marbles(source: str, expected: str) -> None:
    with marbles_testing(timespan=1.0) as (start, cold, _, exp):
        assert start(cold(source).pipe(rxo.throttle_latest(4.0))) == exp(expected)


def test_an_error_delivers_the_waiting_value_first() -> None:
    boom = ValueError("boom")
    with marbles_testing(timespan=1.0) as (start, cold, _, exp):
        result = start(cold("-a-b-#", error=boom).pipe(rxo.throttle_latest(10.0)))
        assert result == exp("-a---(b,#)", error=boom)


def test_disposing_stops_the_timer() -> None:
    scheduler = TestScheduler()
    source = scheduler.create_hot_observable(on_next(210, 1), on_next(215, 2))
    results = scheduler.start(lambda: source.pipe(rxo.throttle_latest(50.0)), disposed=230)
    scheduler.advance_to(1000)
    assert results.messages == [on_next(210, 1)]


def test_bad_duration() -> None:
    with pytest.raises(UserError, match="duration must be > 0"):
        rxo.throttle_latest(0)


def test_needs_a_scheduler_outside_asyncio() -> None:
    with pytest.raises(UserError, match="throttle_latest"):
        collect(reactivex.of(1).pipe(rxo.throttle_latest(1.0)))


async def test_under_asyncio_the_final_text_is_always_shown() -> None:
    pieces = [f"w{i} " for i in range(30)]
    agent = Agent("a", model=ScriptedModel([[text("".join(pieces), chunks=pieces)]]))
    shown: list[str] = []
    await Runner.run_streamed(agent, "hi").pipe(
        rxo.text_deltas(),
        ops.scan(lambda acc, piece: acc + piece, ""),
        rxo.throttle_latest(0.02),
        ops.do_action(shown.append),
    )
    assert shown[0] == "w0 "
    assert shown[-1] == "".join(pieces)


@given(
    gaps=st.lists(st.integers(min_value=0, max_value=8), max_size=40),
    duration=st.integers(min_value=1, max_value=12),
    end_gap=st.integers(min_value=0, max_value=20),
    fails=st.booleans(),
)
def test_invariants(gaps: list[int], duration: int, end_gap: int, fails: bool) -> None:
    scheduler = TestScheduler()
    times: list[int] = []
    t = 201
    for gap in gaps:
        t += gap
        times.append(t)
    end = t + end_gap
    boom = RuntimeError("boom")
    messages: list[Any] = [on_next(time, i) for i, time in enumerate(times)]
    messages.append(on_error(end, boom) if fails else on_completed(end))
    source = scheduler.create_hot_observable(messages)
    results = scheduler.start(
        lambda: source.pipe(rxo.throttle_latest(float(duration))), disposed=100_000
    )

    out = [(m.time, m.value.value) for m in results.messages if m.value.kind == "N"]
    last = results.messages[-1]
    assert last.value.kind == ("E" if fails else "C")
    values = [v for _, v in out]
    # A subsequence of the input, in order.
    assert values == sorted(set(values))
    if not times:
        assert out == []
        assert last.time == end
        return
    # The first value at once.
    assert out[0] == (times[0], 0)
    # The last value always delivered.
    assert values[-1] == len(times) - 1
    if fails:
        assert last.time == end  # errors are not delayed
    else:
        # Completion delayed by at most one period.
        assert end <= last.time <= end + duration
    emitted_at = [time for time, _ in out]
    for (time, value), next_time in zip(out, [*emitted_at[1:], None], strict=True):
        # The latest value at its emission time (nothing newer arrived before it)...
        assert times[value] <= time
        assert not any(arrived < time for arrived in times[value + 1 :])
        # ...and at most one per period (the error may flush one early).
        if next_time is not None and not (fails and next_time == end):
            assert next_time - time >= duration
    # Never stale by more than one period: each input is emitted, or superseded
    # by a later one emitted within `duration` of it.
    for i, arrived in enumerate(times):
        assert any(v >= i and arrived <= at <= arrived + duration for at, v in out)
