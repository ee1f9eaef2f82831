"""6. HTTP: streams from a Chat Completions and a Responses server on 127.0.0.1.

Three ways to read the same stream: (a) the floor, httpx lines + ``json.loads``;
(b) the openai client's own stream iteration (typed chunks); (c) an rxagents
run on ``OpenAIChatCompletionsModel`` / ``OpenAIResponsesModel``, consumed by
a plain subscriber. The servers run in another process (benchmarks.http_server),
so the CPU times below are the client's alone.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

from benchmarks import contenders as c
from benchmarks.harness import Section, Settings, fmt, interleaved, median

SPEEDUP_TARGET = 10.0
FLOOR_TARGET = 2.0
API_KEY = "sk-bench-not-a-real-key"

Reader = Callable[[], Awaitable[int]]


@contextmanager
def servers(single: int, concurrent: int) -> Iterator[dict[str, str]]:
    """Start the server process; yields the base URLs by name."""
    process = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.http_server", str(single), str(concurrent)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()
        if not line:
            raise RuntimeError("the benchmark HTTP server process did not start")
        yield json.loads(line)
    finally:
        assert process.stdin is not None
        process.stdin.close()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def models_available() -> bool:
    """Whether rxagents' OpenAI models are installed."""
    try:
        from rxagents.models import OpenAIChatCompletionsModel, OpenAIResponsesModel  # noqa: F401
    except ImportError:
        return False
    return True


class Clients:
    """One httpx client and one openai client per server, reused across rounds."""

    def __init__(self, urls: dict[str, str]) -> None:
        import httpx
        import openai

        self.urls = urls
        # One pool per server, as the openai clients have: an httpx pool's bookkeeping
        # grows with the connections it holds, to any host.
        limits = httpx.Limits(max_connections=None, max_keepalive_connections=500)
        self.httpx = {name: httpx.AsyncClient(timeout=60, limits=limits) for name in urls}
        self.openai = {
            name: openai.AsyncOpenAI(base_url=url, api_key=API_KEY, timeout=60)
            for name, url in urls.items()
        }

    async def close(self) -> None:
        for pool in self.httpx.values():
            await pool.aclose()
        for client in self.openai.values():
            await client.close()

    # -- (a) the floor ------------------------------------------------------
    async def floor(self, server: str) -> int:
        """httpx: POST, iterate lines, ``json.loads`` every ``data:`` payload."""
        path = "/chat/completions" if server.startswith("chat") else "/responses"
        body = {"model": "fake-model", "stream": True}
        headers = {"authorization": f"Bearer {API_KEY}"}
        count = 0
        loads = json.loads
        async with self.httpx[server].stream(
            "POST", self.urls[server] + path, json=body, headers=headers
        ) as response:
            async for line in response.aiter_lines():
                if line.startswith("data: "):
                    data = line[6:]
                    if data == "[DONE]":
                        break
                    loads(data)
                    count += 1
        return count

    # -- (b) the openai client ------------------------------------------------
    async def openai_stream(self, server: str) -> int:
        """The openai client's own typed stream: ``async for chunk in stream``."""
        client = self.openai[server]
        stream: Any
        if server.startswith("chat"):
            stream = await client.chat.completions.create(
                model="fake-model", messages=[{"role": "user", "content": "hi"}], stream=True
            )
        else:
            stream = await client.responses.create(model="fake-model", input="hi", stream=True)
        count = 0
        async for _ in stream:
            count += 1
        return count

    # -- (c) rxagents ---------------------------------------------------------
    async def rxagents_run(self, server: str) -> int:
        """A whole rxagents run on the server, with a plain subscriber."""
        from rxagents import Agent, Runner
        from rxagents.models import OpenAIChatCompletionsModel, OpenAIResponsesModel

        cls: Any = OpenAIChatCompletionsModel if server.startswith("chat") else OpenAIResponsesModel
        agent: Agent[Any] = Agent("bench", model=cls("fake-model", self.openai[server]))
        return await c.drain(Runner.run_streamed(agent, "hi"))


async def run(settings: Settings) -> list[Section]:
    """Single streams (throughput) and many concurrent ones (CPU per chunk)."""
    if not models_available():
        return []
    single = settings.size(20_000, 200)
    runs, small = settings.size(200, 10), settings.size(50, 20)
    with servers(single, small) as urls:
        clients = Clients(urls)
        try:
            sections = [await _single(clients, api, single, settings) for api in APIS]
            sections.append(await _concurrent(clients, runs, small, settings))
        finally:
            await clients.close()
    return sections


