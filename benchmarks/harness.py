"""Timing and reporting: interleaved runs, medians, result sections.

Every comparison runs its contenders in one process and one event loop,
interleaved round by round (the order rotates each round), and reports the
median of the rounds. Shared, noisy machines drift; interleaving makes the
drift hit every contender alike, and ratios in the same process cancel most of
what remains.
"""

from __future__ import annotations

import gc
import math
import os
import resource
import statistics
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

Job = Callable[[], Awaitable[Any]]


@dataclass(frozen=True)
class Settings:
    """How big and how often: the full suite, or ``--quick`` for the smoke test."""

    quick: bool = False
    repeats: int = 5
    warmup: int = 1
    fresh_processes: bool = True
    """Measure peak memory in a fresh process per figure (off under ``--quick``)."""

    def size(self, full: int, quick: int) -> int:
        """``full`` normally, ``quick`` under ``--quick``."""
        return quick if self.quick else full

    def rounds(self, cheap: int) -> int:
        """More rounds for a cheap comparison (``cheap``), never fewer than ``repeats``."""
        return self.repeats if self.quick else max(cheap, self.repeats)


QUICK = Settings(quick=True, repeats=1, warmup=0, fresh_processes=False)
FULL = Settings()


@dataclass(frozen=True)
class Target:
    """A goal from the issue and whether this run met it."""

    name: str
    goal: str
    value: str
    met: bool


@dataclass
class Section:
    """One benchmark's results: a table plus the targets it checks."""

    key: str
    title: str
    description: str
    columns: list[str]
    rows: list[list[str]] = field(default_factory=list)
    targets: list[Target] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    data: dict[str, float] = field(default_factory=dict)
    """The raw figures behind the table (seconds, µs, ratios, MiB), by name."""

    def add(self, *cells: object) -> None:
        """Append a row (each cell formatted with ``str``)."""
        self.rows.append([str(c) for c in cells])

    def target(self, name: str, goal: str, value: str, met: bool) -> None:
        """Record a target check."""
        self.targets.append(Target(name, goal, value, met))


@dataclass(frozen=True)
class Sample:
    """One measurement: wall seconds and this process's CPU seconds."""

    wall: float
    cpu: float


@dataclass
class Samples:
    """Every round's :class:`Sample` per job, in round order."""

    runs: dict[str, list[Sample]]

    def wall(self, name: str) -> float:
        """Median wall seconds of ``name``."""
        return median([s.wall for s in self.runs[name]])

    def cpu(self, name: str) -> float:
        """Median CPU seconds of ``name``."""
        return median([s.cpu for s in self.runs[name]])

    def cpu_difference(self, name: str, baseline: str) -> float:
        """Median over rounds of ``name``'s CPU seconds minus ``baseline``'s in that round."""
        pairs = zip(self.runs[name], self.runs[baseline], strict=True)
        return median([a.cpu - b.cpu for a, b in pairs])

    def cpu_ratio(self, name: str, baseline: str) -> float:
        """Median over rounds of ``name``'s CPU seconds over ``baseline``'s in that round."""
        pairs = zip(self.runs[name], self.runs[baseline], strict=True)
        return median([a.cpu / b.cpu for a, b in pairs])


async def interleaved(
    jobs: dict[str, Job], settings: Settings, *, repeats: int | None = None
) -> Samples:
    """Run every job ``warmup + repeats`` times, interleaved, measuring each run.

    A job that returns a :class:`Sample` reports its own measurement (e.g. a
    latency); otherwise its wall and CPU time are recorded. CPU time is the
    figure the tables use for per-event costs: on a shared machine it leaves
    out the time other processes held the CPU. Each run starts after a full
    garbage collection, so one contender's garbage is not collected on another's
    clock.
    """
    rounds = settings.repeats if repeats is None else repeats
    names = list(jobs)
    runs: dict[str, list[Sample]] = {name: [] for name in names}
    for round_ in range(settings.warmup + rounds):
        shift = round_ % len(names)
        for name in names[shift:] + names[:shift]:
            if not settings.quick:  # a full collection costs ~0.5 s with the SDK loaded
                gc.collect()
            wall, cpu = time.perf_counter(), time.process_time()
            value = await jobs[name]()
            sample = Sample(time.perf_counter() - wall, time.process_time() - cpu)
            if round_ >= settings.warmup:
                runs[name].append(value if isinstance(value, Sample) else sample)
    return Samples(runs)


def median(values: Sequence[float]) -> float:
    """The median (NaN for no values)."""
    return statistics.median(values) if values else math.nan


def rss_mib() -> float:
    """Current resident set size in MiB (Linux ``/proc``; 0 elsewhere)."""
    try:
        with open("/proc/self/statm") as f:
            pages = int(f.read().split()[1])
    except OSError:
        return 0.0
    return pages * os.sysconf("SC_PAGE_SIZE") / 2**20


def peak_rss_mib() -> float:
    """Peak resident set size of this process image in MiB.

    Read from ``VmHWM`` in ``/proc/self/status``: ``getrusage``'s ``ru_maxrss``
    would carry over the parent's size across fork + exec.
    """
    try:
        with open("/proc/self/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def fmt(value: float, digits: int = 2) -> str:
    """A number for a table cell."""
    if math.isnan(value):
        return "n/a"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    return f"{value:.{digits}f}"
