"""``dev.py test``'s Ctrl-C: one line on stderr instead of pytest's interrupt report.

Loaded only by ``python3 dev.py test`` (``-p tools.pytest_one_line_interrupt``), so a
user's own pytest runs keep pytest's usual output. On Ctrl-C pytest still tears
every fixture down (the Redis and Temporal servers stop); only its terminal
report is silenced, and this plugin says how far the run got instead.
"""

from __future__ import annotations

import sys

import pytest

_config: pytest.Config | None = None


def pytest_configure(config: pytest.Config) -> None:
    global _config
    _config = config


@pytest.hookimpl(tryfirst=True)
def pytest_keyboard_interrupt(excinfo: pytest.ExceptionInfo[BaseException]) -> None:
    if _config is None:
        return
    reporter = _config.pluginmanager.get_plugin("terminalreporter")
    if reporter is None:
        return
    counts = {kind: len(reporter.stats.get(kind, ())) for kind in ("passed", "failed", "error")}
    # Unregistered, the reporter prints neither its "KeyboardInterrupt" banner nor
    # the session summary; teardown still runs.
    _config.pluginmanager.unregister(reporter)
    if reporter._tw.width_of_current_line:  # end pytest's line of progress dots
        sys.stdout.write("\n")
        sys.stdout.flush()
    done = ", ".join(f"{n} {kind}" for kind, n in counts.items() if n) or "no test finished"
    print(f"interrupted ({done})", file=sys.stderr, flush=True)
