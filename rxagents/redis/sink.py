"""to_redis: write a run's events to a Redis Stream, then its end marker and expiry."""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from reactivex import Observable
from redis.asyncio import Redis

from rxagents.errors import RunCancelled, UserError
from rxagents.events import StreamEvent
from rxagents.redis._codec import encode_error, encode_event, entry_id
from rxagents.redis._retry import RETRYABLE, Reconnect
from rxagents.redis.errors import LeaseLost, StreamClosed
from rxagents.rx import current_demand

__all__ = ["DEFAULT_MAXLEN", "DEFAULT_TTL", "Published", "RedisPublisher", "to_redis"]

DEFAULT_MAXLEN = 100_000
"""Entries kept per run stream by default (events + end marker); older ones are trimmed."""
DEFAULT_TTL = 3600.0
"""Seconds a run stream lives after its last write, by default."""

# KEYS: stream, lease.  ARGV: lease token ('' = unfenced), maxlen, ttl ms, then
# (id, kind, a, b) quadruples; kind: r = raw event (a run_id, b data), n = nested
# raw event (a wrapper JSON, b data), e = other event (a JSON), c = completed,
# x = error (a error JSON).
# Entries whose id is not above the stream's last id are skipped (a retried
# batch), so retrying never duplicates. Returns {status, last id's ms part}:
# 0 written, -1 the lease belongs to someone else, -2 the stream already ended.
_PUBLISH = """
if ARGV[1] ~= '' and redis.call('GET', KEYS[2]) ~= ARGV[1] then return {-1, 0} end
local last_ms = 0
local last = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
if #last > 0 then
  last_ms = tonumber(string.match(last[1][1], '^(%d+)'))
  if last[1][2][1] == 'end' then return {-2, last_ms} end
end
local maxlen = ARGV[2]
for i = 4, #ARGV, 4 do
  local id = ARGV[i]
  local ms = tonumber(string.match(id, '^(%d+)'))
  if ms > last_ms then
    local kind = ARGV[i + 1]
    if kind == 'r' then
      redis.call('XADD', KEYS[1], 'MAXLEN', maxlen, id, 'r', ARGV[i + 2], 'd', ARGV[i + 3])
    elseif kind == 'n' then
      redis.call('XADD', KEYS[1], 'MAXLEN', maxlen, id, 'n', ARGV[i + 2], 'd', ARGV[i + 3])
    elseif kind == 'e' then
      redis.call('XADD', KEYS[1], 'MAXLEN', maxlen, id, 'e', ARGV[i + 2])
    elseif kind == 'c' then
      redis.call('XADD', KEYS[1], 'MAXLEN', maxlen, id, 'end', 'completed')
    else
      redis.call('XADD', KEYS[1], 'MAXLEN', maxlen, id, 'end', 'error', 'error', ARGV[i + 2])
    end
    last_ms = ms
  end
end
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return {0, last_ms}
"""


