"""Two web nodes and two workers as separate processes on one redis-server."""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import httpx
import pytest
from redis.asyncio import Redis

from rxagents.redis import WorkerLost, connect
from rxagents.redis.backend import RedisBackend
from rxagents.redis.worker import RedisWorker
from rxagents.testing.grammar import assert_valid_run
from tests.redis.agent_file import make_agent, reply_for
from tests.redis.cluster import Cluster
from tests.redis.conftest import RedisServer, free_port
from tests.redis.helpers import (
    assert_gap_free,
    collect,
    run_events,
    sse,
    start,
    text_of_messages,
    until,
)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    server = RedisServer(tmp_path_factory.mktemp("redis-cluster"), free_port())
    server.start()
    nodes = Cluster(redis=server, logs=tmp_path_factory.mktemp("logs"))
    try:
        nodes.start_web()
        nodes.start_web()
        nodes.start_worker()
        nodes.start_worker()
        nodes.start_worker("--prefix", "lost")  # the victim of the WorkerLost test
        nodes.wait_ready()
        yield nodes
    finally:
        nodes.stop()
        server.stop()


@pytest.fixture
async def http() -> AsyncIterator[httpx.AsyncClient]:
    limits = httpx.Limits(keepalive_expiry=1.0)  # below uvicorn's 5 s idle close
    async with httpx.AsyncClient(timeout=httpx.Timeout(30.0), limits=limits) as client:
        yield client


@pytest.fixture
async def redis(cluster: Cluster) -> AsyncIterator[Redis]:
    client = connect(cluster.redis.url)
    yield client
    await client.aclose()


async def test_a_client_reads_half_from_node_a_and_the_rest_from_node_b(
    cluster: Cluster, http: httpx.AsyncClient
) -> None:
    (_, node_a), (_, node_b) = cluster.web
    run_id = await start(http, node_a, "slow: split")
    first = await sse(http, f"{node_a}/runs/{run_id}/events", stop_after=12)
    assert len(first) == 12
    rest = await sse(http, f"{node_b}/runs/{run_id}/events", last_event_id=first[-1].id)
    whole = first + rest
    assert_gap_free(whole)
    assert text_of_messages(whole) == reply_for("slow: split")
    assert rest[-1].data == {"type": "done", "status": "completed"}


async def test_a_run_past_its_restarts_fails_with_worker_lost(
    cluster: Cluster, http: httpx.AsyncClient, tmp_path: Path
) -> None:
    # Its own prefix: a victim worker subprocess, then a worker here with max_restarts=0.
    victim = cluster.workers[2]
    client = connect(cluster.redis.url)
    backend = RedisBackend(client, prefix="lost")
    run_id = await backend.start("slow: unlucky")
    seen = []
    stream = await backend.events(run_id)
    subscription = stream.subscribe(seen.append)
    await until(lambda: _at_least(seen, 15))
    subscription.dispose()
    os.kill(victim.pid, signal.SIGKILL)
    victim.wait(10)

    rescuer = RedisWorker(
        client, make_agent, prefix="lost", lease_timeout=cluster.lease_timeout, max_restarts=0
    )
    serving = asyncio.ensure_future(rescuer.run())
    events, error = await collect(await backend.events(run_id))
    assert isinstance(error, WorkerLost)
    assert "restart" in str(error)
    assert_valid_run(events, truncated=True)  # it failed: no RunCompletedStreamEvent
    assert all(e.type != "run_restarted_stream_event" for e in events)
    await until(lambda: _status_is(backend, run_id, "failed"))
    rescuer.stop()
    await serving
    await client.aclose()


async def _status_is(backend: RedisBackend, run_id: str, status: str) -> bool:
    return (await backend.status(run_id)).get("status") == status


async def _at_least(items: list[object], n: int) -> bool:
    return len(items) >= n


