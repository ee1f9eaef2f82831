"""Appending a durable run's events to its Redis Stream, numbered by Redis itself.

A run on Temporal has several writers one after another (the model turn's
activity, each tool's activity, the workflow's own events) and, after a crash,
several attempts of the same writer. None of them can know how many events the
others wrote, so the stream assigns the numbers: one Lua script appends each
batch at ``last + 1`` (entry id ``<sequence_number + 1>-0``, the layout
:mod:`rxagents.redis._codec` reads), atomically, so the numbering is gap-free
whatever runs where.

Each writer has a *scope* (unique per activity attempt) and numbers its batches;
the script records the last batch of each scope and skips one it has seen (a
batch retried after a lost reply is never appended twice). A model turn's
attempt also *fences* the run: it claims ``owner`` and its batches are refused
once another attempt claimed it (a worker cut off from Temporal, whose turn was
already restarted elsewhere, cannot interleave its stale events).
"""

from __future__ import annotations

import asyncio
from collections import deque
from typing import Any

from redis.asyncio import Redis

from rxagents.errors import AgentsError
from rxagents.events import StreamEvent
from rxagents.redis._codec import encode_error, encode_event
from rxagents.redis._retry import RETRYABLE, Reconnect

__all__ = ["EventWriter", "Fenced", "StreamEnded", "events_key", "writers_key"]

# KEYS: stream, writers hash.  ARGV: scope, batch number, fence ('1' = only while
# the hash's owner is this scope), turn mark field ('' = none), maxlen, ttl ms,
# record field and value ('' = none: stored in the hash with the batch, atomically),
# then (kind, a, b) triples: r = raw event (a run_id, b data), n = nested raw event
# (a head JSON, b data), e = other event (a JSON whose first sequence_number is
# replaced by the entry's), c = completed, x = error (a error JSON).
# Returns {status, first sequence number}: 0 appended, 1 a batch already appended,
# -1 fenced off, -2 the stream already ended.
_APPEND = """
local writers = KEYS[2]
if ARGV[3] == '1' and redis.call('HGET', writers, 'owner') ~= ARGV[1] then return {-1, 0} end
local done = tonumber(redis.call('HGET', writers, 'b:' .. ARGV[1]) or '-1')
if tonumber(ARGV[2]) <= done then return {1, 0} end
local seq = 0
local last = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
if #last > 0 then
  if last[1][2][1] == 'end' then return {-2, 0} end
  seq = tonumber(string.match(last[1][1], '^(%d+)'))
end
local first = seq
if ARGV[4] ~= '' then redis.call('HSETNX', writers, ARGV[4], first) end
local maxlen = ARGV[5]
for i = 9, #ARGV, 3 do
  local id = (seq + 1) .. '-0'
  local kind = ARGV[i]
  if kind == 'r' or kind == 'n' then
    redis.call('XADD', KEYS[1], 'MAXLEN', maxlen, id, kind, ARGV[i + 1], 'd', ARGV[i + 2])
  elseif kind == 'e' then
    local payload = string.gsub(
      ARGV[i + 1], '"sequence_number":%-?%d+', '"sequence_number":' .. seq, 1)
    redis.call('XADD', KEYS[1], 'MAXLEN', maxlen, id, 'e', payload)
  elseif kind == 'c' then
    redis.call('XADD', KEYS[1], 'MAXLEN', maxlen, id, 'end', 'completed')
  else
    redis.call('XADD', KEYS[1], 'MAXLEN', maxlen, id, 'end', 'error', 'error', ARGV[i + 1])
  end
  seq = seq + 1
end
redis.call('HSET', writers, 'b:' .. ARGV[1], ARGV[2])
if ARGV[7] ~= '' then redis.call('HSET', writers, ARGV[7], ARGV[8]) end
redis.call('PEXPIRE', KEYS[1], ARGV[6])
redis.call('PEXPIRE', writers, ARGV[6])
return {0, first}
"""


class Fenced(AgentsError):
    """Another attempt of this model turn took the run over; this one stopped writing."""


class StreamEnded(AgentsError):
    """The run's stream already ends (completed, failed or cancelled); nothing more is written."""


def events_key(prefix: str, run_id: str) -> str:
    """The run's event stream (the key ``rxagents.redis`` readers use for a run)."""
    return f"{prefix}:run:{run_id}:events"


def writers_key(prefix: str, run_id: str) -> str:
    """The hash of the run's writers: last batch per scope, turn marks, the turn's owner."""
    return f"{prefix}:run:{run_id}:writers"


