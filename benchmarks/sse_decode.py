"""SSE decoding cost of one huge event: the rescanning decoder before issue 15 vs now.

The old decoder joined each network read onto one growing buffer and split the
whole buffer again, so an event arriving in n reads cost O(n²). The current one
searches each read once and joins once. Both are fed the same body in 64 KiB
reads (what httpx hands over from a fast local server); CPU time is measured in
this process, and the ratio is what matters.

Run: ``python -m benchmarks.sse_decode`` (8 and 32 MiB) or ``--quick`` (1 and 4 MiB).
"""

from __future__ import annotations

import argparse
import time

from rxagents.models._sse import SSEDecoder

READ = 64 * 1024


class RescanningDecoder:
    """The decoder as it was (data-field handling only): the baseline."""

    def __init__(self) -> None:
        self._buffer = ""

    def feed(self, text: str) -> list[str]:
        buffer = self._buffer + text if self._buffer else text
        if "\r" in buffer:
            buffer = buffer.replace("\r\n", "\n").replace("\r", "\n")
        blocks = buffer.split("\n\n")
        self._buffer = blocks.pop()
        return [block[6:] for block in blocks if block.startswith("data: ")]


def _reads(mib: int) -> list[str]:
    body = "data: " + "x" * (mib * 1024 * 1024) + "\n\n"
    return [body[i : i + READ] for i in range(0, len(body), READ)]


def _cost(decoder: object, reads: list[str]) -> tuple[float, int]:
    feed = decoder.feed  # type: ignore[attr-defined]
    start = time.process_time()
    got = 0
    for read in reads:
        got += len(feed(read))
    return time.process_time() - start, got


def measure(mib: int) -> dict[str, float]:
    """CPU seconds to decode one ``mib`` MiB event, before and after."""
    reads = _reads(mib)
    before, n_before = _cost(RescanningDecoder(), reads)
    after, n_after = _cost(SSEDecoder(max_event_chars=(mib + 1) * 1024 * 1024), reads)
    assert n_before == n_after == 1, (n_before, n_after)
    return {"mib": mib, "before_s": before, "after_s": after, "ratio": before / max(after, 1e-9)}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="1 and 4 MiB instead of 8 and 32")
    args = parser.parse_args(argv)
    sizes = (1, 4) if args.quick else (8, 32)
    print("| event | reads of 64 KiB | before (CPU s) | after (CPU s) | before / after |")
    print("|---|---|---|---|---|")
    for mib in sizes:
        row = measure(mib)
        reads = len(_reads(mib))
        print(
            f"| {mib} MiB | {reads} | {row['before_s']:.3f} | {row['after_s']:.4f} "
            f"| {row['ratio']:.0f}x |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
