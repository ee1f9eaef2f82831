"""3. Concurrency: 1,000 runs at once, merged, each accumulated and throttled for a UI."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any

from benchmarks import contenders as c
from benchmarks.harness import Sample, Section, Settings, fmt, interleaved, median
from benchmarks.workload import one_turn, rx_agent, script_events, sdk_agent

RATIO_TARGET = 1.5
CORE_RATIO_TARGET = 1.2  # the core alone: a plain subscriber per run (issue 21)
CORE = "rxagents: a plain subscriber per run, no operators"
FULL = "rxagents: merge_runs + accumulate + throttle_latest"
THROTTLE_S = 0.05


async def plain_tasks(runs: int, deltas: int) -> int:
    """The baseline: one asyncio task per run iterating the same events, no framework."""

    async def one() -> int:
        count = 0
        async for _ in script_events(one_turn(deltas), awaiting=True):
            count += 1
        return count

    return sum(await asyncio.gather(*(one() for _ in range(runs))))


async def rx_merged(runs: int, deltas: int, operators: str = "accumulate+throttle") -> int:
    """rxagents: ``merge_runs`` over runs piped through ``accumulate`` + ``throttle_latest``.

    ``operators`` drops the per-run operators for the breakdown rows:
    ``"accumulate"`` keeps only ``accumulate()``, ``""`` merges the bare runs.
    """
    from rxagents import Runner
    from rxagents.operators import accumulate, merge_runs, throttle_latest

    def stream() -> Any:
        run = Runner.run_streamed(rx_agent(one_turn(deltas), awaiting=True), "hi")
        if operators == "accumulate+throttle":
            return run.pipe(accumulate(), throttle_latest(THROTTLE_S))
        return run.pipe(accumulate()) if operators == "accumulate" else run

    return await c.drain(merge_runs({i: stream() for i in range(runs)}))


async def rx_merged_bare(runs: int, deltas: int) -> int:
    """Breakdown: ``merge_runs`` over the bare runs."""
    return await rx_merged(runs, deltas, "")


async def rx_merged_accumulate(runs: int, deltas: int) -> int:
    """Breakdown: ``merge_runs`` over runs piped through ``accumulate()`` only."""
    return await rx_merged(runs, deltas, "accumulate")


async def rx_plain(runs: int, deltas: int) -> int:
    """rxagents without operators: one plain subscriber per run (the core's share)."""
    from rxagents import Runner

    streams = (
        Runner.run_streamed(rx_agent(one_turn(deltas), awaiting=True), "hi") for _ in range(runs)
    )
    return sum(await asyncio.gather(*(c.drain(s) for s in streams)))


async def sdk_concurrent(runs: int, deltas: int) -> int:
    """The SDK: ``runs`` concurrent ``run_streamed`` + ``stream_events()`` consumers."""
    import agents

    from benchmarks.sdk_model import RUN_CONFIG

    async def one() -> int:
        result = agents.Runner.run_streamed(
            sdk_agent(one_turn(deltas), awaiting=True), "hi", run_config=RUN_CONFIG
        )
        count = 0
        async for _ in result.stream_events():
            count += 1
        return count

    return sum(await asyncio.gather(*(one() for _ in range(runs))))


async def run(settings: Settings) -> list[Section]:
    """Wall time of the three, interleaved, as ratios to the plain tasks."""
    runs, deltas = settings.size(1_000, 20), settings.size(200, 20)
    variants: dict[str, Callable[[int, int], Awaitable[int]]] = {
        "plain asyncio tasks (baseline)": plain_tasks,
    }
    variants[CORE] = rx_plain
    if c.operators_available("merge_runs", "accumulate", "throttle_latest"):
        variants["rxagents: merge_runs"] = rx_merged_bare
        variants["rxagents: merge_runs + accumulate"] = rx_merged_accumulate
        variants[FULL] = rx_merged
    if c.sdk_available():
        variants["OpenAI Agents SDK: concurrent run_streamed"] = sdk_concurrent
    seen: dict[str, int] = {}

    def job(name: str, go: Callable[[int, int], Awaitable[int]]) -> Any:
        async def body() -> None:
            seen[name] = await go(runs, deltas)

        return body

    # 1,000 runs per round are their own warm-up: no separate warm-up round.
    jobs = {k: job(k, f) for k, f in variants.items()}
    samples = await interleaved(jobs, replace(settings, warmup=0))
    base = "plain asyncio tasks (baseline)"
    section = Section(
        key="concurrency",
        title=f"Concurrency: {runs:,} runs x {deltas} deltas, models awaiting between deltas",
        description=(
            "Wall time until every run has ended, and the process's CPU time. rxagents "
            f"merges the runs with `merge_runs`, each piped through `accumulate()` and "
            f"`throttle_latest({THROTTLE_S:g})`; the baseline iterates the same events in "
            "one plain asyncio task per run. Ratios are medians of per-round ratios."
        ),
        columns=["contender", "wall s", "CPU s", "vs baseline (wall)", "items consumed"],
    )
    for name in variants:
        ratio = _wall_ratio(samples.runs[name], samples.runs[base])
        section.add(
            name,
            fmt(samples.wall(name), 3),
            fmt(samples.cpu(name), 3),
            fmt(ratio) + "x",
            f"{seen[name]:,}",
        )
        slug = name.split()[0].lower().strip(":")
        section.data[f"{slug}_wall_s"] = samples.wall(name)
        section.data[f"{slug}_ratio"] = ratio
        if name == CORE:
            section.target(
                "concurrency, the core alone: a plain subscriber per run vs plain asyncio tasks",
                f"<= {CORE_RATIO_TARGET:g}x",
                f"{ratio:.2f}x",
                ratio <= CORE_RATIO_TARGET,
            )
        if name == FULL:
            section.target(
                "concurrency: rxagents wall time vs plain asyncio tasks",
                f"<= {RATIO_TARGET:g}x",
                f"{ratio:.2f}x",
                ratio <= RATIO_TARGET,
            )
    section.notes.append(
        "Items consumed: model events for the baseline, stream events for a plain "
        "subscriber and for the SDK, throttled snapshots for the merged pipeline."
    )
    section.notes.append(
        "The rxagents rows add one piece at a time: the core alone (a subscriber per run), "
        "then merge_runs, accumulate, throttle_latest; each row's increase over the one "
        "above is that piece's share."
    )
    return [section]


def _wall_ratio(runs: list[Sample], base: list[Sample]) -> float:
    return median([a.wall / b.wall for a, b in zip(runs, base, strict=True)])
