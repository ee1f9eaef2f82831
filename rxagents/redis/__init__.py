"""Runs across processes on Redis Streams: sink, source, workers and a web backend.

Needs the ``redis`` extra: ``pip install -e '.[redis]'``.

* :func:`to_redis` writes a run's events to a stream; :func:`from_redis` reads
  them back as a cold Observable, resuming after any sequence number.
* :class:`RedisWorker` (``rxagents worker``) takes run requests from a stream
  with a consumer group and publishes their events.
* :class:`RedisBackend` (``rxagents serve --redis``) lets any web node start,
  follow and cancel any run.
"""

from rxagents.redis._client import connect
from rxagents.redis._codec import AgentsArg, agent_map
from rxagents.redis.backend import RedisBackend, create_redis_app
from rxagents.redis.errors import (
    EventsExpired,
    LeaseLost,
    RedisUnavailable,
    RemoteRunError,
    RunStalled,
    StreamClosed,
    WorkerLost,
)
from rxagents.redis.sink import DEFAULT_MAXLEN, DEFAULT_TTL, Published, RedisPublisher, to_redis
from rxagents.redis.source import from_redis
from rxagents.redis.worker import RedisWorker

__all__ = [
    "DEFAULT_MAXLEN",
    "DEFAULT_TTL",
    "AgentsArg",
    "EventsExpired",
    "LeaseLost",
    "Published",
    "RedisBackend",
    "RedisPublisher",
    "RedisUnavailable",
    "RedisWorker",
    "RemoteRunError",
    "RunStalled",
    "StreamClosed",
    "WorkerLost",
    "agent_map",
    "connect",
    "create_redis_app",
    "from_redis",
    "to_redis",
]
