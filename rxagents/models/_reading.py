"""Reading one streamed model response: event timeouts, the size cap, typed errors.

The openai client sends the request (configuration, auth, retries before the
stream starts); this module times the stream by *events*, decodes it with the
bounded :class:`~rxagents.models._sse.SSEDecoder`, and turns every failure
into an rxagents error that carries no secret and no chained exception (an
httpx or openai exception holds the request, and with it the API key).
"""

from __future__ import annotations

import asyncio
import importlib
import math
from collections.abc import AsyncGenerator, Callable, Mapping
from typing import Any

import openai

from rxagents.errors import (
    AgentsError,
    ModelBehaviorError,
    ModelConnectionError,
    ModelHTTPError,
    ModelTimeoutError,
)
from rxagents.models._secrets import Secrets, safe_url
from rxagents.models._sse import SSEDecoder, quote
from rxagents.models.limits import StreamLimits

__all__ = ["StreamGuard", "read_payloads"]


def _httpx_errors() -> tuple[type[BaseException], ...]:
    # openai 3.x talks through httpx2, older releases through httpx. HTTPError
    # covers transport faults and bodies that will not decompress (DecodingError).
    found: list[type[BaseException]] = []
    for name in ("httpx2", "httpx"):
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        found += [module.HTTPError, module.StreamError]
    return tuple(found)


_HTTPX_ERRORS = _httpx_errors()

_HINTS = {
    400: "the server rejected the request; check the model settings and tools it was sent",
    401: "check the API key (OPENAI_API_KEY or api_key=...)",
    403: "the key is not allowed to use this model or endpoint",
    404: "check the model name and the base URL (it should end in /v1)",
    429: "rate limited or out of quota; retry later or lower the request rate",
}

_WHAT = {
    "connect": "could not connect to the model server at {url} within {s:g} s",
    "first_event": "the model server at {url} sent no event within {s:g} s of the request",
    "idle": "the model server at {url} sent no event for {s:g} s mid-stream",
}


def _server_message(exc: openai.APIStatusError) -> str:
    body: Any = exc.body
    if isinstance(body, dict):
        inner = body.get("error", body)
        if isinstance(inner, dict) and isinstance(inner.get("message"), str):
            return str(inner["message"])
        if isinstance(inner, str):
            return inner
    if isinstance(body, str) and body:
        return body
    return exc.message


class StreamGuard:
    """What one model call needs to fail safely: its secrets, its server and its limits.

    Args:
        client: the openai client the call uses.
        limits: the call's limits (already merged: run over model over defaults).
    """

    __slots__ = ("base_url", "limits", "secrets")

    def __init__(self, client: openai.AsyncOpenAI, limits: StreamLimits) -> None:
        key = client.api_key
        raw_url = str(client.base_url).rstrip("/")
        headers = getattr(client, "default_headers", None)
        self.secrets = Secrets(
            key if isinstance(key, str) else None,
            raw_url,
            headers if isinstance(headers, Mapping) else None,
        )
        self.base_url = safe_url(raw_url)
        self.limits = limits

    def scrub(self, text: str) -> str:
        """``text`` without this call's secrets."""
        return self.secrets.scrub(text)

    def request_timeout(self) -> openai.Timeout:
        """The openai client's timeout for the request: connect only (events are timed here)."""
        connect = self.limits.seconds("connect")
        seconds = None if math.isinf(connect) else connect
        return openai.Timeout(connect=seconds, read=None, write=None, pool=seconds)

    def timeout_error(self, setting: str) -> ModelTimeoutError:
        """The error for the timeout ``setting`` running out."""
        seconds = self.limits.seconds(setting)
        what = _WHAT[setting].format(url=self.base_url, s=seconds)
        return ModelTimeoutError(
            setting,
            seconds,
            f"{what}; raise StreamLimits({setting}=...) on the model or the run if the server "
            "is just slow",
        )

    def translate(self, exc: Exception) -> Exception:
        """The exception to raise for ``exc``: typed, scrubbed, with no chained exception."""
        if isinstance(exc, openai.APIStatusError):
            status = exc.status_code
            hint = _HINTS.get(status) or (
                "a server-side failure; the openai client retries these up to max_retries times"
                if status >= 500
                else ""
            )
            message = _server_message(exc)
            text = f"{message} ({hint})" if hint else message
            return ModelHTTPError(status, self.scrub(text))
        if isinstance(exc, openai.APITimeoutError):
            return self.timeout_error("connect")
        if isinstance(exc, openai.APIConnectionError):
            cause = exc.__cause__ or exc
            return ModelConnectionError(
                self.scrub(
                    f"could not reach the model server at {self.base_url} "
                    f"({type(cause).__name__}: {cause}); check that it is running and that "
                    "the base URL is right"
                )
            )
        if isinstance(exc, _HTTPX_ERRORS):
            return ModelConnectionError(
                self.scrub(
                    f"the connection to the model server at {self.base_url} failed mid-stream "
                    f"({type(exc).__name__}: {exc}); the response was cut short or corrupted"
                )
            )
        if isinstance(exc, AgentsError):
            shown = exc.args[0] if len(exc.args) == 1 else None
            if isinstance(shown, str) and self.secrets.appear_in(shown):
                exc.args = (self.scrub(shown),)
            exc.__cause__ = None
            exc.__context__ = None
        return exc


