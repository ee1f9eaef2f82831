"""Helpers for the Redis tests."""

from __future__ import annotations

import asyncio
from typing import Any

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
