"""Regressions found by the disposal properties in test_properties.py, pinned down exactly."""

from __future__ import annotations

import asyncio
import contextlib

import pytest

from rxagents import Agent, Runner
from rxagents.errors import RunCancelled
from rxagents.testing import ScriptedModel, ToolProbe, assert_no_pending_tasks, text, tool_call


def two_tool_agent(probe: ToolProbe) -> Agent[None]:
    model = ScriptedModel([[tool_call("lookup"), tool_call("lookup")], [text("never")]])
    return Agent("a", model=model, tools=[probe.tool("lookup")])


@pytest.mark.parametrize("maxsize", [1, 4, 256])
async def test_leaving_async_with_does_not_start_tools_the_run_already_scheduled(
    maxsize: int,
) -> None:
    # The run reads ahead of this loop (up to maxsize events): when the loop
    # leaves, tool tasks may be scheduled but not started. They must not start.
    for k in range(1, 12):
        probe = ToolProbe()
        model = ScriptedModel([[tool_call("lookup")], [text("")]])
        agent = Agent("a", model=model, tools=[probe.tool("lookup", ticks=1)])
        before = asyncio.all_tasks()
        seen = 0
        async with Runner.run_streamed(agent, "hi").events(maxsize=maxsize) as stream:
            async for _ in stream:
                seen += 1
                if seen == k:
                    probe.mark_disposed()
                    break
        await assert_no_pending_tasks(before, ticks=3)
        assert probe.started_after_disposal == [], f"left after event {k}"


async def test_cancelling_a_hot_run_does_not_start_its_scheduled_tools() -> None:
    probe = ToolProbe()
    handle = Runner.start(two_tool_agent(probe), "hi")
    await asyncio.sleep(0)  # the run streams its first turn and schedules both tools
    handle.cancel()
    probe.mark_disposed()
    with contextlib.suppress(RunCancelled):
        await handle.result()
    for _ in range(3):
        await asyncio.sleep(0)
    assert probe.calls == []


async def test_a_second_failing_tool_leaves_no_unretrieved_exception() -> None:
    # tool_error_behavior="raise": the first failure ends the run; the second
    # failed task's exception used to be logged as "never retrieved".
    import gc

    from rxagents import function_tool
    from rxagents.errors import ToolExecutionError
    from rxagents.testing import collect

    @function_tool
    def boom() -> str:
        """Fails."""
        raise RuntimeError("boom")

    # Only reports about this run's tools count: gc.collect() below may also finalize
    # garbage left by earlier tests, which is not what this regression is about.
    reported: list[str] = []

    def record(_: object, context: dict[str, object]) -> None:
        error = context.get("exception")
        chain = [error, getattr(error, "__cause__", None), getattr(error, "__context__", None)]
        if any("boom" in str(e) for e in chain if e is not None):
            reported.append(str(context["message"]))

    loop = asyncio.get_running_loop()
    loop.set_exception_handler(record)
    model = ScriptedModel([[tool_call("boom"), tool_call("boom")], [text("never")]])
    agent = Agent("a", model=model, tools=[boom], tool_error_behavior="raise")
    run = await collect(Runner.run_streamed(agent, "hi"))
    assert isinstance(run.error, ToolExecutionError)
    del run
    for _ in range(3):
        await asyncio.sleep(0)
    gc.collect()
    assert reported == []
