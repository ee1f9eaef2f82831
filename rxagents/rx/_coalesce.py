"""Merging adjacent text deltas into one, losslessly and in linear time.

Used by the ``coalesce_text`` overflow policy of the async iterator and by the
``coalesce_text`` operator. A text delta is either a ``response.output_text.delta``
raw event or a plain ``str`` (the output of ``text_deltas()``).

Two delta events merge when they belong to the same run, output item and
content part. The merged event is the later one with the joined ``delta`` (and
the concatenated ``logprobs``), so it keeps the later ``sequence_number``: a
resumed reader never sees a sequence number twice.

Merging many deltas one by one would copy the growing text each time
(quadratic); :class:`TextRun` keeps the pieces and joins them once.
"""

from __future__ import annotations

from typing import Any

from rxagents.events import RawResponsesStreamEvent, raw_event

__all__ = ["TextRun", "is_text_delta", "merge_text_delta", "same_text_part"]

_DELTA = "response.output_text.delta"


def is_text_delta(value: object) -> bool:
    """``value`` is a ``str`` or a ``response.output_text.delta`` raw event."""
    if isinstance(value, str):
        return True
    return isinstance(value, RawResponsesStreamEvent) and value.data.type == _DELTA


def same_text_part(first: object, second: object) -> bool:
    """Both are text deltas that may be joined: two strings, or two delta events
    of the same run, output item and content part."""
    if isinstance(first, str):
        return isinstance(second, str)
    if not (
        isinstance(first, RawResponsesStreamEvent) and isinstance(second, RawResponsesStreamEvent)
    ):
        return False
    a: Any = first.data
    b: Any = second.data
    return (
        a.type == _DELTA
        and b.type == _DELTA
        and first.run_id == second.run_id
        and a.item_id == b.item_id
        and a.content_index == b.content_index
    )


class TextRun:
    """Adjacent text deltas of one content part, waiting to be emitted as one.

    Args:
        first: the first delta (a ``str`` or a text delta event).
    """

    __slots__ = ("_chunks", "_last", "_logprobs")

    def __init__(self, first: Any) -> None:
        self._last: Any = first
        self._chunks: list[str] | None = None
        self._logprobs: list[Any] | None = None

    @property
    def last(self) -> Any:
        """The latest delta added (before joining)."""
        return self._last

    def add(self, value: Any) -> None:
        """Append ``value``; the caller has checked :func:`same_text_part` with :attr:`last`."""
        last = self._last
        if self._chunks is None:
            if isinstance(last, str):
                self._chunks = [last]
            else:
                self._chunks = [last.data.delta]
                if last.data.logprobs:
                    self._logprobs = list(last.data.logprobs)
        if isinstance(value, str):
            self._chunks.append(value)
        else:
            data = value.data
            self._chunks.append(data.delta)
            if data.logprobs:
                if self._logprobs is None:
                    self._logprobs = []
                self._logprobs.extend(data.logprobs)
        self._last = value

    def build(self) -> Any:
        """The joined delta: the last one itself when nothing was added to it."""
        if self._chunks is None:
            return self._last
        text = "".join(self._chunks)
        last = self._last
        if isinstance(last, str):
            return text
        return with_delta(last, text, self._logprobs or [])


def with_delta(event: RawResponsesStreamEvent, delta: str, logprobs: list[Any]) -> Any:
    """A copy of the text delta ``event`` carrying ``delta`` (and ``logprobs``) instead."""
    data = event.data.model_copy(update={"delta": delta, "logprobs": logprobs})
    return raw_event(event.run_id, event.sequence_number, data)


def merge_text_delta(first: Any, second: Any) -> Any:
    """``first`` and ``second`` as one delta, or ``None`` if they cannot merge.

    For merging many deltas, use :class:`TextRun` (it joins once).
    """
    if not same_text_part(first, second):
        return None
    run = TextRun(first)
    run.add(second)
    return run.build()
