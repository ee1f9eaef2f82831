"""Memory probes, one per fresh process: ``python -m benchmarks.child PROBE ARG``.

Peak RSS is a per-process high-water mark, so each memory figure comes from a
new interpreter that imports everything, measures its resident size, runs
the probe once and reports how far the peak rose above that starting point.
"""

from __future__ import annotations

import asyncio
import gc
import json
import subprocess
import sys
from collections.abc import Awaitable, Callable
from typing import Any

from benchmarks.harness import median, peak_rss_mib, rss_mib


def _probes() -> dict[str, Callable[[int], Awaitable[Any]]]:
    from benchmarks import backpressure, memory, scaling

    return {
        **memory.PROBES,
        "backpressure_rx": backpressure.rx_consumer,
        "backpressure_rx_awaiting": backpressure.rx_consumer_awaiting,
        "backpressure_sdk": backpressure.sdk_consumer,
        "backpressure_sdk_awaiting": backpressure.sdk_consumer_awaiting,
        "scaling_accumulate": scaling.accumulate_run,
        "scaling_subscribe": scaling.subscribe_run,
    }


async def measure(
    probe: str, arg: int, *, repeats: int = 1, fresh: bool = True
) -> dict[str, float]:
    """Run ``probe(arg)`` in ``repeats`` fresh processes; the median of each figure.

    ``fresh=False`` awaits it once in this process instead (the ``--quick`` smoke
    run: fast, and its memory figure only a rough one).
    """
    if repeats < 1:
        raise ValueError("repeats must be >= 1")
    if not fresh:
        start = peak_rss_mib()
        extra = await _probes()[probe](arg)
        report = {"peak_rss_growth_mib": max(0.0, peak_rss_mib() - start)}
        report.update(extra if isinstance(extra, dict) else {})
        return report
    runs: list[dict[str, float]] = []
    for _ in range(repeats):
        out = subprocess.run(
            [sys.executable, "-m", "benchmarks.child", probe, str(arg)],
            check=True,
            capture_output=True,
            text=True,
        )
        runs.append(json.loads(out.stdout.strip().splitlines()[-1]))
    return {key: median([r[key] for r in runs]) for key in runs[0]}


WARM_UP = {"memory_plain": 5, "memory_rx_plain": 5, "memory_rx_iterate": 5, "memory_sdk": 5}
"""Warm-up sizes below the default 100: a memory probe's warm-up would leave freed
memory the measured run reuses, hiding part of its growth (5 runs load everything)."""


def main() -> None:
    probe, arg = sys.argv[1], int(sys.argv[2])
    function = _probes()[probe]
    # Import everything before the starting point, so imports are not counted.
    import rxagents.operators  # noqa: F401

    if "_sdk" in probe:
        import agents  # noqa: F401

    # A tiny warm-up run loads what the first run loads lazily (schemas, caches).
    warm_up: Any = function(min(arg, WARM_UP.get(probe, 100)))
    asyncio.run(warm_up)
    gc.collect()
    start = rss_mib()
    measured: Any = function(arg)
    extra = asyncio.run(measured)
    report = {"peak_rss_growth_mib": max(0.0, peak_rss_mib() - start)}
    if isinstance(extra, dict):
        report.update(extra)
    print(json.dumps(report))


if __name__ == "__main__":
    main()
