"""4. Scaling and memory: one run of 10k, 100k and 1M deltas through ``accumulate``."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Any

from benchmarks import contenders as c
from benchmarks.child import measure
from benchmarks.harness import Section, Settings, fmt, interleaved
from benchmarks.workload import one_turn, rx_agent

LINEARITY_TARGET = 12.0


async def accumulate_run(deltas: int) -> int:
    """One run piped through ``accumulate()``, every snapshot consumed."""
    from rxagents import Runner
    from rxagents.operators import accumulate

    stream = Runner.run_streamed(rx_agent(one_turn(deltas)), "hi")
    return await c.drain(stream.pipe(accumulate()))


async def subscribe_run(deltas: int) -> int:
    """One run with a plain subscriber (used while ``accumulate`` is not available)."""
    from rxagents import Runner

    return await c.drain(Runner.run_streamed(rx_agent(one_turn(deltas)), "hi"))


async def run(settings: Settings) -> list[Section]:
    """Time per size (interleaved, in process) and peak RSS growth (a fresh process each)."""
    sizes = [10_000, 100_000, 1_000_000] if not settings.quick else [100, 1_000]
    if c.operators_available("accumulate"):
        probe, consume, label = "scaling_accumulate", accumulate_run, "`accumulate()`"
    else:
        probe, consume, label = "scaling_subscribe", subscribe_run, "a plain subscriber"

    def job(n: int, consume: Callable[[int], Awaitable[Any]] = consume) -> Any:
        return lambda: consume(n)

    # No warm-up round: the first run of the first round is the smallest size.
    samples = await interleaved({str(n): job(n) for n in sizes}, replace(settings, warmup=0))
    section = Section(
        key="scaling",
        title=f"Scaling and memory: one run through {label}",
        description=(
            "Time of one run per size (medians of interleaved runs; CPU time, wall alongside) "
            "and the peak RSS growth of a fresh process doing one such run."
        ),
        columns=[
            "deltas",
            "CPU s",
            "wall s",
            "µs/delta",
            "x previous size",
            "peak RSS growth (MiB)",
        ],
    )
    previous: float | None = None
    for n in sizes:
        seconds = samples.cpu(str(n))
        figures = await measure(probe, n, fresh=settings.fresh_processes)
        rss = figures["peak_rss_growth_mib"]
        growth = seconds / previous if previous else None
        section.add(
            f"{n:,}",
            fmt(seconds, 3),
            fmt(samples.wall(str(n)), 3),
            fmt(seconds / n * 1e6),
            fmt(growth) + "x" if growth else "—",
            fmt(rss, 1),
        )
        section.data[f"{n}_seconds"] = seconds
        section.data[f"{n}_rss_mib"] = rss
        previous = seconds
    big, small = sizes[-1], sizes[-2]
    ratio = samples.cpu(str(big)) / samples.cpu(str(small))
    section.data["linearity"] = ratio
    section.target(
        f"scaling: time {big:,} / {small:,} deltas",
        f"<= {LINEARITY_TARGET:g}x",
        f"{ratio:.2f}x",
        ratio <= LINEARITY_TARGET,
    )
    return [section]
