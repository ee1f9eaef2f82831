"""Read text out of a list of events: what a text-preserving pipeline must keep."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from rxagents.events import RawResponsesStreamEvent, RunItemStreamEvent

__all__ = ["delta_text", "message_texts"]


def delta_text(events: Iterable[Any], *, run_id: str | None = None) -> str:
    """Every ``response.output_text.delta`` joined, in order (optionally of one run).

    A lossless text operator (batching, coalescing, smoothing) keeps this string.
    """
    parts: list[str] = []
    for event in events:
        if not isinstance(event, RawResponsesStreamEvent):
            continue
        if run_id is not None and event.run_id != run_id:
            continue
        data: Any = event.data
        if data.type == "response.output_text.delta":
            parts.append(data.delta)
    return "".join(parts)


def message_texts(events: Iterable[Any]) -> list[str]:
    """The text of every ``message_output_created`` item, in order."""
    return [
        event.item.text  # type: ignore[union-attr]
        for event in events
        if isinstance(event, RunItemStreamEvent) and event.name == "message_output_created"
    ]
