"""connect(): a ``redis.asyncio.Redis`` with timeouts that suit rxagents' retry loops."""

from __future__ import annotations

from typing import Any

from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff

from rxagents.errors import UserError

__all__ = ["connect"]


def connect(
    url: str,
    *,
    socket_timeout: float = 10.0,
    connect_timeout: float = 2.0,
    max_connections: int = 1000,
    **kwargs: Any,
) -> Redis:
    """A client for ``url`` (``redis://[[user]:password@]host[:port][/db]``, ``rediss://``...).

    rxagents retries through connection losses itself (``reconnect_timeout``), so
    the client's own retry is kept short (one retry after 50 ms) and every socket
    operation has a timeout: an unreachable Redis becomes a typed error instead
    of a hang. Every reader (``from_redis``, one per SSE client on a web node) holds
    a connection while it waits, so the pool allows ``max_connections`` (redis-py's
    default is 100; Redis itself allows 10,000 clients). Extra keyword arguments go
    to ``Redis.from_url``.
    """
    options: dict[str, Any] = {
        "socket_timeout": socket_timeout,
        "socket_connect_timeout": connect_timeout,
        "retry": Retry(ExponentialBackoff(cap=0.5, base=0.05), retries=1),
        "max_connections": max_connections,
    }
    options.update(kwargs)
    try:
        return Redis.from_url(url, **options)
    except ValueError as exc:
        raise UserError(
            f"{exc}; give a Redis URL like redis://[[user]:password@]host[:port][/db]"
        ) from None
