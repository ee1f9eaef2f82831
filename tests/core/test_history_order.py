"""The SDK's history order: a turn's calls in model order, then their outputs in call order.

Whatever order the tools finish in, and even when a tool finishes before the model
has sent its next call, the next request, ``new_items`` and ``to_input_list()``
hold every ``function_call`` of the turn first, then the ``function_call_output``
items in the same order. The ``tool_output`` events still come as each tool
finishes.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

from openai.types.responses import ResponseStreamEvent

from rxagents import Agent, Runner, function_tool
from rxagents.models import ModelRequest
from rxagents.testing import ScriptedModel, collect, text, tool_call


class WaitsAfterFirstItem:
    """A ScriptedModel that, after its first output item is done, waits for ``go``."""

    def __init__(self, scripted: ScriptedModel, go: asyncio.Event) -> None:
        self.scripted = scripted
        self.go = go

    async def stream(self, request: ModelRequest) -> AsyncIterator[ResponseStreamEvent]:
        waited = len(self.scripted.requests) > 0
        async for event in self.scripted.stream(request):
            yield event
            if event.type == "response.output_item.done" and not waited:
                waited = True
                await self.go.wait()  # the first tool finishes before the next call arrives
                for _ in range(3):  # its task returns and its done callback runs (FIFO)
                    await asyncio.sleep(0)


def calls_and_outputs(items: list[dict[str, Any]]) -> list[tuple[str, str]]:
    return [(i["type"], i["call_id"]) for i in items if "call_id" in i]


EXPECTED = [
    ("function_call", "c1"),
    ("function_call", "c2"),
    ("function_call_output", "c1"),
    ("function_call_output", "c2"),
]


async def test_a_tool_done_before_the_next_call_does_not_interleave_the_history() -> None:
    go = asyncio.Event()

    @function_tool
    def lookup(key: str) -> str:
        """Look a key up."""
        go.set()
        return key.upper()

    scripted = ScriptedModel([
        [tool_call("lookup", {"key": "a"}, call_id="c1"),
         tool_call("lookup", {"key": "b"}, call_id="c2")],
        [text("done")],
    ])
    agent = Agent("a", model=WaitsAfterFirstItem(scripted, go), tools=[lookup])  # type: ignore[arg-type]
    collected = await collect(Runner.run_streamed(agent, "go"))
    names = [(e.name, e.item.call_id) for e in collected.events if e.type == "run_item_stream_event"
             and e.name in ("tool_called", "tool_output")]
    assert names == [("tool_called", "c1"), ("tool_output", "c1"),
                     ("tool_called", "c2"), ("tool_output", "c2")]  # events as they happen
    assert calls_and_outputs(scripted.requests[1].input) == EXPECTED  # the history, SDK order
    result = collected.events[-1].result  # type: ignore[union-attr]
    assert calls_and_outputs(result.to_input_list()) == EXPECTED
    assert [i.type for i in result.new_items] == [
        "tool_call_item", "tool_call_item", "tool_call_output_item", "tool_call_output_item",
        "message_output_item",
    ]


async def test_tools_finishing_in_reverse_order_keep_the_call_order() -> None:
    second_done = asyncio.Event()

    @function_tool
    async def lookup(key: str) -> str:
        """Look a key up."""
        if key == "a":
            await second_done.wait()
        else:
            second_done.set()
        return key.upper()

    model = ScriptedModel([
        [tool_call("lookup", {"key": "a"}, call_id="c1"),
         tool_call("lookup", {"key": "b"}, call_id="c2")],
        [text("done")],
    ])
    collected = await collect(Runner.run_streamed(Agent("a", model=model, tools=[lookup]), "go"))
    outputs = [e.item.call_id for e in collected.events
               if e.type == "run_item_stream_event" and e.name == "tool_output"]
    assert outputs == ["c2", "c1"]  # the events: c2 finished first
    assert calls_and_outputs(model.requests[1].input) == EXPECTED
    second = model.requests[1].input
    assert [i["output"] for i in second if i.get("type") == "function_call_output"] == ["A", "B"]
