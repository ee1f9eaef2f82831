"""useChat and AG-UI over the Redis backend: runs on workers, events from Redis Streams.

Events read back from Redis carry agents by name only, so handoffs are told apart
from tool calls by the SDK's ``transfer_to_`` names; a chat's running stream is
found through the run's status hash.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from redis.asyncio import Redis

from rxagents.redis.backend import RedisBackend
from rxagents.redis.worker import RedisWorker
from rxagents.web import create_app
from tests.redis.helpers import until
from tests.web.client_agents import make_agent


def chat_body(chat_id: str, prompt: str) -> dict[str, Any]:
    return {"id": chat_id, "messages": [
        {"id": "u", "role": "user", "parts": [{"type": "text", "text": prompt}]}]}  # fmt: skip


def chunks(body: str) -> list[dict[str, Any]]:
    return [json.loads(m[6:]) for m in body.split("\n\n") if m and m != "data: [DONE]"]


@pytest.fixture
async def client(redis_client: Redis) -> AsyncIterator[tuple[httpx.AsyncClient, RedisBackend]]:
    worker = RedisWorker(redis_client, make_agent, concurrency=2, lease_timeout=2)
    task = asyncio.ensure_future(worker.run())
    backend = RedisBackend(redis_client)
    app = create_app(backend=backend, page=False)
    transport = httpx.ASGITransport(app=app)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as http:
            yield http, backend
    finally:
        worker.stop()
        await asyncio.wait_for(task, 10)


async def test_a_chat_on_workers_streams_tools_and_handoffs(
    client: tuple[httpx.AsyncClient, RedisBackend],
) -> None:
    http, _ = client
    got = chunks((await http.post("/api/chat", json=chat_body("r1", "tool please"))).text)
    kinds = [c["type"] for c in got]
    assert "tool-input-delta" in kinds and "tool-output-available" in kinds
    assert got[-1] == {**got[-1], "type": "finish", "finishReason": "stop"}
    handoff = chunks((await http.post("/api/chat", json=chat_body("r2", "handoff please"))).text)
    assert [c["data"] for c in handoff if c["type"] == "data-handoff"] == [
        {"from": "triage", "to": "billing"}
    ]
    assert not any(c["type"].startswith("tool-") for c in handoff)
    assert (await http.get("/api/chat/r1/stream")).status_code == 204  # finished


async def test_resume_finds_a_running_chat_through_redis(
    client: tuple[httpx.AsyncClient, RedisBackend],
) -> None:
    http, _ = client
    posting = asyncio.ensure_future(http.post("/api/chat", json=chat_body("r3", "slow please")))
    resumed: list[httpx.Response] = []

    async def resumable() -> bool:
        response = await http.get("/api/chat/r3/stream")  # 204 until the chat has its run
        if response.status_code == 200:
            resumed.append(response)
        return bool(resumed)

    await until(resumable)
    again = resumed[0]
    text = "".join(c["delta"] for c in chunks(again.text) if c["type"] == "text-delta")
    assert text == "tick " * 150
    assert chunks(again.text)[0]["type"] == "start"  # replayed from the start
    first = await posting
    assert chunks(first.text)[0]["messageId"] == chunks(again.text)[0]["messageId"]


async def test_agui_on_workers(client: tuple[httpx.AsyncClient, RedisBackend]) -> None:
    http, _ = client
    body = {"threadId": "t", "runId": "r",
            "messages": [{"id": "u", "role": "user", "content": "tool please"}]}  # fmt: skip
    events = chunks((await http.post("/agui", json=body)).text)
    types = [e["type"] for e in events]
    assert types[0] == "RUN_STARTED" and types[-1] == "RUN_FINISHED"
    assert "TOOL_CALL_RESULT" in types
