"""The benchmarks, by name, and the runner that goes through them."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Coroutine
from typing import Any, TextIO

from benchmarks import (
    backpressure,
    bench_redis,
    bench_temporal,
    concurrency,
    http_bench,
    http_e2e,
    latency,
    memory,
    scaling,
    startup,
    throughput,
)
from benchmarks.harness import Section, Settings

Benchmark = Callable[[Settings], Coroutine[Any, Any, list[Section]]]

SUITE: dict[str, Benchmark] = {
    "throughput": throughput.run,
    "latency": latency.run,
    "concurrency": concurrency.run,
    "memory": memory.run,
    "backpressure": backpressure.run,
    "scaling": scaling.run,
    "http": http_bench.run,
    "e2e": http_e2e.run,
    "redis": bench_redis.run,
    "temporal": bench_temporal.run,
    "startup": startup.run,
}
"""Every benchmark, in report order."""


def run_suite(
    settings: Settings, names: list[str], progress: TextIO | None = None
) -> list[Section]:
    """Run the named benchmarks, each on a fresh event loop."""
    sections: list[Section] = []
    for name in SUITE:
        if name not in names:
            continue
        start = time.perf_counter()
        found = asyncio.run(SUITE[name](settings))
        sections.extend(found)
        if progress is not None:
            print(f"{name}: {time.perf_counter() - start:.1f} s", file=progress, flush=True)
            for section in found:
                for t in section.targets:
                    mark = "ok " if t.met else "MISS"
                    print(f"  [{mark}] {t.name}: {t.value} (goal {t.goal})", file=progress)
    return sections
