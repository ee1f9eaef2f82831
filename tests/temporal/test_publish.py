"""The stream writer of durable runs: gap-free numbering across writers, retried batches
skipped, stale turn attempts fenced off, outputs recorded with their event."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import pytest
from redis.asyncio import Redis

from rxagents.events import AgentUpdatedStreamEvent
from rxagents.redis import connect, from_redis
from rxagents.temporal._publish import EventWriter, Fenced, StreamEnded, claim_turn, recorded
from tests.redis.conftest import RedisServer
from tests.redis.helpers import collect


@pytest.fixture
async def redis(events_redis: RedisServer) -> AsyncIterator[Redis]:
    client = connect(events_redis.url)
    yield client
    await client.aclose()


def _event(name: str) -> Any:
    return AgentUpdatedStreamEvent(run_id="r1", sequence_number=0, new_agent=name)


async def test_writers_one_after_another_number_the_stream_without_gaps(redis: Redis) -> None:
    prefix = "pub1"
    for scope, names in (("a", ["x", "y"]), ("b", ["z"]), ("c", ["w", "v"])):
        writer = EventWriter(redis, prefix, "r1", scope)
        for name in names:
            writer.put(_event(name))
        await writer.close()
    ender = EventWriter(redis, prefix, "r1", "end")
    ender.put_end(None)
    await ender.close()
    events, error = await collect(from_redis(redis, f"{prefix}:run:r1:events"))
    assert error is None
    assert [e.sequence_number for e in events] == [0, 1, 2, 3, 4]
    assert [e.new_agent.name for e in events] == ["x", "y", "z", "w", "v"]
    late = EventWriter(redis, prefix, "r1", "late")
    late.put(_event("after the end"))
    with pytest.raises(StreamEnded):
        await late.close()


async def test_a_batch_sent_again_by_the_same_scope_is_not_appended_twice(redis: Redis) -> None:
    prefix = "pub2"
    for _ in range(2):  # the same scope's batch 0 twice: a retry after a lost reply
        writer = EventWriter(redis, prefix, "r1", "turn:1:1", record=("o:1", "done"))
        writer.put(_event("once"))
        await writer.close()
    assert await redis.xlen(f"{prefix}:run:r1:events") == 1
    assert await recorded(redis, prefix, "r1", "o:1") == "done"


async def test_an_older_attempt_of_a_turn_is_fenced_off(redis: Redis) -> None:
    prefix = "pub3"
    assert await claim_turn(redis, prefix, "r1", "attempt-1", "t:1") is None
    old = EventWriter(redis, prefix, "r1", "attempt-1", fence=True, turn_mark="t:1")
    await old._send([("e", _event("first").model_dump_json(), "")])  # one batch through
    assert await claim_turn(redis, prefix, "r1", "attempt-2", "t:1") == 0  # it began at 0
    with pytest.raises(Fenced):
        await old._send([("e", _event("stale").model_dump_json(), "")])
    old.abort()
    new = EventWriter(redis, prefix, "r1", "attempt-2", fence=True, turn_mark="t:1")
    new.put(_event("second attempt"))
    await new.close()
    assert await redis.hget(f"{prefix}:run:r1:writers", "t:1") == b"0"  # the first start kept
    names = [e.new_agent.name for e in await _read(redis, prefix)]
    assert "stale" not in names and names[-1] == "second attempt"


async def _read(redis: Redis, prefix: str) -> list[Any]:
    ender = EventWriter(redis, prefix, "r1", "end")
    ender.put_end(None)
    await ender.close()
    events, error = await collect(from_redis(redis, f"{prefix}:run:r1:events"))
    assert error is None
    assert [e.sequence_number for e in events] == list(range(len(events)))
    return events
