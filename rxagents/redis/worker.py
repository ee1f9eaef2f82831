"""RedisWorker: takes run requests from a Redis Stream, runs them, publishes their events.

Delivery is at least once, execution at most one live copy per run:

* requests are read with a consumer group, and acknowledged (and deleted) only
  after the run's end marker is written;
* a worker holds a *lease* on each run it executes (a key with an expiry,
  refreshed every ``lease_timeout / 3``), and every batch of events it writes
  is fenced by that lease (a Lua script checks it), so a worker that lost its
  lease cannot write another event;
* requests left pending by a dead worker are claimed by the others
  (``XAUTOCLAIM`` after ``lease_timeout``): the run starts over under the same
  run id with a :class:`~rxagents.events.RunRestartedStreamEvent`, or, once it
  has used ``max_restarts``, ends with :class:`~rxagents.redis.errors.WorkerLost`.
"""

from __future__ import annotations

import asyncio
import logging
import os
import secrets
import socket
import time
from collections.abc import Callable
from contextlib import suppress
from typing import Any

import redis.exceptions
from redis.asyncio import Redis

from rxagents.agent import Agent
from rxagents.errors import UserError
from rxagents.models.base import ModelProvider
from rxagents.redis._protocol import ACQUIRE, REFRESH, RELEASE, Keys
from rxagents.redis._retry import RETRYABLE, Reconnect
from rxagents.redis._serve import Serving, _Active, _run_id, _text
from rxagents.redis.errors import LeaseLost, RedisUnavailable
from rxagents.redis.sink import DEFAULT_MAXLEN, DEFAULT_TTL

__all__ = ["AgentSource", "RedisWorker"]

log = logging.getLogger("rxagents.redis.worker")

_LEAVE_PENDING: tuple[type[BaseException], ...] = (LeaseLost, RedisUnavailable, *RETRYABLE)

AgentSource = Agent[Any] | Callable[[], Agent[Any]]
"""An Agent, or a function returning a fresh Agent for each run (needed when the
agent holds per-run state, like a ``ScriptedModel``)."""