class EventWriter:
    """One writer's events to one run's stream, sent in batches by a background task.

    ``put`` encodes and queues (cheap, synchronous); the task sends whatever has
    queued up in one script call, so an idle stream's event leaves at once and a
    fast model's deltas share round trips. ``close`` waits until all is written.

    Args:
        client: a ``redis.asyncio.Redis``.
        prefix, run_id: which run's stream.
        scope: unique per writer attempt (batches of a scope are deduplicated).
        fence: write only while this scope owns the run (model turns).
        turn_mark: a field recording the first sequence number this writer appended
            (kept by the first attempt that wrote; read by the next one).
        record: ``(field, value)`` stored in the writers hash with the first batch, in
            the same script call (a tool's output: written with its event, or not at all).
    """

    def __init__(
        self,
        client: Redis,
        prefix: str,
        run_id: str,
        scope: str,
        *,
        fence: bool = False,
        turn_mark: str = "",
        record: tuple[str, str] = ("", ""),
        maxlen: int = 100_000,
        ttl: float = 3600.0,
        reconnect_timeout: float = 30.0,
    ) -> None:
        self.run_id = run_id
        self._client = client
        self._script: Any = client.register_script(_APPEND)
        self._keys = [events_key(prefix, run_id), writers_key(prefix, run_id)]
        self._head = [scope, "", "1" if fence else "", turn_mark, str(maxlen), str(int(ttl * 1000)),
                      *record]  # fmt: skip
        self._reconnect = Reconnect(reconnect_timeout, f"writing the events of run {run_id}")
        self._pending: deque[tuple[str, str, str]] = deque()
        self._batches = 0
        self._wake = asyncio.Event()
        self._closing = False
        self.written = 0
        self.first_sequence: int | None = None
        """The sequence number of this writer's first event, once written."""
        self._task = asyncio.get_running_loop().create_task(self._loop())

    def put(self, event: StreamEvent) -> None:
        """Queue an event (its ``sequence_number`` is replaced by the stream's)."""
        if self._task.done():
            self._task.result()  # re-raise why the writer stopped
        self._pending.append(encode_event(event))
        self._wake.set()

    def put_end(self, error: BaseException | None) -> None:
        """Queue the run's end marker: completion, or ``error`` (readers raise it, typed)."""
        self._pending.append(("c", "", "") if error is None else ("x", encode_error(error), ""))
        self._wake.set()

    async def close(self) -> None:
        """Write everything queued, then stop.

        Raises:
            Fenced, StreamEnded: the stream refused the writes.
            RedisUnavailable: Redis stayed unreachable.
        """
        self._closing = True
        self._wake.set()
        await asyncio.shield(self._task)

    def abort(self) -> None:
        """Stop now; queued events are dropped."""
        self._task.cancel()

    async def _loop(self) -> None:
        while True:
            if not self._pending:
                if self._closing:
                    return
                self._wake.clear()
                await self._wake.wait()
                continue
            batch = [self._pending.popleft() for _ in range(min(len(self._pending), 512))]
            await self._send(batch)

    async def _send(self, batch: list[tuple[str, str, str]]) -> None:
        self._head[1] = str(self._batches)
        args = list(self._head)
        for entry in batch:
            args.extend(entry)
        while True:
            try:
                status, first = await self._script(keys=self._keys, args=args)
                break
            except RETRYABLE as exc:
                await self._reconnect.failed(exc)
        self._reconnect.succeeded()
        self._batches += 1
        if status == -1:
            raise Fenced(
                f"run {self.run_id}: another attempt of this model turn took the run over; "
                "this attempt's events are no longer written"
            )
        if status == -2:
            raise StreamEnded(f"run {self.run_id} already ended; its stream takes no more events")
        if status == 0:
            if self.first_sequence is None:
                self.first_sequence = int(first)
            self.written += len(batch)


async def claim_turn(client: Redis, prefix: str, run_id: str, scope: str, mark: str) -> int | None:
    """Make ``scope`` the run's writer of model events (fencing off earlier attempts) and
    return where an earlier attempt of this turn began writing (``None``: none wrote)."""
    key = writers_key(prefix, run_id)
    async with client.pipeline(transaction=True) as pipe:
        pipe.hset(key, "owner", scope)
        pipe.hget(key, mark)
        _, start = await pipe.execute()
    return None if start is None else int(start)


async def recorded(client: Redis, prefix: str, run_id: str, field: str) -> str | None:
    """The value a writer stored under ``field`` with its events (``None``: not written)."""
    value: Any = await client.hget(writers_key(prefix, run_id), field)
    if value is None:
        return None
    return value.decode() if isinstance(value, bytes) else str(value)
