"""accumulate() and final_result(): run state per event, and the run's result."""

from __future__ import annotations

import copy
import itertools
import pickle
import weakref
from dataclasses import dataclass
from typing import Any

import pytest
import reactivex
from hypothesis import given
from hypothesis import strategies as st
from openai.types.responses import ResponseTextDeltaEvent
from reactivex import operators as ops

from rxagents import Agent, Runner, RunResult, RunSnapshot, function_tool
from rxagents.errors import UserError
from rxagents.events import (
    AgentUpdatedStreamEvent,
    RunCompletedStreamEvent,
    RunRestartedStreamEvent,
    StreamEvent,
    raw_event,
)
from rxagents.operators import IncompleteRunError, accumulate, final_result
from rxagents.snapshot import RunAccumulator
from rxagents.testing import ScriptedModel, text, tool_call


@function_tool
def ok(x: int) -> int:
    """Doubles x."""
    return x * 2


@function_tool
def boom(x: int) -> int:
    """Always fails."""
    raise ValueError(f"cannot take {x}")


async def collect(source: reactivex.Observable[Any]) -> list[Any]:
    result: list[Any] = await source.pipe(ops.to_list())
    return result


def delta(run_id: str, seq: int, piece: str) -> StreamEvent:
    data = ResponseTextDeltaEvent(
        type="response.output_text.delta",
        item_id="msg_0",
        output_index=0,
        content_index=0,
        delta=piece,
        logprobs=[],
        sequence_number=seq,
    )
    return raw_event(run_id, seq, data)


def agent_event(run_id: str, seq: int, name: str) -> StreamEvent:
    event: StreamEvent = AgentUpdatedStreamEvent._fast(
        run_id=run_id, sequence_number=seq, new_agent=Agent(name)
    )
    return event


# -- a scripted run with every kind of state --------------------------------------


def two_agents(turns: list[list[Any]]) -> Agent[Any]:
    model = ScriptedModel(turns)
    b: Agent[Any] = Agent("b", model=model, tools=[ok, boom])
    a: Agent[Any] = Agent("a", model=model, tools=[ok, boom], handoffs=[b])
    b.handoffs = [a]
    return a


SCRIPT: list[list[Any]] = [
    [text("Let me check. ", chunk_size=5), tool_call("ok", {"x": 2}, call_id="c1")],
    [tool_call("boom", {"x": 3}, call_id="c2"), tool_call("nope", {}, call_id="c3")],
    [tool_call("transfer_to_b", call_id="h1")],
    [text("All done.", chunk_size=4)],
]


async def test_snapshots_follow_the_run() -> None:
    snapshots: list[RunSnapshot] = await collect(
        Runner.run_streamed(two_agents(SCRIPT), "go").pipe(accumulate())
    )
    first, last = snapshots[0], snapshots[-1]
    assert first.current_agent is not None and first.current_agent.name == "a"
    assert (first.text, first.items, first.turn_count, first.is_complete) == ("", [], 0, False)
    assert last.is_complete and last.final_output == "All done."
    assert last.text == "Let me check. All done."
    assert last.text_by_agent == {"a": "Let me check. ", "b": "All done."}
    assert last.current_agent is not None and last.current_agent.name == "b"
    assert last.turn_count == 4
    assert last.usage.requests == 4
    assert last.handoffs == [("a", "b")]
    assert [m.text for m in last.messages] == ["Let me check. ", "All done."]
    calls = {c.call_id: (c.name, c.status, c.agent) for c in last.tool_calls}
    assert calls == {
        "c1": ("ok", "done", "a"),
        "c2": ("boom", "failed", "a"),
        "c3": ("nope", "failed", "a"),
    }
    assert next(c.output for c in last.tool_calls if c.call_id == "c1") == 4
    assert [s.event_count for s in snapshots] == list(range(1, len(snapshots) + 1))
    # model_dump carries the computed state too, for sending snapshots to a UI.
    dumped = last.model_dump(mode="json")
    assert dumped["text"] == last.text and dumped["tool_calls"][1]["status"] == "failed"


async def test_tool_call_status_moves_from_called_to_done() -> None:
    snapshots: list[RunSnapshot] = await collect(
        Runner.run_streamed(two_agents(SCRIPT), "go").pipe(accumulate())
    )
    statuses: list[tuple[str, ...]] = []
    for s in snapshots:
        row = tuple(f"{c.call_id}:{c.status}" for c in s.tool_calls)
        if not statuses or statuses[-1] != row:
            statuses.append(row)
    assert statuses == [
        (),
        ("c1:called",),
        ("c1:done",),
        ("c1:done", "c2:called"),
        ("c1:done", "c2:called", "c3:called"),
        ("c1:done", "c2:failed", "c3:called"),
        ("c1:done", "c2:failed", "c3:failed"),
    ] or statuses == [
        (),
        ("c1:called",),
        ("c1:done",),
        ("c1:done", "c2:called"),
        ("c1:done", "c2:called", "c3:called"),
        ("c1:done", "c2:called", "c3:failed"),
        ("c1:done", "c2:failed", "c3:failed"),
    ]