class RedisWorker(Serving):
    """Serves run requests queued by :class:`~rxagents.redis.backend.RedisBackend`.

    Args:
        client: a ``redis.asyncio.Redis`` (see :func:`~rxagents.redis.connect`).
        agent: the agent every run starts with, or a function returning one per run.
        concurrency: runs executed at once by this worker.
        prefix: the key prefix shared with the web nodes.
        lease_timeout: seconds after which a silent worker's runs are taken over.
        max_restarts: times a run whose worker was lost is started over; after that
            it fails with :class:`~rxagents.redis.errors.WorkerLost` (``0``: never restart).
        maxlen, ttl: retention of each run's event stream (see :func:`~rxagents.redis.to_redis`).
        max_turns, model_provider: passed to the run loop.
        name: this worker's consumer name (default: host, pid and a random suffix).
        reconnect_timeout: seconds Redis may stay unreachable before :meth:`run` fails
            with :class:`~rxagents.redis.errors.RedisUnavailable`.
    """

    def __init__(
        self,
        client: Redis,
        agent: AgentSource,
        *,
        concurrency: int = 8,
        prefix: str = "rxagents",
        lease_timeout: float = 10.0,
        max_restarts: int = 1,
        maxlen: int = DEFAULT_MAXLEN,
        ttl: float = DEFAULT_TTL,
        max_turns: int = 10,
        model_provider: ModelProvider | None = None,
        name: str | None = None,
        reconnect_timeout: float = 60.0,
    ) -> None:
        if concurrency < 1:
            raise UserError(f"concurrency must be >= 1, got {concurrency}")
        if lease_timeout <= 0:
            raise UserError(f"lease_timeout must be > 0 seconds, got {lease_timeout}")
        if max_restarts < 0:
            raise UserError(f"max_restarts must be >= 0, got {max_restarts}")
        self._factory = _factory_of(agent)
        self.client = client
        self.keys = Keys(prefix)
        self.concurrency = concurrency
        self.lease_timeout = lease_timeout
        self.max_restarts = max_restarts
        self.name = name or f"{socket.gethostname()}-{os.getpid()}-{secrets.token_hex(2)}"
        self._lease_ms = int(lease_timeout * 1000)
        self._maxlen, self._ttl = maxlen, ttl
        self._max_turns, self._provider = max_turns, model_provider
        self._reconnect_timeout = reconnect_timeout
        self._refresh: Any = client.register_script(REFRESH)
        self._release: Any = client.register_script(RELEASE)
        self._acquire: Any = client.register_script(ACQUIRE)
        self._active: dict[str, _Active] = {}
        self._tasks: set[asyncio.Task[None]] = set()
        self._slot = asyncio.Event()
        self._stopping = asyncio.Event()

    @property
    def active(self) -> int:
        """Runs this worker is executing now."""
        return len(self._active)

    def stop(self) -> None:
        """Stop taking requests; :meth:`run` returns once the runs in progress have ended."""
        self._stopping.set()
        self._slot.set()

    async def run(self) -> None:
        """Serve requests until :meth:`stop` (graceful) or cancellation (in-progress runs
        are dropped without acknowledgement: other workers take them over).

        Raises:
            RedisUnavailable: Redis stayed unreachable for ``reconnect_timeout``.
        """
        await self._ensure_group()
        loops = [
            asyncio.ensure_future(self._read_loop()),
            asyncio.ensure_future(self._claim_loop()),
            asyncio.ensure_future(self._refresh_loop()),
            asyncio.ensure_future(self._cancel_listener()),
        ]
        graceful = False
        try:
            done, _ = await asyncio.wait(loops, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                task.result()  # a loop that failed (Redis gone) fails the worker
            graceful = True
            while self._tasks:
                await asyncio.gather(*self._tasks, return_exceptions=True)
        finally:
            if not graceful:
                for active in list(self._active.values()):
                    self._stop_run(active, "shutdown")
                for task in list(self._tasks):
                    task.cancel()
                await asyncio.gather(*self._tasks, return_exceptions=True)
            for task in loops:
                task.cancel()
            await asyncio.gather(*loops, return_exceptions=True)

    # -- the loops ------------------------------------------------------------
    async def _ensure_group(self) -> None:
        reconnect = Reconnect(self._reconnect_timeout, "creating the workers' consumer group")
        while True:
            try:
                await self.client.xgroup_create(self.keys.requests, self.keys.group, "0", True)
                return
            except redis.exceptions.ResponseError as exc:
                if "BUSYGROUP" in str(exc):
                    return
                raise
            except RETRYABLE as exc:
                await reconnect.failed(exc)

    async def _read_loop(self) -> None:
        reconnect = Reconnect(self._reconnect_timeout, "reading run requests")
        while not self._stopping.is_set():
            free = self.concurrency - len(self._tasks)
            if free <= 0:
                self._slot.clear()
                await self._slot.wait()
                continue
            try:
                reply: Any = await self.client.xreadgroup(
                    self.keys.group, self.name, {self.keys.requests: ">"}, count=free, block=1000
                )
            except redis.exceptions.ResponseError as exc:
                if "NOGROUP" not in str(exc):
                    raise
                await self._ensure_group()  # Redis restarted empty
                continue
            except RETRYABLE as exc:
                await reconnect.failed(exc)
                continue
            reconnect.succeeded()
            for entry, fields in reply[0][1] if reply else []:
                self._spawn(_text(entry), fields)

    async def _claim_loop(self) -> None:
        reconnect = Reconnect(self._reconnect_timeout, "claiming abandoned run requests")
        while not self._stopping.is_set():
            await asyncio.sleep(self.lease_timeout / 2)
            start = "0-0"
            while (free := self.concurrency - len(self._tasks)) > 0:
                try:
                    reply: Any = await self.client.xautoclaim(
                        self.keys.requests, self.keys.group, self.name,
                        min_idle_time=self._lease_ms, start_id=start, count=free,
                    )  # fmt: skip
                except redis.exceptions.ResponseError as exc:
                    if "NOGROUP" not in str(exc):
                        raise
                    break
                except RETRYABLE as exc:
                    await reconnect.failed(exc)
                    break
                reconnect.succeeded()
                start = _text(reply[0])
                for entry, fields in reply[1]:
                    if entry is not None and fields and _run_id(fields) not in self._active:
                        self._spawn(_text(entry), fields)
                if start == "0-0":
                    break

    async def _refresh_loop(self) -> None:
        while True:
            await asyncio.sleep(self.lease_timeout / 3)
            actives = list(self._active.values())
            if not actives:
                continue
            try:
                async with self.client.pipeline(transaction=False) as pipe:
                    for a in actives:
                        await self._refresh(
                            keys=[self.keys.lease(a.run_id)],
                            args=[a.token, self._lease_ms],
                            client=pipe,
                        )
                        pipe.exists(self.keys.cancel(a.run_id))
                    results = await pipe.execute()
            except RETRYABLE:
                now = time.monotonic()
                for a in actives:
                    if now - a.refreshed > self.lease_timeout:
                        self._stop_run(a, "lease_lost")
                continue
            now = time.monotonic()
            for a, kept, cancelled in zip(actives, results[::2], results[1::2], strict=True):
                if kept:
                    a.refreshed = now
                else:
                    self._stop_run(a, "lease_lost")
                if cancelled:
                    self._stop_run(a, "cancelled")

    async def _cancel_listener(self) -> None:
        while True:
            pubsub = self.client.pubsub(ignore_subscribe_messages=True)
            try:
                await pubsub.subscribe(self.keys.cancel_channel)
                async for message in pubsub.listen():
                    active = self._active.get(_text(message.get("data", b"")))
                    if active is not None:
                        self._stop_run(active, "cancelled")
            except RETRYABLE:
                await asyncio.sleep(0.5)  # missed messages are caught by the refresh loop
            finally:
                with suppress(Exception):
                    await pubsub.aclose()  # type: ignore[no-untyped-call]

    # -- one run ----------------------------------------------------------------
    def _spawn(self, entry: str, fields: dict[Any, Any]) -> None:
        run_id = _run_id(fields)
        payload = _text(fields.get(b"input", fields.get("input", '""')))
        task = asyncio.ensure_future(self._serve(entry, run_id, payload))
        self._tasks.add(task)
        task.add_done_callback(self._task_done)

    def _task_done(self, task: asyncio.Task[None]) -> None:
        self._tasks.discard(task)
        self._slot.set()


def _factory_of(agent: AgentSource) -> Callable[[], Agent[Any]]:
    if isinstance(agent, Agent):
        fixed = agent
        return lambda: fixed
    if not callable(agent):
        raise UserError(f"a worker needs an Agent or a function returning one, got {agent!r}")
    sample = agent()
    if not isinstance(sample, Agent):
        raise UserError(
            f"the agent factory {agent!r} returned {type(sample).__name__}, not an rxagents Agent"
        )
    return agent
