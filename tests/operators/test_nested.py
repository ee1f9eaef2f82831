"""Agent.as_tool: a sub-run's events in the parent's stream, and the operators over them."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
import reactivex
from hypothesis import given, settings
from hypothesis import strategies as st
from reactivex import Observable
from reactivex import operators as ops

from rxagents import Agent, Runner, function_tool
from rxagents.errors import ModelConnectionError, UserError
from rxagents.events import (
    NestedRunEvent,
    RunCompletedStreamEvent,
    StreamEvent,
    stream_event_adapter,
)
from rxagents.operators import accumulate, event_path, flatten_nested, nested_events, top_level
from rxagents.run._nesting import NestedChannel
from rxagents.testing import ScriptedModel, raise_error, text, tool_call
from rxagents.testing.grammar import grammar_violations


@function_tool
def search(q: str) -> str:
    """Searches."""
    return f"found {q}"


async def run_all(stream: Observable[Any]) -> list[Any]:
    out: list[Any] = await stream.pipe(ops.to_list())
    return out


def researcher(*turns: list[Any]) -> Agent[Any]:
    return Agent("researcher", model=ScriptedModel(list(turns)), tools=[search])


def writer(sub: Agent[Any], *turns: list[Any], **as_tool: Any) -> Agent[Any]:
    tool = sub.as_tool("research", "Find facts", **as_tool)
    return Agent("writer", model=ScriptedModel(list(turns)), tools=[tool])


def kinds(events: list[StreamEvent]) -> list[str]:
    out = []
    for e in events:
        if isinstance(e, NestedRunEvent):
            if e.event.type != "raw_response_event":
                out.append(f"nested:{e.tools[-1]}:{_kind(e.event)}")
        elif e.type != "raw_response_event":
            out.append(_kind(e))
    return out


def _kind(e: Any) -> str:
    if e.type == "run_item_stream_event":
        return e.name
    return str(e.type)


SUB_TURNS: list[list[Any]] = [[tool_call("search", {"q": "x"}, call_id="s1")], [text("facts!")]]


async def test_sub_run_events_sit_between_the_call_and_its_output() -> None:
    parent = writer(
        researcher(*SUB_TURNS),
        [tool_call("research", {"input": "find x"}, call_id="c1")],
        [text("wrote it")],
    )
    events = await run_all(Runner.run_streamed(parent, "go"))
    assert [e.sequence_number for e in events] == list(range(len(events)))
    assert len({e.run_id for e in events}) == 1
    assert grammar_violations(events) == []
    assert kinds(events) == [
        "agent_updated_stream_event",
        "tool_called",
        "nested:research:agent_updated_stream_event",
        "nested:research:tool_called",
        "nested:research:tool_output",
        "nested:research:message_output_created",
        "nested:research:run_completed_stream_event",
        "tool_output",
        "message_output_created",
        "run_completed_stream_event",
    ]
    nested = [e for e in events if isinstance(e, NestedRunEvent)]
    sub_run = nested[0].event.run_id
    assert sub_run != events[0].run_id
    assert {e.path for e in nested} == {(events[0].run_id, "c1", sub_run)}
    inner = [e.event for e in nested]
    assert [e.sequence_number for e in inner] == list(range(len(inner)))  # the sub-run's own
    completed = events[-1]
    assert isinstance(completed, RunCompletedStreamEvent)
    assert completed.result.final_output == "wrote it"
    outputs = [i for i in completed.result.new_items if i.type == "tool_call_output_item"]
    assert outputs[0].output == "facts!"  # the tool returns the sub-run's final output


async def test_top_level_is_the_stream_an_ordinary_tool_would_give() -> None:
    parent = writer(
        researcher(*SUB_TURNS),
        [tool_call("research", {"input": "find x"}, call_id="c1")],
        [text("wrote it")],
    )

    @function_tool(name="research")
    def plain(input: str) -> str:
        return "facts!"

    ordinary = Agent(
        "writer",
        model=ScriptedModel(
            [[tool_call("research", {"input": "find x"}, call_id="c1")], [text("wrote it")]]
        ),
        tools=[plain],
    )
    mine = await run_all(Runner.run_streamed(parent, "go").pipe(top_level()))
    theirs = await run_all(Runner.run_streamed(ordinary, "go"))
    assert kinds(mine) == kinds(theirs)
    assert [getattr(e, "data", None) and e.data.type for e in mine] == [
        getattr(e, "data", None) and e.data.type for e in theirs
    ]


async def test_two_levels_are_flattened_into_one_path() -> None:
    inner = researcher(*SUB_TURNS)
    middle = Agent(
        "editor",
        model=ScriptedModel(
            [[tool_call("research", {"input": "dig"}, call_id="m1")], [text("edited")]]
        ),
        tools=[inner.as_tool("research", "Find facts")],
    )
    top = Agent(
        "boss",
        model=ScriptedModel([[tool_call("edit", {"input": "go"}, call_id="t1")], [text("done")]]),
        tools=[middle.as_tool("edit", "Edit")],
    )
    events = await run_all(Runner.run_streamed(top, "go"))
    assert [e.sequence_number for e in events] == list(range(len(events)))
    assert grammar_violations(events) == []
    deep = [e for e in events if isinstance(e, NestedRunEvent) and len(e.path) == 5]
    assert deep and all(e.tools == ("edit", "research") for e in deep)
    for e in deep:
        assert e.path[0] == events[0].run_id and e.path[1] == "t1" and e.path[3] == "m1"
        middle = e.event  # the editor's own event, wrapping the researcher's
        assert isinstance(middle, NestedRunEvent)
        assert (middle.run_id, middle.path, middle.tools) == (e.path[2], e.path[2:], ("research",))
        assert e.innermost is middle.event and e.innermost.run_id == e.path[-1]
        back = stream_event_adapter.validate_json(e.model_dump_json())
        assert isinstance(back, NestedRunEvent) and isinstance(back.event, NestedRunEvent)
        assert back.innermost.type == e.innermost.type
    # Selection by tool path, at any depth below it.
    source = reactivex.from_iterable(events)
    under_edit = await run_all(source.pipe(nested_events("edit")))
    only_research = await run_all(source.pipe(nested_events(("edit", "research"))))
    assert len(only_research) == len(deep)
    assert len(under_edit) == len([e for e in events if isinstance(e, NestedRunEvent)])
    assert await run_all(source.pipe(nested_events("research"))) == []
    assert await run_all(source.pipe(nested_events(path=deep[0].path[:4]))) == deep
    assert {event_path(e) for e in deep} == {deep[0].path}
    assert {event_path(e) for e in events if not isinstance(e, NestedRunEvent)} == {
        (events[0].run_id,)
    }

    def numbering(flat: list[Any]) -> dict[str, list[int]]:
        runs: dict[str, list[int]] = {}
        for e in flat:
            runs.setdefault(e.run_id, []).append(e.sequence_number)
        return runs

    # One level at a time, every sub-run's stream is exactly what it emitted.
    one = await run_all(source.pipe(flatten_nested(levels=1)))
    middle_run = deep[0].path[2]
    assert numbering(one)[middle_run] == list(range(len(numbering(one)[middle_run])))
    assert grammar_violations([e for e in one if e.run_id == middle_run]) == []
    two = await run_all(reactivex.from_iterable(one).pipe(flatten_nested(levels=1)))
    # Fully flattened: three runs, each in order; the innermost is gap-free, the
    # others skip the numbers their wrappers had.
    full = await run_all(source.pipe(flatten_nested()))
    assert [e.sequence_number for e in full] == [e.sequence_number for e in two]
    runs = numbering(full)
    assert len(runs) == 3
    innermost = deep[0].path[-1]
    assert runs[innermost] == list(range(len(runs[innermost])))
    for seqs in runs.values():
        assert seqs[0] == 0 and seqs == sorted(set(seqs))
    finals = {e.result.final_output for e in full if isinstance(e, RunCompletedStreamEvent)}
    assert finals == {"done", "edited", "facts!"}
    with pytest.raises(UserError, match="levels"):
        flatten_nested(levels=0)


async def test_a_failing_sub_run_is_the_calls_error_output() -> None:
    broken = researcher([text("par"), raise_error(ModelConnectionError("lost"))])
    parent = writer(broken, [tool_call("research", {"input": "x"}, call_id="c1")], [text("sorry")])
    events = await run_all(Runner.run_streamed(parent, "go"))
    completed = events[-1]
    assert isinstance(completed, RunCompletedStreamEvent)
    output = next(i for i in completed.result.new_items if i.type == "tool_call_output_item")
    # The model is told the call failed; the developer gets the sub-run's exception.
    assert output.is_error and "lost" in str(output.error) and "lost" not in output.output
    assert output.error.run_data.last_agent.name == "researcher"  # what the sub-run had done
    assert any(isinstance(e, NestedRunEvent) for e in events)  # what it did before failing


async def test_disposing_the_parent_stops_the_sub_run() -> None:
    sub_model = ScriptedModel([[text("slow " * 50, chunk_size=1, delay=0.002)], [text("never")]])
    sub = Agent("researcher", model=sub_model)
    parent = writer(sub, [tool_call("research", {"input": "x"}, call_id="c1")], [text("x")])
    got = await run_all(
        Runner.run_streamed(parent, "go").pipe(
            ops.filter(lambda e: isinstance(e, NestedRunEvent)), ops.take(5)
        )
    )
    assert len(got) == 5
    await asyncio.sleep(0.05)
    assert len(sub_model.requests) == 1  # its run was closed; no second turn
    assert [t for t in asyncio.all_tasks() if t is not asyncio.current_task()] == []


async def test_parallel_sub_runs_each_keep_order_and_precede_their_output() -> None:
    sub_model = ScriptedModel(
        [[text("one two three", chunk_size=2, delay=0.001)], [text("four five", chunk_size=2)]]
    )
    sub = Agent("researcher", model=sub_model)
    parent = writer(
        sub,
        [
            tool_call("research", {"input": "a"}, call_id="c1"),
            tool_call("research", {"input": "b"}, call_id="c2"),
        ],
        [text("both")],
    )
    events = await run_all(Runner.run_streamed(parent, "go"))
    assert [e.sequence_number for e in events] == list(range(len(events)))
    for call in ("c1", "c2"):
        positions = [
            i for i, e in enumerate(events) if isinstance(e, NestedRunEvent) and e.path[1] == call
        ]
        called = next(i for i, e in enumerate(events) if _call_id(e, "tool_called") == call)
        output = next(i for i, e in enumerate(events) if _call_id(e, "tool_output") == call)
        assert positions and called < positions[0] and positions[-1] < output
        inner = [events[i].event.sequence_number for i in positions]
        assert inner == list(range(len(inner)))


def _call_id(e: Any, name: str) -> str | None:
    if e.type == "run_item_stream_event" and e.name == name:
        return str(e.item.call_id)
    return None


@settings(max_examples=30)
@given(
    sub_texts=st.lists(st.text(alphabet="ab ", min_size=1, max_size=12), min_size=1, max_size=3),
    calls=st.integers(1, 3),
    chunk=st.integers(1, 5),
)
async def test_nesting_invariants(sub_texts: list[str], calls: int, chunk: int) -> None:
    def make() -> Agent[Any]:
        model = ScriptedModel([[text(t, chunk_size=chunk)] for t in sub_texts])
        return writer(
            Agent("researcher", model=model),
            [tool_call("research", {"input": str(i)}, call_id=f"c{i}") for i in range(calls)],
            [text("end")],
        )

    n_runs = min(calls, len(sub_texts))  # the sub model may run out of turns: an error output
    events = await run_all(Runner.run_streamed(make(), "go"))
    assert [e.sequence_number for e in events] == list(range(len(events)))
    assert grammar_violations(events) == []
    nested = [e for e in events if isinstance(e, NestedRunEvent)]
    sub_runs = {e.event.run_id for e in nested}
    assert len(sub_runs) == calls
    completed_sub_runs = {
        e.event.run_id for e in nested if isinstance(e.event, RunCompletedStreamEvent)
    }
    assert len(completed_sub_runs) == n_runs
    for run_id in sub_runs:
        inner = [e.event for e in nested if e.event.run_id == run_id]
        assert [e.sequence_number for e in inner] == list(range(len(inner)))
        assert inner[0].type == "agent_updated_stream_event"
    # The parent's own view and its accumulated state are untouched by nesting.
    result = await Runner.run(make(), "go")
    snapshots = await run_all(Runner.run_streamed(make(), "go").pipe(accumulate()))
    assert len(snapshots[-1].items) == len(result.new_items)
    assert snapshots[-1].text == "end"
    assert snapshots[-1].usage == result.usage
    # JSON round trip of every nested event.
    for e in nested[:20]:
        back = stream_event_adapter.validate_json(e.model_dump_json())
        assert isinstance(back, NestedRunEvent)
        assert back.path == e.path and back.tools == e.tools and back.event.type == e.event.type


async def test_channel_makes_a_sub_run_wait_while_its_events_pend() -> None:
    wakeup = asyncio.Event()
    channel = NestedChannel(wakeup, limit=2)
    events = [sub_event(i) for i in range(3)]

    async def produce() -> None:
        for e in events:
            await channel.put("c1", "research", e)

    task = asyncio.create_task(produce())
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    assert wakeup.is_set()
    assert len(channel.pending) == 2 and not task.done()  # waiting for the parent
    first = channel.take("parent", 7)
    assert (first.run_id, first.sequence_number, first.path) == (
        "parent",
        7,
        ("parent", "c1", "sub"),
    )
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    assert len(channel.pending) == 2
    channel.take("parent", 8)
    await task
    assert channel.take("parent", 9).event.sequence_number == 2


def sub_event(i: int) -> StreamEvent:
    from rxagents.events import AgentUpdatedStreamEvent

    event: StreamEvent = AgentUpdatedStreamEvent._fast(
        run_id="sub", sequence_number=i, new_agent=Agent("researcher")
    )
    return event


async def test_as_tool_defaults_and_errors() -> None:
    sub = Agent("Research Bot", handoff_description="Finds facts.", model=ScriptedModel([]))
    tool = sub.as_tool()
    assert (tool.name, tool.description) == ("research_bot", "Finds facts.")
    assert tool.params_json_schema["required"] == ["input"]
    with pytest.raises(UserError, match="tool name"):
        sub.as_tool("bad name!")
    parent = Agent(
        "writer",
        model=ScriptedModel(
            [[tool_call("research_bot", {"query": "x"}, call_id="c1")], [text("ok")]]
        ),
        tools=[tool],
    )
    result = await Runner.run(parent, "go")
    output = next(i for i in result.new_items if i.type == "tool_call_output_item")
    assert output.is_error and '{"input"' in output.output


async def test_custom_output_extractor() -> None:
    sub = researcher(*SUB_TURNS)

    async def count_items(result: Any) -> str:
        return f"{len(result.new_items)} items"

    parent = writer(
        sub,
        [tool_call("research", {"input": "x"}, call_id="c1")],
        [text("ok")],
        custom_output_extractor=count_items,
    )
    result = await Runner.run(parent, "go")
    output = next(i for i in result.new_items if i.type == "tool_call_output_item")
    assert output.output == "3 items"