async def test_200_concurrent_runs_lose_and_duplicate_nothing(
    cluster: Cluster, http: httpx.AsyncClient
) -> None:
    nodes = [url for _, url in cluster.web]
    prompts = [f"run-{i}" for i in range(200)]
    # uvicorn closes a keep-alive connection after 5 s idle; on a loaded machine the
    # gap between a start and the stream read on the same connection can exceed that,
    # and httpx does not retry a POST on a connection the server just closed.
    limits = httpx.Limits(
        max_connections=500, max_keepalive_connections=100, keepalive_expiry=1.0
    )
    async with httpx.AsyncClient(timeout=httpx.Timeout(60.0), limits=limits) as many:
        run_ids = await asyncio.gather(
            *(start(many, nodes[i % 2], p) for i, p in enumerate(prompts))
        )
        streams = await asyncio.gather(
            *(
                sse(many, f"{nodes[(i + 1) % 2]}/runs/{run_id}/events")
                for i, run_id in enumerate(run_ids)
            )
        )
    assert len(set(run_ids)) == 200
    for prompt, run_id, messages in zip(prompts, run_ids, streams, strict=True):
        assert_gap_free(messages)
        # A worker stalled past its lease would restart runs: not expected here.
        assert "run_restarted_stream_event" not in [m.event for m in messages]
        assert {m.data["run_id"] for m in run_events(messages)} == {run_id}
        assert text_of_messages(messages) == reply_for(prompt)
        assert messages[-1].data == {"type": "done", "status": "completed"}


async def test_cancel_on_one_node_stops_the_run_read_on_another(
    cluster: Cluster, http: httpx.AsyncClient
) -> None:
    (_, node_a), (_, node_b) = cluster.web
    run_id = await start(http, node_a, "slow: stop me")
    reading = asyncio.ensure_future(sse(http, f"{node_a}/runs/{run_id}/events"))
    await asyncio.sleep(0.3)  # let it stream a little (not a timing assertion)
    response = await http.post(f"{node_b}/runs/{run_id}/cancel")
    assert response.status_code == 200
    messages = await reading
    assert messages[-1].data == {"type": "done", "status": "cancelled"}
    assert "run_completed_stream_event" not in [m.event for m in messages]


async def test_a_web_node_without_redis_answers_503(cluster: Cluster) -> None:
    from rxagents.redis.backend import create_redis_app

    app = create_redis_app(f"redis://127.0.0.1:{free_port()}/0", reconnect_timeout=0.3)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
        response = await client.post("/runs", json={"input": "hi"})
    assert response.status_code == 503
    assert response.json()["error"] == "redis_unavailable"


async def test_killing_a_worker_mid_run_restarts_the_run_on_the_other(
    cluster: Cluster, http: httpx.AsyncClient, redis: Redis
) -> None:
    (_, node_a), (_, node_b) = cluster.web
    backend = RedisBackend(redis)
    run_id = await start(http, node_a, "slow: doomed")
    before = await sse(http, f"{node_a}/runs/{run_id}/events", stop_after=20)
    assert text_of_messages(before)  # the answer is streaming
    holder = (await redis.get(backend.keys.lease(run_id))).decode()
    pid = int(holder.rsplit(":", 1)[0].rsplit("-", 2)[1])
    victim = cluster.worker_by_pid(pid)
    os.kill(pid, signal.SIGKILL)
    victim.wait(10)

    after = await sse(http, f"{node_b}/runs/{run_id}/events", last_event_id=before[-1].id)
    whole = before + after
    # What the client sees: the first attempt's partial answer, then one
    # run_restarted_stream_event, then the whole run again from its first event,
    # with sequence numbers that never go back or skip.
    assert_gap_free(whole)
    kinds = [m.event for m in whole]
    assert kinds.count("run_restarted_stream_event") == 1
    restart = kinds.index("run_restarted_stream_event")
    assert whole[restart].data["attempt"] == 2
    assert kinds[restart + 1] == "agent_updated_stream_event"
    assert text_of_messages(whole[restart:]) == reply_for("slow: doomed")
    assert reply_for("slow: doomed").startswith(text_of_messages(whole[:restart]))
    assert kinds[-2:] == ["run_completed_stream_event", "done"]
    await until(lambda: _status_is(backend, run_id, "completed"))
    status = await backend.status(run_id)
    assert status["attempt"] == "2"
    assert str(pid) not in status["worker"]
