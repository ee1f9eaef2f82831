"""Errors of the Redis transport. Every one is an :class:`~rxagents.errors.AgentsError`."""

from __future__ import annotations

from rxagents.errors import AgentsError

__all__ = [
    "EventsExpired",
    "LeaseLost",
    "RedisUnavailable",
    "RemoteRunError",
    "RunStalled",
    "StreamClosed",
    "WorkerLost",
]


class RedisUnavailable(AgentsError):
    """Redis could not be reached (or refused the credentials) within the retry window."""


class EventsExpired(AgentsError):
    """Events a reader asked for are no longer in Redis (trimmed by MAXLEN or expired by TTL)."""


class RunStalled(AgentsError):
    """No event of a run arrived within the reader's ``idle_timeout``."""


class WorkerLost(AgentsError):
    """The worker running a run stopped (crashed, killed, partitioned) and the run was not
    restarted: it had already used its ``max_restarts``."""


class LeaseLost(AgentsError):
    """A worker lost its lease on a run (it expired and another worker took the run over),
    so it stopped publishing. Only seen inside workers."""


class RemoteRunError(AgentsError):
    """A run failed with an error that is not an rxagents error (or not known here).

    Attributes:
        error_type: the original exception's class name, e.g. ``"ValueError"``.
    """

    def __init__(self, error_type: str, message: str) -> None:
        super().__init__(f"the run failed with {error_type}: {message}")
        self.error_type = error_type


class StreamClosed(AgentsError):
    """A publisher wrote to a stream that already ends with a completion or error marker
    (the run was finished or cancelled elsewhere, or the key holds an earlier run)."""
