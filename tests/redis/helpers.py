"""Helpers for the Redis tests."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from typing import Any

import httpx
from reactivex import Observable
from redis.asyncio import Redis

from rxagents.events import StreamEvent


async def collect(
    source: Observable[Any], timeout: float = 20.0
) -> tuple[list[Any], Exception | None]:
    """Every item of ``source`` and its error (``None`` if it completed)."""
    items: list[Any] = []
    done: asyncio.Future[Exception | None] = asyncio.get_running_loop().create_future()

    def on_error(error: Exception) -> None:
        if not done.done():
            done.set_result(error)

    def on_completed() -> None:
        if not done.done():
            done.set_result(None)

    subscription = source.subscribe(items.append, on_error, on_completed)
    try:
        error = await asyncio.wait_for(done, timeout)
    finally:
        subscription.dispose()
    return items, error


def dumps(events: list[StreamEvent]) -> list[dict[str, Any]]:
    """Events as JSON-ready dicts: how events compare when agents come back by name only."""
    return [e.model_dump(mode="json", by_alias=True) for e in events]


async def blocked_clients(client: Redis) -> int:
    info = await client.info("clients")
    return int(info["blocked_clients"])


async def until(predicate: Any, timeout: float = 10.0, every: float = 0.01) -> None:
    """Poll an async predicate until it holds (a condition, not a timing assertion)."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not await predicate():
        if loop.time() > deadline:
            raise AssertionError(f"condition not met within {timeout}s: {predicate}")
        await asyncio.sleep(every)


@dataclass
class SSEMessage:
    event: str
    data: dict[str, Any]
    id: str | None


async def sse(
    client: httpx.AsyncClient,
    url: str,
    *,
    last_event_id: str | None = None,
    stop_after: int | None = None,
) -> list[SSEMessage]:
    """Read an SSE stream until its ``done`` message (or ``stop_after`` run events, then
    disconnect)."""
    headers = {"Last-Event-ID": last_event_id} if last_event_id is not None else {}
    messages: list[SSEMessage] = []
    fields: dict[str, str] = {}
    events = 0
    async with client.stream("GET", url, headers=headers) as response:
        assert response.status_code == 200, await response.aread()
        async for line in response.aiter_lines():
            if line:
                name, _, value = line.partition(":")
                if name:
                    fields[name] = value[1:] if value.startswith(" ") else value
                continue
            if "data" not in fields:
                fields.clear()
                continue
            message = SSEMessage(
                fields.get("event", "message"), json.loads(fields["data"]), fields.get("id")
            )
            fields = {}
            messages.append(message)
            if message.event == "done":
                break
            if message.id is not None:
                events += 1
                if stop_after is not None and events >= stop_after:
                    break
    return messages


def text_of_messages(messages: list[SSEMessage]) -> str:
    """The text deltas of SSE run events, joined."""
    return "".join(
        m.data["data"]["delta"]
        for m in messages
        if m.event == "raw_response_event"
        and m.data["data"]["type"] == "response.output_text.delta"
    )


async def start(http: httpx.AsyncClient, node: str, prompt: str) -> str:
    """POST a run to a web node; its id."""
    response = await http.post(f"{node}/runs", json={"input": prompt})
    assert response.status_code == 201, response.text
    return str(response.json()["id"])


def run_events(messages: list[SSEMessage]) -> list[SSEMessage]:
    """The messages that are the run's events (they carry an SSE id)."""
    return [m for m in messages if m.id is not None]


def assert_gap_free(messages: list[SSEMessage]) -> None:
    """The run's events are numbered 0, 1, 2, ... in SSE ids and sequence numbers alike."""
    seqs = [int(m.id) for m in run_events(messages)]  # type: ignore[arg-type]
    assert seqs == list(range(len(seqs)))
    assert [m.data["sequence_number"] for m in run_events(messages)] == seqs
