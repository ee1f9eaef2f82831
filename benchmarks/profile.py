"""Profile the hot path: ``python -m benchmarks.profile [CONTENDER] [--deltas N] [--runs R]``.

Runs one contender of the throughput benchmark under pyinstrument (the
``bench`` dependency group) and prints the call tree, so the cost above the
floor can be read off per function. ``--html FILE`` writes the interactive view.

    python -m benchmarks.profile rx_subscribe --deltas 20000 --runs 5
    python -m benchmarks.profile first_event   # from run_streamed() to the first delta
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from collections.abc import Awaitable, Callable
from typing import Any

from benchmarks import contenders as c
from benchmarks import latency
from benchmarks.workload import one_turn

TARGETS: dict[str, Callable[[int], Awaitable[Any]]] = {
    "floor": lambda n: c.floor(one_turn(n)),
    "rx_subscribe": lambda n: c.rx_subscribe(one_turn(n)),
    "rx_iterate": lambda n: c.rx_iterate(one_turn(n)),
    "rx_pipeline": lambda n: c.rx_pipeline(one_turn(n)),
    "sdk": lambda n: c.sdk_stream(one_turn(n)),
    "first_event": lambda n: latency.rx_subscribe(one_turn(n), False),
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.profile")
    parser.add_argument("target", nargs="?", default="rx_subscribe", choices=list(TARGETS))
    parser.add_argument("--deltas", type=int, default=20_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--interval", type=float, default=0.0001, help="sampling seconds")
    parser.add_argument("--html", help="also write pyinstrument's HTML view here")
    args = parser.parse_args(argv)
    from pyinstrument import Profiler

    target = TARGETS[args.target]

    async def body() -> None:
        await target(100)  # warm up lazy imports and caches outside the profile
        profiler = Profiler(interval=args.interval, async_mode="disabled")
        profiler.start()
        for _ in range(args.runs):
            await target(args.deltas)
        profiler.stop()
        sys.stdout.write(profiler.output_text(unicode=True, color=False, show_all=False))
        if args.html:
            with open(args.html, "w") as f:
                f.write(profiler.output_html())

    asyncio.run(body())
    return 0


if __name__ == "__main__":
    sys.exit(main())
