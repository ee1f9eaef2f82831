"""The seams where a lower layer takes what it needs from above as an argument."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from rxagents import Agent, RunContext, Runner, RunStream
from rxagents.errors import AgentsError
from rxagents.testing import ScriptedModel, text, tool_call


def test_an_agent_tool_called_outside_a_run_says_it_needs_one() -> None:
    tool = Agent("helper", model=ScriptedModel([[text("hi")]])).as_tool()
    with pytest.raises(AgentsError, match="only inside a run"):
        asyncio.run(tool.on_invoke(RunContext(context=None), '{"input": "x"}'))


async def test_the_run_loop_hands_an_agent_tool_its_sub_run_with_the_parents_context() -> None:
    seen: list[Any] = []

    def instructions(ctx: RunContext[Any]) -> str:
        seen.append(ctx.context)
        return "help"

    helper = Agent("helper", instructions=instructions, model=ScriptedModel([[text("done")]]))
    parent = Agent(
        "parent",
        model=ScriptedModel([[tool_call("helper", {"input": "x"}, call_id="c1")], [text("ok")]]),
        tools=[helper.as_tool()],
    )
    result = await Runner.run(parent, "go", context="the parent's context")
    output = next(i for i in result.new_items if i.type == "tool_call_output_item")
    assert (output.output, seen) == ("done", ["the parent's context"])


def test_a_stream_left_as_a_cell_value_uses_the_registered_notebook_display(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert RunStream.notebook_display is not None  # set by rxagents/__init__.py
    shown: list[RunStream] = []
    stream = Runner.run_streamed(Agent("a", model=ScriptedModel([[text("hi")]])), "x")
    monkeypatch.setattr("rxagents.sinks.notebook.display_run", shown.append)
    stream._ipython_display_()
    assert shown == [stream]
    monkeypatch.setattr(RunStream, "notebook_display", None)
    with pytest.raises(AgentsError, match="no notebook display"):
        stream._ipython_display_()
