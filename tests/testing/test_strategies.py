"""The strategies draw what they promise: valid scripts, valid streams, every chunking."""

from __future__ import annotations

import itertools
import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from rxagents import Agent, function_tool
from rxagents.errors import ModelConnectionError, ToolExecutionError, UserError
from rxagents.events import StreamEvent
from rxagents.testing import (
    Script,
    assert_valid_run,
    collect_sync,
    delta_text,
    message_texts,
    scripts,
    stream_events,
    text_chunkings,
    timed,
)
from rxagents.testing.script import CallStep, ErrorStep, TextStep


@given(text=st.text(), data=st.data())
def test_text_chunkings_join_back_to_the_text(text: str, data: st.DataObject) -> None:
    chunks = data.draw(text_chunkings(text))
    assert "".join(chunks) == text
    assert all(chunks)  # no empty delta unless asked for
    with_empty = data.draw(text_chunkings(text, allow_empty=True))
    assert "".join(with_empty) == text


def test_text_chunkings_reach_every_split() -> None:
    seen: set[tuple[str, ...]] = set()

    @given(chunks=text_chunkings("abcd"))
    def collect_splits(chunks: list[str]) -> None:
        seen.add(tuple(chunks))

    collect_splits()
    assert len(seen) == 8  # 2 ** (len - 1) ways to cut 4 characters
    assert ("abcd",) in seen and ("a", "b", "c", "d") in seen


@given(chunks=text_chunkings(st.text(min_size=1, max_size=5)))
def test_text_chunkings_accepts_a_text_strategy(chunks: list[str]) -> None:
    assert chunks and all(chunks)


@given(events=stream_events())
def test_stream_events_are_valid_whole_runs(events: list[StreamEvent]) -> None:
    assert_valid_run(events, starting_agent="triage")
    assert events[-1].type == "run_completed_stream_event"
    assert events[-1].result.final_output == (message_texts(events[-4:]) or [""])[-1]  # type: ignore[union-attr]


@given(events=stream_events(complete=False, runs=2))
def test_stream_events_cut_short(events: list[StreamEvent]) -> None:
    assert_valid_run(events, truncated=True)
    completed = [e for e in events if e.type == "run_completed_stream_event"]
    assert len(completed) < 2


def test_stream_events_with_sub_runs() -> None:
    nested_seen = []

    @given(events=stream_events(nested=True))
    def check(events: list[StreamEvent]) -> None:
        assert_valid_run(events)
        wrappers = [e for e in events if e.type == "nested_run_event"]
        nested_seen.append(bool(wrappers))
        for w in wrappers:
            assert w.path[0] == w.run_id and w.path[-1] == w.event.run_id  # type: ignore[union-attr]

    check()
    assert any(nested_seen)


@given(timeline=timed(max_gap=1.0, resolution=0.5))
def test_timed_gives_non_decreasing_times(timeline: list[tuple[float, Any]]) -> None:
    times = [t for t, _ in timeline]
    assert times == sorted(times)
    assert all(b - a in (0.0, 0.5, 1.0) for a, b in itertools.pairwise(times))
    assert_valid_run([e for _, e in timeline])


@given(script=scripts())
def test_a_script_plays_back_exactly(script: Script) -> None:
    """Each model call receives the turn scripted for the agent in charge."""
    built = script.build()
    run = collect_sync(built.run_streamed("hi"))
    assert_valid_run(run)
    played = min(len(script.turns), script.max_turns)
    assert [r.agent_name for r in built.model.requests] == [t.agent for t in script.turns[:played]]
    if script.error is None:
        scripted = "".join(
            s.content for t in script.turns for s in t.steps if isinstance(s, TextStep)
        )
        assert delta_text(run.events) == scripted


def count_steps(script: Script) -> dict[str, int]:
    counts: dict[str, int] = {}
    for turn in script.turns:
        for step in turn.steps:
            kind = (
                step.kind
                if isinstance(step, CallStep)
                else "error"
                if isinstance(step, ErrorStep)
                else "text"
            )
            counts[kind] = counts.get(kind, 0) + 1
            if isinstance(step, CallStep) and step.fails:
                counts["fails"] = counts.get("fails", 0) + 1
    return counts


