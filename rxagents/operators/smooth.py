"""smooth_text: text re-chunked into words or lines, released at a steady pace."""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Callable
from typing import Any, Literal, TypeVar

from reactivex import Observable, abc

from rxagents.errors import UserError
from rxagents.operators._scheduler import Duration, Timer, clock, seconds, subscribe_clocked
from rxagents.rx._coalesce import is_text_delta, same_text_part, with_delta

__all__ = ["smooth_text"]

T = TypeVar("T")

_WORD = re.compile(r"\S+\s+")
_LINE = re.compile(r"\n+")
_SPACE = re.compile(r"\s")
_COMPLETED: Any = object()


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

    def operator(source: Observable[T]) -> Observable[T]:
        def subscribe(
            observer: abc.ObserverBase[T],
            subscribe_scheduler: abc.SchedulerBase | None = None,
        ) -> abc.DisposableBase:
            timers = clock(scheduler, subscribe_scheduler, "smooth_text") if pause else None
            parts: list[str] = []  # text after the last chunk, not joined yet
            last: Any = None  # the latest text delta of the current part
            queue: deque[Any] = deque()  # _Chunk, other events, _COMPLETED
            timer: Timer | None = None  # set while pausing after a chunk
            stopped = False

            def chunk_of(template: Any, text: str) -> _Chunk:
                if isinstance(template, str):
                    return _Chunk(text)
                return _Chunk(with_delta(template, text, []))

            def cut(template: Any) -> None:
                """Queue every complete chunk of the pending text."""
                text = parts[0] if len(parts) == 1 else "".join(parts)
                parts.clear()
                start = 0
                size = len(text)
                while start < size:
                    match = pattern.search(text, start)
                    if match is not None and match.end() == start:  # empty match
                        match = pattern.search(text, start + 1)
                    if match is None:
                        break
                    queue.append(chunk_of(template, text[start : match.end()]))
                    start = match.end()
                if start < size:
                    parts.append(text[start:] if start else text)

            def end_part() -> None:
                nonlocal last
                if parts:
                    text = "".join(parts)
                    parts.clear()
                    if text:
                        queue.append(chunk_of(last, text))
                last = None

            def release() -> None:
                """Emit what is due: everything up to a chunk that must wait for a pause."""
                nonlocal timer, stopped
                while queue:
                    item = queue[0]
                    chunk = isinstance(item, _Chunk)
                    if chunk and timer is not None:
                        return
                    queue.popleft()
                    if item is _COMPLETED:
                        stopped = True
                        observer.on_completed()
                        return
                    if chunk:
                        if timers is not None:
                            timer = timers.start(pause, on_pause_end)
                        observer.on_next(item.value)
                    else:
                        observer.on_next(item)

            def on_pause_end() -> None:
                nonlocal timer
                timer = None
                if not stopped:
                    release()

            def on_next(value: T) -> None:
                nonlocal last
                if stopped:
                    return
                if is_text_delta(value):
                    if last is not None and not same_text_part(last, value):
                        end_part()
                    last = value
                    event: Any = value
                    piece: str = event if isinstance(event, str) else event.data.delta
                    parts.append(piece)
                    if boundary is None or boundary(piece):
                        cut(value)
                else:
                    end_part()
                    queue.append(value)
                release()

            def on_error(error: Exception) -> None:
                nonlocal stopped, timer
                if stopped:
                    return
                stopped = True
                if timer is not None:
                    timer.cancel()
                    timer = None
                end_part()
                while queue:
                    item = queue.popleft()
                    observer.on_next(item.value if isinstance(item, _Chunk) else item)
                observer.on_error(error)

            def on_completed() -> None:
                if stopped:
                    return
                end_part()
                queue.append(_COMPLETED)
                release()

            def stop() -> None:
                nonlocal stopped, timer
                stopped = True
                if timer is not None:
                    timer.cancel()
                    timer = None
                queue.clear()

            return subscribe_clocked(
                source, timers, on_next, on_error, on_completed, stop, subscribe_scheduler
            )

        return Observable(subscribe)

    return operator


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
