"""Small helpers for the core tests: summarise a run's events as readable tuples."""

from __future__ import annotations

from typing import Any

from rxagents.events import StreamEvent


def shape(events: list[StreamEvent], *, raw: bool = False) -> list[tuple[Any, ...]]:
    """Each event as a short tuple; raw model events are left out unless ``raw``."""
    out: list[tuple[Any, ...]] = []
    for e in events:
        if e.type == "raw_response_event":
            if raw:
                out.append(("raw", e.data.type))
        elif e.type == "run_item_stream_event":
            detail = getattr(e.item.raw_item, "name", None) or (
                e.item.raw_item.get("call_id") if isinstance(e.item.raw_item, dict) else None
            )
            out.append((e.name, detail))
        elif e.type == "agent_updated_stream_event":
            out.append(("agent", e.new_agent.name))
        else:
            out.append(("completed",))
    return out


async def run_all(stream: Any) -> list[StreamEvent]:
    """Every event of one run of ``stream``."""
    return [event async for event in stream]
