"""``accumulate()`` then ``throttle_latest``: the fused path equals the two operators apart.

``throttle_latest`` right after ``accumulate()`` folds the events itself and
builds only the snapshots it emits; these tests hold its output (times, kinds,
every snapshot's contents) equal to the unfused pipeline's, on virtual time.
"""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from reactivex import operators as ops
from reactivex.testing import ReactiveTest, TestScheduler

from rxagents import operators as rxo
from rxagents.operators._state import Accumulated
from tests.operators.opevents import BILLING, agent_updated, delta

on_next, on_completed, on_error = (
    ReactiveTest.on_next,
    ReactiveTest.on_completed,
    ReactiveTest.on_error,
)


def _view(snapshot: Any) -> tuple[Any, ...]:
    return (
        snapshot.event,
        snapshot.event_count,
        snapshot.text,
        snapshot.turn_count,
        snapshot.run_id,
        snapshot.current_agent,
        snapshot.usage,
        len(snapshot.items),
        snapshot.is_complete,
    )


def _run(messages: list[Any], duration: int, fused: bool) -> list[tuple[Any, ...]]:
    scheduler = TestScheduler()
    source = scheduler.create_hot_observable(messages)
    throttle = rxo.throttle_latest(float(duration), scheduler)

    def pipeline() -> Any:
        if fused:
            accumulated = source.pipe(rxo.accumulate())
            assert type(accumulated) is Accumulated
            return accumulated.pipe(throttle)
        # Any operator between them keeps the two apart.
        return source.pipe(rxo.accumulate(), ops.map(lambda s: s), throttle)

    results = scheduler.start(pipeline, disposed=100_000)
    out = []
    for m in results.messages:
        kind = m.value.kind
        value = _view(m.value.value) if kind == "N" else None
        error = str(m.value.exception) if kind == "E" else None
        out.append((m.time, kind, value, error))
    return out


class _Malformed:
    """An event accumulate() cannot fold: the stream fails, typed."""

    type = "raw_response_event"
    data = None
    run_id = "run_a"


@given(
    steps=st.lists(
        st.tuples(
            st.integers(min_value=0, max_value=6),
            st.sampled_from(["delta", "agent", "bad"]),
            st.text(max_size=3),
        ),
        max_size=30,
    ),
    duration=st.integers(min_value=1, max_value=10),
    end_gap=st.integers(min_value=0, max_value=15),
    fails=st.booleans(),
)
def test_fused_equals_apart(
    steps: list[tuple[int, str, str]], duration: int, end_gap: int, fails: bool
) -> None:
    t = 201
    messages: list[Any] = []
    for gap, kind, piece in steps:
        t += gap
        if kind == "delta":
            event: Any = delta(piece)
        elif kind == "agent":
            event = agent_updated(BILLING)
        else:
            event = _Malformed()
        messages.append(on_next(t, event))
    end = t + end_gap
    messages.append(on_error(end, RuntimeError("boom")) if fails else on_completed(end))
    assert _run(messages, duration, fused=True) == _run(messages, duration, fused=False)


def test_unfused_when_not_directly_after() -> None:
    scheduler = TestScheduler()
    source = scheduler.create_hot_observable(
        on_next(210, delta("a")), on_next(211, delta("b")), on_completed(220)
    )
    results = scheduler.start(
        lambda: source.pipe(rxo.accumulate(), rxo.throttle_latest(4.0, scheduler))
    )
    texts = [(m.time, m.value.value.text) for m in results.messages if m.value.kind == "N"]
    assert texts == [(210, "a"), (214, "ab")]
