"""``POST /agui``: runs for AG-UI clients (``@ag-ui/client``'s ``HttpAgent``).

The body is a ``RunAgentInput`` (``threadId``, ``runId``, ``messages``, ``tools``,
``context``, ``state``, ``forwardedProps``); the answer is the run as AG-UI
events. A client that goes away (``abortRun()``) cancels its run. Needs the
``agui`` extra (``ag-ui-protocol``).
"""

from __future__ import annotations

import contextlib

from fastapi import FastAPI, Request
from fastapi.responses import Response

from rxagents.web.backend import RunBackend, UnknownRun
from rxagents.web.inputs import WebError, WebLimits, read_json

__all__ = ["add_agui_routes"]

_EXAMPLE = '{"threadId": "t1", "runId": "r1", "messages": [{"id": "m1", "role": "user", ...}]}'


def add_agui_routes(
    app: FastAPI, backend: RunBackend, limits: WebLimits, *, path: str = "/agui"
) -> None:
    """Add ``POST {path}`` (AG-UI) to ``app``.

    Without the ``agui`` extra the endpoint answers 501, saying what to install.
    """
    try:
        from rxagents.sinks.agui import AGUIInputError, agui_response, parse_agui_input
    except ImportError as exc:
        message = (
            f"the AG-UI endpoint needs the agui extra ({exc.name} is missing): "
            "pip install -e '.[agui]'"
        )

        async def unavailable() -> Response:
            raise WebError(501, "agui_unavailable", message)

        app.add_api_route(path, unavailable, methods=["POST"])
        return

    async def agui(request: Request) -> Response:
        """Run the agent on an AG-UI ``RunAgentInput``; stream AG-UI events back."""
        body = await read_json(request, limits, _EXAMPLE)
        try:
            run = parse_agui_input(body)
        except AGUIInputError as exc:
            raise WebError(422, "invalid_agui_input", str(exc)) from None
        run_id = await backend.start(run.input)
        events = await backend.events(run_id)

        async def cancel() -> None:
            with contextlib.suppress(UnknownRun):
                await backend.cancel(run_id)

        return agui_response(events, run, on_disconnect=cancel)

    app.add_api_route(path, agui, methods=["POST"])