class _Watchdog:
    """Cancels the reading task once no event arrived within the current timeout.

    One timer per stream, re-armed lazily: moving the deadline is a float
    assignment per event, not a timer per read (``asyncio.timeout`` per read
    costs ~18 µs on these machines). Time spent away from the stream (suspended
    at ``yield`` while the consumer works) does not count.
    """

    __slots__ = ("_handle", "_loop", "_next", "_task", "deadline", "fired", "reading", "setting")

    def __init__(self, seconds: float, setting: str) -> None:
        self._loop = asyncio.get_running_loop()
        self._task: asyncio.Task[Any] | None = None
        self._handle: asyncio.TimerHandle | None = None
        self._next = seconds
        self.deadline = self._loop.time() + seconds
        self.setting = setting
        self.fired = False
        self.reading = False

    def read(self) -> None:
        """About to wait for the network."""
        self._task = asyncio.current_task()
        self.reading = True
        if self._handle is None and not math.isinf(self.deadline):
            self._handle = self._loop.call_at(self.deadline, self._check)

    def away(self, seconds: float, setting: str) -> None:
        """Handing events to the consumer; the next wait gets ``seconds`` from its start."""
        self.reading = False
        self._next = seconds
        self.setting = setting

    def resume(self) -> None:
        """Back from the consumer: the timeout starts now."""
        self.deadline = self._loop.time() + self._next
        self.read()

    def _check(self) -> None:
        self._handle = None
        if not self.reading or self._task is None:
            return  # re-armed by the next read()
        if self._loop.time() < self.deadline:
            if not math.isinf(self.deadline):
                self._handle = self._loop.call_at(self.deadline, self._check)
            return
        self.fired = True
        self._task.cancel()

    def stop(self) -> None:
        """The stream is over."""
        self.reading = False
        if self._handle is not None:
            self._handle.cancel()
            self._handle = None

    def claim(self) -> bool:
        """Whether a ``CancelledError`` just caught was this watchdog's own (and only) one."""
        if not self.fired or self._task is None:
            return False
        self.fired = False
        return self._task.uncancel() == 0


async def _check_media_type(guard: StreamGuard, http_response: Any) -> None:
    media_type = http_response.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type in ("application/json", "text/html"):
        body = (await http_response.aread())[:4096].decode("utf-8", "replace")
        raise ModelBehaviorError(
            f"the model server sent something that is not a server-sent event stream "
            f"({media_type}): {quote(guard.scrub(body))}; check that the base URL points at "
            "an OpenAI-compatible API"
        )


async def read_payloads(
    guard: StreamGuard,
    create: Callable[..., Any],
    params: dict[str, Any],
    complete: Callable[[], bool],
) -> AsyncGenerator[list[str], None]:
    """Send the request and yield the ``data`` payloads of its events, one list per read.

    Args:
        guard: the call's limits and secrets.
        create: ``client.<api>.with_streaming_response.create``.
        params: its keyword arguments.
        complete: whether the response is complete (so a cut-off tail is harmless).

    Raises:
        ModelTimeoutError: a timeout of ``guard.limits`` ran out.
        ModelConnectionError: the stream ended in the middle of an event.
        ModelEventTooLarge: an event exceeded ``max_event_chars``.
    """
    limits = guard.limits
    idle = limits.seconds("idle")
    dog = _Watchdog(limits.seconds("first_event"), "first_event")
    try:
        dog.read()
        async with create(**params, timeout=guard.request_timeout()) as response:
            await _check_media_type(guard, response.http_response)
            decoder = SSEDecoder(limits.event_cap())
            chunks = response.http_response.aiter_text()
            async for text in chunks:
                payloads = decoder.feed(text)
                if payloads:
                    dog.away(idle, "idle")
                    yield payloads
                    dog.resume()
            dog.stop()
            rest = decoder.close()
            if rest:
                yield rest
            if decoder.truncated and not complete():
                raise ModelConnectionError(
                    f"the model server at {guard.base_url} ended the stream in the middle of "
                    "an event; the response is incomplete"
                )
    except asyncio.CancelledError:
        if dog.claim():
            raise guard.timeout_error(dog.setting) from None
        raise
    finally:
        dog.stop()