APIS = {"chat": "Chat Completions", "responses": "Responses"}
READERS = {
    "(a) floor: httpx lines + json.loads": "floor",
    "(b) openai client stream": "openai_stream",
    "(c) rxagents run": "rxagents_run",
}


async def _single(clients: Clients, api: str, deltas: int, settings: Settings) -> Section:
    def job(method: str) -> Reader:
        return lambda: getattr(clients, method)(api)

    chunks = await clients.floor(api)
    # Warm every reader (imports, connections) on the small stream, then no warm-up round.
    for method in READERS.values():
        await getattr(clients, method)(f"{api}_small")
    jobs = {k: job(m) for k, m in READERS.items()}
    samples = await interleaved(jobs, replace(settings, warmup=0))
    section = Section(
        key=f"http_{api}",
        title=f"HTTP, {APIS[api]}: one stream of {deltas:,} deltas ({chunks:,} SSE events)",
        description=(
            "One streamed request per round to the local server. Per-chunk figures use "
            "wall time (the client waits on the socket) and the client's CPU time. "
            "*vs openai* and *vs floor* are medians of per-round wall ratios."
        ),
        columns=["reader", "wall ms", "wall µs/chunk", "CPU µs/chunk", "vs openai", "vs floor"],
    )
    a, b, c_ = READERS
    for name in READERS:
        runs = samples.runs[name]
        vs_openai = median([o.wall / x.wall for x, o in zip(runs, samples.runs[b], strict=True)])
        vs_floor = median([x.wall / f.wall for x, f in zip(runs, samples.runs[a], strict=True)])
        section.add(
            name,
            fmt(samples.wall(name) * 1e3, 1),
            fmt(samples.wall(name) / chunks * 1e6),
            fmt(samples.cpu(name) / chunks * 1e6),
            fmt(vs_openai) + "x faster",
            fmt(vs_floor) + "x the time",
        )
        section.data[f"{name[1]}_wall_us_per_chunk"] = samples.wall(name) / chunks * 1e6
        if name == c_:
            section.data["speedup_vs_openai"] = vs_openai
            section.data["time_vs_floor"] = vs_floor
            section.target(
                f"HTTP {APIS[api]}: rxagents events/s vs the openai client's",
                f">= {SPEEDUP_TARGET:g}x",
                f"{vs_openai:.2f}x",
                vs_openai >= SPEEDUP_TARGET,
            )
            section.target(
                f"HTTP {APIS[api]}: rxagents time vs the httpx floor",
                f"<= {FLOOR_TARGET:g}x",
                f"{vs_floor:.2f}x",
                vs_floor <= FLOOR_TARGET,
            )
    return section


async def _concurrent(clients: Clients, runs: int, deltas: int, settings: Settings) -> Section:
    counted: dict[str, int] = {}

    def job(name: str, method: str, api: str) -> Reader:
        async def go() -> int:
            read = getattr(clients, method)
            counts = await asyncio.gather(*(read(api) for _ in range(runs)))
            counted[name] = sum(counts)
            return counted[name]

        return go

    jobs: dict[str, Reader] = {}
    for api in APIS:
        for name, method in READERS.items():
            label = f"{APIS[api]}: {name[4:]}"
            jobs[label] = job(label, method, f"{api}_small")
    chunks = {api: await clients.floor(f"{api}_small") for api in APIS}  # and warms pools
    samples = await interleaved(jobs, replace(settings, warmup=0))
    section = Section(
        key="http_concurrent",
        title=f"HTTP, {runs} concurrent streamed runs x {deltas} deltas",
        description=(
            f"{runs} streams at once per round (asyncio.gather). CPU seconds of the client "
            "process per 1,000 SSE chunks received, and the wall time of the round."
        ),
        columns=["API: reader", "wall s", "CPU s per 1,000 chunks", "items consumed"],
    )
    for name in jobs:
        api = next(a for a, title in APIS.items() if name.startswith(title))
        total = runs * chunks[api]
        section.add(
            name,
            fmt(samples.wall(name), 3),
            fmt(samples.cpu(name) / total * 1000, 4),
            f"{counted[name]:,}",
        )
        section.data[name] = samples.cpu(name) / total * 1000
    section.notes.append(
        f"Chunks per stream: {chunks['chat']} (Chat Completions), {chunks['responses']} "
        "(Responses). Items consumed: JSON payloads (floor), typed chunks (openai), "
        "stream events (rxagents)."
    )
    section.notes.append(
        "With hundreds of connections open, the httpx floor pays httpcore's connection-pool "
        "bookkeeping (it scans every pooled connection as requests start and end); the "
        "openai client, and so rxagents, talk through httpx2."
    )
    return section