def test_scripts_cover_every_feature() -> None:
    """Over a few hundred draws, every kind of step and outcome shows up."""
    totals: dict[str, int] = {}

    @given(script=scripts(max_turns=4))
    def tally(script: Script) -> None:
        for kind, n in count_steps(script).items():
            totals[kind] = totals.get(kind, 0) + n
        outcome = script.error.__name__ if script.error else "completed"
        totals[outcome] = totals.get(outcome, 0) + 1
        parallel = max(
            (sum(isinstance(s, CallStep) for s in t.steps) for t in script.turns), default=0
        )
        totals["parallel"] = totals.get("parallel", 0) + (parallel >= 2)

    from hypothesis import settings

    settings(max_examples=300)(tally)()
    for kind in ("text", "tool", "handoff", "unknown_tool", "invalid_json", "fails", "error"):
        assert totals.get(kind, 0) > 0, (kind, totals)
    for outcome in ("completed", "ModelConnectionError", "MaxTurnsExceeded", "parallel"):
        assert totals.get(outcome, 0) > 0, (outcome, totals)


@given(script=scripts(failures=False))
def test_without_failures_every_script_completes(script: Script) -> None:
    assert script.error is None
    assert all(
        s.kind == "tool" or s.kind == "handoff"
        for t in script.turns
        for s in t.steps
        if isinstance(s, CallStep)
    )
    assert not any(isinstance(s, CallStep) and s.fails for t in script.turns for s in t.steps)
    run = collect_sync(script.run_streamed())
    assert run.completed and run.result is not None
    assert run.result.final_output == script.final_output


def test_tool_arguments_come_from_the_tools_schema() -> None:
    seen: list[dict[str, Any]] = []

    @function_tool
    def book(city: str, nights: int = 1, tags: list[str] | None = None) -> str:
        """Book a hotel."""
        seen.append({"city": city, "nights": nights, "tags": tags})
        return "booked"

    agent = Agent("agent", tools=[book])

    @given(script=scripts(agents=[agent], failures=False))
    def run_it(script: Script) -> None:
        run = collect_sync(script.run_streamed())
        outputs = [e for e in run.events if getattr(e, "name", "") == "tool_output"]
        assert all(not o.item.is_error for o in outputs)  # type: ignore[union-attr]

    run_it()
    assert seen and all(isinstance(s["city"], str) for s in seen)


def test_a_failing_tool_fails_a_run_whose_agent_raises() -> None:
    strict = Agent("strict", tool_error_behavior="raise")

    @given(script=scripts(agents=[strict], tools=[echo], failures=["tool_raises"]))
    def run_it(script: Script) -> None:
        run = collect_sync(script.run_streamed())
        if script.error is not None:
            assert script.error is ToolExecutionError
            assert isinstance(run.error, ToolExecutionError)
            assert "scripted failure of tool 'echo'" in str(run.error)
        else:
            assert run.completed

    run_it()


@function_tool
def echo(value: str = "") -> str:
    """Echo."""
    return value


def test_model_errors_are_the_scripted_exception() -> None:
    @given(script=scripts(agents=["solo"], failures=["model_error"]))
    def run_it(script: Script) -> None:
        run = collect_sync(script.run_streamed())
        if script.error is not None:
            assert isinstance(run.error, ModelConnectionError)

    run_it()


def test_bad_arguments_are_refused_clearly() -> None:
    with pytest.raises(UserError, match="unknown failure kind"):
        scripts(failures=["gremlins"])  # type: ignore[list-item]
    with pytest.raises(UserError, match="at least one agent"):
        scripts(agents=[])
    a, b = Agent("same"), Agent("same")
    with pytest.raises(UserError, match="two different agents are named 'same'"):
        scripts(agents=[a, b])

    @function_tool
    def odd(x: Any) -> str:
        """A tool whose schema is fine (any JSON)."""
        return json.dumps(x)

    assert scripts(agents=[Agent("a", tools=[odd])]) is not None
