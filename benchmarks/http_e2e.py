"""8. End to end over HTTP: one agent run streaming from a local server, read with ``async for``.

One run of an agent whose model talks to rxagents' fake OpenAI server
(``benchmarks.http_server``, its own process) over 127.0.0.1, consumed as a
user would: ``async for event in Runner.run_streamed(agent, "hi").stream_events()``.
Three contenders per API (Responses, Chat Completions), interleaved:

- the floor: the same response streamed with httpx, its SSE lines split and
  every ``data:`` line given to ``json.loads`` (no types, no agent);
- rxagents: ``OpenAIResponsesModel`` / ``OpenAIChatCompletionsModel``;
- the OpenAI Agents SDK: ``agents.OpenAIResponsesModel`` /
  ``agents.OpenAIChatCompletionsModel`` on an ``AsyncOpenAI`` for the same
  server, tracing off.

Both wall and client CPU time are reported, and their ratios: the server's
process has its own core, so wall time is what a user waits for, and CPU time
is what the client alone spent. A target is met only if it holds on both.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from benchmarks import contenders as c
from benchmarks.harness import Samples, Section, Settings, fmt, interleaved, median
from benchmarks.http_bench import API_KEY, APIS, Clients, models_available, servers

SDK_TARGET = 15.0
FLOOR_TARGET = 1.3

Reader = Callable[[], Awaitable[int]]


class EndToEnd:
    """The agents of both frameworks on each server, built once and reused across rounds."""

    def __init__(self, clients: Clients) -> None:
        from rxagents import Agent
        from rxagents.models import OpenAIChatCompletionsModel, OpenAIResponsesModel

        self.clients = clients
        rx_models: dict[str, Any] = {
            "chat": OpenAIChatCompletionsModel,
            "responses": OpenAIResponsesModel,
        }
        self.rx_agents = {
            name: Agent(
                "bench", model=rx_models[name.split("_")[0]]("fake-model", clients.openai[name])
            )
            for name in clients.urls
        }
        self.sdk_agents = {name: _sdk_agent(name, clients) for name in clients.urls}

    async def rxagents(self, server: str) -> int:
        """``async for`` over ``Runner.run_streamed(...).stream_events()``."""
        from rxagents import Runner

        count = 0
        async for _ in Runner.run_streamed(self.rx_agents[server], "hi").stream_events():
            count += 1
        return count

    async def sdk(self, server: str) -> int:
        """The SDK's ``Runner.run_streamed(...).stream_events()``."""
        import agents

        from benchmarks.sdk_model import RUN_CONFIG

        result = agents.Runner.run_streamed(self.sdk_agents[server], "hi", run_config=RUN_CONFIG)
        count = 0
        async for _ in result.stream_events():
            count += 1
        return count


def _sdk_agent(server: str, clients: Clients) -> Any:
    import agents
    import openai

    # Its own client on the same server: the SDK's models hold and configure theirs.
    client = openai.AsyncOpenAI(base_url=clients.urls[server], api_key=API_KEY, timeout=60)
    cls: Any = (
        agents.OpenAIChatCompletionsModel
        if server.startswith("chat")
        else agents.OpenAIResponsesModel
    )
    return agents.Agent(name="bench", model=cls(model="fake-model", openai_client=client))


async def run(settings: Settings) -> list[Section]:
    """One streamed run per API and contender, interleaved."""
    if not models_available() or not c.sdk_available():
        return []
    deltas = settings.size(5_000, 50)
    with servers(deltas, 20) as urls:
        clients = Clients(urls)
        try:
            e2e = EndToEnd(clients)
            return [await _api(e2e, api, deltas, settings) for api in ("responses", "chat")]
        finally:
            await clients.close()


CONTENDERS = {
    "(a) floor: httpx lines + json.loads": "floor",
    "(b) rxagents, async for over stream_events()": "rxagents",
    "(c) OpenAI Agents SDK, stream_events()": "sdk",
}


