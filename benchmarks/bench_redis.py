"""Runs across processes on Redis Streams: throughput and added latency.

Measured on a real redis-server with ``rxagents worker`` and ``rxagents serve
--redis`` as separate processes (as in production):

* events/s through Redis for one run, and for 200 concurrent runs (two workers;
  this process reads every stream with ``from_redis``);
* latency per text delta from the model to the client, median and p99:
  model -> worker -> Redis -> web node (SSE) -> client, and for comparison
  model -> worker -> Redis -> client (``from_redis``) and the same run in process.

Deltas carry ``time.monotonic_ns()`` taken when the model yields them; Linux's
monotonic clock is shared by all processes, so arrival minus stamp is the
latency. Paced at one delta every 2 ms, so queueing does not dominate.

Suite entry point: ``run(settings) -> list[Section]``; alone: ``python -m benchmarks.bench_redis``.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from openai.types.responses import ResponseStreamEvent, ResponseTextDeltaEvent

from rxagents import Agent
from rxagents.models.base import ModelRequest

ROOT = Path(__file__).resolve().parents[1]
CLI = [sys.executable, "-c", "from rxagents.cli import main; main()"]


# -- the agent the workers run: its input says what to stream ------------------
class StampModel:
    """Streams text deltas as its input asks: ``burst:N`` (as fast as possible) or
    ``paced:N:MS`` (after 0.3 s, one every MS milliseconds: the reader is connected
    by then), each delta ``monotonic_ns`` as text."""

    def stream(self, request: ModelRequest) -> AsyncIterator[ResponseStreamEvent]:
        user = next(str(i["content"]) for i in request.input if i.get("role") == "user")
        kind, count, *rest = user.split(":")
        return self._play(int(count), float(rest[0]) / 1000 if kind == "paced" else 0.0)

    async def _play(self, count: int, interval: float) -> AsyncIterator[ResponseStreamEvent]:
        if interval:
            await asyncio.sleep(0.3)
        for i in range(count):
            if interval:
                await asyncio.sleep(interval)
            yield ResponseTextDeltaEvent(
                type="response.output_text.delta", item_id="msg_1", output_index=0,
                content_index=0, delta=str(time.monotonic_ns()), logprobs=[], sequence_number=i,
            )  # fmt: skip


def bench_agent() -> Agent[Any]:
    """The workers' agent (``--agent benchmarks/bench_redis.py:bench_agent``)."""
    return Agent("bench", model=StampModel())


# -- processes --------------------------------------------------------------------
def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wait_port(port: int, process: subprocess.Popen[bytes], timeout: float = 120) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"process {process.args!r} exited with {process.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"nothing listens on port {port} after {timeout}s")


@contextmanager
def cluster(workers: int = 2, concurrency: int = 100) -> Iterator[tuple[str, str]]:
    """A redis-server, ``workers`` workers and one web node; yields (redis URL, web URL)."""
    server = shutil.which("redis-server")
    if server is None:
        raise RuntimeError("redis-server is not installed")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"}
    processes: list[subprocess.Popen[bytes]] = []
    with tempfile.TemporaryDirectory() as tmp:
        try:
            rport, wport = _free_port(), _free_port()
            quiet: dict[str, Any] = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
            processes.append(subprocess.Popen(
                [server, "--port", str(rport), "--bind", "127.0.0.1", "--dir", tmp,
                 "--save", "", "--appendonly", "no"], **quiet,
            ))  # fmt: skip
            _wait_port(rport, processes[0])
            url = f"redis://127.0.0.1:{rport}/0"
            agent = f"{Path(__file__).resolve()}:bench_agent"
            for _ in range(workers):
                processes.append(subprocess.Popen(
                    [*CLI, "worker", "--redis", url, "--agent", agent,
                     "--concurrency", str(concurrency)], cwd=ROOT, env=env, **quiet,
                ))  # fmt: skip
            web = subprocess.Popen(
                [*CLI, "serve", "--redis", url, "--port", str(wport)], cwd=ROOT, env=env, **quiet
            )
            processes.append(web)
            _wait_port(wport, web)
            yield url, f"http://127.0.0.1:{wport}"
        finally:
            for process in reversed(processes):
                process.send_signal(signal.SIGKILL)
                process.wait(10)


# -- measurements ----------------------------------------------------------------------
async def _read_all(backend: Any, run_id: str) -> int:
    from rxagents.rx import aiter

    count = 0
    async for _event in aiter(await backend.events(run_id), maxsize=1 << 20):
        count += 1
    return count


async def throughput(url: str, runs: int, deltas: int) -> tuple[float, int]:
    """Events/s from queueing ``runs`` runs of ``deltas`` deltas to reading them all."""
    from rxagents.redis import connect
    from rxagents.redis.backend import RedisBackend

    client = connect(url)
    backend = RedisBackend(client)
    warm = await asyncio.gather(*(backend.start("burst:10") for _ in range(8)))
    await asyncio.gather(*(_read_all(backend, r) for r in warm))  # warm the workers up
    start = time.perf_counter()
    run_ids = await asyncio.gather(*(backend.start(f"burst:{deltas}") for _ in range(runs)))
    counts = await asyncio.gather(*(_read_all(backend, r) for r in run_ids))
    elapsed = time.perf_counter() - start
    await client.aclose()
    return sum(counts) / elapsed, sum(counts)


