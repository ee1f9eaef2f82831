"""``POST /api/chat``: runs for React's ``useChat``, as AI SDK UI message streams.

- ``POST {path}`` with ``useChat``'s body (``{id, messages, trigger, messageId?}``):
  starts a run on the whole conversation and streams it.
- ``GET {path}/{chat_id}/stream``: the chat's running stream from its start
  (``useChat({resume: true})`` after a reload), ``204`` when none is running.

By default a client that goes away (``stop()``, a closed tab) cancels its run,
as the AI SDK's own servers do. With ``resume=True`` runs outlive their readers
(until the backend's orphan timeout), so a reload can pick them up; ``stop()``
then only stops reading.
"""

from __future__ import annotations

import contextlib
from collections import OrderedDict
from typing import Any

from fastapi import FastAPI, Request
from fastapi.responses import Response

from rxagents.sinks.ai_sdk import ui_message_stream_response
from rxagents.sinks.chat_request import ChatRequestError, parse_chat_request
from rxagents.web.backend import RunBackend, UnknownRun
from rxagents.web.inputs import WebError, WebLimits, read_json

__all__ = ["ChatRuns", "add_chat_routes"]

_EXAMPLE = '{"id": "chat-1", "messages": [{"role": "user", "parts": [...]}]}'


class ChatRuns:
    """Which run each chat is on (the latest one), for ``GET {path}/{chat_id}/stream``.

    Bounded: the oldest chats are forgotten past ``max_chats``.
    """

    def __init__(self, max_chats: int = 1000) -> None:
        self.max_chats = max_chats
        self._runs: OrderedDict[str, tuple[str, str | None]] = OrderedDict()

    def set(self, chat_id: str, run_id: str, message_id: str | None = None) -> None:
        """Record that ``chat_id`` now runs ``run_id`` (streaming ``message_id``)."""
        self._runs[chat_id] = (run_id, message_id)
        self._runs.move_to_end(chat_id)
        while len(self._runs) > self.max_chats:
            self._runs.popitem(last=False)

    def get(self, chat_id: str) -> tuple[str, str | None] | None:
        """The chat's latest run id and message id, if known."""
        return self._runs.get(chat_id)


async def _is_running(backend: RunBackend, run_id: str) -> bool:
    handle: Any = getattr(backend, "handle", None)
    if callable(handle):
        try:
            return not handle(run_id).done
        except UnknownRun:
            return False
    status: Any = getattr(backend, "status", None)
    if callable(status):
        state = (await status(run_id)).get("status")
        return state in ("queued", "running")
    return True  # unknown backend: serve the replay, it ends when the run has


def add_chat_routes(
    app: FastAPI,
    backend: RunBackend,
    limits: WebLimits,
    *,
    path: str = "/api/chat",
    resume: bool = False,
) -> ChatRuns:
    """Add the ``useChat`` endpoints at ``path`` to ``app``; returns the chat -> run map."""
    chats = ChatRuns()

    async def chat(request: Request) -> Response:
        """Start a run on the conversation ``useChat`` sent; stream it back."""
        body = await read_json(request, limits, _EXAMPLE)
        try:
            parsed = parse_chat_request(body)
        except ChatRequestError as exc:
            raise WebError(422, "invalid_chat_request", str(exc)) from None
        run_id = await backend.start(parsed.input)
        if parsed.chat_id:
            chats.set(parsed.chat_id, run_id, parsed.message_id)
        events = await backend.events(run_id)

        async def cancel() -> None:
            with contextlib.suppress(UnknownRun):
                await backend.cancel(run_id)

        return ui_message_stream_response(
            events, message_id=parsed.message_id, on_disconnect=None if resume else cancel
        )

    async def resume_stream(chat_id: str) -> Response:
        """The chat's running stream from its start; 204 when none is running."""
        known = chats.get(chat_id)
        if known is None or not await _is_running(backend, known[0]):
            return Response(status_code=204)
        run_id, message_id = known
        try:
            events = await backend.events(run_id)
        except UnknownRun:
            return Response(status_code=204)
        return ui_message_stream_response(events, message_id=message_id)

    app.add_api_route(path, chat, methods=["POST"], include_in_schema=True)
    app.add_api_route(f"{path}/{{chat_id}}/stream", resume_stream, methods=["GET"])
    return chats
