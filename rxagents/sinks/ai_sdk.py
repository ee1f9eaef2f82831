"""The AI SDK UI message stream: what React's ``useChat`` (``@ai-sdk/react``) reads.

A run becomes Server-Sent Events whose data are JSON chunks (``start``,
``start-step``, ``text-delta``, ``tool-input-available``, ``data-handoff``, ...),
answered with the header ``x-vercel-ai-ui-message-stream: v1`` and ended by
``data: [DONE]``. docs/web.md has the full mapping table.

- :func:`ui_message_chunks`: the operator, events -> chunk dicts; a failed run
  becomes ``error`` + ``finish`` chunks and a cancelled one an ``abort`` chunk,
  and the chunk stream then completes (the client learns of errors in-band).
- :func:`ui_message_stream`: the encoded stream (``data: {...}\\n\\n`` strings).
- :func:`ui_message_stream_response`: a Starlette/FastAPI response.

Framing is safe whatever the model writes: JSON escapes CR and LF inside strings,
so every chunk is a single ``data:`` line.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from typing import TYPE_CHECKING

from reactivex import Observable

from rxagents.errors import RunCancelled
from rxagents.events import StreamEvent
from rxagents.rx import ObservableIterator
from rxagents.sinks._adapter import adapt
from rxagents.sinks._disconnect import watch_disconnect
from rxagents.sinks._ui_chunks import Chunk, DataHook, UIChunkAdapter, data_part

if TYPE_CHECKING:
    from starlette.responses import StreamingResponse

__all__ = [
    "UI_MESSAGE_STREAM_HEADERS",
    "Chunk",
    "DataHook",
    "data_part",
    "encode_chunk",
    "ui_message_chunks",
    "ui_message_stream",
    "ui_message_stream_response",
]

UI_MESSAGE_STREAM_HEADERS: Mapping[str, str] = {
    "content-type": "text/event-stream",
    "cache-control": "no-cache",
    "connection": "keep-alive",
    "x-vercel-ai-ui-message-stream": "v1",
    "x-accel-buffering": "no",
}
"""The response headers of a UI message stream (as the ``ai`` package sends them)."""

_DONE = "data: [DONE]\n\n"


def encode_chunk(chunk: Chunk) -> str:
    """One chunk as an SSE message: ``data: {json}`` and a blank line (LF only)."""
    return f"data: {json.dumps(chunk, ensure_ascii=False, separators=(',', ':'))}\n\n"


def ui_message_chunks(
    message_id: str | None = None, data: DataHook | None = None
) -> Callable[[Observable[StreamEvent]], Observable[Chunk]]:
    """A run's events as AI SDK UI message stream chunks.

    .. marble::
        -a---r1--t----o---R|
        [ ui_message_chunks() ]
        -(s,A)-(S,ts,td)-(te,ti,ia)-oa-(fs,F)|

        s=start A=data-agent S=start-step ts/td/te=text-start/-delta/-end
        ti/ia=tool-input-start/-available oa=tool-output-available
        fs=finish-step F=finish; a failed run ends (error, finish)|, a
        cancelled one (abort)|.

    Args:
        message_id: the ``messageId`` of the ``start`` chunk (default
            ``msg_<run_id>``, so a replay of the same run names the same message).
        data: called with every event; the chunks it returns (e.g.
            :func:`data_part`) are sent right after that event's own chunks
            (before ``finish`` for the run's last event).

    Example:
        >>> chunks = Runner.run_streamed(agent, "hi").pipe(ui_message_chunks())
    """

    return adapt(lambda: UIChunkAdapter(message_id, data))


async def ui_message_stream(
    events: Observable[StreamEvent],
    *,
    message_id: str | None = None,
    data: DataHook | None = None,
    maxsize: int = 256,
) -> AsyncIterator[str]:
    """Subscribe to ``events`` and yield the encoded UI message stream, ``[DONE]`` last.

    Closing this generator (the client went away) disposes the subscription: for
    a cold ``Runner.run_streamed`` Observable that cancels the run.

    Args:
        events: the run's events.
        message_id: see :func:`ui_message_chunks`.
        data: see :func:`ui_message_chunks`.
        maxsize: events buffered while the client is slow (see ``ObservableIterator``).
    """
    adapter = UIChunkAdapter(message_id, data)
    tail: list[Chunk] = []
    async with ObservableIterator(events, maxsize) as iterator:
        try:
            async for event in iterator:
                for chunk in adapter.feed(event):
                    yield encode_chunk(chunk)
        except RunCancelled as exc:
            tail = adapter.cancelled(exc)
        except Exception as exc:
            tail = adapter.failed(exc)
    for chunk in tail:
        yield encode_chunk(chunk)
    yield _DONE


def ui_message_stream_response(
    events: Observable[StreamEvent],
    *,
    message_id: str | None = None,
    data: DataHook | None = None,
    headers: Mapping[str, str] | None = None,
    on_disconnect: Callable[[], Awaitable[None]] | None = None,
) -> StreamingResponse:
    """A Starlette/FastAPI response streaming ``events`` to ``useChat``.

    Args:
        events: the run's events, e.g. ``Runner.run_streamed(agent, prompt)``
            (cold: the run starts with the response and is cancelled if the client
            goes away, e.g. ``useChat``'s ``stop()``).
        message_id: see :func:`ui_message_chunks`.
        data: see :func:`ui_message_chunks`.
        headers: extra response headers.
        on_disconnect: awaited if the client goes away before the stream's end
            (e.g. to cancel a hot run that disposing the subscription leaves running).

    Example:
        >>> @app.post("/api/chat")
        ... async def chat(request: Request) -> StreamingResponse:
        ...     body = await request.json()
        ...     return ui_message_stream_response(
        ...         Runner.run_streamed(agent, chat_input(body))
        ...     )
    """
    from starlette.responses import StreamingResponse

    content = ui_message_stream(events, message_id=message_id, data=data)
    if on_disconnect is not None:
        content = watch_disconnect(content, on_disconnect)
    return StreamingResponse(content, headers={**UI_MESSAGE_STREAM_HEADERS, **(headers or {})})
