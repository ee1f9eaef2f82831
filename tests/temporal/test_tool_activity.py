"""The tool-call activity on its own (temporalio's ActivityEnvironment): an attempt that
finds its call already done returns the recorded output without running the tool."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from typing import Any

import pytest
from redis.asyncio import Redis
from temporalio.testing import ActivityEnvironment

from rxagents import Agent, function_tool
from rxagents.redis import connect
from rxagents.temporal._shared import WorkerShared
from rxagents.temporal._tool import run_tool
from rxagents.temporal._types import ToolInput
from tests.redis.conftest import RedisServer


@pytest.fixture
async def redis(events_redis: RedisServer) -> AsyncIterator[Redis]:
    client = connect(events_redis.url)
    yield client
    await client.aclose()


async def test_a_finished_call_is_not_run_again_by_a_later_attempt(redis: Redis) -> None:
    calls: list[str] = []

    @function_tool
    def pay(amount: int) -> str:
        """Pay (a side effect)."""
        calls.append(f"paid {amount}")
        return f"paid {amount}"

    agent = Agent("payer", tools=[pay])
    shared = WorkerShared(lambda: agent, redis)
    call = {"type": "function_call", "call_id": "c1", "name": "pay", "arguments": '{"amount": 5}'}
    inp = ToolInput("r-tool", "toolact", "payer", call, maximum_attempts=3)
    outputs: list[Any] = []
    for attempt in (1, 2):  # attempt 2: the worker was lost after the tool finished
        env = ActivityEnvironment()
        env.info = dataclasses.replace(env.info, activity_id="7", attempt=attempt)
        outputs.append(await env.run(run_tool, shared, inp))
    assert calls == ["paid 5"]
    assert outputs[0] == outputs[1]
    assert outputs[0].raw_item == {"type": "function_call_output", "call_id": "c1",
                                   "output": "paid 5"}  # fmt: skip
    assert await redis.xlen("toolact:run:r-tool:events") == 1  # one tool_output event
