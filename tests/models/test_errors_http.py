"""Failures over real HTTP: typed errors, no key leaks, drops, malformed chunks, dispose."""

from __future__ import annotations

import asyncio
import socket
from typing import Any

import openai
import pytest

from rxagents import Agent, Runner
from rxagents.errors import ModelBehaviorError, ModelConnectionError, ModelHTTPError
from rxagents.events import StreamEvent
from rxagents.models import OpenAIChatCompletionsModel, OpenAIResponsesModel
from rxagents.testing import openai_fixtures as fx
from rxagents.testing.openai_server import (
    FakeOpenAIServer,
    chat_stream,
    error_reply,
    raw_reply,
    responses_stream,
)

from .conftest import FAKE_KEY, text_deltas


def chat_agent(client: openai.AsyncOpenAI) -> Agent[Any]:
    return Agent("a", model=OpenAIChatCompletionsModel("fake-model", client))


async def observe(agent: Agent[Any]) -> tuple[list[StreamEvent], BaseException | None, bool]:
    """Subscribe the Rx way; return (events, error, completed) once the run terminates."""
    events: list[StreamEvent] = []
    done: asyncio.Future[tuple[BaseException | None, bool]] = (
        asyncio.get_running_loop().create_future()
    )
    Runner.run_streamed(agent, "hi").subscribe(
        on_next=events.append,
        on_error=lambda e: done.set_result((e, False)),
        on_completed=lambda: done.set_result((None, True)),
    )
    error, completed = await done
    return events, error, completed


async def test_a_server_error_is_retried_then_typed(server: FakeOpenAIServer) -> None:
    for _ in range(2):
        server.enqueue(error_reply(503, "the engine is overloaded", retry_after_ms=1))
    client = openai.AsyncOpenAI(base_url=server.base_url, api_key=FAKE_KEY, max_retries=1)
    with pytest.raises(ModelHTTPError) as caught:
        await Runner.run(chat_agent(client), "hi")
    assert caught.value.status_code == 503
    assert "the engine is overloaded" in str(caught.value)
    assert len(server.requests) == 2  # the openai client's retry ran first


async def test_a_client_error_is_not_retried(server: FakeOpenAIServer) -> None:
    server.enqueue(error_reply(404, "The model `nope` does not exist", error_type="invalid"))
    client = openai.AsyncOpenAI(base_url=server.base_url, api_key=FAKE_KEY, max_retries=2)
    with pytest.raises(ModelHTTPError, match="HTTP 404: The model `nope` does not exist"):
        await Runner.run(chat_agent(client), "hi")
    assert len(server.requests) == 1


@pytest.mark.parametrize("model_cls", [OpenAIChatCompletionsModel, OpenAIResponsesModel])
async def test_the_api_key_never_appears(
    model_cls: type[Any], server: FakeOpenAIServer, client: openai.AsyncOpenAI
) -> None:
    server.enqueue(error_reply(401, "Incorrect API key provided", echo_authorization=True))
    model = model_cls("fake-model", client)
    with pytest.raises(ModelHTTPError) as caught:
        await Runner.run(Agent("a", model=model), "hi")
    error = caught.value
    shown = [str(error), repr(error), *map(str, error.args), repr(model), str(error.__cause__)]
    assert all(FAKE_KEY not in s for s in shown)
    assert "Incorrect API key provided" in str(error)
    assert error.status_code == 401
    assert error.__cause__ is None and error.__context__ is None


async def test_a_refused_connection_is_a_connection_error() -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    client = openai.AsyncOpenAI(
        base_url=f"http://127.0.0.1:{port}/v1", api_key=FAKE_KEY, max_retries=0
    )
    with pytest.raises(ModelConnectionError, match="could not reach") as caught:
        await Runner.run(chat_agent(client), "hi")
    assert FAKE_KEY not in str(caught.value)


@pytest.mark.parametrize("api", ["chat", "responses"])
async def test_a_drop_mid_stream_errors_after_the_delivered_events(
    api: str, server: FakeOpenAIServer, client: openai.AsyncOpenAI
) -> None:
    if api == "chat":
        server.enqueue(chat_stream(fx.chat_text("abcdefgh", chunk_size=2), drop_after=3))
        model: Any = OpenAIChatCompletionsModel("m", client)
    else:
        events = fx.responses_text("abcdefgh", chunk_size=2)
        server.enqueue(responses_stream(events, drop_after=6))
        model = OpenAIResponsesModel("m", client)
    events_seen, error, completed = await observe(Agent("a", model=model))
    assert isinstance(error, ModelConnectionError)
    assert not completed
    assert text_deltas(events_seen) == ["ab", "cd"]  # each delivered once, none after
    assert [e.sequence_number for e in events_seen] == list(range(len(events_seen)))
    assert server.outcomes() == ["dropped"]


