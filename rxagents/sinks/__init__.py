"""Sinks: where runs go. They subscribe and deliver; they never change events.

Each name is imported on first use, so ``import rxagents.sinks`` needs none of
the optional packages: the terminal view needs ``rich`` and the progress bar
``tqdm`` (``rxagents[cli]``); the notebook view needs IPython and the timeline
matplotlib (``rxagents[notebook]``); SSE and WebSockets need ``rxagents[web]``;
the AI SDK UI message stream (React's ``useChat``) needs nothing more to build
chunks and ``rxagents[web]`` to serve them; AG-UI needs ``rxagents[agui]``.

Example:
    >>> from rxagents.sinks import show, timeline
    >>> watched = await show({"a": run_a, "b": run_b})   # live in the terminal
    >>> timeline(watched.events).savefig("runs.png")
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rxagents.sinks.agui import (
        AGUIRequest,
        agui_events,
        agui_response,
        agui_stream,
        parse_agui_input,
    )
    from rxagents.sinks.ai_sdk import (
        data_part,
        ui_message_chunks,
        ui_message_stream,
        ui_message_stream_response,
    )
    from rxagents.sinks.chat_request import ChatRequest, parse_chat_request
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
    # browser protocols: the AI SDK UI message stream (useChat) and AG-UI
    "data_part": "ai_sdk",
    "ui_message_chunks": "ai_sdk",
    "ui_message_stream": "ai_sdk",
    "ui_message_stream_response": "ai_sdk",
    "ChatRequest": "chat_request",
    "parse_chat_request": "chat_request",
    "AGUIRequest": "agui",
    "agui_events": "agui",
    "agui_response": "agui",
    "agui_stream": "agui",
    "parse_agui_input": "agui",
}

__all__ = [
    "AGUIRequest",
    "ChatRequest",
    "LaneTrace",
    "PlainPrinter",
    "ProgressBar",
    "RunDisplay",
    "RunsView",
    "TimedEvent",
    "Watched",
    "agui_events",
    "agui_response",
    "agui_stream",
    "collect_timed",
    "data_part",
    "display_run",
    "parse_agui_input",
    "parse_chat_request",
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
    "ui_message_chunks",
    "ui_message_stream",
    "ui_message_stream_response",
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
