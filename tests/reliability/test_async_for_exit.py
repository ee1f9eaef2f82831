"""Leaving a plain ``async for`` by any path ends the run and closes the HTTP stream.

Python calls no ``aclose()`` after ``break`` on a custom iterator; rxagents'
iterators hand ``async for`` an async generator, which the event loop's
finalizer hooks close. Each exit is checked against a real local server that
observes the client hanging up, and no task may be left pending.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import pytest

import rxagents.operators as rxo
from rxagents import Runner
from rxagents.rx import aiter
from tests.reliability.conftest import agent_for, model_for
from tests.reliability.hostile import HostileServer, Plan, Seen
from tests.reliability.streams import events

Start = Callable[[Callable[[Seen], Plan]], HostileServer]
SOURCES = ["run_streamed", "stream_events", "rxo.aiter"]
EXITS = ["break", "exception", "asyncio.timeout", "task.cancel"]


def _slow_stream(api: str) -> Plan:
    parts = events(api, "x" * 400, 1)
    paced: list[bytes | float] = []
    for part in parts:
        paced += [part, 0.02]  # ~10 s in all: the run is far from over when the loop is left
    return Plan(chunks=paced)


def _iterable(source: str, api: str, server: HostileServer) -> Any:
    stream = Runner.run_streamed(agent_for(model_for(api, server)), "hi")
    if source == "run_streamed":
        return stream
    if source == "stream_events":
        return stream.stream_events()
    return aiter(stream.pipe(rxo.text_deltas()))


class Boom(Exception):
    pass


async def _consume(iterable: Any, how: str, seen: list[Any]) -> None:
    """Leave ``async for`` over ``iterable`` the way ``how`` says, after a few items."""
    if how == "break":
        async for item in iterable:
            seen.append(item)
            if len(seen) >= 5:
                break
    elif how == "exception":
        with pytest.raises(Boom):
            async for item in iterable:
                seen.append(item)
                if len(seen) >= 5:
                    raise Boom
    elif how == "asyncio.timeout":
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0.5):
                async for item in iterable:
                    seen.append(item)
    else:

        async def reader() -> None:
            async for item in iterable:
                seen.append(item)

        task = asyncio.create_task(reader())
        while len(seen) < 5:
            await asyncio.sleep(0.01)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task


async def _settled(server: HostileServer) -> None:
    assert await server.wait_until_async(lambda s: s.disconnects == 1), "no disconnect seen"
    assert await server.wait_until_async(lambda s: s.open_connections == 0)
    for _ in range(50):  # the loop's finalizer closes the iterator within a few iterations
        if asyncio.all_tasks() == {asyncio.current_task()}:
            return
        await asyncio.sleep(0.01)
    pending = asyncio.all_tasks() - {asyncio.current_task()}
    raise AssertionError(f"tasks left pending: {pending}")


@pytest.mark.parametrize("how", EXITS)
@pytest.mark.parametrize("source", SOURCES)
async def test_leaving_async_for_ends_the_run(source: str, how: str, hostile: Start) -> None:
    server = hostile(lambda _: _slow_stream("chat"))
    seen: list[Any] = []
    await _consume(_iterable(source, "chat", server), how, seen)
    assert len(seen) >= 5
    await _settled(server)
    assert server.requests and len(server.requests) == 1  # and no second model call


@pytest.mark.parametrize("how", ["break", "exception"])
async def test_the_responses_api_too(how: str, hostile: Start) -> None:
    server = hostile(lambda _: _slow_stream("responses"))
    seen: list[Any] = []
    await _consume(_iterable("run_streamed", "responses", server), how, seen)
    await _settled(server)


async def test_break_in_a_nested_function_frees_the_run(hostile: Start) -> None:
    # The iterator dies with the frame that held it, however the caller goes on.
    server = hostile(lambda _: _slow_stream("chat"))

    async def first_texts(stream: AsyncIterator[Any]) -> list[Any]:
        out = []
        async for event in stream:
            out.append(event)
            if len(out) == 3:
                return out
        return out

    assert len(await first_texts(_iterable("run_streamed", "chat", server))) == 3
    await _settled(server)
