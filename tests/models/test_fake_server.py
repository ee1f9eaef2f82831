"""The fake server itself: the modes and bulk streams other suites (benchmarks, web) reuse."""

from __future__ import annotations

import openai
import pytest

from rxagents.models import ModelRequest, OpenAIChatCompletionsModel, OpenAIResponsesModel
from rxagents.testing import openai_fixtures as fx
from rxagents.testing.openai_server import FakeOpenAIServer, chat_stream, responses_stream

REQUEST = ModelRequest(instructions=None, input=[{"role": "user", "content": "go"}])


async def test_bulk_streams_on_the_event_loop_serve_every_request() -> None:
    chat = chat_stream(fx.chat_bulk(3000), batch=True)
    responses = responses_stream(fx.responses_bulk(3000), batch=True)
    async with FakeOpenAIServer(responses, default=chat) as server:
        client = openai.AsyncOpenAI(base_url=server.base_url, api_key="sk-t", max_retries=0)
        for model in (
            OpenAIResponsesModel("m", client),
            OpenAIChatCompletionsModel("m", client),
            OpenAIChatCompletionsModel("m", client),
        ):
            deltas = [
                e async for e in model.stream(REQUEST) if e.type == "response.output_text.delta"
            ]
            assert len(deltas) == 3000
        assert server.wait_for("completed", count=3)
        assert server.outcomes() == ["completed"] * 3
        assert [r.path for r in server.requests] == [
            "/v1/responses",
            "/v1/chat/completions",
            "/v1/chat/completions",
        ]
    assert len(chat.pieces) < 10  # batched into a few large writes


async def test_an_empty_queue_answers_500(server: FakeOpenAIServer) -> None:
    client = openai.AsyncOpenAI(base_url=server.base_url, api_key="sk-t", max_retries=0)
    assert [m.id async for m in client.models.list()] == ["fake-model"]
    with pytest.raises(openai.InternalServerError, match="no scripted reply"):
        await client.chat.completions.create(model="m", messages=[])
