"""from_redis: a run's events read back from a Redis Stream, as a cold Observable."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from typing import Any

from reactivex import Observable
from redis.asyncio import Redis

from rxagents.errors import UserError
from rxagents.events import StreamEvent
from rxagents.redis._codec import AgentsArg, agent_map, decode_entry, entry_id, sequence_of
from rxagents.redis._retry import RETRYABLE, Reconnect
from rxagents.redis.errors import EventsExpired, RunStalled
from rxagents.rx import from_async_iterable

__all__ = ["from_redis"]


def from_redis(
    client: Redis,
    key: str,
    *,
    after: int | None = None,
    agents: AgentsArg = None,
    block: float = 1.0,
    count: int = 512,
    idle_timeout: float | None = None,
    reconnect_timeout: float = 10.0,
) -> Observable[StreamEvent]:
    """A cold Observable of the events stored in the Redis Stream ``key``.

    Each subscription reads the stream from the start (or after ``after``) with
    blocking ``XREAD`` calls, emits each event as it arrives, completes at the
    completion marker and fails with the run's own typed error at an error
    marker. A stream that does not exist yet is waited for. Disposing stops the
    reading at once: the pending ``XREAD`` is cancelled and its connection
    closed, so Redis does not keep a blocked client.

    .. marble::
        stream:  1-0:a 2-0:b 3-0:c 4-0:end=completed
        [ from_redis(client, key, after=0) ]
        -b-c-|

    Args:
        client: a ``redis.asyncio.Redis`` (``decode_responses`` either way).
        key: the stream key.
        after: a ``sequence_number`` already seen: start with the next event.
        agents: the agents to restore from their names in events (a starting
            agent, a ``{name: Agent}`` mapping or several agents); without them
            agents come back as bare ``Agent(name)``.
        block: seconds one ``XREAD`` waits for new entries (shortened to half the
            client's ``socket_timeout`` if that is smaller).
        count: entries fetched per ``XREAD``.
        idle_timeout: fail with :class:`~rxagents.redis.errors.RunStalled` when no
            entry arrives for this long (``None``: wait forever).
        reconnect_timeout: seconds to keep retrying through a lost connection; it
            resumes where it was, so no event is lost or repeated.

    Errors (``on_error``):
        the run's error (``MaxTurnsExceeded``, ``RunCancelled``, ``WorkerLost``...);
        :class:`~rxagents.redis.errors.EventsExpired` if events after ``after`` were
        trimmed; :class:`~rxagents.redis.errors.RedisUnavailable`;
        :class:`~rxagents.redis.errors.RunStalled`.
    """
    if after is not None and after < -1:
        raise UserError(f"after must be a sequence number >= -1 (or None), got {after}")
    names = agent_map(agents)
    socket_timeout = client.connection_pool.connection_kwargs.get("socket_timeout")
    wait = min(block, socket_timeout / 2) if socket_timeout else block
    block_ms = max(1, int(wait * 1000))

    async def read() -> AsyncIterator[StreamEvent]:
        expected = 0 if after is None else after + 1
        last = "0-0" if expected == 0 else entry_id(expected - 1)
        reconnect = Reconnect(reconnect_timeout, f"reading stream {key!r}")
        quiet_since = time.monotonic()
        while True:
            try:
                reply: Any = await client.xread({key: last}, count=count, block=block_ms)
            except RETRYABLE as exc:
                await reconnect.failed(exc)
                continue
            reconnect.succeeded()
            entries = reply[0][1] if reply else []
            if not entries:
                if idle_timeout is not None and time.monotonic() - quiet_since > idle_timeout:
                    raise RunStalled(
                        f"no event arrived on {key!r} for {idle_timeout:g}s after sequence "
                        f"number {expected - 1}; is a worker running this run?"
                    )
                continue
            quiet_since = time.monotonic()
            for entry, fields in entries:
                seq = sequence_of(entry)
                if seq != expected:
                    raise EventsExpired(
                        f"events {expected}..{seq - 1} of {key!r} are no longer in Redis "
                        "(trimmed by MAXLEN or the stream expired and was rewritten); "
                        "raise maxlen/ttl, or read from a later sequence number"
                    )
                kind, value = decode_entry(seq, fields, names)
                if kind == "completed":
                    return
                if kind == "error":
                    raise value  # type: ignore[misc]
                yield value  # type: ignore[misc]
                expected = seq + 1
                last = entry

    return from_async_iterable(read)
