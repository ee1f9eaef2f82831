"""Workers in this process: serving, acknowledging, cancelling, fencing, limits."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from redis.asyncio import Redis

from rxagents.errors import RunCancelled, UserError
from rxagents.events import StreamEvent
from rxagents.redis import LeaseLost, RedisPublisher, from_redis
from rxagents.redis.backend import RedisBackend
from rxagents.redis.worker import RedisWorker
from rxagents.testing.grammar import assert_valid_run
from rxagents.web.backend import TooManyRuns, UnknownRun
from tests.redis.agent_file import make_agent, reply_for, scripted_once
from tests.redis.helpers import collect, until


def text_of(events: list[StreamEvent]) -> str:
    return "".join(
        e.data.delta  # type: ignore[union-attr]
        for e in events
        if e.type == "raw_response_event" and e.data.type == "response.output_text.delta"
    )


@pytest.fixture
async def worker(redis_client: Redis) -> AsyncIterator[RedisWorker]:
    w = RedisWorker(redis_client, make_agent, concurrency=4, lease_timeout=2)
    task = asyncio.ensure_future(w.run())
    yield w
    w.stop()
    await asyncio.wait_for(task, 10)


async def test_a_queued_run_is_served_published_and_acknowledged(
    redis_client: Redis, worker: RedisWorker
) -> None:
    backend = RedisBackend(redis_client)
    run_id = await backend.start("question 1")
    events, error = await collect(await backend.events(run_id))
    assert error is None
    assert text_of(events) == reply_for("question 1")
    assert [e.sequence_number for e in events] == list(range(len(events)))
    assert {e.run_id for e in events} == {run_id}
    assert events[-1].type == "run_completed_stream_event"
    assert_valid_run(events)
    await until(lambda: _status(backend, run_id, "completed"))
    assert await redis_client.xlen(backend.keys.requests) == 0
    pending = await redis_client.xpending(backend.keys.requests, backend.keys.group)
    assert pending["pending"] == 0
    await until(lambda: _gone(redis_client, backend.keys.lease(run_id)))


async def _gone(client: Redis, key: str) -> bool:
    return not await client.exists(key)


async def _status(backend: RedisBackend, run_id: str, status: str) -> bool:
    return (await backend.status(run_id)).get("status") == status


async def test_cancel_reaches_the_worker_running_the_run(
    redis_client: Redis, worker: RedisWorker
) -> None:
    backend = RedisBackend(redis_client)
    run_id = await backend.start("slow: please")
    seen: list[StreamEvent] = []
    outcome: asyncio.Future[Exception | None] = asyncio.get_running_loop().create_future()
    (await backend.events(run_id)).subscribe(
        seen.append, outcome.set_result, lambda: outcome.set_result(None)
    )
    await until(lambda: _async(len(text_of(seen)) >= 5))
    await backend.cancel(run_id)
    assert isinstance(await asyncio.wait_for(outcome, 10), RunCancelled)
    assert seen[-1].type != "run_completed_stream_event"
    await until(lambda: _async(worker.active == 0))
    assert (await backend.status(run_id))["status"] == "cancelled"
    await backend.cancel(run_id)  # no-op once ended


async def _async(value: bool) -> bool:
    return value


async def test_cancelling_a_queued_run_needs_no_worker(redis_client: Redis) -> None:
    backend = RedisBackend(redis_client)
    run_id = await backend.start("never runs")
    await backend.cancel(run_id)
    events, error = await collect(await backend.events(run_id))
    assert (events, type(error)) == ([], RunCancelled)
    # A worker that comes later acknowledges the request without running it.
    w = RedisWorker(redis_client, make_agent, lease_timeout=2)
    task = asyncio.ensure_future(w.run())
    await until(lambda: _queue_empty(redis_client, backend))
    w.stop()
    await task
    assert await redis_client.xlen(backend.keys.events(run_id)) == 1


async def _queue_empty(client: Redis, backend: RedisBackend) -> bool:
    return int(await client.xlen(backend.keys.requests)) == 0


async def test_unknown_runs_and_the_queue_limit(redis_client: Redis) -> None:
    backend = RedisBackend(redis_client, max_queued=2)
    with pytest.raises(UnknownRun):
        await backend.events("run_nope")
    with pytest.raises(UnknownRun):
        await backend.cancel("run_nope")
    await backend.start("a")
    await backend.start("b")
    with pytest.raises(TooManyRuns):
        await backend.start("c")


async def test_a_factory_gives_each_run_a_fresh_scripted_model(redis_client: Redis) -> None:
    w = RedisWorker(redis_client, scripted_once, concurrency=2)
    task = asyncio.ensure_future(w.run())
    backend = RedisBackend(redis_client)
    for _ in range(3):
        run_id = await backend.start("hi")
        events, error = await collect(await backend.events(run_id))
        assert (text_of(events), error) == ("scripted hello", None)
    w.stop()
    await task


async def test_a_shared_scripted_agent_fails_typed_on_its_second_run(redis_client: Redis) -> None:
    w = RedisWorker(redis_client, scripted_once(), concurrency=1)
    task = asyncio.ensure_future(w.run())
    backend = RedisBackend(redis_client)
    first = await backend.start("hi")
    assert (await collect(await backend.events(first)))[1] is None
    second = await backend.start("hi")
    _, error = await collect(await backend.events(second))
    assert type(error).__name__ == "ScriptExhausted"
    w.stop()
    await task


async def test_a_publisher_without_the_lease_cannot_write(redis_client: Redis) -> None:
    await redis_client.set("lease", "worker-b:1")
    stale = RedisPublisher(redis_client, "events", lease=("lease", "worker-a:1"))
    from rxagents.events import RunRestartedStreamEvent

    stale.put(RunRestartedStreamEvent(run_id="r", sequence_number=0, attempt=2, reason="x"))
    with pytest.raises(LeaseLost):
        await stale.finish()
    assert await redis_client.exists("events") == 0


def test_bad_agents_are_user_errors(redis_client: Any) -> None:
    with pytest.raises(UserError, match="not an rxagents Agent"):
        RedisWorker(redis_client, lambda: "nope")  # type: ignore[arg-type, return-value]
    with pytest.raises(UserError, match="concurrency"):
        RedisWorker(redis_client, make_agent, concurrency=0)


async def test_from_redis_reads_a_worker_run_with_agents_restored(
    redis_client: Redis, worker: RedisWorker
) -> None:
    backend = RedisBackend(redis_client)
    run_id = await backend.start("who")
    agent = make_agent()
    events, error = await collect(
        from_redis(redis_client, backend.keys.events(run_id), agents={"echo": agent})
    )
    assert error is None
    assert events[0].new_agent is agent  # type: ignore[union-attr]


async def test_a_pool_smaller_than_the_concurrency_loses_no_run(
    redis_client: Redis, redis_server: Any
) -> None:
    narrow = redis_server.client(max_connections=6)
    # A long lease: a run dropped at its first failed command would wait a minute to be
    # claimed again; the worker must retry instead.
    w = RedisWorker(narrow, make_agent, concurrency=12, lease_timeout=60)
    task = asyncio.ensure_future(w.run())
    backend = RedisBackend(redis_client)
    prompts = [f"narrow-{i}" for i in range(12)]
    run_ids = [await backend.start(p) for p in prompts]
    streams = [await backend.events(r) for r in run_ids]
    results = await asyncio.gather(*(collect(s, timeout=30) for s in streams))
    for prompt, (events, error) in zip(prompts, results, strict=True):
        assert (text_of(events), error) == (reply_for(prompt), None)
    w.stop()
    await task
    await narrow.aclose()


async def test_a_worker_without_redis_fails_typed() -> None:
    from rxagents.redis import RedisUnavailable, connect
    from tests.redis.conftest import free_port

    client = connect(f"redis://127.0.0.1:{free_port()}/0")
    w = RedisWorker(client, make_agent, reconnect_timeout=0.5)
    with pytest.raises(RedisUnavailable):
        await asyncio.wait_for(w.run(), 30)
    await client.aclose()


async def test_a_worker_keeps_serving_across_a_redis_restart(own_redis_server: Any) -> None:
    client = own_redis_server.client()
    w = RedisWorker(client, make_agent, concurrency=2, lease_timeout=2)
    task = asyncio.ensure_future(w.run())
    backend = RedisBackend(client)
    before = await backend.start("before")
    assert (await collect(await backend.events(before)))[1] is None
    own_redis_server.stop()
    own_redis_server.start()  # empty: the consumer group is gone too
    after = await backend.start("after")
    events, error = await collect(await backend.events(after))
    assert (text_of(events), error) == (reply_for("after"), None)
    w.stop()
    await asyncio.wait_for(task, 10)
    await client.aclose()
