"""Serving one run request inside a worker: take the lease, run, publish, acknowledge."""

from __future__ import annotations

import asyncio
import json
import logging
import secrets
import time
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass, field
from typing import Any

from redis.asyncio import Redis

from rxagents.agent import Agent
from rxagents.errors import RunCancelled
from rxagents.events import RunRestartedStreamEvent
from rxagents.models.base import ModelProvider
from rxagents.redis._protocol import Keys
from rxagents.redis._retry import RETRYABLE, Reconnect
from rxagents.redis.errors import LeaseLost, RedisUnavailable, StreamClosed, WorkerLost
from rxagents.redis.sink import RedisPublisher
from rxagents.run import run_events

log = logging.getLogger("rxagents.redis.worker")

_LEAVE_PENDING: tuple[type[BaseException], ...] = (LeaseLost, RedisUnavailable, *RETRYABLE)


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _run_id(fields: dict[Any, Any]) -> str:
    return _text(fields.get(b"run_id", fields.get("run_id", "")))


@dataclass(eq=False)
class _Active:
    run_id: str
    entry: str
    token: str
    task: asyncio.Task[None]
    running: bool = False
    finishing: bool = False
    stop_reason: str | None = None
    released: bool = False
    refreshed: float = field(default_factory=time.monotonic)


class Serving:
    """The part of :class:`~rxagents.redis.worker.RedisWorker` that serves one request."""

    client: Redis
    keys: Keys
    name: str
    max_restarts: int
    _factory: Callable[[], Agent[Any]]
    _lease_ms: int
    _maxlen: int
    _ttl: float
    _max_turns: int
    _provider: ModelProvider | None
    _reconnect_timeout: float
    _acquire: Any
    _release: Any
    _active: dict[str, _Active]

    def _stop_run(self, active: _Active, reason: str) -> None:
        if active.finishing or active.stop_reason is not None:
            return
        active.stop_reason = reason
        if active.running:
            active.task.cancel()

    async def _serve(self, entry: str, run_id: str, payload: str) -> None:
        keys = self.keys
        token = f"{self.name}:{secrets.token_hex(4)}"
        reconnect = Reconnect(self._reconnect_timeout, f"taking run {run_id}")
        while True:
            try:
                state = await self._acquire(
                    keys=[keys.lease(run_id), keys.events(run_id), keys.cancel(run_id),
                          keys.meta(run_id)],
                    args=[token, self._lease_ms, self.name, int(self._ttl * 1000)],
                )  # fmt: skip
                break
            except RETRYABLE as exc:
                try:
                    await reconnect.failed(exc)
                except RedisUnavailable:
                    log.warning("run %s: could not take it (%s); it stays pending", run_id, exc)
                    return  # claimed again later, by this worker or another
        if not state:
            return  # another worker runs it; the request stays pending
        task = asyncio.current_task()
        assert task is not None
        active = _Active(run_id, entry, token, task)
        self._active[run_id] = active
        try:
            next_seq, ended, cancelled, attempt = (int(v) for v in state)
            if ended:
                await self._finish(active, None)
            else:
                await self._execute(active, payload, next_seq, bool(cancelled), attempt)
        except _LEAVE_PENDING as exc:
            log.warning("run %s left unacknowledged for another worker: %s", run_id, exc)
        except StreamClosed:
            await self._finish(active, None)
        except Exception:
            log.exception("run %s failed inside the worker; it stays pending", run_id)
        finally:
            self._active.pop(run_id, None)
            if not active.released:
                with suppress(Exception, asyncio.CancelledError):
                    await asyncio.shield(self._release(keys=[keys.lease(run_id)], args=[token]))

    async def _execute(
        self, active: _Active, payload: str, next_seq: int, cancelled: bool, attempt: int
    ) -> None:
        run_id, keys = active.run_id, self.keys
        publisher = RedisPublisher(
            self.client, keys.events(run_id), maxlen=self._maxlen, ttl=self._ttl,
            offset=next_seq, lease=(keys.lease(run_id), active.token),
            reconnect_timeout=self._reconnect_timeout,
        )  # fmt: skip
        error: BaseException | None = None
        if cancelled or active.stop_reason == "cancelled":
            error = RunCancelled(f"run {run_id} was cancelled before it started")
        elif active.stop_reason is not None:
            raise LeaseLost(f"run {run_id}: {active.stop_reason} before it started")
        elif attempt > 1 + self.max_restarts:
            error = WorkerLost(
                f"run {run_id}: the worker running it was lost and the run already used its "
                f"{self.max_restarts} restart(s); start it again, or raise --max-restarts"
            )
        else:
            if next_seq > 0:
                publisher.put(
                    RunRestartedStreamEvent(
                        run_id=run_id, sequence_number=0, attempt=attempt,
                        reason="the worker running this run was lost; it starts over",
                    )
                )  # fmt: skip
                publisher.offset = next_seq + 1
            error = await self._run(active, payload, publisher)
        active.finishing = True
        await publisher.finish(error)
        status = "completed" if error is None else (
            "cancelled" if isinstance(error, RunCancelled) else "failed"
        )  # fmt: skip
        await self._finish(active, status)

    async def _run(
        self, active: _Active, payload: str, publisher: RedisPublisher
    ) -> BaseException | None:
        events = run_events(
            self._factory(),
            json.loads(payload),
            run_id=active.run_id,
            max_turns=self._max_turns,
            model_provider=self._provider,
        )
        active.running = True
        try:
            try:
                async for event in events:
                    publisher.put(event)
                    if publisher.full():
                        await publisher.wait_for_space()
            finally:
                aclose: Any = getattr(events, "aclose", None)
                if aclose is not None:
                    await aclose()
        except asyncio.CancelledError:
            if active.stop_reason != "cancelled":
                publisher.abort()
                raise
            active.task.uncancel()
            return RunCancelled(f"run {active.run_id} was cancelled")
        except (LeaseLost, RedisUnavailable, StreamClosed):
            raise
        except Exception as exc:
            return exc
        finally:
            active.running = False
        return None

    async def _finish(self, active: _Active, status: str | None) -> None:
        """Acknowledge and delete the request, record ``status``, release the lease: one
        round trip (best effort: a leftover request is cleaned up when claimed)."""
        keys, run_id = self.keys, active.run_id
        with suppress(*RETRYABLE):
            async with self.client.pipeline(transaction=False) as pipe:
                pipe.xack(keys.requests, keys.group, active.entry)
                pipe.xdel(keys.requests, active.entry)
                if status is not None:
                    pipe.hset(keys.meta(run_id), "status", status)
                pipe.pexpire(keys.meta(run_id), int(self._ttl * 1000))
                await self._release(keys=[keys.lease(run_id)], args=[active.token], client=pipe)
                await pipe.execute()
                active.released = True
