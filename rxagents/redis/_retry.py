"""Retrying Redis calls through a connection loss, for a bounded time."""

from __future__ import annotations

import asyncio
import time

import redis.exceptions as rx

from rxagents.redis.errors import RedisUnavailable

__all__ = ["RETRYABLE", "Reconnect"]

RETRYABLE: tuple[type[BaseException], ...] = (rx.ConnectionError, rx.TimeoutError, OSError)
"""Errors after which the same call may succeed once Redis is back."""

_FATAL: tuple[type[BaseException], ...] = (rx.AuthenticationError, rx.AuthorizationError)


class Reconnect:
    """Backoff state for one loop of Redis calls.

    Call :meth:`failed` in the ``except RETRYABLE`` branch: it sleeps before the
    next try, or raises :class:`RedisUnavailable` once ``timeout`` seconds have
    passed since the first failure in a row (at once for bad credentials).
    Call :meth:`succeeded` after a call went through.
    """

    def __init__(self, timeout: float, what: str) -> None:
        self.timeout = timeout
        self.what = what
        self._since: float | None = None
        self._delay = 0.05

    def succeeded(self) -> None:
        """Reset: the next failure starts a new window."""
        self._since = None
        self._delay = 0.05

    async def failed(self, error: BaseException) -> None:
        """Wait before retrying, or raise :class:`RedisUnavailable` if it is time to give up."""
        if isinstance(error, _FATAL):
            raise RedisUnavailable(
                f"Redis refused the credentials while {self.what}: {error}; "
                "check the user name and password in the redis:// URL"
            ) from error
        now = time.monotonic()
        if self._since is None:
            self._since = now
        if now - self._since >= self.timeout:
            raise RedisUnavailable(
                f"Redis was unreachable for {self.timeout:g}s while {self.what} "
                f"({type(error).__name__}: {error}); check that redis-server is running and "
                "the URL is right, or raise reconnect_timeout"
            ) from error
        await asyncio.sleep(min(self._delay, max(0.0, self._since + self.timeout - now)))
        self._delay = min(self._delay * 2, 1.0)