async def test_each_subscription_has_its_own_state() -> None:
    op = accumulate()
    events = [agent_event("r", 0, "a"), delta("r", 1, "x"), delta("r", 2, "y")]
    one = await collect(reactivex.from_iterable(events).pipe(op))
    two = await collect(reactivex.from_iterable(events).pipe(op))
    assert [s.text for s in one] == [s.text for s in two] == ["", "x", "xy"]


# -- invariant: the last snapshot agrees with Runner.run ------------------------


@dataclass
class Script:
    turns: list[list[Any]]
    texts: list[str]
    handoffs: int
    failing_calls: int
    good_calls: int


@st.composite
def scripts(draw: st.DrawFn) -> Script:
    turns: list[list[Any]] = []
    texts: list[str] = []
    current = "a"
    handoffs = failing = good = 0
    words = st.text(alphabet="abc xyz.", min_size=0, max_size=20)
    for i in range(draw(st.integers(0, 4))):
        kind = draw(st.sampled_from(["tools", "handoff"]))
        if kind == "handoff":
            target = "b" if current == "a" else "a"
            turns.append([tool_call(f"transfer_to_{target}", call_id=f"h{i}")])
            current = target
            handoffs += 1
            continue
        turn: list[Any] = []
        if draw(st.booleans()):
            said = draw(words.filter(bool))
            turn.append(text(said, chunk_size=draw(st.integers(1, 6))))
            texts.append(said)
        names = st.lists(st.sampled_from(["ok", "boom", "nope"]), min_size=1, max_size=3)
        for j, name in enumerate(draw(names)):
            turn.append(tool_call(name, {"x": j}, call_id=f"c{i}_{j}"))
            if name == "ok":
                good += 1
            else:
                failing += 1
        turns.append(turn)
    final = draw(words)
    turns.append([text(final, chunk_size=draw(st.integers(1, 6)))])
    texts.append(final)
    return Script(turns, texts, handoffs, failing, good)


@given(scripts())
async def test_last_snapshot_agrees_with_runner_run(script: Script) -> None:
    expected = await Runner.run(two_agents(script.turns), "go")
    snapshots: list[RunSnapshot] = await collect(
        Runner.run_streamed(two_agents(script.turns), "go").pipe(accumulate())
    )
    last = snapshots[-1]
    assert last.is_complete
    assert last.final_output == expected.final_output
    assert last.usage == expected.usage  # summed from the raw response.completed events
    assert len(last.items) == len(expected.new_items)
    assert [type(i) for i in last.items] == [type(i) for i in expected.new_items]
    assert last.current_agent is not None
    assert last.current_agent.name == expected.last_agent.name
    assert last.turn_count == len(script.turns)
    assert last.text == "".join(script.texts)
    assert len(last.handoffs) == script.handoffs
    statuses = [c.status for c in last.tool_calls]
    assert statuses.count("failed") == script.failing_calls
    assert statuses.count("done") == script.good_calls
    # Every snapshot before the last is incomplete, and counts grow monotonically.
    assert not any(s.is_complete for s in snapshots[:-1])
    assert all(
        len(x.items) <= len(y.items) and len(x.text) <= len(y.text)
        for x, y in itertools.pairwise(snapshots)
    )

    result: list[RunResult] = await collect(
        Runner.run_streamed(two_agents(script.turns), "go").pipe(final_result())
    )
    assert len(result) == 1
    got = result[0]
    assert (got.final_output, got.usage, got.last_agent.name) == (
        expected.final_output,
        expected.usage,
        expected.last_agent.name,
    )
    assert [i.type for i in got.new_items] == [i.type for i in expected.new_items]


# -- snapshots are cheap and stay valid -----------------------------------------------


@given(
    st.lists(st.text(max_size=5), max_size=40),
    st.lists(st.integers(0, 40), max_size=40),
)
def test_old_snapshots_keep_their_text_whatever_the_read_order(
    pieces: list[str], reads: list[int]
) -> None:
    acc = RunAccumulator()
    snaps = [acc.add(agent_event("r", 0, "a"))]
    snaps += [acc.add(delta("r", i + 1, p)) for i, p in enumerate(pieces)]
    for r in reads:  # any order, old after new included
        i = min(r, len(pieces))
        assert snaps[i].text == "".join(pieces[:i])
        assert snaps[i].text_by_agent == {"a": "".join(pieces[:i])}
    assert snaps[-1].text == "".join(pieces)


def test_text_is_joined_once_per_chunk_not_per_snapshot() -> None:
    """The linear-time guarantee, shown structurally (no timing).

    A snapshot keeps only a cut-off (an int) into the run's shared text; reading
    it joins just the chunks that arrived since the last read. 100k deltas with
    the text read every 1000 events join each chunk exactly once.
    """
    n = 100_000
    acc = RunAccumulator()
    acc.add(agent_event("r", 0, "a"))
    last = None
    for i in range(n):
        last = acc.add(delta("r", i + 1, "ab"))
        if i % 1000 == 0:
            assert len(last.text) == 2 * (i + 1)
        assert "text" not in last.__dict__  # no text copied into the snapshot
    assert last is not None
    assert last.text == "ab" * n
    assert acc.text.joined_chunks == n
    assert last._state.items is acc.items  # lists are shared, not copied
    assert last._text_length == 2 * n
    assert set(last.__dict__) == {"event", "event_count"}  # all else is shared


