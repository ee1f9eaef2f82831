"""Server-Sent Events: a run's events as a ``text/event-stream`` response.

Each event becomes one SSE message::

    id: <sequence_number>
    event: <event type, e.g. raw_response_event>
    data: <the event as JSON (model_dump_json(by_alias=True))>

then, after the run's last event, an ``event: run_error`` message if it failed
and always a final ``event: done`` whose data is ``{"type": "done", "status":
"completed" | "cancelled" | "failed"}``. A comment line (``: ping``) every
``ping`` seconds keeps proxies from closing the connection while a run is idle.

Framing is safe whatever the model writes: the JSON encoder escapes CR and LF
inside strings, so every ``data`` value is a single line, and the encoder
(sse-starlette's) would still split any line break into separate ``data:``
lines, as the SSE specification requires.

Needs the ``web`` extra (``sse-starlette``).
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Mapping
from typing import Any, Literal, TypeAlias

from reactivex import Observable
from sse_starlette.event import ServerSentEvent
from sse_starlette.sse import EventSourceResponse

from rxagents.errors import RunCancelled
from rxagents.events import StreamEvent
from rxagents.rx import ObservableIterator

__all__ = [
    "DONE_EVENT",
    "ERROR_EVENT",
    "RunStatus",
    "done_message",
    "error_message",
    "sse_events",
    "sse_response",
]

RunStatus: TypeAlias = Literal["completed", "cancelled", "failed"]
"""How a streamed run ended, as sent in the final ``done`` message."""

DONE_EVENT = "done"
"""The SSE event name (and JSON ``type``) of the last message of every stream."""

ERROR_EVENT = "run_error"
"""The SSE event name (and JSON ``type``) sent when the run failed.

Not ``error``: a browser ``EventSource`` already fires ``error`` for connection
problems, and one listener for both would confuse them.
"""


def error_message(error: BaseException) -> dict[str, Any]:
    """The JSON message describing a failed run: its error class and message.

    A guardrail's tripwire also names the guardrail (``"guardrail"``), so a page can
    show that the run was stopped on purpose rather than broken.
    """
    message = {"type": ERROR_EVENT, "error": type(error).__name__, "message": str(error)}
    tripped = getattr(error, "guardrail_result", None)
    if tripped is not None:
        message["guardrail"] = tripped.guardrail.get_name()
    return message


def done_message(status: RunStatus) -> dict[str, Any]:
    """The JSON message that ends every stream."""
    return {"type": DONE_EVENT, "status": status}


async def sse_events(
    events: Observable[StreamEvent], *, maxsize: int = 256
) -> AsyncIterator[ServerSentEvent]:
    """Subscribe to ``events`` and yield one :class:`ServerSentEvent` per event.

    Closing this generator (the client went away) disposes the subscription: for a
    cold ``Runner.run_streamed`` Observable that cancels the run and closes the
    model's stream.

    Args:
        events: the run's events.
        maxsize: events buffered while the client is slow; a cold run's model
            waits when the buffer is full (a hot source's events are kept).

    Yields:
        The events, then ``run_error`` (if the run failed) and ``done``.
    """
    status: RunStatus = "completed"
    failure: Exception | None = None
    async with ObservableIterator(events, maxsize) as iterator:
        try:
            async for event in iterator:
                yield ServerSentEvent(
                    # By alias: the wire names of the openai types ("schema", "async").
                    event.model_dump_json(by_alias=True),
                    id=str(event.sequence_number),
                    event=event.type,
                )
        except RunCancelled:
            status = "cancelled"
        except Exception as exc:
            status = "failed"
            failure = exc
    if failure is not None:
        yield ServerSentEvent(json.dumps(error_message(failure)), event=ERROR_EVENT)
    yield ServerSentEvent(json.dumps(done_message(status)), event=DONE_EVENT)


def sse_response(
    events: Observable[StreamEvent],
    *,
    ping: float = 15.0,
    retry_ms: int | None = None,
    maxsize: int = 256,
    headers: Mapping[str, str] | None = None,
) -> EventSourceResponse:
    """A Starlette/FastAPI response streaming ``events`` as Server-Sent Events.

    Args:
        events: the run's events, e.g. ``Runner.run_streamed(agent, prompt)``
            (cold: the run starts when the response starts and is cancelled if the
            client disconnects).
        ping: seconds between heartbeat comments while no event is sent
            (``0`` sends none).
        retry_ms: if set, tells the browser how long to wait before reconnecting.
        maxsize: see :func:`sse_events`.
        headers: extra response headers.

    Example:
        >>> @app.get("/ask")
        ... async def ask(q: str) -> EventSourceResponse:
        ...     return sse_response(Runner.run_streamed(agent, q))
    """
    content = sse_events(events, maxsize=maxsize)
    if retry_ms is not None:
        content = _with_retry(retry_ms, content)
    return EventSourceResponse(content, ping=ping, headers=headers)


async def _with_retry(
    retry_ms: int, content: AsyncIterator[ServerSentEvent]
) -> AsyncIterator[ServerSentEvent]:
    yield ServerSentEvent(retry=retry_ms)
    try:
        async for message in content:
            yield message
    finally:
        aclose: Any = getattr(content, "aclose", None)
        if aclose is not None:
            await aclose()
