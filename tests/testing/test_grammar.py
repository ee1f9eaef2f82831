"""The grammar checker: valid streams pass, each broken rule is named with its event."""

from __future__ import annotations

from typing import Any

import pytest
import reactivex
from hypothesis import given
from hypothesis import strategies as st
from reactivex.notification import OnCompleted, OnError, OnNext

from rxagents.events import StreamEvent
from rxagents.testing import (
    GrammarViolation,
    Marbles,
    StreamBuilder,
    assert_valid_run,
    collect,
    grammar_violations,
    stream_events,
)


def whole_run() -> list[StreamEvent]:
    """Agent update, a tool turn, a handoff, a message, completion: 0..N without gaps."""
    b = StreamBuilder(agent="triage")
    events: list[StreamEvent] = [b.agent_updated(), b.response_created()]
    events += b.tool_called("lookup", {"q": "x"}, call_id="c1")
    events += [b.response_completed(), b.tool_output("c1", "found")]
    events += [b.response_created(), *b.handoff_requested("expert"), b.response_completed()]
    call_id = events[-2].item.raw_item.call_id  # type: ignore[union-attr]
    events += b.handoff_occured("expert", call_id)
    events += [b.response_created(), *b.message("Done.", chunks=["Do", "ne."])]
    events += [b.response_completed(), b.completed()]
    return events


def renumbered(events: list[Any]) -> list[Any]:
    return [e.model_copy(update={"sequence_number": i}) for i, e in enumerate(events)]


def test_a_whole_run_is_valid() -> None:
    events = whole_run()
    assert [e.sequence_number for e in events] == list(range(len(events)))
    assert grammar_violations(events) == []
    assert_valid_run(events, starting_agent="triage")


def at(events: list[Any], name: str) -> int:
    """Position of the first run item event called ``name``."""
    return next(i for i, e in enumerate(events) if getattr(e, "name", "") == name)


def output_first(ev: list[Any]) -> list[Any]:
    i = at(ev, "tool_output")
    return renumbered([ev[0], ev[i], *ev[1:i], *ev[i + 1 :]])


@pytest.mark.parametrize(
    ("break_it", "rule", "says"),
    [
        # rule 4: a gap, a repeat
        (lambda ev: ev[:5] + ev[6:], 4, "expected sequence_number 5, got 6"),
        (lambda ev: [*ev[:5], ev[4], *ev[5:]], 4, "expected sequence_number 5, got 4"),
        # rule 2: no agent update first; an agent update nobody handed off to
        (lambda ev: renumbered(ev[1:]), 2, "first event is raw response.created"),
        (lambda ev: renumbered([*ev[:3], ev[0], *ev[3:]]), 2, "no handoff_occured announced"),
        # rule 3: an output before its call
        (output_first, 3, "before any tool_called"),
        # rule 5: no RunCompletedStreamEvent; an event after it
        (lambda ev: ev[:-1], 5, "has no RunCompletedStreamEvent"),
        (lambda ev: renumbered([*ev, ev[3]]), 5, "an event after RunCompletedStreamEvent"),
    ],
)
def test_each_broken_rule_is_named_with_its_event(break_it: Any, rule: int, says: str) -> None:
    broken = break_it(whole_run())
    with pytest.raises(GrammarViolation) as caught:
        assert_valid_run(broken)
    assert caught.value.rule == rule
    assert says in str(caught.value)
    assert f"rule {rule} (" in str(caught.value)


def test_the_message_points_at_the_event_by_sequence_number() -> None:
    events = whole_run()
    gap = events[:7] + events[8:]
    with pytest.raises(GrammarViolation) as caught:
        assert_valid_run(gap)
    error = caught.value
    assert (error.rule, error.sequence_number, error.index) == (4, 8, 7)
    text = str(error)
    assert text.startswith("rule 4 (sequence_number starts at 0 and increases by exactly 1)")
    assert "event sequence_number=8 (position 7)" in text
    assert ">> [7] seq=8" in text  # the surrounding events are listed, the culprit marked


def test_handoff_must_be_followed_by_the_targets_agent_update() -> None:
    events = whole_run()
    i = at(events, "handoff_occured")
    swapped = renumbered([*events[: i + 1], events[0], *events[i + 2 :]])  # update for triage
    with pytest.raises(GrammarViolation, match="expected the agent update for 'expert'"):
        assert_valid_run(swapped)
    with pytest.raises(GrammarViolation, match="starts with agent 'triage', expected 'x'"):
        assert_valid_run(events, starting_agent="x")


def test_completed_runs_must_answer_every_tool_call() -> None:
    events = whole_run()
    without_output = renumbered([e for e in events if getattr(e, "name", "") != "tool_output"])
    with pytest.raises(GrammarViolation, match="completed without the tool_output of c1"):
        assert_valid_run(without_output)
    assert_valid_run(without_output[:8], truncated=True)  # a disposed run may stop anywhere


