"""Durable runs on Temporal: a lost worker costs one activity, a finished tool never runs twice.

Needs the ``temporal`` extra: ``pip install -e '.[temporal]'``.

* :class:`TemporalRuns` starts runs (one workflow each) and reads their events
  as a cold Observable from any offset; the events travel through Redis Streams.
* :class:`TemporalWorker` (``rxagents worker --temporal``) runs the workflow and
  its activities: each model turn, each tool call.
* :class:`TemporalBackend` (``rxagents serve --temporal``) lets any web node
  start, follow and cancel any run.

See docs/temporal.md.
"""

from rxagents.temporal._types import RetrySettings
from rxagents.temporal.backend import TemporalBackend, create_temporal_app
from rxagents.temporal.runs import RunNotFound, TemporalRuns
from rxagents.temporal.worker import DEFAULT_TASK_QUEUE, TemporalWorker

__all__ = [
    "DEFAULT_TASK_QUEUE",
    "RetrySettings",
    "RunNotFound",
    "TemporalBackend",
    "TemporalRuns",
    "TemporalWorker",
    "create_temporal_app",
]
