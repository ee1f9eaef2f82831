"""1. Throughput: per-event cost of a whole run, against the floor and the SDK."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence

from benchmarks import contenders as c
from benchmarks.harness import Section, Settings, fmt, interleaved
from benchmarks.workload import Turn, events_per_script, one_turn, tool_turns

Consumer = Callable[[Sequence[Turn], bool], Awaitable[int]]

FLOOR = "(a) floor: events, no framework"
OVERHEAD_TARGET_US = 1.5
SDK_RATIO_TARGET = 3.0


def contenders() -> dict[str, Consumer]:
    """The variants compared, in table order (those whose code is installed)."""
    found: dict[str, Consumer] = {
        FLOOR: c.floor,
        "(b) rxagents, plain subscriber": c.rx_subscribe,
        "(b') rxagents, `async for`": c.rx_iterate,
    }
    if c.operators_available("text_deltas", "accumulate", "batch"):
        found["(c) rxagents + text_deltas/accumulate/batch"] = c.rx_pipeline
    if c.sdk_available():
        found["(d) OpenAI Agents SDK, stream_events()"] = c.sdk_stream
    return found


async def run(settings: Settings) -> list[Section]:
    """Both workloads: one long answer, and ten tool-calling turns."""
    scripts = {
        "one run": one_turn(settings.size(20_000, 200)),
        "tool turns": tool_turns(10, settings.size(2_000, 20)),
    }
    return [await _workload(label, script, settings) for label, script in scripts.items()]


async def _workload(label: str, script: list[Turn], settings: Settings) -> Section:
    n = events_per_script(script)
    deltas = sum(d for d, _ in script)
    tools = sum(1 for _, t in script if t)
    shape = f"{deltas:,} text deltas" + (f" and {tools} tool calls" if tools else "")
    key = "throughput_one" if label == "one run" else "throughput_turns"
    section = Section(
        key=key,
        title=f"Throughput, {label}: {shape} ({n:,} model events)",
        description=(
            f"One whole run per round, {settings.rounds(9)} rounds after a warm-up. "
            "Per-event figures are the process's CPU time per "
            f"model event ({n:,} Responses events, the same for every contender): on a "
            "shared machine it leaves out time other processes held the CPU. *Above floor* "
            "and *vs SDK* are medians of per-round differences and ratios."
        ),
        columns=[
            "contender",
            "wall ms/run",
            "CPU µs/event",
            "events/s",
            "above floor µs/event",
            "vs SDK",
        ],
    )
    variants = contenders()
    seen: dict[str, int] = {}

    def job(name: str, consume: Consumer) -> Callable[[], Awaitable[None]]:
        async def go() -> None:
            seen[name] = await consume(script, False)

        return go

    # Cheap (well under a second a round): 9 rounds make the median robust to the
    # bursts of other jobs on a shared machine.
    jobs = {k: job(k, f) for k, f in variants.items()}
    samples = await interleaved(jobs, settings, repeats=settings.rounds(9))
    floor, rx = FLOOR, "(b) rxagents, plain subscriber"
    sdk = next((k for k in variants if k.startswith("(d)")), None)
    for name in variants:
        us = samples.cpu(name) / n * 1e6
        above = samples.cpu_difference(name, floor) / n * 1e6
        vs_sdk = samples.cpu_ratio(sdk, name) if sdk else None
        section.add(
            name,
            fmt(samples.wall(name) * 1e3, 1),
            fmt(us),
            fmt(1e6 / us, 0),
            "—" if name == floor else fmt(above),
            fmt(vs_sdk) + "x" if vs_sdk else "n/a",
        )
        slug = name.split()[0].strip("()")
        section.data[f"{slug}_us_per_event"] = us
        section.data[f"{slug}_stream_events"] = seen[name]
    overhead = samples.cpu_difference(rx, floor) / n * 1e6
    section.data["overhead_us"] = overhead
    section.target(
        f"{label}: (b) overhead above the floor",
        f"<= {OVERHEAD_TARGET_US} µs/event",
        f"{overhead:.2f} µs/event",
        overhead <= OVERHEAD_TARGET_US,
    )
    if sdk is not None:
        ratio = samples.cpu_ratio(sdk, rx)
        section.data["sdk_ratio"] = ratio
        section.target(
            f"{label}: (b) events/s vs the SDK's",
            f">= {SDK_RATIO_TARGET:g}x",
            f"{ratio:.2f}x",
            ratio >= SDK_RATIO_TARGET,
        )
    section.notes.append(
        "Stream events delivered per run: "
        + ", ".join(f"{k.split()[0]} {v:,}" for k, v in seen.items())
        + " (the floor counts model events; the frameworks add run-item and agent events)."
    )
    return section
