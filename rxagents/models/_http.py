"""What the OpenAI-compatible models share: clients, the SSE read loop, error mapping.

The openai client keeps doing what it is good at (configuration, auth headers,
retries, its typed errors); rxagents reads the raw streamed body itself, which
is an order of magnitude cheaper per chunk than the client's own stream.
"""

from __future__ import annotations

import asyncio
import importlib
import os
import re
import threading
import weakref
from collections.abc import AsyncGenerator
from types import TracebackType
from typing import Any

import openai
from openai import AsyncOpenAI

from rxagents.errors import ModelConnectionError, ModelHTTPError, UserError
from rxagents.models._sse import SSEDecoder

__all__ = ["ClientSource", "ErrorMapper", "redact", "sse_payloads"]

PLACEHOLDER_KEY = "no-key-needed"
"""Sent as the API key to servers configured by base URL alone (they ignore it)."""


def _transport_errors() -> tuple[type[BaseException], ...]:
    # openai 3.x talks through httpx2, older releases through httpx.
    found: list[type[BaseException]] = []
    for name in ("httpx2", "httpx"):
        try:
            module = importlib.import_module(name)
        except ImportError:
            continue
        found.append(module.TransportError)
    return tuple(found)


_TRANSPORT_ERRORS = _transport_errors()
_BEARER = re.compile(r"(?i)(bearer\s+)[^\s'\",}]+")
_SECRET_LOOKING = re.compile(r"\bsk-[A-Za-z0-9_\-]{6,}")


def redact(text: str, api_key: str | None) -> str:
    """``text`` with the API key, bearer tokens and ``sk-`` keys masked."""
    if api_key and len(api_key) >= 4 and api_key != PLACEHOLDER_KEY:
        text = text.replace(api_key, "***")
    text = _BEARER.sub(r"\1***", text)
    return _SECRET_LOOKING.sub("sk-***", text)


class ClientSource:
    """Builds ``AsyncOpenAI`` clients from fixed settings, one per event loop.

    An httpx connection pool belongs to the event loop that opened it, so a
    client shared across loops (several ``asyncio.run`` calls, per-test loops)
    would fail on reused connections. Clients die with their loop.

    Args:
        api_key: the key; default ``OPENAI_API_KEY``. Servers configured by base
            URL alone get a placeholder, since the openai client insists on one.
        base_url: the API root ending in ``/v1``; default ``OPENAI_BASE_URL`` or OpenAI.
        max_retries: the openai client's retry count (its default is 2).
        timeout: seconds, or ``None`` for the openai client's default (600 s).
    """

    def __init__(
        self,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        max_retries: int | None = None,
        timeout: float | None = None,
    ) -> None:
        self._api_key = api_key
        self._base_url = base_url
        self._max_retries = max_retries
        self._timeout = timeout
        self._clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, AsyncOpenAI] = (
            weakref.WeakKeyDictionary()
        )
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"ClientSource(base_url={self.base_url!r})"

    @property
    def base_url(self) -> str:
        """The API root requests go to."""
        return (
            self._base_url or os.environ.get("OPENAI_BASE_URL") or "https://api.openai.com/v1"
        ).rstrip("/")

    def get(self) -> AsyncOpenAI:
        """The client for the running event loop."""
        loop = asyncio.get_running_loop()
        with self._lock:
            client = self._clients.get(loop)
            if client is None:
                client = self._new_client()
                self._clients[loop] = client
            return client

    def _new_client(self) -> AsyncOpenAI:
        key = self._api_key or os.environ.get("OPENAI_API_KEY")
        if not key and (self._base_url or os.environ.get("OPENAI_BASE_URL")):
            key = PLACEHOLDER_KEY
        options: dict[str, Any] = {}
        if self._max_retries is not None:
            options["max_retries"] = self._max_retries
        if self._timeout is not None:
            options["timeout"] = self._timeout
        try:
            return AsyncOpenAI(api_key=key, base_url=self._base_url, **options)
        except openai.OpenAIError as exc:
            raise UserError(
                "no OpenAI credentials: set OPENAI_API_KEY (or pass api_key=...), or set "
                "OPENAI_BASE_URL / base_url=... for a local OpenAI-compatible server "
                f"({type(exc).__name__})"
            ) from None


_HINTS = {
    400: "the server rejected the request; check the model settings and tools it was sent",
    401: "check the API key (OPENAI_API_KEY or api_key=...)",
    403: "the key is not allowed to use this model or endpoint",
    404: "check the model name and the base URL (it should end in /v1)",
    429: "rate limited or out of quota; retry later or lower the request rate",
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


class ErrorMapper:
    """A ``with`` block that turns openai/httpx errors into rxagents' typed errors.

    Only ``Exception`` subclasses are translated, so cancellation and generator
    closing pass through untouched. Messages never carry the API key.
    """

    __slots__ = ("api_key", "base_url")

    def __init__(self, client: AsyncOpenAI) -> None:
        key = client.api_key
        self.api_key = key if isinstance(key, str) else None
        self.base_url = str(client.base_url).rstrip("/")

    def __enter__(self) -> ErrorMapper:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc is None:
            return
        if isinstance(exc, openai.APIStatusError):
            status = exc.status_code
            message = _server_message(exc)
            hint = _HINTS.get(status) or (
                "a server-side failure; the openai client retries these up to max_retries times"
                if status >= 500
                else ""
            )
            text = f"{message} ({hint})" if hint else message
            raise ModelHTTPError(status, redact(text, self.api_key)) from None
        if isinstance(exc, openai.APIConnectionError):
            cause = exc.__cause__ or exc
            raise ModelConnectionError(
                redact(
                    f"could not reach the model server at {self.base_url} "
                    f"({type(cause).__name__}: {cause}); check that it is running and that "
                    "the base URL is right",
                    self.api_key,
                )
            ) from None
        if isinstance(exc, _TRANSPORT_ERRORS):
            raise ModelConnectionError(
                redact(
                    f"the connection to the model server at {self.base_url} dropped mid-stream "
                    f"({type(exc).__name__}: {exc})",
                    self.api_key,
                )
            ) from None


async def sse_payloads(response: Any) -> AsyncGenerator[list[str], None]:
    """The ``data`` payloads of a raw streamed response, one list per network read."""
    decoder = SSEDecoder()
    async for text in response.http_response.aiter_text():
        payloads = decoder.feed(text)
        if payloads:
            yield payloads
    rest = decoder.close()
    if rest:
        yield rest


class OpenAIModelBase:
    """The client handling both OpenAI-compatible models share."""

    def __init__(self, model: str, client: AsyncOpenAI | ClientSource | None = None) -> None:
        if not isinstance(model, str) or not model:
            raise UserError(f"model must be a non-empty model name, got {model!r}")
        self.model = model
        self._client = client if isinstance(client, AsyncOpenAI) else None
        self._source = client if isinstance(client, ClientSource) else None
        if client is None:
            self._source = ClientSource()
        elif self._client is None and self._source is None:
            raise UserError(
                f"client must be an openai.AsyncOpenAI, got {type(client).__name__}; "
                "build one with openai.AsyncOpenAI(base_url=..., api_key=...)"
            )

    @property
    def base_url(self) -> str:
        """Where requests go."""
        if self._client is not None:
            return str(self._client.base_url).rstrip("/")
        assert self._source is not None
        return self._source.base_url

    def _get_client(self) -> AsyncOpenAI:
        if self._client is not None:
            return self._client
        assert self._source is not None
        return self._source.get()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(model={self.model!r}, base_url={self.base_url!r})"
