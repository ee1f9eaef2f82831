"""The Redis layout shared by web nodes and workers, and its atomic scripts.

With the default prefix ``rxagents``:

======================================  =============================================
``rxagents:requests``                   stream of run requests (``run_id``, ``input``),
                                        read by the consumer group ``rxagents:workers``
``rxagents:run:<id>``                   hash: ``status``, ``attempt``, ``worker``, ``created``
``rxagents:run:<id>:events``            stream of the run's events (see :mod:`.codec`)
``rxagents:run:<id>:lease``             the token of the worker running it (expires)
``rxagents:run:<id>:cancel``            set when someone asked to cancel it
``rxagents:cancel``                     pub/sub channel: run ids to cancel now
======================================  =============================================
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from redis.asyncio import Redis

__all__ = ["ACQUIRE", "CANCEL", "ENQUEUE", "REFRESH", "RELEASE", "Keys", "enqueue"]


@dataclass(frozen=True)
class Keys:
    """Key names under one ``prefix`` (web nodes and workers must share it)."""

    prefix: str = "rxagents"

    @property
    def requests(self) -> str:
        return f"{self.prefix}:requests"

    @property
    def group(self) -> str:
        return f"{self.prefix}:workers"

    @property
    def cancel_channel(self) -> str:
        return f"{self.prefix}:cancel"

    def meta(self, run_id: str) -> str:
        return f"{self.prefix}:run:{run_id}"

    def events(self, run_id: str) -> str:
        return f"{self.prefix}:run:{run_id}:events"

    def lease(self, run_id: str) -> str:
        return f"{self.prefix}:run:{run_id}:lease"

    def cancel(self, run_id: str) -> str:
        return f"{self.prefix}:run:{run_id}:cancel"


ACQUIRE = """
if not redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then return false end
local next_seq, ended = 0, 0
local last = redis.call('XREVRANGE', KEYS[2], '+', '-', 'COUNT', 1)
if #last > 0 then
  next_seq = tonumber(string.match(last[1][1], '^(%d+)'))
  if last[1][2][1] == 'end' then ended = 1 end
end
local cancelled = redis.call('EXISTS', KEYS[3])
local attempt = 0
if ended == 0 then
  attempt = redis.call('HINCRBY', KEYS[4], 'attempt', 1)
  redis.call('HSET', KEYS[4], 'status', 'running', 'worker', ARGV[3])
  redis.call('PEXPIRE', KEYS[4], ARGV[4])
end
return {next_seq, ended, cancelled, attempt}
"""
"""KEYS: lease, events, cancel flag, meta. ARGV: token, lease ms, worker name, ttl ms.

Take the lease on a run (nil if someone holds it) and, in the same step, read
where its stream is: ``{next sequence number, ended?, cancel asked?, attempt}``
(the attempt counter is incremented unless the run had already ended)."""

REFRESH = """
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 0
"""
"""KEYS: lease. ARGV: token, ms. Extend the lease if it is still ours (1), else 0."""

RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""
"""KEYS: lease. ARGV: token. Drop the lease if it is still ours."""

CANCEL = """
redis.call('SET', KEYS[3], '1', 'PX', ARGV[2])
local last = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
local next_ms = 1
if #last > 0 then
  if last[1][2][1] == 'end' then return -2 end
  next_ms = tonumber(string.match(last[1][1], '^(%d+)')) + 1
end
if redis.call('EXISTS', KEYS[2]) == 1 then return 0 end
redis.call('XADD', KEYS[1], next_ms .. '-0', 'end', 'error', 'error', ARGV[1])
redis.call('PEXPIRE', KEYS[1], ARGV[2])
redis.call('HSET', KEYS[4], 'status', 'cancelled')
redis.call('PEXPIRE', KEYS[4], ARGV[2])
return 1
"""
"""KEYS: events, lease, cancel flag, meta. ARGV: error JSON, ttl ms.

Flag the run as cancelled. If no worker holds it (queued, or its worker died),
end its stream with the error marker here (1); if a worker holds it, the worker
does (0, after a pub/sub message); -2 if it had already ended."""


ENQUEUE = """
if redis.call('XLEN', KEYS[1]) >= tonumber(ARGV[4]) then return 0 end
redis.call('HSET', KEYS[2], 'status', 'queued', 'attempt', 0, 'created', ARGV[3])
redis.call('PEXPIRE', KEYS[2], ARGV[5])
redis.call('XADD', KEYS[1], '*', 'run_id', ARGV[1], 'input', ARGV[2])
return 1
"""
"""KEYS: requests, meta. ARGV: run id, input JSON, created, max queued, ttl ms.
Queue a request unless ``max queued`` are waiting or running (0)."""


async def enqueue(
    client: Redis,
    input: str | Sequence[dict[str, Any]],
    *,
    run_id: str,
    keys: Keys = Keys(),
    ttl: float = 3600.0,
    max_queued: int = 1 << 62,
) -> bool:
    """Queue a run request for the workers, and create the run's hash (so it is known).

    Returns:
        ``False`` (nothing queued) if ``max_queued`` requests are already waiting or
        running (requests are deleted once their run ends).
    """
    payload = json.dumps(input if isinstance(input, str) else [dict(i) for i in input])
    script: Any = client.register_script(ENQUEUE)
    queued = await script(
        keys=[keys.requests, keys.meta(run_id)],
        args=[run_id, payload, f"{time.time():.3f}", max_queued, int(ttl * 1000)],
    )
    return bool(queued)
