"""Serving agent runs to browsers: SSE and WebSocket endpoints and a page.

Needs the ``web`` extra: ``pip install 'rxagents[web]'``.
"""

from rxagents.web.backend import InMemoryRunBackend, RunBackend, TooManyRuns, UnknownRun

__all__ = ["InMemoryRunBackend", "RunBackend", "TooManyRuns", "UnknownRun"]
