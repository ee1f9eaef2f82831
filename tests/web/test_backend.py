"""InMemoryRunBackend: limits, bounded retention, orphan cancellation, replay after a point."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from rxagents import Agent
from rxagents.errors import RunCancelled, UserError
from rxagents.events import StreamEvent
from rxagents.rx import aiter
from rxagents.testing import text
from rxagents.web import InMemoryRunBackend, RunBackend, TooManyRuns, UnknownRun
from tests.web.support import ProbeModel, wait_for


async def collect(backend: RunBackend, run_id: str, after: int | None = None) -> list[StreamEvent]:
    async with aiter(await backend.events(run_id, after)) as events:
        return [event async for event in events]


def agent(model: Any) -> Agent[None]:
    return Agent("bot", model=model)


async def test_is_a_run_backend_and_replays_from_any_point() -> None:
    backend = InMemoryRunBackend(agent(ProbeModel([[text("hello there", chunk_size=2)]])))
    assert isinstance(backend, RunBackend)
    run_id = await backend.start("hi")
    everything = await collect(backend, run_id)
    assert [e.sequence_number for e in everything] == list(range(len(everything)))
    assert everything[-1].type == "run_completed_stream_event"
    tail = await collect(backend, run_id, after=len(everything) - 3)
    assert tail == everything[-2:]
    assert await collect(backend, run_id, after=-1) == everything
    await backend.aclose()


async def test_concurrency_limit_and_cancel_frees_a_slot() -> None:
    model = ProbeModel([[text("abc", chunk_size=1)]], hold_after=1)
    backend = InMemoryRunBackend(agent(model), max_concurrent=2, orphan_timeout=None)
    first = await backend.start("1")
    await backend.start("2")
    with pytest.raises(TooManyRuns, match="limit 2"):
        await backend.start("3")
    await backend.cancel(first)
    assert backend.running == 1
    with pytest.raises(RunCancelled):
        await collect(backend, first)
    await backend.start("3")
    await backend.aclose()
    assert backend.held == 0


async def test_held_runs_are_bounded_oldest_finished_evicted_first() -> None:
    backend = InMemoryRunBackend(agent(ProbeModel([[text("x")]])), max_concurrent=1, max_runs=2)
    ids = []
    for prompt in "abc":
        run_id = await backend.start(prompt)
        await backend.handle(run_id).result()
        ids.append(run_id)
    assert backend.held == 2
    with pytest.raises(UnknownRun, match=ids[0]):
        await backend.events(ids[0])
    assert (await collect(backend, ids[2]))[-1].type == "run_completed_stream_event"


async def test_finished_runs_expire_after_ttl() -> None:
    backend = InMemoryRunBackend(agent(ProbeModel([[text("x")]])), ttl=0.05)
    run_id = await backend.start("hi")
    await backend.handle(run_id).result()
    assert backend.held == 1  # still readable right after it finished
    async with asyncio.timeout(10):
        while backend.held:
            await asyncio.sleep(0.01)
    with pytest.raises(UnknownRun):
        await backend.cancel(run_id)

    instant = InMemoryRunBackend(agent(ProbeModel([[text("x")]])), ttl=0)
    run_id = await instant.start("hi")
    await instant.handle(run_id).result()
    assert instant.held == 0


async def test_a_run_nobody_reads_is_cancelled_after_the_orphan_timeout() -> None:
    model = ProbeModel([[text("abcdef", chunk_size=1)]], hold_after=2)
    backend = InMemoryRunBackend(agent(model), orphan_timeout=0.05)
    run_id = await backend.start("hi")
    await wait_for(model.closed, "the unread run to be cancelled")
    with pytest.raises(RunCancelled):
        await backend.handle(run_id).result()


async def test_a_reader_keeps_the_run_alive_and_leaving_arms_the_timer() -> None:
    model = ProbeModel([[text("abcdef", chunk_size=1)]], hold_after=2)
    backend = InMemoryRunBackend(agent(model), orphan_timeout=0)
    run_id = await backend.start("hi")
    seen: list[StreamEvent] = []
    subscription = (await backend.events(run_id)).subscribe(seen.append)
    await wait_for(model.holding, "the model to hold")
    # A zero timeout would fire on the loop's next turns; a reader is attached, so it must not.
    for _ in range(20):
        await asyncio.sleep(0)
    assert not model.closed.is_set()
    subscription.dispose()
    await wait_for(model.closed, "the run to be cancelled once its reader left")
    assert seen and seen[0].type == "agent_updated_stream_event"


async def test_unknown_ids_and_bad_settings() -> None:
    backend = InMemoryRunBackend(agent(ProbeModel([[text("x")]])))
    with pytest.raises(UnknownRun, match="POST /runs"):
        await backend.events("run_nope")
    with pytest.raises(UnknownRun):
        await backend.cancel("run_nope")
    with pytest.raises(UserError, match="max_runs"):
        InMemoryRunBackend(agent(None), max_concurrent=5, max_runs=4)
    with pytest.raises(UserError, match="max_concurrent"):
        InMemoryRunBackend(agent(None), max_concurrent=0)
    with pytest.raises(UserError, match="ttl"):
        InMemoryRunBackend(agent(None), ttl=-1)
