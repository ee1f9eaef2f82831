"""5. Backpressure: a slow consumer, and how far the model is read ahead of it.

The model yields 100k text deltas; the consumer pauses 1 ms every 100 events.
*Lag* is how many deltas the model has produced that the consumer has not seen
yet; the table shows its largest value over the run, and the peak RSS growth
of a fresh process running it. Two models: one that never awaits (a burst of
already-received data, as when one socket read holds many SSE events) and one
that awaits the loop before every delta.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any

from benchmarks import contenders as c
from benchmarks.child import measure
from benchmarks.harness import Section, Settings, fmt, interleaved, median
from benchmarks.workload import one_turn, rx_agent, sdk_agent

PAUSE_EVERY = 100
PAUSE_S = 0.001


class Lag:
    """Counts deltas produced by the model and seen by the consumer."""

    def __init__(self) -> None:
        self.produced = 0
        self.consumed = 0
        self.max_lag = 0
        self.seen = 0

    def on_yield(self) -> None:
        self.produced += 1

    async def on_event(self, event: Any) -> None:
        self.seen += 1
        if event.type == "raw_response_event" and event.data.type == "response.output_text.delta":
            self.consumed += 1
            lag = self.produced - self.consumed
            if lag > self.max_lag:
                self.max_lag = lag
        if self.seen % PAUSE_EVERY == 0:
            await asyncio.sleep(PAUSE_S)


async def rx_consumer(deltas: int, awaiting: bool = False) -> dict[str, float]:
    """rxagents: ``async for`` over the run (bounded, backpressured iterator)."""
    from rxagents import Runner

    lag = Lag()
    agent = rx_agent(one_turn(deltas), awaiting=awaiting, on_yield=lag.on_yield)
    start = time.perf_counter()
    async for event in Runner.run_streamed(agent, "hi"):
        await lag.on_event(event)
    return {"max_lag": lag.max_lag, "seconds": time.perf_counter() - start}


async def sdk_consumer(deltas: int, awaiting: bool = False) -> dict[str, float]:
    """The SDK: ``async for`` over ``stream_events()`` (an unbounded queue)."""
    import agents

    from benchmarks.sdk_model import RUN_CONFIG

    lag = Lag()
    agent = sdk_agent(one_turn(deltas), awaiting=awaiting, on_yield=lag.on_yield)
    start = time.perf_counter()
    result = agents.Runner.run_streamed(agent, "hi", run_config=RUN_CONFIG)
    async for event in result.stream_events():
        await lag.on_event(event)
    return {"max_lag": lag.max_lag, "seconds": time.perf_counter() - start}


async def rx_consumer_awaiting(deltas: int) -> dict[str, float]:
    """:func:`rx_consumer` with a model that awaits before every delta."""
    return await rx_consumer(deltas, True)


async def sdk_consumer_awaiting(deltas: int) -> dict[str, float]:
    """:func:`sdk_consumer` with a model that awaits before every delta."""
    return await sdk_consumer(deltas, True)


Consumer = Callable[[int], Awaitable[dict[str, float]]]


async def run(settings: Settings) -> list[Section]:
    """Lag and memory, rxagents against the SDK, for both kinds of model."""
    deltas = settings.size(100_000, 1_000)
    contenders: dict[str, tuple[str, Consumer]] = {
        "rxagents, `async for` (bounded, 256), model never awaits": ("rx", rx_consumer),
        "rxagents, `async for` (bounded, 256), model awaits": (
            "rx_awaiting",
            rx_consumer_awaiting,
        ),
    }
    if c.sdk_available():
        contenders["OpenAI Agents SDK, stream_events(), model never awaits"] = (
            "sdk",
            sdk_consumer,
        )
        contenders["OpenAI Agents SDK, stream_events(), model awaits"] = (
            "sdk_awaiting",
            sdk_consumer_awaiting,
        )
    lags: dict[str, list[float]] = {k: [] for k in contenders}

    def job(name: str, consume: Consumer) -> Any:
        async def go() -> None:
            lags[name].append((await consume(deltas))["max_lag"])

        return go

    # The lag needs no warm-up round; memory comes from one fresh process each.
    samples = await interleaved(
        {k: job(k, f) for k, (_, f) in contenders.items()}, replace(settings, warmup=0)
    )
    section = Section(
        key="backpressure",
        title=f"Backpressure: {deltas:,} deltas, consumer pauses {PAUSE_S * 1e3:g} ms "
        f"every {PAUSE_EVERY} events",
        description=(
            "Largest lag (deltas produced by the model, not yet seen by the consumer), "
            "wall time, and the peak RSS growth of a fresh process doing one such run."
        ),
        columns=["contender", "max lag (deltas)", "wall s", "peak RSS growth (MiB)"],
    )
    for name, (slug, _) in contenders.items():
        figures = await measure(f"backpressure_{slug}", deltas, fresh=settings.fresh_processes)
        rss = figures["peak_rss_growth_mib"]
        lag = median(lags[name])
        section.add(name, fmt(lag, 0), fmt(samples.wall(name), 2), fmt(rss, 1))
        section.data[f"{slug}_max_lag"] = lag
        section.data[f"{slug}_rss_mib"] = rss
        section.data[f"{slug}_seconds"] = samples.wall(name)
    section.notes.append(
        f"Lag and wall time: medians of {settings.repeats} interleaved runs in this process; "
        "memory: one fresh process per row."
    )
    return [section]