def test_truncated_and_gapped_streams() -> None:
    events = whole_run()
    for cut in range(1, len(events)):
        assert_valid_run(events[:cut], truncated=True)
    first_delta = next(
        i
        for i, e in enumerate(events)
        if getattr(e, "data", None) and e.data.type.endswith("delta")
    )
    deltas_merged = events[:first_delta] + events[first_delta + 1 :]  # e.g. coalesced text
    assert grammar_violations(deltas_merged, gaps=True) == []
    assert grammar_violations(deltas_merged)[0].rule == 4


def test_rule_1_on_recorded_notifications() -> None:
    events = whole_run()
    good = [OnNext(e) for e in events] + [OnCompleted()]
    assert_valid_run(good)
    failed = [OnNext(e) for e in events[:5]] + [OnError(RuntimeError("boom"))]
    assert_valid_run(failed)  # a failed run needs no RunCompletedStreamEvent
    with pytest.raises(GrammarViolation, match=r"rule 1 .* on_next after on_completed"):
        assert_valid_run([*good, OnNext(events[-1])])
    with pytest.raises(GrammarViolation, match="never ended"):
        assert_valid_run([OnNext(e) for e in events])
    twice = [*good, OnError(RuntimeError("again"))]
    with pytest.raises(GrammarViolation, match="on_error after on_completed"):
        assert_valid_run(twice)


def test_testscheduler_recordings_are_checked_too() -> None:
    b = StreamBuilder()
    values = {"s": b.agent_updated(), "a": b.delta("x"), "c": b.completed()}
    m = Marbles()
    records = m.start(m.cold("s-a-c|", values))
    assert_valid_run(records)
    never_ends = Marbles()
    with pytest.raises(GrammarViolation, match="never ended"):
        assert_valid_run(never_ends.start(never_ends.cold("s-a-c", values)))


async def test_raw_collection_catches_a_source_that_emits_after_completing() -> None:
    events = whole_run()

    def broken(observer: Any, scheduler: Any = None) -> Any:
        for event in events:
            observer.on_next(event)
        observer.on_completed()
        observer.on_next(events[-1])  # RxPY's subscribe() would hide this
        return reactivex.disposable.Disposable()

    source: reactivex.Observable[StreamEvent] = reactivex.create(broken)
    assert_valid_run(await collect(source))  # through subscribe(): masked
    with pytest.raises(GrammarViolation, match="on_next after on_completed") as caught:
        assert_valid_run(await collect(source, raw=True))
    assert caught.value.sequence_number == events[-1].sequence_number


@given(events=stream_events(runs=3))
def test_merged_runs_are_checked_run_by_run(events: list[StreamEvent]) -> None:
    assert len({e.run_id for e in events}) == 3
    assert_valid_run(events)


@given(events=stream_events(), data=st.data())
def test_deleting_or_swapping_any_event_is_caught(
    events: list[StreamEvent], data: st.DataObject
) -> None:
    i = data.draw(st.integers(0, len(events) - 1), label="position")
    assert grammar_violations(events[:i] + events[i + 1 :]) != []
    if i + 1 < len(events):
        swapped = [*events[:i], events[i + 1], events[i], *events[i + 2 :]]
        assert grammar_violations(swapped) != []


def test_nested_sub_run_events_are_checked_as_their_own_run() -> None:
    from rxagents.events import NestedRunEvent

    b = StreamBuilder("run_parent", agent="boss")
    sub = StreamBuilder("run_sub", agent="helper")
    inner = [sub.agent_updated(), *sub.message("hi"), sub.completed()]
    events: list[Any] = [b.agent_updated(), b.response_created()]
    events += b.tool_called("ask_helper", call_id="c9")
    for e in inner:
        events.append(
            NestedRunEvent._fast(
                run_id="run_parent",
                sequence_number=len(events),
                path=("run_parent", "c9", "run_sub"),
                tools=("ask_helper",),
                event=e,
            )
        )
    for e in [b.response_completed(), b.tool_output("c9")]:
        events.append(e.model_copy(update={"sequence_number": len(events)}))
    tail = StreamBuilder("run_parent", agent="boss", first_sequence_number=len(events))
    events += [*tail.message("ok"), tail.completed()]
    assert_valid_run(events)
    nested = [i for i, e in enumerate(events) if isinstance(e, NestedRunEvent)]
    first = nested[0]
    early = [*events[:2], events[first], *events[2:first], *events[first + 1 :]]
    with pytest.raises(GrammarViolation, match="sub-run event of call 'c9' before its call"):
        assert_valid_run(renumbered(early))
    dropped = renumbered(events[: nested[1]] + events[nested[1] + 1 :])
    problems = grammar_violations(dropped)
    assert [(p.rule, p.run_id) for p in problems] == [(4, "run_sub")]
