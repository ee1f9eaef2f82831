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

__all__ = ["CANCEL", "REFRESH", "RELEASE", "Keys", "enqueue"]


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


async def enqueue(
    client: Redis,
    input: str | Sequence[dict[str, Any]],
    *,
    run_id: str,
    keys: Keys = Keys(),
    ttl: float = 3600.0,
) -> None:
    """Queue a run request for the workers (and create the run's hash, so it is known)."""
    payload = json.dumps(input if isinstance(input, str) else [dict(i) for i in input])
    ttl_ms = int(ttl * 1000)
    async with client.pipeline(transaction=True) as pipe:
        pipe.hset(
            keys.meta(run_id),
            mapping={"status": "queued", "attempt": 0, "created": f"{time.time():.3f}"},
        )
        pipe.pexpire(keys.meta(run_id), ttl_ms)
        pipe.xadd(keys.requests, {"run_id": run_id, "input": payload})
        await pipe.execute()
