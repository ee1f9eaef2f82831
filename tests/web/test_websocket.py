"""The WebSocket sink and endpoint over real HTTP: JSON events, cancel, disconnect."""

from __future__ import annotations

import asyncio
import contextlib
import json
from typing import Any

import httpx
from fastapi import FastAPI, WebSocket
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from rxagents import Agent, Runner
from rxagents.events import stream_event_adapter
from rxagents.sinks.websocket import websocket_stream
from rxagents.testing import text
from rxagents.web import InMemoryRunBackend, create_app
from tests.web.support import ProbeModel, wait_for
from tests.web.test_sse import read_sse, start_run

CONTENT = "streamed over a websocket, piece by piece"


def ws_url(base: str, path: str) -> str:
    return base.replace("http://", "ws://") + path


async def receive_until_done(ws: ClientConnection, *, cancel_after_text: bool = False) -> list[Any]:
    messages: list[Any] = []
    async with asyncio.timeout(30):
        while True:
            message = json.loads(await ws.recv())
            messages.append(message)
            if message["type"] == "done":
                return messages
            data = message.get("data") or {}
            if cancel_after_text and data.get("type") == "response.output_text.delta":
                cancel_after_text = False
                await ws.send(json.dumps({"type": "cancel"}))


def deltas(messages: list[Any]) -> str:
    return "".join(
        m["data"]["delta"]
        for m in messages
        if m["type"] == "raw_response_event" and m["data"]["type"] == "response.output_text.delta"
    )


async def test_events_arrive_as_json_then_done(serve: Any, client: httpx.AsyncClient) -> None:
    model = ProbeModel([[text(CONTENT, chunk_size=6)]])
    base = serve(create_app(Agent("bot", model=model)))
    run_id = await start_run(client, base)

    async with connect(ws_url(base, f"/runs/{run_id}/ws")) as ws:
        messages = await receive_until_done(ws)
        await ws.wait_closed()
        assert ws.close_code == 1000

    events = [stream_event_adapter.validate_python(m) for m in messages[:-1]]
    assert [e.sequence_number for e in events] == list(range(len(events)))
    assert events[-1].type == "run_completed_stream_event"
    assert deltas(messages) == CONTENT
    assert messages[-1] == {"type": "done", "status": "completed"}


async def test_cancel_message_cancels_the_run(serve: Any, client: httpx.AsyncClient) -> None:
    model = ProbeModel([[text(CONTENT, chunk_size=6)]], hold_after=1)
    base = serve(create_app(Agent("bot", model=model)))
    run_id = await start_run(client, base)

    async with connect(ws_url(base, f"/runs/{run_id}/ws")) as ws:
        messages = await receive_until_done(ws, cancel_after_text=True)

    assert messages[-1] == {"type": "done", "status": "cancelled"}
    assert deltas(messages) == CONTENT[:6]
    await wait_for(model.closed, "the model stream to close after the cancel message")
    assert not model.finished.is_set()
    # Every reader of the held run sees the cancellation.
    sse = await read_sse(client, f"{base}/runs/{run_id}/events")
    assert json.loads(sse.messages[-1].data)["status"] == "cancelled"


async def test_disconnect_cancels_the_run(serve: Any, client: httpx.AsyncClient) -> None:
    model = ProbeModel([[text(CONTENT, chunk_size=6)]], hold_after=1)
    backend = InMemoryRunBackend(Agent("bot", model=model), orphan_timeout=None)
    base = serve(create_app(backend=backend))
    run_id = await start_run(client, base)

    async with connect(ws_url(base, f"/runs/{run_id}/ws")) as ws:
        async with asyncio.timeout(30):
            while "output_text.delta" not in str(await ws.recv()):
                pass
    # Closed by the client mid-run (orphan cancellation is off: the disconnect did it).
    await wait_for(model.closed, "the model stream to close after the disconnect")
    assert not model.finished.is_set()


async def test_ws_resume_after_and_invalid_client_message(
    serve: Any, client: httpx.AsyncClient
) -> None:
    model = ProbeModel([[text(CONTENT, chunk_size=6)]], hold_after=0)
    base = serve(create_app(Agent("bot", model=model)))
    run_id = await start_run(client, base)

    async with connect(ws_url(base, f"/runs/{run_id}/ws?after=2")) as ws:
        # 3 and 4 (output item and content part added), then the model holds.
        first = [json.loads(await ws.recv()) for _ in range(2)]
        assert [m["sequence_number"] for m in first] == [3, 4]
        await wait_for(model.holding, "the model to hold")
        await ws.send("not json")
        reply = json.loads(await ws.recv())
        assert reply["type"] == "invalid_message"
        assert '{"type": "cancel"}' in reply["message"]
        model.gate.set()
        rest = await receive_until_done(ws)
    assert rest[-1] == {"type": "done", "status": "completed"}
    assert deltas(rest) == CONTENT


async def test_unknown_run_gets_an_error_and_close_code_4404(serve: Any) -> None:
    base = serve(create_app(Agent("bot", model=ProbeModel([[text("x")]]))))
    async with connect(ws_url(base, "/runs/run_nope/ws")) as ws:
        message = json.loads(await ws.recv())
        with contextlib.suppress(ConnectionClosed):
            await ws.recv()
    assert message["type"] == "run_error"
    assert message["error"] == "UnknownRun"
    assert "run_nope" in message["message"]
    assert ws.close_code == 4404


async def test_websocket_stream_on_a_custom_app_cancels_a_cold_run(serve: Any) -> None:
    """The sink alone: no backend, the client's cancel disposes the cold run."""
    model = ProbeModel([[text(CONTENT, chunk_size=6)]], hold_after=2)
    agent = Agent("bot", model=model)
    app = FastAPI()

    @app.websocket("/chat")
    async def chat(websocket: WebSocket) -> None:
        await websocket.accept()
        prompt = await websocket.receive_text()
        await websocket_stream(websocket, Runner.run_streamed(agent, prompt))

    base = serve(app)
    async with connect(ws_url(base, "/chat")) as ws:
        await ws.send("hello")
        messages = await receive_until_done(ws, cancel_after_text=True)
    assert messages[-1] == {"type": "done", "status": "cancelled"}
    await wait_for(model.closed, "the cold run's model stream to close")
    assert model.requests_seen_prompt("hello")
