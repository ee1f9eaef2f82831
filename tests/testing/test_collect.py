"""Collecting a stream in async tests and from synchronous code; tool probes; task checks."""

from __future__ import annotations

import asyncio

import pytest
import reactivex
from reactivex import operators as ops

from rxagents import Agent, Runner
from rxagents.errors import ModelConnectionError, UserError
from rxagents.testing import (
    ScriptedModel,
    ToolProbe,
    assert_no_pending_tasks,
    assert_valid_run,
    collect,
    collect_sync,
    delta_text,
    message_texts,
    pending_tasks,
    raise_error,
    text,
    tool_call,
)


def agent(*turns: list[object]) -> Agent[None]:
    return Agent("a", model=ScriptedModel([list(t) for t in turns]))  # type: ignore[misc]


async def test_collect_returns_events_and_how_the_stream_ended() -> None:
    run = await collect(Runner.run_streamed(agent([text("hello", chunk_size=2)]), "hi"))
    assert run.completed and run.error is None
    assert delta_text(run.events) == "hello" and message_texts(run) == ["hello"]
    assert run.result is not None and run.result.final_output == "hello"
    assert [n.kind for n in run.notifications][-2:] == ["N", "C"]
    assert len(run) == len(run.events) and repr(run) == f"Collected({len(run)} events, completed)"
    assert_valid_run(run)


async def test_collect_keeps_the_error_instead_of_raising() -> None:
    failing = agent([text("par"), raise_error(ModelConnectionError("dropped"))])
    run = await collect(Runner.run_streamed(failing, "hi"))
    assert not run.completed and isinstance(run.error, ModelConnectionError)
    assert run.result is None
    assert_valid_run(run)  # a failed run needs no RunCompletedStreamEvent


def test_collect_sync_runs_its_own_loop() -> None:
    run = collect_sync(Runner.run_streamed(agent([text("sync")]), "hi").pipe(ops.take(2)))
    assert run.completed and len(run.events) == 2
    assert collect_sync(reactivex.of(1, 2, 3)).events == [1, 2, 3]


async def test_collect_sync_inside_a_loop_says_what_to_use() -> None:
    with pytest.raises(UserError, match="await collect"):
        collect_sync(reactivex.of(1))


async def test_tool_probe_records_calls_and_disposal() -> None:
    probe = ToolProbe()
    tools = [probe.tool("slow", ticks=5), probe.tool("broken", fails=True)]
    model = ScriptedModel(
        [[tool_call("slow", {"value": "x"}), tool_call("broken")], [text("done")]]
    )
    run = await collect(Runner.run_streamed(Agent("a", model=model, tools=tools), "hi"))
    assert [(c.tool, c.value, c.finished) for c in probe.calls] == [
        ("slow", "x", True),
        ("broken", "", True),
    ]
    outputs = [e.item for e in run.events if getattr(e, "name", "") == "tool_output"]  # type: ignore[union-attr]
    assert [o.is_error for o in outputs] == [True, False]  # the failing one finishes first
    probe.reset()
    assert probe.calls == [] and not probe.disposed
    probe.mark_disposed()
    model = ScriptedModel([[tool_call("slow")], [text("done")]])
    await collect(Runner.run_streamed(Agent("a", model=model, tools=tools), "hi"))
    assert len(probe.started_after_disposal) == 1 and probe.running == []


async def test_assert_no_pending_tasks_names_a_leaked_task() -> None:
    before = asyncio.all_tasks()
    gate = asyncio.Event()
    leaked = asyncio.get_running_loop().create_task(gate.wait(), name="forgotten")
    assert pending_tasks(before) == {leaked}
    with pytest.raises(AssertionError, match=r"1 task\(s\) still pending .* forgotten"):
        await assert_no_pending_tasks(before, ticks=3)
    gate.set()
    await assert_no_pending_tasks(before, ticks=3)
