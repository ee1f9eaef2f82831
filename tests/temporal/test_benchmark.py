"""The Temporal benchmark's measurements work (on this session's dev server, a worker in
this process); timings are never asserted."""

from __future__ import annotations

from typing import Any

from benchmarks.bench_redis import bench_agent
from benchmarks.bench_temporal import latency_direct, throughput


async def test_the_benchmark_reads_every_event_of_durable_runs(serve: Any) -> None:
    async with serve(bench_agent) as runs:
        rate, events = await throughput(runs, 3, 50)
        samples = await latency_direct(runs, 30)
    assert events == 3 * (50 + 2)  # the agent update, the deltas, the result
    assert rate > 0
    assert samples and all(s > 0 for s in samples)
