"""Reusable Rx operators over run streams: ``from rxagents import operators as rxo``.

Every operator is a factory returning ``Callable[[Observable[A]], Observable[B]]``
for ``Observable.pipe``; each subscription keeps its own state, so one operator
can be reused on many streams. Time-based operators take ``scheduler=None`` and
use the subscription's scheduler, else an AsyncIOScheduler on the running loop.

The modules under ``rxagents/operators/`` are private; these names are the API.
"""

from rxagents.operators._batch import batch
from rxagents.operators._coalesce import coalesce_text
from rxagents.operators._dispatch import dispatch
from rxagents.operators._filtering import (
    AgentHandoff,
    agent_updates,
    handoffs,
    of_type,
    raw,
    run_items,
    text_deltas,
    tool_calls,
    tool_outputs,
)
from rxagents.operators._guard_text import TextGuardTripped, guard_text
from rxagents.operators._merge import RunFailedEvent, TaggedEvent, merge_runs
from rxagents.operators._nested import event_path, flatten_nested, nested_events, top_level
from rxagents.operators._partial import partial_output
from rxagents.operators._smooth import smooth_text
from rxagents.operators._state import IncompleteRunError, accumulate, final_result
from rxagents.operators._throttle import throttle_latest
from rxagents.rx import aiter  # out of Rx: `async for x in rxo.aiter(obs)`

__all__ = [
    "AgentHandoff",
    "IncompleteRunError",
    "RunFailedEvent",
    "TaggedEvent",
    "TextGuardTripped",
    "accumulate",
    "agent_updates",
    "aiter",
    "batch",
    "coalesce_text",
    "dispatch",
    "event_path",
    "final_result",
    "flatten_nested",
    "guard_text",
    "handoffs",
    "merge_runs",
    "nested_events",
    "of_type",
    "partial_output",
    "raw",
    "run_items",
    "smooth_text",
    "text_deltas",
    "throttle_latest",
    "tool_calls",
    "tool_outputs",
    "top_level",
]

# Reprs, tracebacks and docs show the public home (httpx style); pickling finds the
# classes there too.
for _public in (AgentHandoff, IncompleteRunError, RunFailedEvent, TaggedEvent, TextGuardTripped):
    _public.__module__ = "rxagents.operators"
del _public
