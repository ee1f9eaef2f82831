"""Merging two adjacent text-delta events into one, losslessly."""

from __future__ import annotations

from typing import Any, TypeVar

from rxagents.events import RawResponsesStreamEvent, raw_event

__all__ = ["merge_text_delta"]

T = TypeVar("T")


def merge_text_delta(first: T, second: T) -> T | None:
    """``first`` and ``second`` as one delta event, or ``None`` if they cannot merge.

    They merge when both are ``response.output_text.delta`` raw events of the
    same run, output item and content part. The merged event keeps the later
    sequence number (so a resumed reader never sees a sequence number twice).
    """
    if not (
        isinstance(first, RawResponsesStreamEvent) and isinstance(second, RawResponsesStreamEvent)
    ):
        return None
    a: Any = first.data
    b: Any = second.data
    if (
        a.type != "response.output_text.delta"
        or b.type != "response.output_text.delta"
        or first.run_id != second.run_id
        or a.item_id != b.item_id
        or a.content_index != b.content_index
    ):
        return None
    data = b.model_copy(update={"delta": a.delta + b.delta})
    merged: Any = raw_event(second.run_id, second.sequence_number, data)
    return merged  # type: ignore[no-any-return]
