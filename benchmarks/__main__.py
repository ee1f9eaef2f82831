"""``python -m benchmarks``: run every benchmark and write benchmarks/RESULTS.md.

python -m benchmarks                    # everything, a few minutes
python -m benchmarks --quick            # tiny sizes, one round (the CI smoke run)
python -m benchmarks --only throughput  # some sections only
python -m benchmarks --output -         # print instead of writing RESULTS.md
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

from benchmarks.harness import FULL, QUICK
from benchmarks.report import load_average, machine, render
from benchmarks.suite import SUITE, run_suite

RESULTS = Path(__file__).resolve().parent / "RESULTS.md"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks", description=__doc__.split("\n")[0]
    )
    parser.add_argument("--quick", action="store_true", help="tiny sizes, one round")
    parser.add_argument("--only", nargs="+", choices=list(SUITE), help="run only these")
    parser.add_argument("--output", default=str(RESULTS), help="file to write, or - for stdout")
    args = parser.parse_args(argv)
    settings = QUICK if args.quick else FULL
    start = time.perf_counter()
    load = load_average()
    sections = run_suite(settings, args.only or list(SUITE), progress=sys.stderr)
    command = "python -m benchmarks" + (" --quick" if args.quick else "")
    if args.only:
        command += " --only " + " ".join(args.only)
    meta = machine()
    meta["load average at start (1/5/15 min)"] = load
    text = render(sections, meta, command=command, seconds=time.perf_counter() - start)
    if args.output == "-":
        sys.stdout.write(text)
    else:
        Path(args.output).write_text(text)
        print(f"wrote {args.output}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
