"""What the OpenAI-compatible models share: one client per event loop, limits, safe reprs.

The openai client keeps doing what it is good at (configuration, auth headers,
retries, its typed errors); rxagents reads the raw streamed body itself, which
is an order of magnitude cheaper per chunk than the client's own stream.
"""

from __future__ import annotations

import asyncio
import os
import threading
import weakref
from typing import Any

import openai
from openai import AsyncOpenAI

from rxagents.errors import UserError
from rxagents.models._reading import StreamGuard
from rxagents.models._secrets import (
    PLACEHOLDER_KEY,
    mask_url_passwords_in_logs,
    safe_url,
    split_credentials,
)
from rxagents.models.base import ModelRequest
from rxagents.models.limits import DEFAULT_STREAM_LIMITS, StreamLimits

__all__ = ["PLACEHOLDER_KEY", "ClientSource", "OpenAIModelBase"]

mask_url_passwords_in_logs()


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

    Timeouts are not the client's business here: every request is timed by
    its model's :class:`~rxagents.models.StreamLimits`.
    """

    def __init__(
        self,
        *,
        api_key: str | None = None,
        base_url: str | None = None,
        max_retries: int | None = None,
    ) -> None:
        self._api_key = api_key
        self._base_url = base_url
        self._max_retries = max_retries
        self._clients: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, AsyncOpenAI] = (
            weakref.WeakKeyDictionary()
        )
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"ClientSource(base_url={safe_url(self.base_url)!r})"

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
        base_url = self._base_url or os.environ.get("OPENAI_BASE_URL") or None
        if base_url is not None:
            # A password in the URL would be logged by httpx with every request:
            # send it as the Basic header httpx would have built from it instead.
            base_url, basic = split_credentials(base_url)
            if basic is not None:
                options["default_headers"] = {"Authorization": basic}
        try:
            return AsyncOpenAI(api_key=key, base_url=base_url, **options)
        except openai.OpenAIError as exc:
            raise UserError(
                "no OpenAI credentials: set OPENAI_API_KEY (or pass api_key=...), or set "
                "OPENAI_BASE_URL / base_url=... for a local OpenAI-compatible server "
                f"({type(exc).__name__})"
            ) from None


class OpenAIModelBase:
    """The client handling both OpenAI-compatible models share."""

    def __init__(
        self,
        model: str,
        client: AsyncOpenAI | ClientSource | None = None,
        *,
        limits: StreamLimits | None = None,
    ) -> None:
        if not isinstance(model, str) or not model:
            raise UserError(f"model must be a non-empty model name, got {model!r}")
        if limits is not None and not isinstance(limits, StreamLimits):
            raise UserError(f"limits must be a StreamLimits, got {type(limits).__name__}")
        self.model = model
        self.limits = DEFAULT_STREAM_LIMITS.merged(limits)
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

    def _guard(self, client: AsyncOpenAI, request: ModelRequest) -> StreamGuard:
        return StreamGuard(client, self.limits.merged(request.limits))

    def __repr__(self) -> str:
        return f"{type(self).__name__}(model={self.model!r}, base_url={safe_url(self.base_url)!r})"
