"""A tripped input guardrail closes the model's HTTP stream (observed by a real server)."""

from __future__ import annotations

import asyncio
from typing import Any

import openai
import pytest

from rxagents import (
    Agent,
    GuardrailFunctionOutput,
    InputGuardrailTripwireTriggered,
    RunContext,
    Runner,
    input_guardrail,
)
from rxagents.events import StreamEvent
from rxagents.models import OpenAIChatCompletionsModel, OpenAIResponsesModel
from rxagents.testing import openai_fixtures as fx
from rxagents.testing.openai_server import FakeOpenAIServer, chat_stream, responses_stream


@pytest.mark.parametrize("api", ["chat", "responses"])
async def test_a_tripwire_disconnects_the_model_stream_in_flight(
    api: str, server: FakeOpenAIServer, client: openai.AsyncOpenAI
) -> None:
    if api == "chat":
        server.enqueue(chat_stream(fx.chat_text("x" * 400, chunk_size=1), delay=0.02))
        model: Any = OpenAIChatCompletionsModel("m", client)
    else:
        server.enqueue(responses_stream(fx.responses_text("x" * 400, chunk_size=1), delay=0.02))
        model = OpenAIResponsesModel("m", client)
    deltas = asyncio.Event()

    @input_guardrail
    async def off_topic(ctx: RunContext[Any], agent: Agent[Any], input: Any) -> Any:
        await deltas.wait()  # decide while the model is mid-stream
        return GuardrailFunctionOutput(output_info="off topic", tripwire_triggered=True)

    seen: list[StreamEvent] = []
    with pytest.raises(InputGuardrailTripwireTriggered):
        async for event in Runner.run_streamed(
            Agent("a", model=model, input_guardrails=[off_topic]), "hi"
        ):
            seen.append(event)
            if event.type == "raw_response_event" and "delta" in event.data.type:
                deltas.set()
    assert await server.wait_for_async("disconnected")
    assert server.outcomes() == ["disconnected"]
    assert 0 < len(seen) < 100  # the 400-delta answer was cut off early
