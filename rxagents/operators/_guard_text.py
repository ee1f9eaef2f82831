"""guard_text: hold text back until a check has passed it, window by window (beyond the SDK).

The SDK's output guardrails look at the final output, after every delta has reached
the user. This operator sits between the run and the user: text deltas are held
back, and each time the held text reaches the end of a window (a sentence, or N
characters) the check runs over all the text so far; only a window that passed is
released. A refused window is never released: the operator emits a
:class:`TextGuardTripped`, disposes its source (which cancels the run, closing the
model's HTTP stream) and completes.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal, TypeVar

from reactivex import Observable, abc
from reactivex.disposable import SingleAssignmentDisposable

from rxagents.errors import UserError
from rxagents.guardrail import GuardrailFunctionOutput
from rxagents.operators._lift import lift
from rxagents.rx._coalesce import is_text_delta

__all__ = ["TextCheck", "TextGuardTripped", "guard_text"]

T = TypeVar("T")

TextCheck = Callable[[str], "bool | GuardrailFunctionOutput"]
"""``check(text_so_far)``: ``True`` (or a GuardrailFunctionOutput not triggered) passes it."""

_SENTENCE_END = re.compile(r"[.!?]\s+|\n")


@dataclass(frozen=True, slots=True)
class TextGuardTripped:
    """:func:`guard_text` refused the text and stopped the run.

    It carries no refused text (this event may go to the same user the text was
    kept from): only what was released and how much was withheld.

    Attributes:
        released: all the text released before the trip.
        withheld_chars: how many characters were held back and dropped.
        output_info: the check's ``output_info`` if it returned a GuardrailFunctionOutput.
        run_id: the run the refused text came from, when its events carry one.
    """

    released: str
    withheld_chars: int
    output_info: Any = None
    run_id: str | None = None
    type: Literal["text_guard_tripped"] = "text_guard_tripped"


def guard_text(
    check: TextCheck, *, window: Literal["sentence"] | int = "sentence"
) -> Callable[[Observable[T]], Observable[T | TextGuardTripped]]:
    """Release text deltas only once ``check`` has passed the text up to the end of their window.

    Works on run events (``response.output_text.delta`` raw events; everything else
    passes through in order) and on plain strings (the output of ``text_deltas()``).
    A window ends after a sentence end (``.``, ``!`` or ``?`` and the whitespace after it, or a
    newline) or, with ``window=N``, every N characters; any other event and the end
    of the stream also end it, so nothing that carries the text (``output_text.done``,
    ``message_output_created``, the run's result) gets past unchecked text. Deltas are
    released whole: one that straddles a window's end waits for the next window.

    On a refusal the held deltas are dropped, a :class:`TextGuardTripped` is emitted,
    the source is disposed (cancelling the run) and the stream completes. An exception
    in ``check`` is the stream's error (the source is disposed too).

    .. marble::
        -a-b-c-X-d-|      a="Hi", b=" there.", c=" Bad", X: another event, d=" more"
        [ guard_text(no_bad) ]
        -----A-T          A: a then b, at c's frame ("Hi there." passed);
                          T: TextGuardTripped and completion, at X ("Hi there. Bad" refused)

    Args:
        check: ``check(text_so_far) -> bool | GuardrailFunctionOutput``; ``True`` or an
            output with ``tripwire_triggered=False`` passes. It gets the whole text so
            far (a classifier may look at its tail), synchronously, once per window.
        window: ``"sentence"`` or a number of characters (>= 1).

    Raises:
        UserError: ``window`` is neither ``"sentence"`` nor a positive int.
    """
    if window != "sentence" and (not isinstance(window, int) or window < 1):
        raise UserError(f"guard_text(window=...) must be 'sentence' or an int >= 1, got {window!r}")
    size = 0 if window == "sentence" else int(window)

    def subscribe(
        source: Observable[T],
        observer: abc.ObserverBase[T | TextGuardTripped],
        scheduler: abc.SchedulerBase | None,
    ) -> abc.DisposableBase:
        guard = _Guard(observer, check, size)
        guard.upstream.disposable = source.subscribe(
            guard.on_next, guard.on_error, guard.on_completed, scheduler=scheduler
        )
        return guard.upstream

    return lift(subscribe)


class _Guard:
    """One subscription: the held deltas and how far the text has been checked."""

    __slots__ = ("check", "chunks", "held", "length", "observer", "size", "stopped", "upstream")

    def __init__(self, observer: abc.ObserverBase[Any], check: TextCheck, size: int) -> None:
        self.observer = observer
        self.check = check
        self.size = size
        self.held: deque[tuple[Any, int]] = deque()  # (delta, offset where its text ends)
        self.chunks: list[str] = []
        self.length = 0
        self.stopped = False
        self.upstream = SingleAssignmentDisposable()

    def on_next(self, value: Any) -> None:
        if self.stopped:
            return
        if not is_text_delta(value):
            if not self.held or self._check_upto(self.length, value):
                self.observer.on_next(value)
            return
        delta = value if isinstance(value, str) else value.data.delta
        before = self.length
        self.chunks.append(delta)
        self.length += len(delta)
        self.held.append((value, self.length))
        end = self._window_end(before, delta)
        if end is not None:
            self._check_upto(end, value)

    def _window_end(self, before: int, delta: str) -> int | None:
        """The last window end inside the text just added, if one was reached."""
        if self.size:
            end = (self.length // self.size) * self.size
            return end if end > before else None
        # A sentence end needs the character after it: look one character back.
        previous = self.chunks[-2][-1:] if len(self.chunks) > 1 else ""
        last = None
        for match in _SENTENCE_END.finditer(previous + delta):
            last = match.end()
        return None if last is None else before - len(previous) + last

    def _check_upto(self, end: int, value: Any) -> bool:
        """Check the text up to ``end``; release what it covers, or trip."""
        text = "".join(self.chunks)
        self.chunks = [text]  # joined once per window: linear over the run
        try:
            verdict = self.check(text[:end])
        except Exception as error:
            self._stop()
            self.observer.on_error(error)
            return False
        info = None
        if isinstance(verdict, GuardrailFunctionOutput):
            info, passed = verdict.output_info, not verdict.tripwire_triggered
        else:
            passed = bool(verdict)
        if not passed:
            released = text[: self._released_upto()]
            run_id = getattr(self.held[0][0] if self.held else value, "run_id", None)
            self._stop()
            self.observer.on_next(
                TextGuardTripped(released, self.length - len(released), info, run_id)
            )
            self.observer.on_completed()
            return False
        while self.held and self.held[0][1] <= end:
            self.observer.on_next(self.held.popleft()[0])
        return True

    def _released_upto(self) -> int:
        if not self.held:
            return self.length
        first_end = self.held[0][1]
        event = self.held[0][0]
        first = event if isinstance(event, str) else event.data.delta
        return first_end - len(first)

    def _stop(self) -> None:
        self.stopped = True
        self.held.clear()
        self.upstream.dispose()  # cancels the run: its model stream is closed

    def on_error(self, error: Exception) -> None:
        if self.stopped:
            return
        if not self.held or self._check_upto(self.length, None):
            self.observer.on_error(error)

    def on_completed(self) -> None:
        if self.stopped:
            return
        if not self.held or self._check_upto(self.length, None):
            self.observer.on_completed()
