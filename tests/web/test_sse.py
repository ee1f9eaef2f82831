"""The SSE sink and endpoint over real HTTP: framing, heartbeats, errors, disconnects."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import httpx
from fastapi import FastAPI
from hypothesis import given
from hypothesis import strategies as st
from openai.types.responses import ResponseTextDeltaEvent

from rxagents import Agent, Runner
from rxagents.errors import ModelHTTPError
from rxagents.events import raw_event, stream_event_adapter
from rxagents.sinks.sse import sse_events, sse_response
from rxagents.testing import raise_error, text, tool_call
from rxagents.web import InMemoryRunBackend, WebLimits, create_app
from tests.web.support import ProbeModel, SSEMessage, SSEParser, wait_for

HOSTILE = (
    "Hello\n\ndata: fake\n\nevent: done\r\nid: 999\r\r\n: comment\n"
    'retry: 1\n\u2028\u2029\x00\x1b[31m </script><b>"quotes" \\ back\\slash\n\n\n☃ end'
)


async def read_sse(
    client: httpx.AsyncClient, url: str, headers: dict[str, str] | None = None
) -> SSEParser:
    parser = SSEParser()
    async with client.stream("GET", url, headers=headers) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        async for chunk in response.aiter_text():
            parser.feed(chunk)
    return parser


def run_events(messages: list[SSEMessage]) -> list[dict[str, Any]]:
    return [json.loads(m.data) for m in messages if m.event not in ("done", "run_error")]


def text_of(events: list[dict[str, Any]]) -> str:
    return "".join(
        e["data"]["delta"]
        for e in events
        if e["type"] == "raw_response_event" and e["data"]["type"] == "response.output_text.delta"
    )


async def start_run(client: httpx.AsyncClient, base: str, prompt: str = "hi") -> str:
    response = await client.post(f"{base}/runs", json={"input": prompt})
    assert response.status_code == 201, response.text
    run_id: str = response.json()["id"]
    return run_id


async def test_hostile_model_text_cannot_break_framing(
    serve: Any, client: httpx.AsyncClient
) -> None:
    model = ProbeModel([[text(HOSTILE, chunk_size=3)]])
    base = serve(create_app(Agent("bot", model=model)))
    run_id = await start_run(client, base)

    parser = await read_sse(client, f"{base}/runs/{run_id}/events")

    messages = parser.messages
    assert [m.event for m in messages][-1] == "done"
    assert json.loads(messages[-1].data) == {"type": "done", "status": "completed"}
    events = run_events(messages)
    # Exactly one SSE message per run event, in order, named by its type, id = sequence.
    assert len(events) == len(messages) - 1
    assert [e["sequence_number"] for e in events] == list(range(len(events)))
    for message, event in zip(messages, events, strict=False):
        assert message.event == event["type"]
        assert message.last_event_id == str(event["sequence_number"])
        assert event["run_id"] == run_id
        stream_event_adapter.validate_python(event)
    assert text_of(events) == HOSTILE
    assert events[-1]["result"]["final_output"] == HOSTILE
    assert parser.retry == 1000  # the server's own retry, not the model's "retry: 1"


@given(st.text())
async def test_any_text_round_trips_through_the_encoder(content: str) -> None:
    delta = ResponseTextDeltaEvent(
        type="response.output_text.delta",
        item_id="m",
        output_index=0,
        content_index=0,
        delta=content,
        logprobs=[],
        sequence_number=0,
    )
    import reactivex

    frames = [
        message.encode().decode("utf-8")
        async for message in sse_events(reactivex.of(raw_event("run_x", 0, delta)))
    ]
    parser = SSEParser()
    parser.feed("".join(frames))
    assert [m.event for m in parser.messages] == ["raw_response_event", "done"]
    assert json.loads(parser.messages[0].data)["data"]["delta"] == content
    assert parser.messages[0].last_event_id == "0"


async def test_events_keep_the_openai_wire_names_and_validate_back() -> None:
    """``schema`` (``schema_`` in Python) is sent by its wire name, as every aliased
    openai field, so a client validating the JSON gets the same event back."""
    import reactivex
    from openai.types.responses import Response, ResponseCreatedEvent

    schema = {"type": "object", "properties": {"city": {"type": "string"}}}
    response = Response.model_validate(
        {
            "id": "resp_1",
            "created_at": 1,
            "model": "m",
            "object": "response",
            "output": [],
            "parallel_tool_calls": True,
            "tool_choice": "auto",
            "tools": [],
            "status": "in_progress",
            "text": {"format": {"type": "json_schema", "name": "Trip", "schema": schema}},
        }
    )
    created = ResponseCreatedEvent(type="response.created", response=response, sequence_number=0)
    frames = [
        m.encode().decode() async for m in sse_events(reactivex.of(raw_event("r", 0, created)))
    ]
    parser = SSEParser()
    parser.feed("".join(frames))
    data = parser.messages[0].data
    assert '"schema":' in data and '"schema_"' not in data
    back: Any = stream_event_adapter.validate_json(data)
    assert back.data.response.text.format.schema_ == schema


async def test_heartbeat_comments_while_the_run_is_idle(
    serve: Any, client: httpx.AsyncClient
) -> None:
    model = ProbeModel([[text("one two three", chunk_size=4)]], hold_after=1)
    app = create_app(Agent("bot", model=model), limits=WebLimits(ping_seconds=0.05))
    base = serve(app)
    run_id = await start_run(client, base)

    parser = SSEParser()
    async with (
        asyncio.timeout(30),
        client.stream("GET", f"{base}/runs/{run_id}/events") as response,
    ):
        async for chunk in response.aiter_text():
            parser.feed(chunk)
            if parser.comments and model.holding.is_set():
                model.gate.set()  # the heartbeat arrived while the model was idle

    assert model.gate.is_set()
    assert any(c.strip().startswith("ping") for c in parser.comments)
    assert text_of(run_events(parser.messages)) == "one two three"
    assert parser.messages[-1].event == "done"


async def test_failed_run_sends_run_error_then_done(serve: Any, client: httpx.AsyncClient) -> None:
    model = ProbeModel([[text("partial"), raise_error(ModelHTTPError(503, "overloaded"))]])
    base = serve(create_app(Agent("bot", model=model)))
    run_id = await start_run(client, base)

    parser = await read_sse(client, f"{base}/runs/{run_id}/events")

    names = [m.event for m in parser.messages]
    assert names[-2:] == ["run_error", "done"]
    error = json.loads(parser.messages[-2].data)
    assert error["type"] == "run_error"
    assert error["error"] == "ModelHTTPError"
    assert "503" in error["message"]
    assert json.loads(parser.messages[-1].data)["status"] == "failed"


async def test_tool_calls_and_outputs_stream_as_run_items(
    serve: Any, client: httpx.AsyncClient
) -> None:
    from rxagents import function_tool

    @function_tool
    def add(a: int, b: int) -> int:
        """Add two numbers."""
        return a + b

    model = ProbeModel([[tool_call("add", {"a": 2, "b": 3})], [text("It is 5.")]])
    base = serve(create_app(Agent("calc", model=model, tools=[add])))
    run_id = await start_run(client, base)

    events = run_events((await read_sse(client, f"{base}/runs/{run_id}/events")).messages)

    items = [(e["name"], e["item"]) for e in events if e["type"] == "run_item_stream_event"]
    assert [name for name, _ in items] == ["tool_called", "tool_output", "message_output_created"]
    assert items[0][1]["raw_item"]["name"] == "add"
    assert items[1][1]["output"] == 5
    assert events[0] == {
        "run_id": run_id,
        "sequence_number": 0,
        "new_agent": "calc",
        "type": "agent_updated_stream_event",
    }


async def test_client_disconnect_disposes_a_cold_run(serve: Any, client: httpx.AsyncClient) -> None:
    """``sse_response(Runner.run_streamed(...))``: leaving closes the model's stream."""
    model = ProbeModel([[text("a b c d e f", chunk_size=2)]], hold_after=1)
    agent = Agent("bot", model=model)
    app = FastAPI()

    @app.get("/ask")
    async def ask(q: str) -> Any:
        return sse_response(Runner.run_streamed(agent, q))

    base = serve(app)
    parser = SSEParser()
    async with client.stream("GET", f"{base}/ask", params={"q": "hi"}) as response:
        async for chunk in response.aiter_text():
            parser.feed(chunk)
            if text_of(run_events(parser.messages)):
                break  # got the first text delta: hang up mid-run

    await wait_for(model.closed, "the model stream to be closed after the disconnect")
    assert not model.finished.is_set()
    assert text_of(run_events(parser.messages)) == "a "


async def test_client_disconnect_cancels_an_unread_held_run(
    serve: Any, client: httpx.AsyncClient
) -> None:
    """The server's held runs: the last reader leaving (no reconnect) cancels the run."""
    model = ProbeModel([[text("a b c d e f", chunk_size=2)]], hold_after=1)
    backend = InMemoryRunBackend(Agent("bot", model=model), orphan_timeout=0)
    base = serve(create_app(backend=backend))
    run_id = await start_run(client, base)

    parser = SSEParser()
    async with client.stream("GET", f"{base}/runs/{run_id}/events") as response:
        async for chunk in response.aiter_text():
            parser.feed(chunk)
            if text_of(run_events(parser.messages)):
                break

    await wait_for(model.closed, "the model stream to be closed after the disconnect")
    # The run is still held, and reading it again shows it was cancelled.
    again = await read_sse(client, f"{base}/runs/{run_id}/events")
    assert json.loads(again.messages[-1].data) == {"type": "done", "status": "cancelled"}
    assert not model.finished.is_set()
