"""A fake OpenAI-compatible streaming server on 127.0.0.1, for tests and benchmarks.

It serves ``POST /v1/chat/completions`` and ``POST /v1/responses`` from a queue
of scripted :class:`Reply` objects (one per request, whichever endpoint), over
real HTTP under uvicorn, records every request it receives, and observes how
each stream ended: completed, dropped on purpose, or disconnected by the client.

Example:
    >>> from rxagents.testing.openai_server import FakeOpenAIServer, chat_stream
    >>> from rxagents.testing.openai_fixtures import chat_text
    >>> with FakeOpenAIServer() as server:                     # background thread
    ...     server.enqueue(chat_stream(chat_text("hello")))
    ...     client = openai.AsyncOpenAI(base_url=server.base_url, api_key="sk-test")

Needs the ``web`` extra (starlette, uvicorn).
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import hmac
import json
import socket
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from types import TracebackType
from typing import Any, Literal

from rxagents.errors import UserError
from rxagents.testing._replies import (
    Payload,
    Reply,
    chat_stream,
    error_reply,
    raw_reply,
    responses_stream,
)

try:
    import uvicorn
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse, Response
    from starlette.routing import Route
    from starlette.types import Receive, Scope, Send
except ImportError as exc:  # pragma: no cover - depends on the installed extras
    raise UserError(
        "rxagents.testing.openai_server needs starlette and uvicorn: pip install 'rxagents[web]'"
    ) from exc

__all__ = [
    "FakeOpenAIServer",
    "Payload",
    "RecordedRequest",
    "Reply",
    "chat_stream",
    "error_reply",
    "raw_reply",
    "responses_stream",
]


@dataclass
class RecordedRequest:
    """A request the server received. The ``Authorization`` header is kept only as a hash.

    Attributes:
        method: e.g. ``"POST"``.
        path: e.g. ``"/v1/chat/completions"``.
        headers: lower-cased headers, without ``authorization``.
        body: the JSON body, or ``None``.
        outcome: how the reply ended: ``"completed"``, ``"dropped"`` (on purpose),
            ``"disconnected"`` (by the client), or ``"pending"`` while streaming.
    """

    method: str
    path: str
    headers: dict[str, str]
    body: Any
    outcome: Literal["pending", "completed", "dropped", "disconnected"] = "pending"
    _auth_digest: str | None = field(default=None, repr=False)

    def authorized_with(self, api_key: str) -> bool:
        """Whether the request carried ``Authorization: Bearer <api_key>``."""
        if self._auth_digest is None:
            return False
        digest = hashlib.sha256(f"Bearer {api_key}".encode()).hexdigest()
        return hmac.compare_digest(digest, self._auth_digest)


class _Stream(Response):
    """Sends a reply's pieces while watching for the client to disconnect."""

    def __init__(self, server: FakeOpenAIServer, reply: Reply, record: RecordedRequest) -> None:
        super().__init__(status_code=reply.status, media_type=reply.content_type)
        self._server = server
        self._reply = reply
        self._record = record

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        reply = self._reply
        gone = asyncio.Event()

        async def watch() -> None:
            while True:
                message = await receive()
                if message["type"] == "http.disconnect":
                    gone.set()
                    return

        watcher = asyncio.create_task(watch())
        headers = [(b"content-type", reply.content_type.encode()), (b"cache-control", b"no-cache")]
        headers += [(k.encode(), v.encode()) for k, v in reply.headers]
        try:
            await send({"type": "http.response.start", "status": reply.status, "headers": headers})
            for index, piece in enumerate(reply.pieces):
                if reply.drop_after is not None and index >= reply.drop_after:
                    # Returning without the final body message makes uvicorn close the
                    # connection mid-body: the client sees a truncated chunked stream.
                    self._server._finish(self._record, "dropped")
                    return
                if reply.delay:
                    with contextlib.suppress(TimeoutError):
                        await asyncio.wait_for(gone.wait(), reply.delay)
                if gone.is_set():
                    self._server._finish(self._record, "disconnected")
                    return
                try:
                    await send({"type": "http.response.body", "body": piece, "more_body": True})
                except OSError:
                    self._server._finish(self._record, "disconnected")
                    return
            if reply.drop_after is not None and reply.drop_after >= len(reply.pieces):
                self._server._finish(self._record, "dropped")
                return
            await send({"type": "http.response.body", "body": b"", "more_body": False})
            self._server._finish(self._record, "completed")
        except asyncio.CancelledError:
            self._server._finish(self._record, "disconnected")
            raise
        finally:
            watcher.cancel()