async def test_a_stream_that_ends_early_without_a_drop_is_a_connection_error(
    server: FakeOpenAIServer, client: openai.AsyncOpenAI
) -> None:
    server.enqueue(chat_stream(fx.chat_text("abcdefgh")[:3], done=False))
    with pytest.raises(ModelConnectionError, match="before the model finished"):
        await Runner.run(chat_agent(client), "hi")


async def test_a_responses_stream_without_completion_is_a_connection_error(
    server: FakeOpenAIServer, client: openai.AsyncOpenAI
) -> None:
    server.enqueue(responses_stream(fx.responses_text("abc")[:-1]))
    with pytest.raises(ModelConnectionError, match=r"before response\.completed"):
        await Runner.run(Agent("a", model=OpenAIResponsesModel("m", client)), "hi")


async def test_a_malformed_chunk_is_quoted_truncated(
    server: FakeOpenAIServer, client: openai.AsyncOpenAI
) -> None:
    garbage = '{"id": "x", "choices": [' + "9" * 500
    server.enqueue(chat_stream([*fx.chat_text("ok")[:2], garbage]))
    events, error, _ = await observe(chat_agent(client))
    assert isinstance(error, ModelBehaviorError)
    message = str(error)
    assert "not JSON" in message
    assert '{"id": "x", "choices": [999' in message
    assert "9" * 300 not in message
    assert text_deltas(events) == ["ok"]


async def test_a_chunk_of_the_wrong_shape_names_the_field(
    server: FakeOpenAIServer, client: openai.AsyncOpenAI
) -> None:
    server.enqueue(chat_stream([{"id": "x", "object": "chat.completion.chunk", "choices": []}]))
    with pytest.raises(ModelBehaviorError, match=r"unexpected shape.*created"):
        await Runner.run(chat_agent(client), "hi")


async def test_an_error_sent_inside_the_stream(
    server: FakeOpenAIServer, client: openai.AsyncOpenAI
) -> None:
    server.enqueue(chat_stream([{"error": {"message": "context length exceeded"}}]))
    with pytest.raises(ModelBehaviorError, match="mid-stream: context length exceeded"):
        await Runner.run(chat_agent(client), "hi")


async def test_a_malformed_responses_event(
    server: FakeOpenAIServer, client: openai.AsyncOpenAI
) -> None:
    bad = {"type": "response.output_text.delta", "delta": "x"}  # no item_id, indexes...
    server.enqueue(responses_stream([*fx.responses_text("a")[:4], bad]))
    with pytest.raises(ModelBehaviorError, match="stream event of unexpected shape"):
        await Runner.run(Agent("a", model=OpenAIResponsesModel("m", client)), "hi")


async def test_unknown_responses_event_types_are_skipped(
    server: FakeOpenAIServer, client: openai.AsyncOpenAI
) -> None:
    events = fx.responses_text("hi")
    events.insert(3, {"type": "response.some_future_event", "sequence_number": 99})
    server.enqueue(responses_stream(events))
    result = await Runner.run(Agent("a", model=OpenAIResponsesModel("m", client)), "hi")
    assert result.final_output == "hi"


async def test_a_json_body_instead_of_a_stream(
    server: FakeOpenAIServer, client: openai.AsyncOpenAI
) -> None:
    server.enqueue(
        raw_reply('{"id": "chatcmpl-1", "choices": []}', content_type="application/json")
    )
    with pytest.raises(ModelBehaviorError, match="not a server-sent event"):
        await Runner.run(chat_agent(client), "hi")


@pytest.mark.parametrize("api", ["chat", "responses"])
async def test_disposing_a_run_closes_the_http_stream(
    api: str, server: FakeOpenAIServer, client: openai.AsyncOpenAI
) -> None:
    if api == "chat":
        server.enqueue(chat_stream(fx.chat_text("x" * 400, chunk_size=1), delay=0.02))
        model: Any = OpenAIChatCompletionsModel("m", client)
    else:
        server.enqueue(responses_stream(fx.responses_text("x" * 400, chunk_size=1), delay=0.02))
        model = OpenAIResponsesModel("m", client)
    first_delta: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    seen: list[StreamEvent] = []

    def on_next(event: StreamEvent) -> None:
        seen.append(event)
        if text_deltas([event]) and not first_delta.done():
            first_delta.set_result(None)

    subscription = Runner.run_streamed(Agent("a", model=model), "hi").subscribe(on_next)
    await first_delta
    subscription.dispose()
    assert await server.wait_for_async("disconnected")
    count = len(seen)
    await asyncio.sleep(0.1)  # a grace period: nothing may arrive after dispose
    assert len(seen) == count
    assert server.outcomes() == ["disconnected"]