def _percentiles(samples: list[float]) -> tuple[float, float]:
    ordered = sorted(samples)
    return ordered[len(ordered) // 2], ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


async def latency_sse(url: str, web: str, deltas: int) -> list[float]:
    """Microseconds from the model's yield to the SSE client's read, per delta (those
    yielded after the client was connected)."""
    from rxagents.redis import connect
    from rxagents.redis.backend import RedisBackend

    client = connect(url)
    run_id = await RedisBackend(client).start(f"paced:{deltas}:2")
    await client.aclose()
    return await sse_latencies(web, run_id)


async def sse_latencies(web: str, run_id: str) -> list[float]:
    """Microseconds from the model's yield to this SSE client's read of ``run_id`` on the
    web node ``web``, per delta yielded after the client connected (Redis and Temporal)."""
    import httpx

    out: list[float] = []
    async with (
        httpx.AsyncClient(timeout=60) as http,
        http.stream("GET", f"{web}/runs/{run_id}/events") as response,
    ):
        connected = time.monotonic_ns()
        async for line in response.aiter_lines():
            now = time.monotonic_ns()
            if line.startswith("data:") and '"response.output_text.delta"' in line:
                stamp = int(json.loads(line[5:])["data"]["delta"])
                if stamp > connected:
                    out.append((now - stamp) / 1000)
            elif line.startswith("event: done"):
                break
    return out


async def latency_direct(url: str, deltas: int) -> list[float]:
    """Microseconds from the model's yield to a ``from_redis`` subscriber, per delta."""
    from rxagents.redis import connect
    from rxagents.redis.backend import RedisBackend

    client = connect(url)
    backend = RedisBackend(client)
    out: list[float] = []
    done: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def on_next(event: Any) -> None:
        if event.type == "raw_response_event" and int(event.data.delta) > subscribed:
            out.append((time.monotonic_ns() - int(event.data.delta)) / 1000)

    events = await backend.events(await backend.start(f"paced:{deltas}:2"))
    subscribed = time.monotonic_ns()
    events.subscribe(on_next, done.set_exception, lambda: done.set_result(None))
    await done
    await client.aclose()
    return out


async def latency_in_process(deltas: int) -> list[float]:
    """The same paced run in this process: the floor the Redis path adds to."""
    from rxagents import Runner

    out: list[float] = []
    async for event in Runner.run_streamed(bench_agent(), f"paced:{deltas}:2"):
        if event.type == "raw_response_event":
            out.append((time.monotonic_ns() - int(event.data.delta)) / 1000)  # type: ignore[union-attr]
    return out


async def measure(quick: bool = False) -> dict[str, float]:
    """Every figure, by name (events/s, µs)."""
    one = 2_000 if quick else 20_000
    many = 20 if quick else 200
    paced = 200 if quick else 1_000
    results: dict[str, float] = {}
    with cluster() as (url, web):
        results["one_run_events_per_s"], results["one_run_events"] = await throughput(url, 1, one)
        results["runs_200_events_per_s"], results["runs_200_events"] = await throughput(
            url, 200, many
        )
        await latency_sse(url, web, 20)  # the web node's first run is slow (cold caches)
        await latency_direct(url, 20)
        for name, samples in (
            ("sse", await latency_sse(url, web, paced)),
            ("direct", await latency_direct(url, paced)),
            ("in_process", await latency_in_process(paced)),
        ):
            results[f"{name}_median_us"], results[f"{name}_p99_us"] = _percentiles(samples)
    return results


async def run(settings: Any) -> list[Any]:
    """The suite's entry point: one :class:`~benchmarks.harness.Section`."""
    from benchmarks.harness import Section, fmt

    section = Section(
        key="redis",
        title="Redis Streams: runs across processes",
        description=(
            "Two `rxagents worker` processes and one `rxagents serve --redis` node on a local "
            "redis-server; this process starts the runs and reads them. Latency: from the "
            "model yielding a text delta (paced 2 ms apart) to the client holding it."
        ),
        columns=["measure", "value"],
    )
    if shutil.which("redis-server") is None:
        section.notes.append("skipped: redis-server is not installed")
        return [section]
    r = await measure(quick=settings.quick)
    section.data.update(r)
    section.add(f"one run ({r['one_run_events']:,.0f} events), events/s",
                fmt(r["one_run_events_per_s"]))  # fmt: skip
    section.add(f"200 concurrent runs ({r['runs_200_events']:,.0f} events), events/s",
                fmt(r["runs_200_events_per_s"]))  # fmt: skip
    for name, label in (
        ("sse", "model -> worker -> Redis -> web node -> SSE client"),
        ("direct", "model -> worker -> Redis -> from_redis client"),
        ("in_process", "model -> run loop -> subscriber (same process, no Redis)"),
    ):
        section.add(f"latency {label}, median / p99 µs",
                    f"{fmt(r[name + '_median_us'])} / {fmt(r[name + '_p99_us'])}")  # fmt: skip
    return [section]


def main() -> None:
    quick = "--quick" in sys.argv
    results = asyncio.run(measure(quick=quick))
    for name, value in results.items():
        print(f"{name:28} {value:,.1f}")


if __name__ == "__main__":
    main()
