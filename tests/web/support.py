"""Test helpers for the web tests: a probing model, an SSE parser, a real uvicorn server."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import threading
import time
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from openai.types.responses import ResponseStreamEvent

from rxagents.models.base import ModelRequest
from rxagents.testing import ScriptedModel
from rxagents.testing.scripted import ScriptStep


class ProbeModel:
    """Plays a script (one turn per model call, reusable across runs) and reports on itself.

    The turn is chosen by how many tool outputs the request carries, so every run
    of the same agent replays the same script. With ``hold_after=k`` the stream
    stops before its ``k+1``-th text delta until ``gate`` is set.

    Attributes:
        started: set when a model stream starts.
        closed: set when a stream is closed before its end (cancelled/disposed).
        finished: set when the latest stream reached its end.
    """

    def __init__(self, turns: Sequence[Sequence[ScriptStep]], *, hold_after: int | None = None):
        self.turns = turns
        self.hold_after = hold_after
        self.gate = threading.Event()
        self.holding = threading.Event()
        self.started = threading.Event()
        self.closed = threading.Event()
        self.finished = threading.Event()
        self.calls = 0
        self.prompts: list[str] = []

    def requests_seen_prompt(self, prompt: str) -> bool:
        """Some request's first input item was the user message ``prompt``."""
        return prompt in self.prompts

    def stream(self, request: ModelRequest) -> AsyncIterator[ResponseStreamEvent]:
        self.calls += 1
        first = request.input[0] if request.input else {}
        if isinstance(first, dict) and isinstance(first.get("content"), str):
            self.prompts.append(first["content"])
        return self._stream(request)

    async def _stream(self, request: ModelRequest) -> AsyncIterator[ResponseStreamEvent]:
        turn = sum(
            1
            for item in request.input
            if isinstance(item, dict) and item.get("type") == "function_call_output"
        )
        inner = ScriptedModel([self.turns[turn]]).stream(request)
        self.finished.clear()  # about the latest stream only
        self.started.set()
        deltas = 0
        ended = False
        try:
            async for event in inner:
                if event.type == "response.output_text.delta":
                    if self.hold_after is not None and deltas == self.hold_after:
                        self.holding.set()
                        while not self.gate.is_set():
                            await asyncio.sleep(0.005)
                    deltas += 1
                yield event
            ended = True
            self.finished.set()
        finally:
            if not ended:
                self.closed.set()
            await inner.aclose()  # type: ignore[attr-defined]


async def wait_for(flag: threading.Event, what: str, timeout: float = 15.0) -> None:
    """Wait (without blocking the loop) until ``flag`` is set; fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    while not flag.is_set():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.01)


@dataclass
class SSEMessage:
    """One dispatched SSE event, as a browser's EventSource would see it."""

    event: str
    data: str
    last_event_id: str


@dataclass
class SSEParser:
    """An incremental parser following the HTML Standard's event-stream interpretation."""

    messages: list[SSEMessage] = field(default_factory=list)
    comments: list[str] = field(default_factory=list)
    retry: int | None = None
    last_event_id: str = ""
    _buffer: str = ""
    _data: list[str] = field(default_factory=list)
    _event: str = ""
    _pending_cr: bool = False

    def feed(self, chunk: str) -> list[SSEMessage]:
        """Parse ``chunk``; return the messages it completed."""
        before = len(self.messages)
        text = self._buffer + chunk
        self._buffer = ""
        lines: list[str] = []
        start = 0
        i = 0
        while i < len(text):
            ch = text[i]
            if ch == "\n" and self._pending_cr:
                self._pending_cr = False
                start = i + 1
            elif ch in "\r\n":
                lines.append(text[start:i])
                self._pending_cr = ch == "\r"
                start = i + 1
            else:
                self._pending_cr = False
            i += 1
        self._buffer = text[start:]
        for line in lines:
            self._line(line)
        return self.messages[before:]

    def _line(self, line: str) -> None:
        if line == "":
            if self._data:
                self.messages.append(
                    SSEMessage(self._event or "message", "\n".join(self._data), self.last_event_id)
                )
            self._data = []
            self._event = ""
            return
        if line.startswith(":"):
            self.comments.append(line[1:])
            return
        name, sep, value = line.partition(":")
        if sep and value.startswith(" "):
            value = value[1:]
        if name == "data":
            self._data.append(value)
        elif name == "event":
            self._event = value
        elif name == "id" and "\0" not in value:
            self.last_event_id = value
        elif name == "retry" and value.isdigit():
            self.retry = int(value)


@contextlib.contextmanager
def serving(app: Any) -> Iterator[str]:
    """Run ``app`` on uvicorn in a thread, on an ephemeral 127.0.0.1 port; yield its URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    config = uvicorn.Config(app, log_level="warning", lifespan="on", timeout_graceful_shutdown=2)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 15
    while not server.started:
        if not thread.is_alive() or time.monotonic() > deadline:
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.01)
    try:
        yield f"http://127.0.0.1:{port}"
    finally:
        server.should_exit = True
        thread.join(10)
        sock.close()
