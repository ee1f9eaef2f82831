"""2. Time to first event: from ``run_streamed(...)`` to the first text delta in hand."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any

from benchmarks import contenders as c
from benchmarks.harness import Sample, Section, Settings, fmt, interleaved
from benchmarks.workload import Turn, one_turn, rx_agent, sdk_agent

TARGET_MS = 1.0

Probe = Callable[[Sequence[Turn], bool], Awaitable[Sample]]


class Clock:
    """Wall and CPU clocks started together."""

    def __init__(self) -> None:
        self.wall = time.perf_counter()
        self.cpu = time.process_time()

    def read(self) -> Sample:
        """Seconds since the start, on both clocks."""
        return Sample(time.perf_counter() - self.wall, time.process_time() - self.cpu)


def _is_delta(event: Any) -> bool:
    return bool(
        event.type == "raw_response_event" and event.data.type == "response.output_text.delta"
    )


async def rx_subscribe(script: Sequence[Turn], awaiting: bool) -> Sample:
    """Until a plain subscriber's ``on_next`` receives the first delta."""
    from rxagents import Runner

    first: asyncio.Future[Sample] = asyncio.get_running_loop().create_future()

    def on_next(event: Any) -> None:
        if not first.done() and _is_delta(event):
            first.set_result(clock.read())

    def on_error(error: Exception) -> None:
        if not first.done():
            first.set_exception(error)

    agent = rx_agent(script, awaiting=awaiting)
    clock = Clock()
    subscription = Runner.run_streamed(agent, "hi").subscribe(on_next, on_error)
    arrived = await first
    subscription.dispose()
    await asyncio.sleep(0)
    return arrived


async def rx_iterate(script: Sequence[Turn], awaiting: bool) -> Sample:
    """Until an ``async for`` body receives the first delta."""
    from rxagents import Runner

    agent = rx_agent(script, awaiting=awaiting)
    clock = Clock()
    async with Runner.run_streamed(agent, "hi") as events:
        async for event in events:
            if _is_delta(event):
                return clock.read()
    raise RuntimeError("the run produced no text delta")


async def sdk_iterate(script: Sequence[Turn], awaiting: bool) -> Sample:
    """Until the SDK's ``stream_events()`` yields the first delta."""
    import agents

    from benchmarks.sdk_model import RUN_CONFIG

    agent = sdk_agent(script, awaiting=awaiting)
    clock = Clock()
    result = agents.Runner.run_streamed(agent, "hi", run_config=RUN_CONFIG)
    try:
        async for event in result.stream_events():
            if _is_delta(event):
                return clock.read()
    finally:
        result.cancel()
        async for _ in result.stream_events():
            pass
    raise RuntimeError("the run produced no text delta")


async def run(settings: Settings) -> list[Section]:
    """First-delta latency for a model that never awaits and for one that does."""
    deltas = settings.size(20_000, 200)
    script = one_turn(deltas)
    probes: dict[str, Probe] = {
        "rxagents, plain subscriber": rx_subscribe,
        "rxagents, `async for`": rx_iterate,
    }
    if c.sdk_available():
        probes["OpenAI Agents SDK, stream_events()"] = sdk_iterate
    section = Section(
        key="latency",
        title=f"Time to first event: first text delta of a {deltas:,}-delta answer",
        description=(
            f"Medians of {settings.rounds(9)} rounds. "
            "Milliseconds from `run_streamed(...)` (the agent already built) to the "
            "consumer holding the first text delta, as CPU time of this process (what the "
            "targets use: the machine is shared) and wall time. *never awaits*: the model "
            "yields every event without giving the loop a turn (a fast local source); "
            "*awaits*: `await asyncio.sleep(0)` before each delta (a socket)."
        ),
        columns=[
            "contender",
            "never awaits: CPU ms",
            "wall ms",
            "awaits: CPU ms",
            "wall ms",
        ],
    )
    results: dict[tuple[str, bool], tuple[float, float]] = {}
    for awaiting in (False, True):

        def job(probe: Probe, awaiting: bool = awaiting) -> Callable[[], Awaitable[Sample]]:
            return lambda: probe(script, awaiting)

        jobs = {k: job(p) for k, p in probes.items()}
        samples = await interleaved(jobs, settings, repeats=settings.rounds(9))
        for name in probes:
            results[(name, awaiting)] = (samples.cpu(name) * 1e3, samples.wall(name) * 1e3)
    for name in probes:
        (eager, eager_wall), (awaits, awaits_wall) = results[(name, False)], results[(name, True)]
        section.add(name, fmt(eager, 3), fmt(eager_wall, 3), fmt(awaits, 3), fmt(awaits_wall, 3))
        slug = name.split(",")[0].split()[0].lower() + ("_iter" if "async for" in name else "")
        section.data[f"{slug}_never_awaits_ms"] = eager
        section.data[f"{slug}_awaits_ms"] = awaits
        if name.startswith("rxagents"):
            section.target(
                f"time to first event, {name}",
                f"<= {TARGET_MS:g} ms",
                f"{eager:.3f} / {awaits:.3f} ms",
                max(eager, awaits) <= TARGET_MS,
            )
    return [section]
