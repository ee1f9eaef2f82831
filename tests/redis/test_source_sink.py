"""Live reading, disposal, retention, idempotent writes, and Redis going away."""

from __future__ import annotations

import asyncio

import pytest
import reactivex
from redis.asyncio import Redis

from rxagents import Agent, Runner
from rxagents.errors import RunCancelled
from rxagents.events import StreamEvent
from rxagents.redis import (
    EventsExpired,
    RedisPublisher,
    RedisUnavailable,
    RunStalled,
    StreamClosed,
    connect,
    from_redis,
    to_redis,
)
from rxagents.testing import ScriptedModel, text
from tests.redis.conftest import RedisServer, free_port
from tests.redis.helpers import blocked_clients, collect, dumps, until


def slow_agent(chunks: int = 40, delay: float = 0.01) -> Agent[object]:
    return Agent("slow", model=ScriptedModel([[text("x" * chunks, chunk_size=1, delay=delay)]]))


async def events_of(agent: Agent[object]) -> list[StreamEvent]:
    return [e async for e in Runner.run_streamed(agent, "hi")]


async def test_a_reader_follows_a_run_while_it_is_written(redis_client: Redis) -> None:
    reading = asyncio.ensure_future(collect(from_redis(redis_client, "live")))
    await until(lambda: _blocked(redis_client, 1))
    published = await Runner.run_streamed(slow_agent(), "hi").pipe(to_redis(redis_client, "live"))
    back, error = await reading
    assert error is None
    assert len(back) == published.events
    assert [e.sequence_number for e in back] == list(range(published.events))


async def _blocked(client: Redis, n: int) -> bool:
    return await blocked_clients(client) == n


async def test_disposing_stops_reading_and_unblocks_redis(redis_server: RedisServer) -> None:
    client = redis_server.client(socket_timeout=None)
    admin = redis_server.client()
    seen: list[StreamEvent] = []
    # block=30: only closing the connection can free Redis's blocked client quickly.
    subscription = from_redis(client, "never", block=30).subscribe(seen.append)
    await until(lambda: _blocked(admin, 1))
    subscription.dispose()
    await until(lambda: _blocked(admin, 0), timeout=5)
    await admin.xadd("never", {"e": "{}"}, id="1-0")
    await asyncio.sleep(0.05)
    assert seen == []
    await client.aclose()
    await admin.aclose()


async def test_retention_maxlen_then_expired_events_are_a_typed_error(redis_client: Redis) -> None:
    events = await events_of(slow_agent(chunks=30, delay=0))
    await reactivex.from_iterable(events).pipe(to_redis(redis_client, "short", maxlen=10, ttl=30))
    assert await redis_client.xlen("short") == 10
    _, error = await collect(from_redis(redis_client, "short"))
    assert isinstance(error, EventsExpired)
    tail, error = await collect(from_redis(redis_client, "short", after=len(events) - 10))
    assert error is None
    assert dumps(tail) == dumps(events[-9:])
    assert 0 < await redis_client.pttl("short") <= 30_000


async def test_a_retried_publisher_does_not_duplicate(redis_client: Redis) -> None:
    events = await events_of(slow_agent(chunks=12, delay=0))
    first = RedisPublisher(redis_client, "retry")
    for event in events[:7]:
        first.put(event)
    await first.flush()
    first.abort()
    second = RedisPublisher(redis_client, "retry")  # starts over from event 0
    for event in events:
        second.put(event)
    await second.finish()
    back, error = await collect(from_redis(redis_client, "retry"))
    assert error is None
    assert dumps(back) == dumps(events)
    third = RedisPublisher(redis_client, "retry")
    third.put(events[0])
    with pytest.raises(StreamClosed):
        await third.finish()


