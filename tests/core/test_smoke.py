"""A first end-to-end run on ScriptedModel."""

from __future__ import annotations

from rxagents import Agent, Runner
from rxagents.testing import ScriptedModel, text


async def test_text_run_streams_deltas_and_result() -> None:
    agent = Agent("echo", model=ScriptedModel([[text("hello world", chunk_size=4)]]))
    deltas = [
        e.data.delta
        async for e in Runner.run_streamed(agent, "hi")
        if e.type == "raw_response_event" and e.data.type == "response.output_text.delta"
    ]
    assert deltas == ["hell", "o wo", "rld"]
