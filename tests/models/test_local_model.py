"""The embedded model, end to end: protocol, never wording (a 135M model says anything)."""

from __future__ import annotations

import asyncio
import time
from typing import Literal

import pytest
from pydantic import BaseModel

from rxagents import Agent, Runner
from rxagents.model_settings import ModelSettings
from rxagents.models import LocalModel, local_model_available

from .conftest import raw_types, text_deltas

pytestmark = [
    pytest.mark.local_model,
    pytest.mark.skipif(not local_model_available(), reason="needs rxagents[local]"),
]


@pytest.fixture(scope="module")
def local() -> LocalModel:
    return LocalModel()


def agent(model: LocalModel, max_tokens: int, **extra: object) -> Agent[None]:
    settings = ModelSettings(max_tokens=max_tokens, temperature=0, seed=1)
    return Agent(
        "local", instructions="Answer briefly.", model=model, model_settings=settings, **extra
    )  # type: ignore[arg-type]


async def test_a_streamed_run_has_incremental_deltas_and_usage(local: LocalModel) -> None:
    arrivals: list[float] = []
    events = []
    async for event in Runner.run_streamed(agent(local, 12), "Name three colours."):
        events.append(event)
        if text_deltas([event]):
            arrivals.append(time.perf_counter())
    deltas = text_deltas(events)
    assert len(deltas) >= 2
    assert all(deltas)
    assert arrivals == sorted(arrivals)
    types = raw_types(events)
    assert types[:2] == ["response.created", "response.in_progress"]
    assert types[-1] in ("response.completed", "response.incomplete")
    result = events[-1].result  # type: ignore[union-attr]
    assert result.final_output == "".join(deltas)
    assert result.usage.input_tokens > 0
    assert 0 < result.usage.output_tokens <= 12


class Verdict(BaseModel):
    sentiment: Literal["positive", "negative"]


async def test_structured_output_follows_the_schema(local: LocalModel) -> None:
    structured = agent(local, 40, output_type=Verdict)
    result = await Runner.run(structured, "Classify: 'I love this phone.'")
    assert isinstance(result.final_output, Verdict)


class Review(BaseModel):
    sentiment: Literal["positive", "negative"]
    reason: str | None = None
    score: int = 0


async def test_llama_cpp_gets_the_strict_schema_and_writes_every_field(local: LocalModel) -> None:
    """llama.cpp turns the strict response_format into a grammar: all properties are
    required there, so even the optional ones are written (null is allowed for reason)."""
    import json

    from rxagents.items import MessageOutputItem

    structured = agent(local, 60, output_type=Review)
    result = await Runner.run(structured, "Classify: 'I love this phone.'")
    assert isinstance(result.final_output, Review)
    message = next(i for i in result.new_items if isinstance(i, MessageOutputItem))
    assert set(json.loads(message.text)) == {"sentiment", "reason", "score"}


async def test_llama_cpp_accepts_strict_tools(local: LocalModel) -> None:
    from rxagents import function_tool

    @function_tool
    def lookup(city: str, days: int | None = None) -> str:
        """Look a city up."""
        return city

    assert lookup.strict_json_schema
    result = await Runner.run(agent(local, 12, tools=[lookup]), "Weather in Paris?")
    assert result.usage.requests >= 1  # the request with strict tools was served


async def test_three_concurrent_runs_complete(local: LocalModel) -> None:
    runs = [Runner.run(agent(local, 8), f"Say a word about {topic}.") for topic in "abc"]
    results = await asyncio.gather(*runs)
    assert len(results) == 3
    assert all(r.usage.output_tokens > 0 for r in results)
    assert all(isinstance(r.final_output, str) for r in results)


async def test_every_local_model_shares_one_server(local: LocalModel) -> None:
    await local.start()
    other = LocalModel()
    assert other.server is local.server
    assert await other.start() == local.server.url


async def test_concurrent_first_use_starts_one_server() -> None:
    from concurrent.futures import ThreadPoolExecutor

    from rxagents.models.local import LocalServer, find_gguf

    server = LocalServer(find_gguf(), slots=1, context_per_slot=256)
    starts = 0
    original = server._start

    def counting_start() -> None:
        nonlocal starts
        starts += 1
        original()

    server._start = counting_start  # type: ignore[method-assign]
    try:
        with ThreadPoolExecutor(3) as pool:
            from_threads = [pool.submit(server.ensure_started) for _ in range(3)]
            from_tasks = await asyncio.gather(
                *(asyncio.to_thread(server.ensure_started) for _ in range(3))
            )
            urls = {f.result() for f in from_threads} | set(from_tasks)
        assert starts == 1
        assert urls == {server.url}
        assert server.startup_seconds is not None
    finally:
        server.stop()
    assert server.url is None