class FakeOpenAIServer:
    """An OpenAI-compatible streaming server driven by scripted replies.

    Run it in a background thread (``with FakeOpenAIServer() as s`` or
    :meth:`start`) or as a task on the running event loop (``async with``).

    Args:
        replies: replies to serve first, in order, one per request.
        default: served when the queue is empty (e.g. one bulk stream for a
            benchmark loop); without it an empty queue answers HTTP 500.

    Attributes:
        requests: every request received, in order.
    """

    def __init__(self, *replies: Reply, default: Reply | None = None) -> None:
        self._queue: deque[Reply] = deque(replies)
        self.default = default
        self.requests: list[RecordedRequest] = []
        self._changed = threading.Condition()
        self._uvicorn: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self._task: asyncio.Task[None] | None = None
        self._port = 0
        route = ["POST"]
        self.app = Starlette(
            routes=[
                Route("/v1/chat/completions", self._handle, methods=route),
                Route("/v1/responses", self._handle, methods=route),
                Route("/v1/models", self._models, methods=["GET"]),
            ]
        )

    # ---- scripting and inspection -------------------------------------------------

    def enqueue(self, *replies: Reply) -> None:
        """Queue replies for the next requests."""
        self._queue.extend(replies)

    def reset(self) -> None:
        """Forget queued replies and recorded requests."""
        self._queue.clear()
        with self._changed:
            self.requests.clear()

    @property
    def pending(self) -> int:
        """Replies still queued."""
        return len(self._queue)

    @property
    def base_url(self) -> str:
        """``http://127.0.0.1:<port>/v1``: pass it as the openai client's ``base_url``."""
        if not self._port:
            raise UserError("the fake server is not running; start() it or use it with `with`")
        return f"http://127.0.0.1:{self._port}/v1"

    def outcomes(self) -> list[str]:
        """How each request's reply ended, in request order."""
        with self._changed:
            return [r.outcome for r in self.requests]

    def wait_for(self, outcome: str, count: int = 1, timeout: float = 10.0) -> bool:
        """Block until ``count`` replies ended with ``outcome`` (e.g. ``"disconnected"``)."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while sum(r.outcome == outcome for r in self.requests) < count:
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._changed.wait(left)
            return True

    async def wait_for_async(self, outcome: str, count: int = 1, timeout: float = 10.0) -> bool:
        """:meth:`wait_for` without blocking the event loop."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if sum(r.outcome == outcome for r in self.snapshot()) >= count:
                return True
            await asyncio.sleep(0.005)
        return False

    def snapshot(self) -> list[RecordedRequest]:
        """A snapshot of :attr:`requests`."""
        with self._changed:
            return list(self.requests)

    def _finish(self, record: RecordedRequest, outcome: Any) -> None:
        with self._changed:
            if record.outcome == "pending":
                record.outcome = outcome
            self._changed.notify_all()

    # ---- HTTP ---------------------------------------------------------------------

    async def _models(self, request: Request) -> Response:
        return JSONResponse({"object": "list", "data": [{"id": "fake-model", "object": "model"}]})

    async def _handle(self, request: Request) -> Response:
        raw = await request.body()
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        headers = {k.lower(): v for k, v in request.headers.items() if k.lower() != "authorization"}
        auth = request.headers.get("authorization")
        digest = hashlib.sha256(auth.encode()).hexdigest() if auth else None
        record = RecordedRequest(request.method, request.url.path, headers, body, "pending", digest)
        with self._changed:
            self.requests.append(record)
            self._changed.notify_all()
        try:
            reply = self._queue.popleft()
        except IndexError:
            reply = self.default or error_reply(500, "the fake server has no scripted reply left")
        if reply.echo_authorization:
            text = json.loads(reply.pieces[0])
            text["error"]["message"] += f" (you sent: {auth})"
            reply = Reply(
                status=reply.status,
                pieces=(json.dumps(text).encode(),),
                content_type=reply.content_type,
                headers=reply.headers,
            )
        return _Stream(self, reply, record)

    # ---- running ------------------------------------------------------------------

    def _prepare(self) -> list[socket.socket]:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        self._port = sock.getsockname()[1]
        config = uvicorn.Config(
            self.app, lifespan="off", access_log=False, log_config=None, log_level="warning"
        )
        self._uvicorn = uvicorn.Server(config)
        return [sock]

    def start(self) -> FakeOpenAIServer:
        """Serve from a background thread; returns once the port accepts connections."""
        if self._thread is not None or self._task is not None:
            raise UserError("the fake server is already running")
        sockets = self._prepare()
        server = self._uvicorn
        assert server is not None
        self._thread = threading.Thread(
            target=server.run, kwargs={"sockets": sockets}, name="fake-openai", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + 10
        while not server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise UserError("the fake OpenAI server did not start within 10 s")
            time.sleep(0.002)
        return self

    def stop(self) -> None:
        """Stop the background thread started by :meth:`start`."""
        if self._uvicorn is not None:
            self._uvicorn.should_exit = True
        if self._thread is not None:
            self._thread.join(10)
            self._thread = None
        self._uvicorn = None
        self._port = 0

    def __enter__(self) -> FakeOpenAIServer:
        return self.start()

    def __exit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    async def __aenter__(self) -> FakeOpenAIServer:
        if self._thread is not None or self._task is not None:
            raise UserError("the fake server is already running")
        sockets = self._prepare()
        server = self._uvicorn
        assert server is not None
        self._task = asyncio.create_task(server.serve(sockets=sockets))
        while not server.started:
            if self._task.done():
                self._task.result()
                raise UserError("the fake OpenAI server stopped while starting")
            await asyncio.sleep(0.002)
        return self

    async def __aexit__(
        self, t: type[BaseException] | None, e: BaseException | None, tb: TracebackType | None
    ) -> None:
        if self._uvicorn is not None:
            self._uvicorn.should_exit = True
        if self._task is not None:
            await self._task
            self._task = None
        self._uvicorn = None
        self._port = 0
