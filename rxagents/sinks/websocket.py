"""WebSocket: a run's events as JSON text messages, cancellable by the client.

The server sends each event as ``event.model_dump_json(by_alias=True)``, then
``{"type": "run_error", ...}`` if the run failed, then ``{"type": "done",
"status": ...}``, and closes with code 1000. The client may send
``{"type": "cancel"}`` at any time to stop the run; closing the socket stops it too.

Needs the ``web`` extra (``starlette``).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Awaitable, Callable
from typing import Any, Literal

from reactivex import Observable
from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

from rxagents.errors import RunCancelled
from rxagents.events import StreamEvent
from rxagents.rx import ObservableIterator
from rxagents.sinks.sse import RunStatus, done_message, error_message

__all__ = ["websocket_stream"]

_Reason = Literal["cancel", "disconnect"]


async def websocket_stream(
    websocket: WebSocket,
    events: Observable[StreamEvent],
    *,
    cancel: Callable[[], Awaitable[None]] | None = None,
    maxsize: int = 256,
) -> RunStatus:
    """Stream ``events`` over ``websocket`` until the run ends, is cancelled, or the client leaves.

    Accepts the connection if it is not accepted yet, and closes it at the end.

    Args:
        websocket: a Starlette/FastAPI WebSocket.
        events: the run's events. Without ``cancel``, a client's cancel message or
            disconnect disposes the subscription, which cancels a cold
            ``Runner.run_streamed`` run.
        cancel: for a run held elsewhere (a hot run, a backend): called on a cancel
            message and on disconnect; the run's events should then fail with
            :class:`~rxagents.errors.RunCancelled`, which ends the stream with
            ``{"type": "done", "status": "cancelled"}``.
        maxsize: events buffered while the client is slow.

    Returns:
        How the run ended for this client: ``completed``, ``failed`` or ``cancelled``
        (a disconnect counts as cancelled).

    Example:
        >>> @app.websocket("/ws")
        ... async def ws(websocket: WebSocket) -> None:
        ...     await websocket.accept()
        ...     prompt = await websocket.receive_text()
        ...     await websocket_stream(websocket, Runner.run_streamed(agent, prompt))
    """
    if websocket.application_state == WebSocketState.CONNECTING:
        await websocket.accept()
    lock = asyncio.Lock()
    sender = asyncio.ensure_future(_send_events(websocket, events, maxsize, lock))
    receiver = asyncio.ensure_future(_receive_until_stop(websocket, cancel, lock))
    try:
        await asyncio.wait({sender, receiver}, return_when=asyncio.FIRST_COMPLETED)
    except BaseException:
        sender.cancel()
        receiver.cancel()
        raise
    if sender.done() and sender.exception() is None:
        receiver.cancel()
        await asyncio.gather(receiver, return_exceptions=True)
        await _close(websocket)
        return sender.result()
    # The client asked to stop or went away (or sending to it failed).
    reason: _Reason = "disconnect"
    if receiver.done() and receiver.exception() is None:
        reason = receiver.result()
    else:
        receiver.cancel()
    sender.cancel()  # disposes the subscription: a cold run stops here
    await asyncio.gather(sender, receiver, return_exceptions=True)
    if cancel is not None:
        await cancel()
    if reason == "cancel":
        with contextlib.suppress(RuntimeError, OSError, WebSocketDisconnect):
            await _send(websocket, done_message("cancelled"), lock)
        await _close(websocket)
    return "cancelled"


async def _send_events(
    websocket: WebSocket, events: Observable[StreamEvent], maxsize: int, lock: asyncio.Lock
) -> RunStatus:
    status: RunStatus = "completed"
    failure: Exception | None = None
    async with ObservableIterator(events, maxsize) as iterator:
        try:
            async for event in iterator:
                async with lock:
                    await websocket.send_text(event.model_dump_json(by_alias=True))
        except RunCancelled:
            status = "cancelled"
        except (WebSocketDisconnect, OSError):
            raise
        except Exception as exc:
            status = "failed"
            failure = exc
    if failure is not None:
        await _send(websocket, error_message(failure), lock)
    await _send(websocket, done_message(status), lock)
    return status


async def _receive_until_stop(
    websocket: WebSocket, cancel: Callable[[], Awaitable[None]] | None, lock: asyncio.Lock
) -> _Reason:
    """Read client messages until a cancel (handled here if ``cancel`` is given) or disconnect."""
    while True:
        message = await websocket.receive()
        if message["type"] == "websocket.disconnect":
            return "disconnect"
        raw = message.get("text")
        if raw is None and message.get("bytes") is not None:
            raw = message["bytes"].decode("utf-8", "replace")
        if _is_cancel(raw):
            if cancel is None:
                return "cancel"
            await cancel()  # the events then end with RunCancelled; keep listening
            continue
        await _send(
            websocket,
            {
                "type": "invalid_message",
                "message": 'the only message a client may send is {"type": "cancel"}',
            },
            lock,
        )


def _is_cancel(raw: str | None) -> bool:
    if raw is None:
        return False
    try:
        value: Any = json.loads(raw)
    except ValueError:
        return False
    return isinstance(value, dict) and value.get("type") == "cancel"


async def _send(websocket: WebSocket, message: dict[str, Any], lock: asyncio.Lock) -> None:
    if websocket.application_state != WebSocketState.CONNECTED:
        return
    async with lock:
        await websocket.send_text(json.dumps(message))


async def _close(websocket: WebSocket) -> None:
    if websocket.application_state == WebSocketState.CONNECTED:
        with contextlib.suppress(RuntimeError, OSError, WebSocketDisconnect):
            await websocket.close(code=1000)  # fails only if the client closed first