async def _api(e2e: EndToEnd, api: str, deltas: int, settings: Settings) -> Section:
    floor, rx, sdk = CONTENDERS
    readers: dict[str, Callable[[str], Awaitable[int]]] = {
        floor: e2e.clients.floor,
        rx: e2e.rxagents,
        sdk: e2e.sdk,
    }
    for read in readers.values():  # imports, connections, lazy caches
        await read(f"{api}_small")
    counted: dict[str, int] = {}

    def job(name: str) -> Reader:
        async def go() -> int:
            counted[name] = await readers[name](api)
            return counted[name]

        return go

    samples = await interleaved({name: job(name) for name in readers}, settings)
    chunks = counted[floor]
    section = Section(
        key=f"e2e_{api}",
        title=f"End to end over HTTP, {APIS[api]}: one agent run of {deltas:,} deltas "
        f"({chunks:,} SSE events)",
        description=(
            "One agent run per round against the local server (its own process), consumed "
            "with `async for` over `stream_events()`. Wall time is what the caller waits for; "
            "CPU time is the client process's alone. Ratios are medians of per-round ratios; "
            "a target is met only if it holds in both wall and CPU time."
        ),
        columns=[
            "contender",
            "wall ms",
            "CPU ms",
            "CPU µs/chunk",
            "vs SDK (wall / CPU)",
            "vs floor (wall / CPU)",
            "events",
        ],
    )
    ratios = {name: _ratios(samples, name, sdk, floor) for name in readers}
    for name in readers:
        (sdk_wall, sdk_cpu), (floor_wall, floor_cpu) = ratios[name]
        section.add(
            name,
            fmt(samples.wall(name) * 1e3, 1),
            fmt(samples.cpu(name) * 1e3, 1),
            fmt(samples.cpu(name) / chunks * 1e6),
            f"{fmt(sdk_wall)}x / {fmt(sdk_cpu)}x faster",
            f"{fmt(floor_wall)}x / {fmt(floor_cpu)}x the time",
            f"{counted[name]:,}",
        )
        section.data[f"{name[1]}_events"] = counted[name]
        section.data[f"{name[1]}_cpu_us_per_chunk"] = samples.cpu(name) / chunks * 1e6
    (sdk_wall, sdk_cpu), (floor_wall, floor_cpu) = ratios[rx]
    section.data.update(
        speedup_vs_sdk_wall=sdk_wall,
        speedup_vs_sdk_cpu=sdk_cpu,
        time_vs_floor_wall=floor_wall,
        time_vs_floor_cpu=floor_cpu,
    )
    speedup, slowdown = min(sdk_wall, sdk_cpu), max(floor_wall, floor_cpu)
    section.target(
        f"end to end {APIS[api]}: rxagents speed vs the SDK's (wall / CPU)",
        f">= {SDK_TARGET:g}x",
        f"{sdk_wall:.2f}x / {sdk_cpu:.2f}x",
        speedup >= SDK_TARGET,
    )
    section.target(
        f"end to end {APIS[api]}: rxagents time vs the httpx floor (wall / CPU)",
        f"<= {FLOOR_TARGET:g}x",
        f"{floor_wall:.2f}x / {floor_cpu:.2f}x",
        slowdown <= FLOOR_TARGET,
    )
    section.notes.append(
        "Events: SSE payloads (floor), stream events (rxagents and the SDK add agent and "
        "run-item events to the model's)."
    )
    return section


def _ratios(
    samples: Samples, name: str, sdk: str, floor: str
) -> tuple[tuple[float, float], tuple[float, float]]:
    """(SDK time / name's, wall and CPU), (name's time / floor's, wall and CPU)."""
    mine, theirs, base = samples.runs[name], samples.runs[sdk], samples.runs[floor]
    return (
        (
            median([s.wall / m.wall for m, s in zip(mine, theirs, strict=True)]),
            median([s.cpu / m.cpu for m, s in zip(mine, theirs, strict=True)]),
        ),
        (
            median([m.wall / f.wall for m, f in zip(mine, base, strict=True)]),
            median([m.cpu / f.cpu for m, f in zip(mine, base, strict=True)]),
        ),
    )
