"""One-line summaries of events, for failure messages."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rxagents.events import (
    AgentUpdatedStreamEvent,
    NestedRunEvent,
    RawResponsesStreamEvent,
    RunCompletedStreamEvent,
    RunItemStreamEvent,
)

__all__ = ["context", "describe"]


def describe(event: Any) -> str:
    """A one-line summary of an event, as violation messages show them."""
    if isinstance(event, RawResponsesStreamEvent):
        data: Any = event.data
        delta = getattr(data, "delta", None)
        return f"raw {data.type}" + (f" {delta!r}" if isinstance(delta, str) else "")
    if isinstance(event, RunItemStreamEvent):
        raw: Any = event.item.raw_item
        call_id = raw.get("call_id") if isinstance(raw, dict) else getattr(raw, "call_id", None)
        name = getattr(raw, "name", None)
        extra = " ".join(str(x) for x in (name, call_id) if x)
        return f"{event.name} {extra}".strip()
    if isinstance(event, AgentUpdatedStreamEvent):
        return f"agent_updated {event.new_agent.name}"
    if isinstance(event, RunCompletedStreamEvent):
        return "run_completed"
    if isinstance(event, NestedRunEvent):
        return f"nested[{'/'.join(event.tools)}] {describe(event.event)}"
    kind = getattr(event, "type", None)
    return str(kind) if kind else type(event).__name__


def context(events: Sequence[Any], index: int | None) -> str:
    """The events around position ``index`` (the end when ``None``), the culprit marked."""
    if index is None:
        window = range(max(0, len(events) - 3), len(events))
    else:
        window = range(max(0, index - 3), min(len(events), index + 2))
    lines = []
    for i in window:
        seq = getattr(events[i], "sequence_number", "?")
        mark = ">>" if i == index else "  "
        lines.append(f"  {mark} [{i}] seq={seq} {describe(events[i])}")
    return "\n".join(lines)
