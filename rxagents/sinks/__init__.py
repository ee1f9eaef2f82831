"""Sinks: where runs go. They subscribe and deliver; they never change events.

Each name is imported on first use, so ``import rxagents.sinks`` needs none of
the optional packages: the terminal view needs ``rich`` and the progress bar
``tqdm`` (``rxagents[cli]``); the notebook view needs IPython and the timeline
matplotlib (``rxagents[notebook]``); SSE and WebSockets need ``rxagents[web]``.

Example:
    >>> from rxagents.sinks import show, timeline
    >>> watched = await show({"a": run_a, "b": run_b})   # live in the terminal
    >>> timeline(watched.events).savefig("runs.png")
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rxagents.sinks.live import RunsView, Watched, watch
    from rxagents.sinks.notebook import RunDisplay, display_run, render_html
    from rxagents.sinks.progress_bar import ProgressBar, progress
    from rxagents.sinks.recording import LaneTrace, TimedEvent, collect_timed, record, trace
    from rxagents.sinks.sse import sse_events, sse_response
    from rxagents.sinks.terminal import PlainPrinter, render_view, show, summary_table
    from rxagents.sinks.timeline_plot import timeline
    from rxagents.sinks.websocket import websocket_stream

# Module names differ from the names they export: a submodule imported anywhere
# becomes an attribute of this package and would shadow a lazy name it shares.
_WHERE = {
    # live views (rxagents.sinks.live / terminal / notebook)
    "RunsView": "live",
    "Watched": "live",
    "watch": "live",
    "PlainPrinter": "terminal",
    "render_view": "terminal",
    "show": "terminal",
    "summary_table": "terminal",
    "RunDisplay": "notebook",
    "display_run": "notebook",
    "render_html": "notebook",
    # progress bars, arrival times, the timeline plot
    "ProgressBar": "progress_bar",
    "progress": "progress_bar",
    "LaneTrace": "recording",
    "TimedEvent": "recording",
    "collect_timed": "recording",
    "record": "recording",
    "trace": "recording",
    "timeline": "timeline_plot",
    # the web (rxagents[web]): Server-Sent Events and WebSockets
    "sse_events": "sse",
    "sse_response": "sse",
    "websocket_stream": "websocket",
}

__all__ = [
    "LaneTrace",
    "PlainPrinter",
    "ProgressBar",
    "RunDisplay",
    "RunsView",
    "TimedEvent",
    "Watched",
    "collect_timed",
    "display_run",
    "progress",
    "record",
    "render_html",
    "render_view",
    "show",
    "sse_events",
    "sse_response",
    "summary_table",
    "timeline",
    "trace",
    "watch",
    "websocket_stream",
]


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module 'rxagents.sinks' has no attribute {name!r}")
    value = getattr(importlib.import_module(f"rxagents.sinks.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted([*globals(), *_WHERE])