def test_a_restart_resets_state_but_old_snapshots_keep_theirs() -> None:
    acc = RunAccumulator()
    acc.add(agent_event("r", 0, "a"))
    before = acc.add(delta("r", 1, "abandoned"))
    restarted: StreamEvent = RunRestartedStreamEvent._fast(
        run_id="r", sequence_number=2, attempt=2, reason="worker lost"
    )
    acc.add(restarted)
    acc.add(agent_event("r", 3, "a"))
    after = acc.add(delta("r", 4, "fresh"))
    assert before.text == "abandoned"
    assert after.text == "fresh" and after.text_by_agent == {"a": "fresh"}


# -- final_result ----------------------------------------------------------------------


async def test_final_result_is_the_completed_events_result() -> None:
    events = [e async for e in Runner.run_streamed(two_agents(SCRIPT), "go")]
    completed = events[-1]
    assert isinstance(completed, RunCompletedStreamEvent)
    got = await collect(reactivex.from_iterable(events).pipe(final_result()))
    assert got == [completed.result]


async def test_final_result_without_a_completed_event_is_a_typed_error() -> None:
    events = [e async for e in Runner.run_streamed(two_agents(SCRIPT), "go")][:-1]
    with pytest.raises(IncompleteRunError, match="without a RunCompletedStreamEvent"):
        await collect(reactivex.from_iterable(events).pipe(final_result()))


async def test_final_result_passes_errors_through() -> None:
    with pytest.raises(ValueError, match="upstream"):
        await collect(reactivex.throw(ValueError("upstream")).pipe(final_result()))


def test_marbles_accumulate_and_final_result() -> None:
    from reactivex.testing import ReactiveTest, TestScheduler

    scheduler = TestScheduler()
    on_next, on_completed = ReactiveTest.on_next, ReactiveTest.on_completed
    a = agent_event("r", 0, "a")
    d1, d2 = delta("r", 1, "d1"), delta("r", 2, "d2")
    xs = scheduler.create_hot_observable(
        on_next(210, a), on_next(220, d1), on_next(230, d2), on_completed(240)
    )
    texts = scheduler.start(lambda: xs.pipe(accumulate(), ops.map(lambda s: s.text)))
    assert texts.messages == [
        on_next(210, ""),
        on_next(220, "d1"),
        on_next(230, "d1d2"),
        on_completed(240),
    ]


def test_copies_and_pickles_of_a_snapshot_show_the_same_run() -> None:
    acc = RunAccumulator()
    acc.add(agent_event("r", 0, "a"))
    acc.add(delta("r", 1, "he"))
    snap = acc.add(delta("r", 2, "llo"))
    acc.add(delta("r", 3, " later"))  # after the snapshot: not part of it
    copies = [
        copy.copy(snap),
        copy.deepcopy(snap),
        snap.model_copy(),
        pickle.loads(pickle.dumps(snap)),
    ]
    for other in copies:
        assert other.text == "hello" and other.text_by_agent == {"a": "hello"}
        assert other.event_count == 3 and other.run_id == "r"
        assert other == snap
    changed = snap.model_copy(update={"event_count": 99})
    assert changed.event_count == 99 and changed.text == "hello" and snap.event_count == 3


def test_model_copy_updates_stored_and_shared_values_and_refuses_computed_ones() -> None:
    acc = RunAccumulator()
    acc.add(agent_event("r", 0, "a"))
    snap = acc.add(delta("r", 1, "hi"))
    copied = snap.model_copy(update={"turn_count": 7, "event_count": 9, "run_id": "other"})
    assert (copied.turn_count, copied.event_count, copied.run_id) == (7, 9, "other")
    assert copied.model_dump()["turn_count"] == 7 and copied.text == "hi"
    assert (snap.turn_count, snap.event_count, snap.run_id) == (1, 2, "r")  # unchanged
    for computed in ("is_complete", "text", "items", "nonsense"):
        with pytest.raises(UserError, match=f"cannot update '{computed}'"):
            snap.model_copy(update={computed: True})


def test_a_snapshot_cannot_be_validated_back_and_says_what_to_send_instead() -> None:
    acc = RunAccumulator()
    snap = acc.add(agent_event("r", 0, "a"))
    with pytest.raises(UserError, match=r"model_dump\(\)"):
        RunSnapshot.model_validate_json(snap.model_dump_json())
    with pytest.raises(UserError, match="accumulate"):
        RunSnapshot(event=snap.event, event_count=1)


def test_snapshots_can_be_weakly_referenced() -> None:
    snap = RunAccumulator().add(agent_event("r", 0, "a"))
    assert weakref.ref(snap)() is snap
