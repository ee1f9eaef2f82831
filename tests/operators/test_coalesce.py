"""coalesce_text: marbles, merged events, and lossless-in-order invariants."""

from __future__ import annotations

from typing import Any

import pytest
import reactivex
from hypothesis import given
from hypothesis import strategies as st
from openai.types.responses.response_text_delta_event import Logprob
from reactivex import operators as ops
from reactivex.testing import ReactiveTest, TestScheduler
from reactivex.testing.marbles import marbles_testing

from rxagents import Agent, Runner
from rxagents import operators as rxo
from rxagents.errors import UserError
from rxagents.events import raw_event
from rxagents.testing import ScriptedModel, text, tool_call
from tests.operators.opevents import (
    args_delta,
    collect,
    delta,
    is_text,
    part_added,
    segments,
    text_of,
    tool_called,
)

on_next = ReactiveTest.on_next
on_completed = ReactiveTest.on_completed
on_error = ReactiveTest.on_error


def test_the_docstring_marble_on_strings() -> None:
    values = {"a": "Hel", "b": "lo", "c": " wor", "d": "ld", "X": 42, "B": "lo wor"}
    with marbles_testing(timespan=1.0) as (start, cold, _, exp):
        source = cold("-a-b-c------d-X-|", values)
        assert start(source.pipe(rxo.coalesce_text(5.0))) == exp("-a----B-----d-X-|", values)


def test_a_non_text_event_flushes_the_pending_text_first() -> None:
    scheduler = TestScheduler()
    call = tool_called()
    source = scheduler.create_hot_observable(
        on_next(210, "a"), on_next(211, "b"), on_next(212, "c"), on_next(213, call)
    )
    results = scheduler.start(lambda: source.pipe(rxo.coalesce_text(100.0)), disposed=500)
    assert results.messages == [on_next(210, "a"), on_next(213, "bc"), on_next(213, call)]


def test_completion_and_error_flush_at_once() -> None:
    boom = ValueError("boom")
    with marbles_testing(timespan=1.0) as (start, cold, _, exp):
        result = start(cold("-a-b-c-#", error=boom).pipe(rxo.coalesce_text(50.0)))
        assert result == exp("-a-----(B,#)", {"B": "bc"}, error=boom)
    with marbles_testing(timespan=1.0) as (start, cold, _, exp):
        result = start(cold("-a-b-c-|").pipe(rxo.coalesce_text(50.0)))
        assert result == exp("-a-----(B,|)", {"B": "bc"})


def test_merged_event_keeps_the_part_the_later_sequence_number_and_logprobs() -> None:
    scheduler = TestScheduler()
    first = delta("Hel", seq=1)
    second = delta("lo", seq=2)
    third = logprob_delta("!", seq=3)
    source = scheduler.create_hot_observable(
        on_next(210, first), on_next(211, second), on_next(212, third), on_completed(300)
    )
    results = scheduler.start(lambda: source.pipe(rxo.coalesce_text(10.0)))
    out = [m.value.value for m in results.messages if m.value.kind == "N"]
    assert out[0] is first  # passed through untouched
    merged = out[1]
    assert (merged.run_id, merged.sequence_number) == ("run_a", 3)
    assert merged.data.delta == "lo!"
    assert merged.data.item_id == "msg_1"
    assert merged.data.sequence_number == 3
    assert [p.token for p in merged.data.logprobs] == ["!"]
    assert [m.time for m in results.messages] == [210, 220, 300]


def test_deltas_of_different_parts_are_never_merged() -> None:
    scheduler = TestScheduler()
    source = scheduler.create_hot_observable(
        on_next(210, delta("a")),
        on_next(211, delta("b")),
        on_next(212, delta("c", item="msg_2")),
        on_next(213, delta("d", run="run_b")),
        on_next(214, delta("e", run="run_b")),
        on_completed(400),
    )
    results = scheduler.start(lambda: source.pipe(rxo.coalesce_text(10.0)))
    out = [(m.time, m.value.value.run_id, m.value.value.data.delta) for m in results.messages[:-1]]
    assert out == [
        (210, "run_a", "a"),
        (212, "run_a", "b"),  # flushed when another part's text arrives
        (213, "run_a", "c"),
        (220, "run_b", "de"),
    ]


