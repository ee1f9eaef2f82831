"""A hostile HTTP server on 127.0.0.1: it drops, stalls, corrupts, truncates and echoes.

Raw asyncio sockets rather than an ASGI server, so a test controls every byte
(a gzip body cut in half, a chunked body that stops mid-event, a stall after
the headers) and the server itself counts open connections and observes the
client hanging up.

Example:
    >>> with HostileServer(lambda request: Plan(chunks=[b"data: [DONE]\\n\\n"])) as server:
    ...     ...  # point a client at server.base_url; then check server.open_connections
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Literal

__all__ = ["HostileServer", "Plan", "Seen", "sse"]


@dataclass(frozen=True)
class Seen:
    """A request as the server read it (headers lower-cased)."""

    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> object:
        return json.loads(self.body or b"null")


@dataclass
class Plan:
    """What to answer. ``chunks`` are sent in order; a float is a pause of that many seconds.

    Attributes:
        status: the HTTP status.
        headers: extra response headers.
        chunks: body pieces (bytes) and pauses (float seconds).
        end: ``"complete"`` finishes the body; ``"drop"`` aborts the connection
            after the last chunk (a truncated body).
        chunked: send with chunked transfer encoding (else Content-Length).
        before: seconds to wait before sending the status line (a stalled server).
    """

    status: int = 200
    headers: dict[str, str] = field(default_factory=lambda: {"content-type": "text/event-stream"})
    chunks: list[bytes | float] = field(default_factory=list)
    end: Literal["complete", "drop"] = "complete"
    chunked: bool = True
    before: float = 0.0


def sse(*payloads: object) -> bytes:
    """``data:`` events for ``payloads`` (dicts become JSON; strings go verbatim)."""
    out = []
    for payload in payloads:
        data = payload if isinstance(payload, str) else json.dumps(payload)
        out.append(f"data: {data}\n\n")
    return "".join(out).encode()


class HostileServer:
    """Serves every request with ``handler(request) -> Plan`` from a background thread.

    Args:
        handler: what to answer each request.
        record: keep every request in :attr:`requests` (a soak turns it off, so the
            server's own memory does not count as the client's growth).

    Attributes:
        requests: every request read, in order.
        request_count: how many requests were read.
        disconnects: responses the client hung up on before they ended.
    """

    def __init__(self, handler: Callable[[Seen], Plan], *, record: bool = True) -> None:
        self.handler = handler
        self.record = record
        self.request_count = 0
        self.requests: list[Seen] = []
        self.disconnects = 0
        self.accepted = 0
        self._open = 0
        self._lock = threading.Lock()
        self._loop: asyncio.AbstractEventLoop | None = None
        self._server: asyncio.base_events.Server | None = None
        self._thread: threading.Thread | None = None
        self._ready = threading.Event()
        self.port = 0

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/v1"

    @property
    def open_connections(self) -> int:
        """Connections the server holds open right now (counted on its side)."""
        with self._lock:
            return self._open

    def wait_until(self, check: Callable[[HostileServer], bool], timeout: float = 10.0) -> bool:
        """Poll ``check(self)`` until true or ``timeout`` seconds passed."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if check(self):
                return True
            time.sleep(0.005)
        return check(self)

    async def wait_until_async(
        self, check: Callable[[HostileServer], bool], timeout: float = 10.0
    ) -> bool:
        """:meth:`wait_until` without blocking the event loop."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if check(self):
                return True
            await asyncio.sleep(0.005)
        return check(self)

    # ---- running -----------------------------------------------------------------

    def __enter__(self) -> HostileServer:
        self._thread = threading.Thread(target=self._run, name="hostile-server", daemon=True)
        self._thread.start()
        if not self._ready.wait(10):
            raise RuntimeError("the hostile server did not start")
        return self

    def __exit__(self, *exc: object) -> None:
        loop = self._loop
        if loop is not None:
            loop.call_soon_threadsafe(loop.stop)
        if self._thread is not None:
            self._thread.join(10)

    def _run(self) -> None:
        loop = self._loop = asyncio.new_event_loop()
        self._server = loop.run_until_complete(
            asyncio.start_server(self._connection, "127.0.0.1", 0, backlog=2048)
        )
        self.port = self._server.sockets[0].getsockname()[1]
        self._ready.set()
        try:
            loop.run_forever()
        finally:
            self._server.close()
            for task in asyncio.all_tasks(loop):
                task.cancel()
            loop.run_until_complete(asyncio.sleep(0))
            loop.close()

    # ---- one connection ----------------------------------------------------------

    async def _connection(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with self._lock:
            self._open += 1
            self.accepted += 1
        try:
            while True:
                request = await _read_request(reader)
                if request is None:
                    return
                with self._lock:
                    self.request_count += 1
                    if self.record:
                        self.requests.append(request)
                if not await self._answer(self.handler(request), reader, writer):
                    return
        except (ConnectionError, asyncio.IncompleteReadError):
            return
        except asyncio.CancelledError:
            return  # the server is stopping: end quietly, the connection is aborted below
        finally:
            writer.transport.abort()
            with self._lock:
                self._open -= 1

    async def _answer(
        self, plan: Plan, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> bool:
        """Send ``plan``; whether the connection can carry another request."""
        if plan.before and await _client_left(reader, plan.before):
            self._gone()
            return False
        head = [f"HTTP/1.1 {plan.status} X"]
        head += [f"{name}: {value}" for name, value in plan.headers.items()]
        if plan.chunked:
            head.append("transfer-encoding: chunked")
        else:
            size = sum(len(c) for c in plan.chunks if isinstance(c, bytes))
            head.append(f"content-length: {size}")
        writer.write(("\r\n".join(head) + "\r\n\r\n").encode("latin-1"))
        for chunk in plan.chunks:
            if isinstance(chunk, float):
                if await _client_left(reader, chunk):
                    self._gone()
                    return False
                continue
            writer.write(b"%x\r\n%s\r\n" % (len(chunk), chunk) if plan.chunked else chunk)
            try:
                await writer.drain()
            except ConnectionError:
                self._gone()
                return False
        if plan.end == "drop":
            await writer.drain()
            return False
        if plan.chunked:
            writer.write(b"0\r\n\r\n")
        await writer.drain()
        return True

    def _gone(self) -> None:
        with self._lock:
            self.disconnects += 1


async def _client_left(reader: asyncio.StreamReader, seconds: float) -> bool:
    """Wait ``seconds``; whether the client closed the connection meanwhile."""
    try:
        data = await asyncio.wait_for(reader.read(1), seconds)
    except TimeoutError:
        return False
    except ConnectionError:
        return True
    return data == b""


async def _read_request(reader: asyncio.StreamReader) -> Seen | None:
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except asyncio.IncompleteReadError:
        return None
    lines = head.decode("latin-1").split("\r\n")
    method, path, _ = lines[0].split(" ", 2)
    headers: dict[str, str] = {}
    for line in lines[1:]:
        if ":" in line:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
    body = await reader.readexactly(int(headers.get("content-length", "0") or 0))
    return Seen(method, path, headers, body)
