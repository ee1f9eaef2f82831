"""Soak: many runs over real HTTP, each left at a random point; nothing may leak.

10,000 sequential runs, then 1,000 concurrent ones, against the fault-injection
suite's raw-socket server (tests/reliability/hostile.py), which counts open
connections on its side. Each run is left at a random event (plain ``async for``
and ``break``) or read to its end. Reported: pending tasks afterwards, sockets the
server still holds once the client is closed, and the process's RSS growth per
1,000 runs (measured after the first tenth of the runs, so warm-up is not counted).

Run: ``python -m benchmarks.soak`` or ``--quick`` (1,000 sequential, 200 concurrent).
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import random
import resource
import time
from typing import Any

import openai

from rxagents import Agent, Runner
from rxagents.errors import AgentsError
from rxagents.models import OpenAIChatCompletionsModel, StreamLimits
from rxagents.testing.openai_fixtures import chat_text
from tests.reliability.hostile import HostileServer, Plan, Seen, sse

DELTAS = 20


def _rss_mib() -> float:
    with open("/proc/self/statm") as statm:
        pages = int(statm.read().split()[1])
    return pages * resource.getpagesize() / 2**20


BODY = sse(*chat_text("y" * DELTAS, chunk_size=1), "[DONE]")


def _answer(_request: Seen) -> Plan:
    # A short pause mid-body, so runs left early hang up while the server is still sending.
    half = len(BODY) // 2
    return Plan(chunks=[BODY[:half], 0.002, BODY[half:]])


async def _one(agent: Agent[Any], rng: random.Random) -> str:
    stop = rng.randrange(DELTAS + 30)  # some runs are left early, some read to the end
    seen = 0
    try:
        async for _event in Runner.run_streamed(agent, "hi"):
            seen += 1
            if seen == stop:
                break
    except AgentsError:
        return "failed"  # counted: a soak is about leaks, and a loaded machine may time out
    return "left" if seen == stop else "completed"


async def _settle() -> int:
    for _ in range(200):
        pending = asyncio.all_tasks() - {asyncio.current_task()}
        if not pending:
            return 0
        await asyncio.sleep(0.01)
    return len(asyncio.all_tasks() - {asyncio.current_task()})


async def soak(sequential: int, concurrent: int, seed: int = 15) -> dict[str, float]:
    """Run the soak; returns the figures."""
    rng = random.Random(seed)
    figures: dict[str, float] = {}
    with HostileServer(_answer, record=False) as server:
        client = openai.AsyncOpenAI(base_url=server.base_url, api_key="sk-soak", max_retries=0)
        # Generous timeouts: 1,000 connections opened at once queue on a shared machine.
        limits = StreamLimits(connect=120, first_event=300, idle=300)
        model = OpenAIChatCompletionsModel("m", client, limits=limits)
        agent: Agent[Any] = Agent("soak", model=model)
        outcomes = {"left": 0, "completed": 0, "failed": 0}
        marks: list[tuple[int, float]] = []
        step = max(sequential // 10, 50)
        start = time.perf_counter()
        for index in range(sequential):
            outcomes[await _one(agent, rng)] += 1
            if (index + 1) % step == 0:
                gc.collect()
                marks.append((index + 1, _rss_mib()))
        figures["sequential_s"] = time.perf_counter() - start
        figures["sequential_left"] = outcomes["left"]
        figures["sequential_failed"] = outcomes["failed"]
        figures["pending_after_sequential"] = await _settle()
        # Growth after the first tenth (connection pools, caches and the allocator warm up).
        (first_runs, first_rss), (last_runs, last_rss) = marks[0], marks[-1]
        runs = max(last_runs - first_runs, 1)
        figures["rss_growth_mib_per_1000"] = (last_rss - first_rss) / runs * 1000
        figures["rss_mib"] = last_rss

        start = time.perf_counter()
        results = await asyncio.gather(*(_one(agent, rng) for _ in range(concurrent)))
        figures["concurrent_s"] = time.perf_counter() - start
        figures["concurrent_left"] = results.count("left")
        figures["concurrent_failed"] = results.count("failed")
        figures["pending_after_concurrent"] = await _settle()
        figures["server_requests"] = server.request_count
        await client.close()
        await server.wait_until_async(lambda s: s.open_connections == 0, timeout=10)
        figures["server_open_sockets"] = server.open_connections
        figures["server_disconnects_seen"] = server.disconnects
    return figures


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1,000 sequential, 200 concurrent")
    args = parser.parse_args(argv)
    sequential, concurrent = (1000, 200) if args.quick else (10_000, 1_000)
    figures = asyncio.run(soak(sequential, concurrent))
    print(f"| soak ({sequential:,} sequential, {concurrent:,} concurrent) | value |")
    print("|---|---|")
    for name, value in figures.items():
        print(f"| {name} | {value:.3f} |" if isinstance(value, float) else f"| {name} | {value} |")
    leaks = (
        figures["pending_after_sequential"]
        + figures["pending_after_concurrent"]
        + figures["server_open_sockets"]
    )
    return 0 if leaks == 0 else 1


if __name__ == "__main__":
    raise SystemExit(main())
