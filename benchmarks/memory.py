"""6. Memory per run: 1,000 runs alive at once, every model parked mid-stream.

Each run is started and streams its first few deltas; then its model waits on
one shared :class:`asyncio.Event`, so every run is alive (model stream open,
loop state, consumer) at the same moment. The resident set size is read at
that moment, in a fresh process (:mod:`benchmarks.child`), and its growth
divided by the number of runs. The gate then opens and every run finishes, so
the figure also checks each contender consumed the whole run.

``python -m benchmarks.memory trace PROBE RUNS`` prints a tracemalloc summary
instead: the top allocation sites alive at the parked moment, in bytes per run.
"""

from __future__ import annotations

import asyncio
import gc
import sys
import tracemalloc
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

from openai.types.responses import ResponseStreamEvent

from benchmarks import contenders as c
from benchmarks.harness import Section, Settings, fmt, rss_mib
from benchmarks.workload import RxModel, Turn, _rx_tool, _sdk_tool, one_turn, script_events

TARGET_KIB = 10.0
DELTAS = 20
"""Text deltas per run."""
PARKED_AFTER = 3
"""Deltas each model yields before it parks."""
BASELINE = "plain asyncio tasks (baseline)"


class Park:
    """Holds every model after its first ``PARKED_AFTER`` deltas until :meth:`release`."""

    def __init__(self, runs: int) -> None:
        self.runs = runs
        self.parked = 0
        self.all_parked = asyncio.Event()
        self._gate = asyncio.Event()

    async def hold(self, events: AsyncIterator[ResponseStreamEvent]) -> AsyncIterator[Any]:
        """``events``, pausing on the gate after the ``PARKED_AFTER``-th delta.

        The delta is yielded first, so the consumer has seen it (and the run
        has emitted it) before the model parks.
        """
        deltas = 0
        async for event in events:
            yield event
            if event.type == "response.output_text.delta":
                deltas += 1
                if deltas == PARKED_AFTER:
                    self.parked += 1
                    if self.parked == self.runs:
                        self.all_parked.set()
                    await self._gate.wait()

    def release(self) -> None:
        """Let every model finish its stream."""
        self._gate.set()


class _ParkedRxModel:
    """rxagents' ``Model``: the benchmark's :class:`RxModel`, held by a :class:`Park`."""

    def __init__(self, script: list[Turn], park: Park) -> None:
        self._inner = RxModel(script, awaiting=True)
        self._park = park

    def stream(self, request: Any) -> AsyncIterator[Any]:
        return self._park.hold(self._inner.stream(request))


def _rx_agent(park: Park) -> Any:
    from rxagents import Agent

    model = _ParkedRxModel(one_turn(DELTAS), park)
    return Agent("bench", instructions="Answer.", model=model, tools=[_rx_tool()])


def _sdk_agent(park: Park) -> Any:
    import agents

    from benchmarks.sdk_model import SDKModel

    class ParkedSDKModel(SDKModel):
        def stream_response(self, *args: Any, **kwargs: Any) -> AsyncIterator[Any]:
            return park.hold(super().stream_response(*args, **kwargs))

    model = ParkedSDKModel(one_turn(DELTAS), awaiting=True)
    return agents.Agent(name="bench", instructions="Answer.", model=model, tools=[_sdk_tool()])


async def _plain_one(park: Park) -> int:
    count = 0
    async for _ in park.hold(script_events(one_turn(DELTAS), awaiting=True)):
        count += 1
    return count


async def _rx_plain_one(park: Park) -> int:
    from rxagents import Runner

    return await c.drain(Runner.run_streamed(_rx_agent(park), "hi"))


async def _rx_iterate_one(park: Park) -> int:
    from rxagents import Runner

    count = 0
    async for _ in Runner.run_streamed(_rx_agent(park), "hi"):
        count += 1
    return count


async def _sdk_one(park: Park) -> int:
    import agents

    from benchmarks.sdk_model import RUN_CONFIG

    result = agents.Runner.run_streamed(_sdk_agent(park), "hi", run_config=RUN_CONFIG)
    count = 0
    async for _ in result.stream_events():
        count += 1
    return count


RunOne = Callable[[Park], Awaitable[int]]


async def _parked(
    runs: int, one: RunOne, on_parked: Callable[[], None] | None = None
) -> dict[str, float]:
    """Start ``runs`` runs, read RSS once all are parked, release them, count items."""
    park = Park(runs)
    gc.collect()
    before = rss_mib()
    tasks = asyncio.gather(*(one(park) for _ in range(runs)))
    await park.all_parked.wait()
    during = rss_mib()
    if on_parked is not None:
        on_parked()
    park.release()
    items = sum(await tasks)
    growth = max(0.0, during - before)
    return {"parked_rss_growth_mib": growth, "kib_per_run": growth * 1024 / runs, "items": items}


