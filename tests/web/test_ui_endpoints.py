"""POST /api/chat and POST /agui: refusals, resume, mount helpers with an agent factory."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from rxagents import Agent
from rxagents.testing import ScriptedModel, text
from rxagents.web import WebLimits, create_app, mount_agui, mount_chat

CHAT = {
    "id": "c1",
    "messages": [{"id": "u", "role": "user", "parts": [{"type": "text", "text": "hi"}]}],
}
AGUI = {"threadId": "t", "runId": "r", "messages": [{"id": "u", "role": "user", "content": "hi"}]}


def greeter() -> Agent[Any]:
    return Agent(name="greeter", model=ScriptedModel([[text("Hello!")]]))


async def client_for(app: Any) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
        yield client


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(greeter, limits=WebLimits(max_body_bytes=2000), page=False)
    async for c in client_for(app):
        yield c


def chunks(body: str) -> list[Any]:
    return [json.loads(m[6:]) if m != "data: [DONE]" else "[DONE]" for m in body.split("\n\n") if m]


async def test_chat_streams_a_ui_message_stream(client: httpx.AsyncClient) -> None:
    response = await client.post("/api/chat", json=CHAT)
    assert response.status_code == 200
    assert response.headers["x-vercel-ai-ui-message-stream"] == "v1"
    got = chunks(response.text)
    assert got[0]["type"] == "start" and got[-1] == "[DONE]" and got[-2]["type"] == "finish"
    assert "".join(c["delta"] for c in got[:-1] if c["type"] == "text-delta") == "Hello!"


async def test_agui_streams_agui_events(client: httpx.AsyncClient) -> None:
    response = await client.post("/agui", json=AGUI)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/event-stream")
    types = [c["type"] for c in chunks(response.text)]
    assert types[0] == "RUN_STARTED" and types[-1] == "RUN_FINISHED"
    assert "\r" not in response.text


@pytest.mark.parametrize("path", ["/api/chat", "/agui"])
@pytest.mark.parametrize(
    ("send", "status", "code"),
    [
        ({"content": b"hi", "headers": {"content-type": "text/plain"}}, 415,
         "unsupported_media_type"),
        ({"content": b"{nope", "headers": {"content-type": "application/json"}}, 400,
         "invalid_json"),
        ({"json": {"pad": "x" * 3000}}, 413, "body_too_large"),
    ],
)  # fmt: skip
async def test_refusals_have_the_apps_error_shape(
    client: httpx.AsyncClient, path: str, send: dict[str, Any], status: int, code: str
) -> None:
    response = await client.post(path, **send)
    assert response.status_code == status
    assert response.json()["error"] == code
    assert response.json()["message"]


@pytest.mark.parametrize(
    ("path", "body", "code"),
    [
        ("/api/chat", {"id": "c"}, "invalid_chat_request"),
        ("/api/chat", {"messages": [{"role": "user", "parts": [{"type": "data-x"}]}]},
         "invalid_chat_request"),
        ("/agui", {"threadId": "t"}, "invalid_agui_input"),
    ],
)  # fmt: skip
async def test_bodies_that_cannot_become_runs_are_422(
    client: httpx.AsyncClient, path: str, body: Any, code: str
) -> None:
    response = await client.post(path, json=body)
    assert response.status_code == 422
    assert response.json()["error"] == code


async def test_chat_request_is_lenient(client: httpx.AsyncClient) -> None:
    body = {
        **CHAT, "trigger": "submit-message", "somethingNew": {"a": 1},
        "messages": [
            {"id": "x", "role": "assistant", "parts": [
                {"type": "step-start"}, {"type": "reasoning", "text": "hm"},
                {"type": "tool-lookup", "toolCallId": "c0", "state": "input-streaming"},
                {"type": "future-part", "whatever": True}, {"type": "data-agent", "data": {}}]},
            *CHAT["messages"],
        ],
    }  # fmt: skip
    response = await client.post("/api/chat", json=body)
    assert response.status_code == 200
    assert chunks(response.text)[-2]["type"] == "finish"


async def test_resume_of_an_unknown_or_finished_chat_is_204(client: httpx.AsyncClient) -> None:
    assert (await client.get("/api/chat/never/stream")).status_code == 204
    await client.post("/api/chat", json=CHAT)
    assert (await client.get("/api/chat/c1/stream")).status_code == 204


async def test_paths_can_be_moved_or_left_out() -> None:
    app = create_app(greeter, page=False, chat_path="/chat", agui_path=None)
    async for client in client_for(app):
        assert (await client.post("/chat", json=CHAT)).status_code == 200
        assert (await client.post("/api/chat", json=CHAT)).status_code == 404
        assert (await client.post("/agui", json=AGUI)).status_code == 404


async def test_mount_helpers_take_an_agent_factory() -> None:
    made: list[Agent[Any]] = []

    def factory() -> Agent[Any]:
        made.append(greeter())
        return made[-1]

    app = FastAPI()

    @app.get("/mine")
    async def mine() -> dict[str, str]:
        return {"still": "here"}

    mount_chat(app, factory, path="/api/chat")
    mount_agui(app, factory, path="/agui")
    async for client in client_for(app):
        for _ in range(2):
            response = await client.post("/api/chat", json=CHAT)
            assert chunks(response.text)[-2]["type"] == "finish"
        response = await client.post("/agui", json=AGUI)
        assert chunks(response.text)[-1]["type"] == "RUN_FINISHED"
        assert (await client.get("/api/chat/c1/stream")).status_code == 204
        assert (await client.get("/mine")).json() == {"still": "here"}
        assert (await client.post("/api/chat", content=b"x")).json()["error"] == (
            "unsupported_media_type"
        )
    assert len(made) == 3
    assert len({id(agent) for agent in made}) == 3  # a fresh agent per run


async def test_with_chat_resume_a_run_outlives_its_reader(serve: Any) -> None:
    from tests.web.client_agents import make_agent

    base = serve(create_app(make_agent, page=False, chat_resume=True))
    body = {**CHAT, "id": "resumable"}
    body["messages"] = [{"id": "u", "role": "user", "parts": [{"type": "text", "text": "slow"}]}]
    async with httpx.AsyncClient(base_url=base, timeout=20) as client:
        async with client.stream("POST", "/api/chat", json=body) as response:
            async for line in response.aiter_lines():
                if '"text-delta"' in line:
                    break  # leave mid-stream, as a reload does
        again = await client.get("/api/chat/resumable/stream")
        assert again.status_code == 200
        got = chunks(again.text)
        assert got[0]["type"] == "start"  # replayed from the start
        assert "".join(c["delta"] for c in got[:-1] if c["type"] == "text-delta") == "tick " * 150
        assert got[-2]["type"] == "finish"
        assert (await client.get("/api/chat/resumable/stream")).status_code == 204


@pytest.mark.parametrize("mounted", [False, True])
async def test_host_and_origin_rules_guard_the_protocol_endpoints(mounted: bool) -> None:
    if mounted:
        app: Any = FastAPI()
        mount_chat(app, greeter)
        mount_agui(app, greeter)
    else:
        app = create_app(greeter, page=False)
    async for client in client_for(app):
        for path, body in (("/api/chat", CHAT), ("/agui", AGUI)):
            other_site = await client.post(
                path, json=body, headers={"Origin": "https://evil.example"}
            )
            assert other_site.status_code == 403
            assert other_site.json()["error"] == "origin_not_allowed"
            rebinding = await client.post(path, json=body, headers={"Host": "evil.example"})
            assert rebinding.status_code == 421
            same_site = await client.post(path, json=body, headers={"Origin": "http://127.0.0.1"})
            assert same_site.status_code == 200
        assert (
            await client.get("/api/chat/x/stream", headers={"Host": "evil.example"})
        ).status_code == 421