class RedisPublisher:
    """Appends one run's events to a stream in pipelined batches (one script call each).

    ``put`` is synchronous and cheap (it encodes and queues); a writer task sends
    whatever has queued up in one batch, so an idle run's events leave at once
    and a fast run's events share round trips. It is a backpressure
    :class:`~rxagents.rx.Demand`: producers may wait while
    ``high_water`` events are queued.

    Args:
        client: a ``redis.asyncio.Redis``.
        key: the stream key.
        maxlen: entries kept (``XADD MAXLEN``, exact).
        ttl: seconds the stream lives after its last write (refreshed by every batch).
        offset: added to every event's ``sequence_number`` (a restarted run continues
            its stream's numbering).
        lease: ``(lease_key, token)``: write only while ``lease_key`` holds ``token``
            (a worker's fencing), else fail with :class:`LeaseLost`.
        reconnect_timeout: seconds to keep retrying a batch through a connection loss.
    """

    def __init__(
        self,
        client: Redis,
        key: str,
        *,
        maxlen: int = DEFAULT_MAXLEN,
        ttl: float = DEFAULT_TTL,
        offset: int = 0,
        lease: tuple[str, str] | None = None,
        reconnect_timeout: float = 10.0,
        high_water: int = 4096,
        batch_size: int = 512,
    ) -> None:
        if maxlen < 1:
            raise UserError(f"maxlen must be >= 1, got {maxlen}")
        if ttl <= 0:
            raise UserError(f"ttl must be > 0 seconds, got {ttl}")
        self.key = key
        self.offset = offset
        self.events = 0
        self.next_sequence = offset
        self._client = client
        self._script: Any = client.register_script(_PUBLISH)
        self._keys = [key, lease[0] if lease else key]
        self._head = [lease[1] if lease else "", str(maxlen), str(int(ttl * 1000))]
        self._reconnect = Reconnect(reconnect_timeout, f"writing to stream {key!r}")
        self._pending: deque[tuple[str, str, str, str]] = deque()
        self._high_water = high_water
        self._batch_size = batch_size
        self._wake = asyncio.Event()
        self._space = asyncio.Event()
        self._space.set()
        self._idle = asyncio.Event()
        self._idle.set()
        self._closing = False
        self._task = asyncio.get_running_loop().create_task(self._write_loop())
        self.failure: BaseException | None = None
        """The error that stopped the writer (Redis unavailable, lease lost...), if any."""

    @property
    def done(self) -> asyncio.Task[None]:
        """The writer task: done once the end marker is written, or on failure."""
        return self._task

    def put(self, event: StreamEvent) -> None:
        """Queue an event (re-raises the writer's failure, if it failed)."""
        if self.failure is not None:
            raise self.failure
        seq = event.sequence_number + self.offset
        self._pending.append((entry_id(seq), *encode_event(event, self.offset)))
        self.next_sequence = seq + 1
        self.events += 1
        self._idle.clear()
        self._wake.set()
        if len(self._pending) >= self._high_water:
            self._space.clear()

    def full(self) -> bool:
        """``high_water`` events are waiting to be written."""
        return len(self._pending) >= self._high_water

    async def wait_for_space(self) -> None:
        """Return once the queue is below ``high_water`` (or the writer stopped)."""
        await self._space.wait()

    async def finish(self, error: BaseException | None = None) -> None:
        """Queue the end marker (completion, or ``error``) and wait until all is written.

        Raises:
            RedisUnavailable, LeaseLost, StreamClosed: the writer failed.
        """
        if not self._closing:
            self._closing = True
            mid = entry_id(self.next_sequence)
            if error is None:
                self._pending.append((mid, "c", "", ""))
            else:
                self._pending.append((mid, "x", encode_error(error), ""))
            self._wake.set()
        await asyncio.shield(self._task)

    async def flush(self) -> None:
        """Wait until every queued event is written.

        Raises:
            RedisUnavailable, LeaseLost, StreamClosed: the writer failed.
        """
        if not self._idle.is_set() and not self._task.done():
            waiter = asyncio.ensure_future(self._idle.wait())
            try:
                await asyncio.wait([waiter, self._task], return_when=asyncio.FIRST_COMPLETED)
            finally:
                waiter.cancel()
        if self.failure is not None:
            raise self.failure

    def abort(self) -> None:
        """Stop writing now; queued events are dropped."""
        self._task.cancel()

    async def _write_loop(self) -> None:
        try:
            while True:
                if not self._pending:
                    self._idle.set()
                    if self._closing:
                        return
                    self._wake.clear()
                    await self._wake.wait()
                    continue
                n = min(len(self._pending), self._batch_size)
                batch = [self._pending.popleft() for _ in range(n)]
                await self._send(batch)
                if len(self._pending) < self._high_water:
                    self._space.set()
        except BaseException as exc:
            self.failure = exc
            self._space.set()
            raise

    async def _send(self, batch: list[tuple[str, str, str, str]]) -> None:
        args = list(self._head)
        for entry in batch:
            args.extend(entry)
        retried = False
        while True:
            try:
                status, last_ms = await self._script(keys=self._keys, args=args)
            except RETRYABLE as exc:
                await self._reconnect.failed(exc)
                retried = True
                continue
            self._reconnect.succeeded()
            break
        if status == -1:
            raise LeaseLost(
                f"this worker's lease on {self.key!r} expired and another worker took the run "
                "over; stopped publishing"
            )
        if status == -2:
            ends_here = batch[-1][1] in "cx" and int(batch[-1][0].partition("-")[0]) == last_ms
            if retried and ends_here:
                return  # our own end marker went through before the connection dropped
            raise StreamClosed(
                f"stream {self.key!r} already ends with a completion or error marker; "
                "the run was finished or cancelled elsewhere (write a new run to a new key)"
            )


