"""The scripted replies of :mod:`rxagents.testing.openai_server`: SSE bodies and JSON errors.

Plain data and string building (no starlette): the server imports them, and
``openai_server`` re-exports them, where they are documented.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

__all__ = [
    "Payload",
    "Reply",
    "chat_stream",
    "error_reply",
    "raw_reply",
    "responses_stream",
]

Payload = dict[str, Any] | str
"""A JSON-ready dict, or a string sent verbatim as the event's data (e.g. broken JSON)."""

_BATCH_BYTES = 64 * 1024


@dataclass(frozen=True)
class Reply:
    """One scripted HTTP reply. Build it with :func:`chat_stream`, :func:`responses_stream`,
    :func:`error_reply` or :func:`raw_reply`.

    Attributes:
        status: the HTTP status.
        pieces: the body, one network write per piece.
        content_type: the ``Content-Type`` header.
        headers: more response headers.
        delay: seconds to wait before each piece (a slow stream).
        drop_after: close the connection abruptly after this many pieces.
        echo_authorization: append the request's ``Authorization`` header to the
            body (to test that clients scrub keys from error messages).
    """

    status: int = 200
    pieces: tuple[bytes, ...] = ()
    content_type: str = "text/event-stream"
    headers: tuple[tuple[str, str], ...] = ()
    delay: float = 0.0
    drop_after: int | None = None
    echo_authorization: bool = False


def _encode(payload: Payload) -> str:
    return payload if isinstance(payload, str) else json.dumps(payload, separators=(",", ":"))


def _pieces(events: list[str], batch: bool) -> tuple[bytes, ...]:
    if not batch:
        return tuple(e.encode() for e in events)
    out: list[bytes] = []
    buffer: list[str] = []
    size = 0
    for event in events:
        buffer.append(event)
        size += len(event)
        if size >= _BATCH_BYTES:
            out.append("".join(buffer).encode())
            buffer, size = [], 0
    if buffer:
        out.append("".join(buffer).encode())
    return tuple(out)


def chat_stream(
    chunks: Iterable[Payload],
    *,
    done: bool = True,
    delay: float = 0.0,
    drop_after: int | None = None,
    batch: bool = False,
) -> Reply:
    """Chat Completions SSE: ``data: <chunk>`` per chunk, then ``data: [DONE]``.

    Args:
        chunks: the chunks (see :mod:`rxagents.testing.openai_fixtures`).
        done: end with ``data: [DONE]``.
        delay: seconds before each event.
        drop_after: drop the connection after this many events.
        batch: send events in ~64 KiB writes (fast bulk streams for benchmarks).
    """
    events = [f"data: {_encode(c)}\n\n" for c in chunks]
    if done:
        events.append("data: [DONE]\n\n")
    return Reply(pieces=_pieces(events, batch), delay=delay, drop_after=drop_after)


def responses_stream(
    events: Iterable[Payload],
    *,
    delay: float = 0.0,
    drop_after: int | None = None,
    batch: bool = False,
) -> Reply:
    """Responses SSE: ``event: <type>`` + ``data: <event>`` (arguments: see :func:`chat_stream`)."""
    lines = []
    for event in events:
        name = event.get("type", "message") if isinstance(event, dict) else "message"
        lines.append(f"event: {name}\ndata: {_encode(event)}\n\n")
    return Reply(pieces=_pieces(lines, batch), delay=delay, drop_after=drop_after)


def error_reply(
    status: int,
    message: str,
    *,
    error_type: str = "server_error",
    code: str | None = None,
    retry_after_ms: int | None = None,
    echo_authorization: bool = False,
) -> Reply:
    """An OpenAI-style JSON error: ``{"error": {"message", "type", "param", "code"}}``.

    ``retry_after_ms`` sets the ``retry-after-ms`` header the openai client
    honours, so retries in tests take milliseconds instead of its backoff.
    """
    body = {"error": {"message": message, "type": error_type, "param": None, "code": code}}
    headers = (("retry-after-ms", str(retry_after_ms)),) if retry_after_ms is not None else ()
    return Reply(
        status=status,
        pieces=(json.dumps(body).encode(),),
        content_type="application/json",
        headers=headers,
        echo_authorization=echo_authorization,
    )


def raw_reply(
    body: str | bytes,
    *,
    status: int = 200,
    content_type: str = "text/event-stream",
    drop_after: int | None = None,
) -> Reply:
    """A body sent verbatim (for malformed streams)."""
    data = body.encode() if isinstance(body, str) else body
    return Reply(status=status, pieces=(data,), content_type=content_type, drop_after=drop_after)
