"""The ``rxagents`` console script's entry point, outside the package on purpose.

A console script imports its entry point's module, and with it the whole
``rxagents`` package (pydantic, openai, reactivex: most of a second), before any
code of ours can run. Ctrl-C in that window would print Python's traceback. This
module imports nothing heavy itself, so it is the first of our code to run, and it
turns an interrupt at any moment, imports included, into one line and exit 130.
"""

from __future__ import annotations

import sys

__all__ = ["main"]

INTERRUPTED = 130  # 128 + SIGINT, what a shell reports for Ctrl-C


def main() -> None:
    """Run the ``rxagents`` command; Ctrl-C at any point is one ``interrupted`` line."""
    try:
        from rxagents.cli import main as cli_main

        cli_main()
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        sys.exit(INTERRUPTED)


if __name__ == "__main__":
    main()