def test_bad_interval() -> None:
    with pytest.raises(UserError, match="interval"):
        rxo.coalesce_text(-1)


async def test_on_a_run_the_text_is_unchanged() -> None:
    pieces = [f"t{i} " for i in range(200)]
    agent = Agent(
        "a",
        model=ScriptedModel(
            [
                [text("".join(pieces), chunks=pieces), tool_call("missing", {})],
                [text("after the tool", chunk_size=2)],
            ]
        ),
    )
    merged: list[Any] = []
    await Runner.run_streamed(agent, "hi").pipe(
        rxo.coalesce_text(0.01), ops.do_action(merged.append)
    )
    deltas = collect(reactivex.from_iterable(merged).pipe(rxo.text_deltas()))
    assert "".join(deltas) == "".join(pieces) + "after the tool"
    kinds = [e.type for e in merged if not is_text(e)]
    assert kinds[-1] == "run_completed_stream_event"


def logprob_delta(piece: str, seq: int) -> Any:
    event = delta(piece, seq=seq)
    data = event.data.model_copy(
        update={"logprobs": [Logprob(token=piece, logprob=-0.5, top_logprobs=[])]}
    )
    return raw_event(event.run_id, seq, data)


item = st.one_of(
    st.tuples(
        st.just("text"),
        st.text(alphabet="ab é", max_size=3),
        st.sampled_from([("run_a", "msg_1"), ("run_a", "msg_2"), ("run_b", "msg_1")]),
    ),
    st.tuples(st.just("str"), st.text(alphabet="xy ", max_size=3), st.none()),
    st.tuples(st.sampled_from(["args", "part", "call"]), st.none(), st.none()),
)


def build(kind: str, piece: Any, where: Any) -> Any:
    if kind == "text":
        return delta(piece, item=where[1], run=where[0])
    if kind == "str":
        return piece
    return {"args": lambda: args_delta("{"), "part": part_added, "call": tool_called}[kind]()


@given(
    timeline=st.lists(st.tuples(st.integers(min_value=0, max_value=5), item), max_size=40),
    interval=st.integers(min_value=1, max_value=10),
    end_gap=st.integers(min_value=0, max_value=20),
    fails=st.booleans(),
)
def test_invariants(
    timeline: list[tuple[int, Any]], interval: int, end_gap: int, fails: bool
) -> None:
    scheduler = TestScheduler()
    arrivals: list[tuple[int, Any]] = []
    t = 201
    for gap, spec in timeline:
        t += gap
        arrivals.append((t, build(*spec)))
    end = t + end_gap
    boom = RuntimeError("boom")
    messages: list[Any] = [on_next(time, value) for time, value in arrivals]
    messages.append(on_error(end, boom) if fails else on_completed(end))
    source = scheduler.create_hot_observable(messages)
    results = scheduler.start(
        lambda: source.pipe(rxo.coalesce_text(float(interval))), disposed=100_000
    )

    last = results.messages[-1]
    assert (last.time, last.value.kind) == (end, "E" if fails else "C")
    out = [(m.time, m.value.value) for m in results.messages if m.value.kind == "N"]
    inputs = [value for _, value in arrivals]
    outputs = [value for _, value in out]
    # Lossless and in order: the same text per part between the same non-text events.
    assert segments(outputs) == segments(inputs)
    # Non-text events pass untouched, at the moment they arrive.
    assert [(at, v) for at, v in out if not is_text(v)] == [
        (at, v) for at, v in arrivals if not is_text(v)
    ]
    # Merging never splits: at most as many text emissions as text inputs.
    assert sum(map(is_text, outputs)) <= sum(map(is_text, inputs))
    # Sequence numbers of events still increase.
    seqs = [v.sequence_number for v in outputs if not isinstance(v, str)]
    assert seqs == sorted(seqs)
    # No text waits longer than one interval: by `arrived + interval`, everything
    # up to and including it has been emitted.
    for index, (arrived, value) in enumerate(arrivals):
        if not is_text(value) or not text_of(value):
            continue
        wanted = sum(len(text_of(v)) for v in inputs[: index + 1] if is_text(v))
        emitted = sum(len(text_of(v)) for at, v in out if is_text(v) and at <= arrived + interval)
        assert emitted >= wanted
