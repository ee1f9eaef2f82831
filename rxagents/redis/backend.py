"""RedisBackend: the web tier's runs live in Redis and run on workers.

Any web node can start, follow and cancel any run: ``start`` queues a request
for the workers, ``events`` reads the run's stream (so a browser that
reconnects to another node resumes with ``Last-Event-ID``), and ``cancel``
reaches the worker running the run through pub/sub.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from reactivex import Observable
from redis.asyncio import Redis

from rxagents.errors import RunCancelled, UserError
from rxagents.events import StreamEvent
from rxagents.redis._codec import AgentsArg, encode_error
from rxagents.redis._protocol import CANCEL, Keys, enqueue
from rxagents.redis._retry import RETRYABLE, Reconnect
from rxagents.redis.sink import DEFAULT_TTL
from rxagents.redis.source import from_redis
from rxagents.run import new_run_id

if TYPE_CHECKING:
    from fastapi import FastAPI

    from rxagents.web.inputs import WebLimits
    from rxagents.web.security import WebSecurity

__all__ = ["RedisBackend", "create_redis_app"]


class RedisBackend:
    """A :class:`~rxagents.web.backend.RunBackend` over Redis Streams and workers.

    Args:
        client: a ``redis.asyncio.Redis`` (see :func:`~rxagents.redis.connect`).
        agents: agents to restore from their names in events (optional: without
            them events carry bare ``Agent(name)``, which serialise the same).
        prefix: the key prefix shared with the workers.
        max_queued: requests waiting or running at once; more raise ``TooManyRuns``.
        ttl: seconds a run's hash and cancel flag live (its stream's TTL is the workers').
        reconnect_timeout: seconds to retry through a lost connection before
            :class:`~rxagents.redis.errors.RedisUnavailable`.
        owns_client: close ``client`` in :meth:`aclose`.
    """

    def __init__(
        self,
        client: Redis,
        *,
        agents: AgentsArg = None,
        prefix: str = "rxagents",
        max_queued: int = 10_000,
        ttl: float = DEFAULT_TTL,
        reconnect_timeout: float = 5.0,
        owns_client: bool = False,
    ) -> None:
        if max_queued < 1:
            raise UserError(f"max_queued must be >= 1, got {max_queued}")
        self.client = client
        self.keys = Keys(prefix)
        self.max_queued = max_queued
        self.ttl = ttl
        self._agents = agents
        self._reconnect_timeout = reconnect_timeout
        self._owns_client = owns_client
        self._cancel: Any = client.register_script(CANCEL)

    async def _call(self, what: str, fn: Any, *args: Any, **kwargs: Any) -> Any:
        reconnect = Reconnect(self._reconnect_timeout, what)
        while True:
            try:
                return await fn(*args, **kwargs)
            except RETRYABLE as exc:
                await reconnect.failed(exc)

    async def start(self, input: str | Sequence[dict[str, Any]]) -> str:
        """Queue a run for the workers and return its id.

        Raises:
            TooManyRuns: ``max_queued`` requests are already waiting or running.
            RedisUnavailable: Redis is unreachable.
        """
        from rxagents.web.backend import TooManyRuns

        run_id = new_run_id()
        queued = await self._call(
            "queueing a run", enqueue, self.client, input, run_id=run_id, keys=self.keys,
            ttl=self.ttl, max_queued=self.max_queued,
        )  # fmt: skip
        if not queued:
            raise TooManyRuns(
                f"{self.max_queued} runs are queued or running (the limit); "
                "add workers or retry later"
            )
        return run_id

    async def _check(self, run_id: str) -> None:
        from rxagents.web.backend import UnknownRun

        found = await self._call(
            "looking a run up", self.client.exists, self.keys.meta(run_id),
            self.keys.events(run_id),
        )  # fmt: skip
        if not found:
            raise UnknownRun(run_id)

    async def events(self, run_id: str, after: int | None = None) -> Observable[StreamEvent]:
        """The run's events after ``after``, from Redis (any node serves any run).

        Raises:
            UnknownRun: no run with this id is in Redis (never started, or expired).
            RedisUnavailable: Redis is unreachable.
        """
        await self._check(run_id)
        return from_redis(
            self.client,
            self.keys.events(run_id),
            after=after,
            agents=self._agents,
            reconnect_timeout=self._reconnect_timeout,
        )

    async def cancel(self, run_id: str) -> None:
        """Cancel the run wherever it runs (readers see ``RunCancelled``); no-op if it ended.

        Raises:
            UnknownRun: no run with this id is in Redis.
        """
        await self._check(run_id)
        k = self.keys
        error = encode_error(RunCancelled(f"run {run_id} was cancelled"))
        await self._call(
            "cancelling a run", self._cancel,
            keys=[k.events(run_id), k.lease(run_id), k.cancel(run_id), k.meta(run_id)],
            args=[error, int(self.ttl * 1000)],
        )  # fmt: skip
        await self._call("cancelling a run", self.client.publish, k.cancel_channel, run_id)

    async def status(self, run_id: str) -> dict[str, str]:
        """The run's hash: ``status`` (queued, running, completed, failed, cancelled),
        ``attempt``, ``worker``, ``created``; empty if unknown."""
        meta = self.keys.meta(run_id)
        raw = await self._call("reading a run's status", self.client.hgetall, meta)
        return {_text(k): _text(v) for k, v in raw.items()}

    async def aclose(self) -> None:
        """Release the client if this backend owns it. Runs live on the workers: they go on."""
        if self._owns_client:
            await self.client.aclose()


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def create_redis_app(
    url: str,
    *,
    prefix: str = "rxagents",
    max_queued: int = 10_000,
    limits: WebLimits | None = None,
    reconnect_timeout: float = 5.0,
    security: WebSecurity | None = None,
) -> FastAPI:
    """The web app of ``rxagents serve --redis URL``: runs are queued for workers.

    Redis being unreachable answers HTTP 503 (``{"error": "redis_unavailable"}``).
    Needs the ``web`` extra.
    """
    from fastapi import Request
    from fastapi.responses import JSONResponse

    from rxagents.redis._client import connect
    from rxagents.redis.errors import RedisUnavailable
    from rxagents.web.app import create_app

    backend = RedisBackend(
        connect(url),
        prefix=prefix,
        max_queued=max_queued,
        reconnect_timeout=reconnect_timeout,
        owns_client=True,
    )
    app = create_app(backend=backend, limits=limits, security=security)

    async def on_unavailable(_request: Request, exc: Exception) -> JSONResponse:
        return JSONResponse(
            {"error": "redis_unavailable", "message": str(exc)},
            status_code=503,
            headers={"Retry-After": "1"},
        )

    app.add_exception_handler(RedisUnavailable, on_unavailable)
    return app
