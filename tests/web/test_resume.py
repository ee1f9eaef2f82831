"""Resuming an SSE stream: ``Last-Event-ID`` (or ``?after=``) continues without loss or repeats."""

from __future__ import annotations

import json
from typing import Any

import httpx

from rxagents import Agent
from rxagents.web import InMemoryRunBackend, create_app
from tests.web.support import ProbeModel, SSEParser
from tests.web.test_sse import read_sse, run_events, start_run, text_of

CONTENT = "The quick brown fox jumps over the lazy dog, twice over."


async def test_reconnect_with_last_event_id_resumes_exactly(
    serve: Any, client: httpx.AsyncClient
) -> None:
    model = ProbeModel([[text_step()]], hold_after=4)
    backend = InMemoryRunBackend(Agent("bot", model=model), orphan_timeout=None)
    base = serve(create_app(backend=backend))
    run_id = await start_run(client, base)

    # First connection: read until the 3rd text delta, then drop (like a lost network).
    first = SSEParser()
    async with client.stream("GET", f"{base}/runs/{run_id}/events") as response:
        async for chunk in response.aiter_text():
            first.feed(chunk)
            if len(text_of(run_events(first.messages))) >= 3 * 5:
                break
    model.gate.set()  # the run goes on while nobody is connected
    last_id = first.last_event_id
    assert last_id.isdigit()

    second = await read_sse(client, f"{base}/runs/{run_id}/events", {"Last-Event-ID": last_id})

    before, after = run_events(first.messages), run_events(second.messages)
    sequence = [e["sequence_number"] for e in before + after]
    assert sequence == list(range(len(sequence)))  # nothing lost, nothing repeated
    assert after[0]["sequence_number"] == int(last_id) + 1
    assert text_of(before) + text_of(after) == CONTENT
    assert second.messages[-1].event == "done"
    assert not model.closed.is_set()


async def test_resume_after_the_run_finished_and_with_after_query(
    serve: Any, client: httpx.AsyncClient
) -> None:
    model = ProbeModel([[text_step()]])
    base = serve(create_app(Agent("bot", model=model)))
    run_id = await start_run(client, base)
    whole = run_events((await read_sse(client, f"{base}/runs/{run_id}/events")).messages)
    last = whole[-1]["sequence_number"]

    tail = await read_sse(client, f"{base}/runs/{run_id}/events?after={last - 2}")
    assert [e["sequence_number"] for e in run_events(tail.messages)] == [last - 1, last]

    # Resuming after the very last event gives no event, just the end of the stream.
    nothing = await read_sse(client, f"{base}/runs/{run_id}/events", {"Last-Event-ID": str(last)})
    assert [m.event for m in nothing.messages] == ["done"]
    assert json.loads(nothing.messages[0].data)["status"] == "completed"


def text_step() -> Any:
    from rxagents.testing import text

    return text(CONTENT, chunk_size=5)
