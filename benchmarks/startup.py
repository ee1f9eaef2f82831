"""7. Start-up: ``import rxagents`` against ``import pydantic, reactivex``, fresh processes.

Each import runs in a new interpreter (nothing cached in ``sys.modules``) that
reports the seconds its import statement took, as CPU time of that process
(the machine is shared; wall time is reported alongside). The two commands
alternate, so that a busy moment of the machine hits both; the ratio is the
median of per-round ratios.
"""

from __future__ import annotations

import asyncio
import statistics
import sys

from benchmarks.harness import Section, Settings, fmt

TARGET = 2.5

# One interpreter per measurement: a start-up figure is only honest from a clean process.
_PROBE = (
    "import time\n"
    "c, w = time.process_time(), time.perf_counter()\n"
    "import {modules}\n"
    "print(time.process_time() - c, time.perf_counter() - w)\n"
)

CONTENDERS = {
    "baseline": ("`import pydantic, reactivex` (baseline)", "pydantic, reactivex"),
    "rxagents": ("`import rxagents`", "rxagents"),
    "cli": ("`import rxagents.cli` (what `rxagents --help` loads)", "rxagents.cli"),
}


async def import_seconds(modules: str) -> tuple[float, float]:
    """(CPU, wall) seconds of ``import <modules>`` in a fresh interpreter."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        _PROBE.format(modules=modules),
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    out, err = await proc.communicate()
    if proc.returncode != 0:
        raise RuntimeError(f"import {modules} failed: {err.decode().strip().splitlines()[-1]}")
    cpu, wall = (float(x) for x in out.split())
    return cpu, wall


async def run(settings: Settings) -> list[Section]:
    """Alternate fresh-process imports; report medians and the median per-round ratio."""
    rounds = 1 if settings.quick else 9
    cpu: dict[str, list[float]] = {k: [] for k in CONTENDERS}
    wall: dict[str, list[float]] = {k: [] for k in CONTENDERS}
    for _ in range(rounds):
        for key, (_label, modules) in CONTENDERS.items():
            c, w = await import_seconds(modules)
            cpu[key].append(c)
            wall[key].append(w)
    section = Section(
        key="startup",
        title="Start-up: importing rxagents, fresh processes",
        description=(
            f"Seconds of the import statement in a fresh interpreter, medians of {rounds} "
            "alternating rounds, as CPU time of that process (wall time alongside). "
            "*vs baseline* is the median of per-round CPU ratios."
        ),
        columns=["import", "CPU ms", "wall ms", "vs baseline"],
    )
    for key, (label, _modules) in CONTENDERS.items():
        ratios = [a / b for a, b in zip(cpu[key], cpu["baseline"], strict=True)]
        ratio = statistics.median(ratios)
        section.add(
            label,
            fmt(statistics.median(cpu[key]) * 1e3, 1),
            fmt(statistics.median(wall[key]) * 1e3, 1),
            f"{ratio:.2f}x",
        )
        section.data[f"{key}_cpu_ms"] = statistics.median(cpu[key]) * 1e3
        section.data[f"{key}_ratio"] = ratio
        section.data[f"{key}_ratio_min"] = min(ratios)
        section.data[f"{key}_ratio_max"] = max(ratios)
    ratio = section.data["rxagents_ratio"]
    section.target(
        "start-up: `import rxagents` vs `import pydantic, reactivex`",
        f"<= {TARGET:g}x",
        f"{ratio:.2f}x",
        ratio <= TARGET,
    )
    return [section]
