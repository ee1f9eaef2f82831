"""The ways to consume one run, shared by the benchmarks.

Each function runs one script to completion and returns how many stream
events its consumer saw (so a benchmark can check every contender did the
whole job, not just time it).
"""

from __future__ import annotations

import asyncio
import importlib.util
from collections.abc import Callable, Sequence
from typing import Any

from reactivex import Observable

from benchmarks.workload import Turn, rx_agent, script_events, sdk_agent

MAX_TURNS = 100


def sdk_available() -> bool:
    """Whether the OpenAI Agents SDK (the ``bench`` group) is installed."""
    return importlib.util.find_spec("agents") is not None


def operators_available(*names: str) -> bool:
    """Whether ``rxagents.operators`` exports every one of ``names`` yet."""
    try:
        import rxagents.operators as ops
    except ImportError:
        return False
    return all(hasattr(ops, name) for name in names)


async def drain(observable: Observable[Any], on_item: Callable[[Any], None] | None = None) -> int:
    """Subscribe with a plain observer, wait for completion; items seen."""
    loop = asyncio.get_running_loop()
    done: asyncio.Future[None] = loop.create_future()
    count = 0

    def on_next(item: Any) -> None:
        nonlocal count
        count += 1

    def on_error(error: Exception) -> None:
        if not done.done():
            done.set_exception(error)

    def on_completed() -> None:
        if not done.done():
            done.set_result(None)

    observable.subscribe(on_item or on_next, on_error, on_completed)
    await done
    return count


async def floor(script: Sequence[Turn], awaiting: bool = False) -> int:
    """No framework: build and iterate the same Responses events."""
    count = 0
    async for _ in script_events(script, awaiting=awaiting):
        count += 1
    return count


async def rx_subscribe(script: Sequence[Turn], awaiting: bool = False) -> int:
    """rxagents ``Runner.run_streamed`` with a plain ``subscribe(on_next)``."""
    from rxagents import Runner

    stream = Runner.run_streamed(rx_agent(script, awaiting=awaiting), "hi", max_turns=MAX_TURNS)
    return await drain(stream)


async def rx_iterate(script: Sequence[Turn], awaiting: bool = False) -> int:
    """rxagents ``async for event in Runner.run_streamed(...)`` (the bounded iterator)."""
    from rxagents import Runner

    count = 0
    async for _ in Runner.run_streamed(
        rx_agent(script, awaiting=awaiting), "hi", max_turns=MAX_TURNS
    ):
        count += 1
    return count


async def rx_pipeline(script: Sequence[Turn], awaiting: bool = False) -> int:
    """rxagents with the typical UI pipeline: ``text_deltas`` + ``accumulate`` + ``batch``.

    The run is shared between two branches, as a UI would: batched text for the
    page (``text_deltas`` then ``batch(50, 0.05)``) and the accumulated run
    state (``accumulate``). Items counted: batches plus snapshots.
    """
    import reactivex
    from reactivex import operators as ops

    from rxagents import Runner
    from rxagents.operators import accumulate, batch, text_deltas

    stream = Runner.run_streamed(rx_agent(script, awaiting=awaiting), "hi", max_turns=MAX_TURNS)

    def branches(events: Observable[Any]) -> Observable[Any]:
        return reactivex.merge(
            events.pipe(text_deltas(), batch(50, 0.05)),
            events.pipe(accumulate(), ops.last()),
        )

    return await drain(stream.pipe(ops.publish(branches)))


async def sdk_stream(script: Sequence[Turn], awaiting: bool = False) -> int:
    """The OpenAI Agents SDK's ``Runner.run_streamed`` + ``stream_events()``."""
    import agents

    from benchmarks.sdk_model import RUN_CONFIG

    result = agents.Runner.run_streamed(
        sdk_agent(script, awaiting=awaiting), "hi", run_config=RUN_CONFIG, max_turns=MAX_TURNS
    )
    count = 0
    async for _ in result.stream_events():
        count += 1
    return count