async def plain_tasks(runs: int) -> dict[str, float]:
    """The baseline: one asyncio task per run iterating the same (parked) events."""
    return await _parked(runs, _plain_one)


async def rx_plain(runs: int) -> dict[str, float]:
    """rxagents: ``Runner.run_streamed`` with a plain subscriber per run."""
    return await _parked(runs, _rx_plain_one)


async def rx_iterate(runs: int) -> dict[str, float]:
    """rxagents: ``async for`` over each run (the bounded iterator)."""
    return await _parked(runs, _rx_iterate_one)


async def sdk_runs(runs: int) -> dict[str, float]:
    """The OpenAI Agents SDK: ``run_streamed`` + ``stream_events()`` per run."""
    return await _parked(runs, _sdk_one)


PROBES: dict[str, Callable[[int], Awaitable[dict[str, float]]]] = {
    "memory_plain": plain_tasks,
    "memory_rx_plain": rx_plain,
    "memory_rx_iterate": rx_iterate,
    "memory_sdk": sdk_runs,
}
"""The probes :mod:`benchmarks.child` runs, one fresh process each."""


async def run(settings: Settings) -> list[Section]:
    """Per-run RSS growth of each contender at ``runs`` parked runs (fresh processes)."""
    from benchmarks.child import measure

    runs = settings.size(1_000, 20)
    contenders = {
        BASELINE: "memory_plain",
        "rxagents: a plain subscriber per run": "memory_rx_plain",
        "rxagents: `async for` per run": "memory_rx_iterate",
    }
    if c.sdk_available():
        contenders["OpenAI Agents SDK: run_streamed + stream_events"] = "memory_sdk"
    section = Section(
        key="memory",
        title=f"Memory: {runs:,} runs alive at once, each parked after {PARKED_AFTER} deltas",
        description=(
            f"Each run streams {PARKED_AFTER} of its {DELTAS} deltas, then its model waits on "
            "a shared asyncio.Event, so every run is alive at once; the resident set size is "
            "read then, in a fresh process per figure (median of the processes), and its "
            "growth divided by the runs. The gate then opens and every run finishes."
        ),
        columns=["contender", "KiB per run", "above baseline (KiB)", "items consumed"],
    )
    figures = {
        name: await measure(probe, runs, repeats=settings.repeats, fresh=settings.fresh_processes)
        for name, probe in contenders.items()
    }
    base = figures[BASELINE]["kib_per_run"]
    for name, probe in contenders.items():
        kib = figures[name]["kib_per_run"]
        section.add(name, fmt(kib, 1), fmt(kib - base, 1), f"{int(figures[name]['items']):,}")
        section.data[f"{probe}_kib_per_run"] = kib
        section.data[f"{probe}_items"] = figures[name]["items"]
    rx_kib = figures["rxagents: a plain subscriber per run"]["kib_per_run"]
    section.target(
        f"memory: rxagents RSS per run at {runs:,} concurrent runs",
        f"<= {TARGET_KIB:g} KiB",
        f"{rx_kib:.1f} KiB",
        rx_kib <= TARGET_KIB,
    )
    section.notes.append(
        "KiB per run is the whole process's growth (events, model streams, tasks, consumer) "
        "over the runs; 'above baseline' subtracts what plain tasks iterating the same "
        "events hold."
    )
    if settings.quick:
        section.notes.append("--quick: measured in this process; a rough figure only.")
    return [section]


def trace(probe: str, runs: int, limit: int = 15) -> None:
    """Print the top allocation sites alive at the parked moment, bytes per run."""
    found: list[tracemalloc.Snapshot] = []
    asyncio.run(PROBES[probe](min(runs, 5)))  # warm-up: lazy imports, caches
    tracemalloc.start(8)
    start = tracemalloc.take_snapshot()

    def snap() -> None:
        found.append(tracemalloc.take_snapshot())

    asyncio.run(_parked(runs, _ONES[probe], snap))
    stats = found[0].compare_to(start, "lineno")
    total = sum(s.size_diff for s in stats)
    print(f"{probe}: {total / runs:.0f} B/run traced ({runs} runs)")
    for stat in stats[:limit]:
        frame = stat.traceback[0]
        print(
            f"{stat.size_diff / runs:8.0f} B/run {stat.count_diff / runs:6.1f} blocks/run  "
            f"{frame.filename}:{frame.lineno}"
        )


_ONES: dict[str, RunOne] = {
    "memory_plain": _plain_one,
    "memory_rx_plain": _rx_plain_one,
    "memory_rx_iterate": _rx_iterate_one,
    "memory_sdk": _sdk_one,
}


if __name__ == "__main__":
    if len(sys.argv) >= 4 and sys.argv[1] == "trace":
        trace(sys.argv[2], int(sys.argv[3]))