@dataclass(frozen=True)
class Published:
    """What :func:`to_redis` wrote.

    Attributes:
        key: the stream key.
        events: events written.
        error: the run's error (written as the error marker), or ``None`` if it completed.
    """

    key: str
    events: int
    error: BaseException | None


def to_redis(
    client: Redis,
    key: str,
    *,
    maxlen: int = DEFAULT_MAXLEN,
    ttl: float = DEFAULT_TTL,
    reconnect_timeout: float = 10.0,
) -> Callable[[Observable[StreamEvent]], Awaitable[Published]]:
    """A sink writing one run's events to the Redis Stream ``key``.

    Each event becomes the entry ``<sequence_number + 1>-0``, so writing the same
    event twice (a retried batch, a publisher restarted on the same run) cannot
    duplicate it: ids at or below the stream's last one are skipped. When the run
    completes, a completion marker follows; when it fails, an error marker holding
    the error's class and message (``from_redis`` raises it again, typed). Every
    write sets the key to expire ``ttl`` seconds later, and ``MAXLEN`` keeps at most
    ``maxlen`` entries. The run is read as fast as Redis takes it: past 4096
    unwritten events its producer waits (backpressure).

    .. marble::
        -a-b-c-|
        [ to_redis(client, "run:1") ]
        stream run:1:  1-0:a 2-0:b 3-0:c 4-0:end=completed   (then EXPIRE ttl)

    Args:
        client: a ``redis.asyncio.Redis``.
        key: the stream key; one run per key.
        maxlen: entries kept at most; older events are trimmed (a reader asking for
            them gets :class:`~rxagents.redis.errors.EventsExpired`).
        ttl: seconds the stream lives after its last write.
        reconnect_timeout: seconds to retry through a lost connection.

    Returns:
        A function of the run's Observable: await it to subscribe, write everything
        and get a :class:`Published` (``await stream.pipe(to_redis(client, key))``).
        Cancelling the await disposes the run and writes a ``RunCancelled`` marker.

    Raises:
        RedisUnavailable: Redis stayed unreachable for ``reconnect_timeout`` (the run
            is disposed).
        StreamClosed: ``key`` already holds a finished run.
    """

    async def publish(source: Observable[StreamEvent]) -> Published:
        publisher = RedisPublisher(
            client, key, maxlen=maxlen, ttl=ttl, reconnect_timeout=reconnect_timeout
        )
        ended: asyncio.Future[BaseException | None] = asyncio.get_running_loop().create_future()

        def on_next(event: StreamEvent) -> None:
            if not ended.done() and publisher.failure is None:
                publisher.put(event)

        def on_error(error: Exception) -> None:
            if not ended.done():
                ended.set_result(error)

        def on_completed() -> None:
            if not ended.done():
                ended.set_result(None)

        def writer_stopped(task: asyncio.Task[None]) -> None:
            if not ended.done() and (task.cancelled() or task.exception() is not None):
                ended.set_exception(publisher.failure or asyncio.CancelledError())

        publisher.done.add_done_callback(writer_stopped)
        token = current_demand.set(publisher)
        try:
            subscription = source.subscribe(on_next, on_error, on_completed)
        finally:
            current_demand.reset(token)
        try:
            error = await asyncio.shield(ended)
        except asyncio.CancelledError:
            subscription.dispose()
            if publisher.failure is None:
                cancelled = RunCancelled(f"the run publishing to {key!r} was cancelled")
                await _best_effort(publisher.finish(cancelled))
            raise
        except BaseException:
            subscription.dispose()
            raise
        try:
            await publisher.finish(error)
        except asyncio.CancelledError:
            publisher.abort()
            raise
        return Published(key, publisher.events, error)

    return publish


async def _best_effort(write: Awaitable[None], timeout: float = 2.0) -> None:
    try:
        await asyncio.wait_for(write, timeout)
    except (Exception, asyncio.CancelledError):
        return
