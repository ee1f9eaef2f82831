"""Serving agent runs to browsers: SSE and WebSocket endpoints, a page, ``rxagents serve``.

Needs the ``web`` extra: ``pip install -e '.[web]'``. The backend interface
(:mod:`rxagents.web.backend`) imports without it, so workers can use it alone.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rxagents.web.backend import InMemoryRunBackend, RunBackend, TooManyRuns, UnknownRun

if TYPE_CHECKING:
    from rxagents.web.app import create_app, default_agent, mount_agent, mount_agui, mount_chat
    from rxagents.web.inputs import WebLimits
    from rxagents.web.security import WebSecurity

__all__ = [
    "InMemoryRunBackend",
    "RunBackend",
    "TooManyRuns",
    "UnknownRun",
    "WebLimits",
    "WebSecurity",
    "create_app",
    "default_agent",
    "mount_agent",
    "mount_agui",
    "mount_chat",
]

_LAZY = {
    "create_app": "rxagents.web.app",
    "default_agent": "rxagents.web.app",
    "mount_agent": "rxagents.web.app",
    "mount_agui": "rxagents.web.app",
    "mount_chat": "rxagents.web.app",
    "WebLimits": "rxagents.web.inputs",
    "WebSecurity": "rxagents.web.security",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'rxagents.web' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)
