"""Marble strings to TestScheduler streams of run events."""

from __future__ import annotations

import pytest
from reactivex import operators as ops
from reactivex.notification import OnCompleted, OnError, OnNext
from reactivex.testing.recorded import Recorded

from rxagents.errors import UserError
from rxagents.testing import Marbles, StreamBuilder, parse_marbles, recorded_values


def test_one_character_is_one_frame() -> None:
    records = parse_marbles("-ab--c|", {"a": 1, "b": 2, "c": 3})
    assert records == [
        Recorded(1, OnNext(1)),
        Recorded(2, OnNext(2)),
        Recorded(5, OnNext(3)),
        Recorded(6, OnCompleted()),
    ]


def test_groups_share_a_frame_and_span_their_width() -> None:
    records = parse_marbles("(ab)-c#", {"a": 1, "b": 2, "c": 3}, error=ValueError("x"))
    assert [(r.time, r.value.kind) for r in records] == [
        (0, "N"),
        (0, "N"),
        (5, "N"),
        (6, "E"),
    ]
    assert str(records[-1].value) == str(OnError(ValueError("x")))


def test_timespan_offset_and_subscription_mark() -> None:
    records = parse_marbles("a-^-b", {"a": 1, "b": 2}, timespan=0.5, offset=100.0)
    assert [r.time for r in records] == [99.0, 101.0]


@pytest.mark.parametrize(
    ("marble", "says"),
    [
        ("-x-", "character 'x' has no value"),
        ("a-|-a", "after its '|' or '#'"),
        ("(a-", "never closes"),
        ("^-^", r"more than one '\^'"),
    ],
)
def test_mistakes_are_explained(marble: str, says: str) -> None:
    with pytest.raises(UserError, match=says):
        parse_marbles(marble, {"a": 1})


def test_a_cold_event_stream_through_an_operator() -> None:
    b = StreamBuilder()
    v = {"s": b.agent_updated(), "a": b.delta("Hel"), "b": b.delta("lo"), "c": b.completed()}
    m = Marbles()
    deltas = m.cold("s-a-b-c|", v).pipe(
        ops.filter(lambda e: e.type == "raw_response_event"),
        ops.map(lambda e: e.data.delta),  # type: ignore[union-attr]
    )
    records = m.start(deltas)
    assert records == m.expected("--a-b--|", {"a": "Hel", "b": "lo"})
    assert recorded_values(records) == ["Hel", "lo"]


def test_hot_streams_start_at_the_subscription_mark() -> None:
    b = StreamBuilder()
    v = {"x": b.delta("missed"), "a": b.delta("seen")}
    m = Marbles()
    records = m.start(m.hot("x-^-a-|", v))
    assert records == m.expected("--a-|", v)


def test_time_based_operators_run_on_the_test_scheduler() -> None:
    b = StreamBuilder()
    v = {"a": b.delta("a"), "b": b.delta("b"), "c": b.delta("c")}
    m = Marbles(timespan=0.5)
    source = m.cold("a-b-----c|", v)
    records = m.start(lambda: source.pipe(ops.debounce(1.0, scheduler=m.scheduler)))
    # debounce waits for 1 s (two frames) of silence: "a" is superseded by "b",
    # and "c" only leaves with the completion (RxPY's debounce delays the end).
    assert recorded_values(records) == [v["b"], v["c"]]
    assert [r.time for r in records] == [202.0, 204.5, 204.5]


def test_cold_timeline() -> None:
    m = Marbles()
    timeline = [(0.0, "a"), (2.5, "b")]
    records = m.start(m.cold_timeline(timeline))
    assert records == [
        Recorded(200.0, OnNext("a")),
        Recorded(202.5, OnNext("b")),
        Recorded(203.5, OnCompleted()),
    ]
    failing = Marbles()
    boom = RuntimeError("boom")
    assert failing.start(failing.cold_timeline([], error=boom))[-1].value.kind == "E"
    with pytest.raises(UserError, match="use hot"):
        m.cold("^a", {"a": 1})
