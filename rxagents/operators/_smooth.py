"""smooth_text: text re-chunked into words or lines, released at a steady pace."""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Callable
from functools import partial
from typing import Any, Literal, TypeVar

from reactivex import Observable, abc

from rxagents.errors import UserError
from rxagents.operators._scheduler import Clock, Duration, seconds
from rxagents.operators._timed import TimedSubscription, timed
from rxagents.rx._coalesce import is_text_delta, same_text_part, with_delta

__all__ = ["smooth_text"]

T = TypeVar("T")

_WORD = re.compile(r"\S+\s+")
_LINE = re.compile(r"\n+")
_SPACE = re.compile(r"\s")


class _Chunk:
    """A re-chunked piece of text waiting in the release queue."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value


def smooth_text(
    chunking: Literal["word", "line"] | str | re.Pattern[str] = "word",
    delay: Duration = 0.01,
    scheduler: abc.SchedulerBase | None = None,
) -> Callable[[Observable[T]], Observable[T]]:
    """Re-chunk text deltas into words (or lines) and release them at a steady pace.

    Models stream text in bursts of odd-sized tokens; a UI looks calmer showing a
    word every ``delay`` seconds (Vercel's ``smoothStream`` does the same). Works
    on run events (``response.output_text.delta`` raw events become delta events
    of whole words, other events pass) and on plain strings (``text_deltas()``).

    A chunk is everything up to the end of the first match of the chunking
    pattern: ``"word"`` is ``\\S+\\s+`` (a word and the spaces after it), ``"line"``
    is ``\\n+``; any other string or compiled pattern is used as a regex. Text
    without a match yet waits; it is released as a chunk when the text part
    ends (another output item, any non-text event), or at completion.

    Chunks are released one per ``delay``, the first at once; a non-text event
    waits for the text before it (order is kept), then passes without a pause.
    Completion follows the last chunk at once; an error releases everything at once and
    then fails. Lossless: the joined text is unchanged. Each re-chunked event
    carries the ``sequence_number`` of the delta its chunk ended in, and no
    ``logprobs`` (use :func:`coalesce_text` to keep them).

    .. marble::
        -a-b----X----|    a="Hel", b="lo big world", X: a non-text event (delay = 2 ticks)
        [ smooth_text("word", 2) ]
        ---h-i--(w,X)|    h="Hello ", i="big ", then w="world" released right before X

    Args:
        chunking: ``"word"``, ``"line"``, or a regex (string or compiled).
        delay: the pause between chunks: seconds, or a timedelta; ``0`` re-chunks
            without pacing (and needs no scheduler).
        scheduler: runs the timers; default: the subscription's scheduler, else an
            AsyncIOScheduler on the running loop.

    Raises:
        UserError: an invalid regex, or ``delay < 0``.
    """
    pattern, boundary = _pattern(chunking)
    pause = seconds(delay, "delay", "smooth_text", allow_zero=True)
    make = partial(_Smooth, pattern=pattern, boundary=boundary, pause=pause)
    return timed("smooth_text", scheduler, make, clocked=pause > 0)


class _Smooth(TimedSubscription[T, T]):
    """One subscription: the text not cut yet, and the queue paced by the timer.

    The queue holds :class:`_Chunk` (released one per pause) and other events
    (released as soon as the chunks before them are).
    """

    __slots__ = ("boundary", "last", "parts", "pattern", "pause", "queue")

    def __init__(
        self,
        observer: abc.ObserverBase[T],
        clock: Clock | None,
        pattern: re.Pattern[str],
        boundary: Callable[[str], bool] | None,
        pause: float,
    ) -> None:
        super().__init__(observer, clock)
        self.pattern = pattern
        self.boundary = boundary
        self.pause = pause
        self.parts: list[str] = []  # text after the last chunk, not joined yet
        self.last: Any = None  # the latest text delta of the current part
        self.queue: deque[Any] = deque()

    def on_next(self, value: T) -> None:
        if self.stopped:
            return
        if is_text_delta(value):
            last = self.last
            if last is not None and not same_text_part(last, value):
                self.end_part()
            self.last = value
            event: Any = value
            piece: str = event if isinstance(event, str) else event.data.delta
            self.parts.append(piece)
            boundary = self.boundary
            if boundary is None or boundary(piece):
                self.cut(value)
        else:
            self.end_part()
            self.queue.append(value)
        self.release()

    def cut(self, template: Any) -> None:
        """Queue every complete chunk of the pending text."""
        parts = self.parts
        text = parts[0] if len(parts) == 1 else "".join(parts)
        parts.clear()
        pattern, queue = self.pattern, self.queue
        start = 0
        size = len(text)
        while start < size:
            match = pattern.search(text, start)
            if match is not None and match.end() == start:  # empty match
                match = pattern.search(text, start + 1)
            if match is None:
                break
            queue.append(_chunk(template, text[start : match.end()]))
            start = match.end()
        if start < size:
            parts.append(text[start:] if start else text)

    def end_part(self) -> None:
        """The text part ended: what waits without a match becomes a chunk."""
        parts = self.parts
        if parts:
            text = "".join(parts)
            parts.clear()
            if text:
                self.queue.append(_chunk(self.last, text))
        self.last = None

    def release(self) -> None:
        """Emit what is due: everything up to a chunk that must wait for a pause."""
        queue, observer = self.queue, self.observer
        while queue:
            item = queue[0]
            if isinstance(item, _Chunk):
                if self.timer is not None:
                    return
                queue.popleft()
                if self.pause:
                    self.start_timer(self.pause, self.release)
                observer.on_next(item.value)
            else:
                queue.popleft()
                observer.on_next(item)
        if self.completing:
            self.complete()

    def flush(self) -> None:
        self.end_part()
        queue, observer = self.queue, self.observer
        while queue:
            item = queue.popleft()
            observer.on_next(item.value if isinstance(item, _Chunk) else item)

    def settle(self) -> bool:
        self.end_part()
        self.release()
        return bool(self.queue)  # completion follows the last chunk

    def drop(self) -> None:
        self.queue.clear()
        self.parts.clear()


def _chunk(template: Any, text: str) -> _Chunk:
    """A chunk of ``text``: a ``str``, or a delta event like ``template``."""
    if isinstance(template, str):
        return _Chunk(text)
    return _Chunk(with_delta(template, text, []))


def _pattern(
    chunking: str | re.Pattern[str],
) -> tuple[re.Pattern[str], Callable[[str], bool] | None]:
    """The chunking regex, and a cheap test of whether a new piece may complete a chunk
    (``None``: always search)."""
    if chunking == "word":
        return _WORD, lambda piece: _SPACE.search(piece) is not None
    if chunking == "line":
        return _LINE, lambda piece: "\n" in piece
    if isinstance(chunking, re.Pattern):
        return chunking, None
    if not isinstance(chunking, str) or not chunking:
        raise UserError(
            f"smooth_text(): chunking must be 'word', 'line' or a regex, got {chunking!r}"
        )
    try:
        return re.compile(chunking), None
    except re.error as exc:
        raise UserError(
            f"smooth_text(): chunking {chunking!r} is not a valid regex: {exc}"
        ) from exc