async def test_cancelling_the_sink_disposes_the_run_and_marks_it_cancelled(
    redis_client: Redis,
) -> None:
    writing = asyncio.ensure_future(
        Runner.run_streamed(slow_agent(chunks=400, delay=0.01), "hi").pipe(
            to_redis(redis_client, "cancelled")
        )
    )
    await until(lambda: _has_entries(redis_client, "cancelled", 5))
    writing.cancel()
    with pytest.raises(asyncio.CancelledError):
        await writing
    back, error = await collect(from_redis(redis_client, "cancelled"))
    assert isinstance(error, RunCancelled)
    length = await redis_client.xlen("cancelled")
    await asyncio.sleep(0.1)
    assert await redis_client.xlen("cancelled") == length == len(back) + 1


async def _has_entries(client: Redis, key: str, n: int) -> bool:
    return int(await client.xlen(key)) >= n


async def test_idle_timeout_is_a_typed_error(redis_client: Redis) -> None:
    _, error = await collect(from_redis(redis_client, "quiet", block=0.05, idle_timeout=0.2))
    assert isinstance(error, RunStalled)


async def test_unreachable_redis_is_a_typed_error_not_a_hang() -> None:
    client = connect(f"redis://127.0.0.1:{free_port()}/0")
    _, error = await collect(from_redis(client, "k", reconnect_timeout=0.5))
    assert isinstance(error, RedisUnavailable)
    assert "unreachable" in str(error)
    with pytest.raises(RedisUnavailable):
        await Runner.run_streamed(slow_agent(), "hi").pipe(
            to_redis(client, "k", reconnect_timeout=0.5)
        )
    await client.aclose()


async def test_a_reader_survives_a_redis_restart_and_fails_typed_if_it_stays_down(
    own_redis_server: RedisServer,
) -> None:
    client = own_redis_server.client(socket_timeout=1)
    writer = own_redis_server.client(socket_timeout=1)
    events = await events_of(slow_agent(chunks=20, delay=0))
    publisher = RedisPublisher(writer, "run")
    for event in events[:10]:
        publisher.put(event)
    await publisher.flush()
    seen: list[StreamEvent] = []
    outcome: asyncio.Future[Exception | None] = asyncio.get_running_loop().create_future()
    from_redis(client, "run", reconnect_timeout=10).subscribe(
        seen.append, outcome.set_result, lambda: outcome.set_result(None)
    )
    await until(lambda: _async(len(seen) == 10))
    own_redis_server.stop()
    own_redis_server.start()  # no persistence: the stream is gone, the reader keeps its place
    for event in events[10:]:
        publisher.put(event)
    await publisher.finish()
    assert await asyncio.wait_for(outcome, 15) is None
    assert dumps(seen) == dumps(events)

    own_redis_server.stop()
    _, error = await collect(from_redis(client, "run", reconnect_timeout=0.5))
    assert isinstance(error, RedisUnavailable)
    await client.aclose()
    await writer.aclose()


async def _async(value: bool) -> bool:
    return value


async def test_password_protected_redis(own_redis_server: RedisServer) -> None:
    own_redis_server.stop()
    own_redis_server.password = "s3cret pass"
    own_redis_server.start()
    good = connect(own_redis_server.url.replace("s3cret pass", "s3cret%20pass"))
    events = await events_of(slow_agent(chunks=5, delay=0))
    await reactivex.from_iterable(events).pipe(to_redis(good, "secure"))
    back, error = await collect(from_redis(good, "secure"))
    assert (dumps(back), error) == (dumps(events), None)

    bad = connect(f"redis://:wrong@127.0.0.1:{own_redis_server.port}/0")
    _, error = await collect(from_redis(bad, "secure", reconnect_timeout=30))
    assert isinstance(error, RedisUnavailable)
    assert "credentials" in str(error)
    assert "s3cret" not in str(error)
    await good.aclose()
    await bad.aclose()


async def test_bad_arguments_are_user_errors(redis_client: Redis) -> None:
    from rxagents.errors import UserError

    with pytest.raises(UserError, match="after"):
        from_redis(redis_client, "k", after=-2)
    with pytest.raises(UserError, match="maxlen"):
        RedisPublisher(redis_client, "k", maxlen=0)
    with pytest.raises(UserError, match="ttl"):
        RedisPublisher(redis_client, "k", ttl=0)
