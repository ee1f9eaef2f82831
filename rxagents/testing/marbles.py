"""Event streams from marble strings, on a ``reactivex.testing.TestScheduler``.

One character is one frame of ``timespan`` virtual seconds (as in RxJS):

====== ===========================================================
``-``  nothing happens in this frame
``a``  emit ``values["a"]`` (any character other than the ones below)
``|``  on_completed
``#``  on_error (``error``, default ``Exception("error")``)
``( )``  a group: everything inside happens in the same frame; the group
       takes as many frames as it has characters, parentheses included
``^``  (hot streams only) the subscription time
space  ignored, for aligning diagrams
====== ===========================================================

Example:
    >>> m = Marbles()
    >>> b = StreamBuilder()
    >>> v = {"s": b.agent_updated(), "a": b.delta("Hel"), "b": b.delta("lo"), "c": b.completed()}
    >>> source = m.cold("s-a-b-c|", v)
    >>> records = m.start(lambda: source.pipe(my_operator(scheduler=m.scheduler)))
    >>> assert records == m.expected("s-a-b-c|", v)
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any

from reactivex import Observable
from reactivex.notification import OnCompleted, OnError, OnNext
from reactivex.testing import ReactiveTest, TestScheduler
from reactivex.testing.coldobservable import ColdObservable
from reactivex.testing.hotobservable import HotObservable
from reactivex.testing.recorded import Recorded

from rxagents.errors import UserError

__all__ = ["Marbles", "parse_marbles", "recorded_values"]

SUBSCRIBED = float(ReactiveTest.subscribed)
"""When :meth:`Marbles.start` subscribes: virtual time 200, as in RxPY's tests."""


def parse_marbles(
    marble: str,
    values: Mapping[str, Any] | None = None,
    *,
    error: Exception | None = None,
    timespan: float = 1.0,
    offset: float = 0.0,
) -> list[Recorded[Any]]:
    """Timestamped notifications from a marble string.

    Args:
        marble: the diagram (see the module docstring).
        values: the value of each event character.
        error: what ``#`` raises.
        timespan: virtual seconds per frame.
        offset: the time of frame 0, or of ``^`` when the marble has one.

    Raises:
        UserError: for a character without a value, ``^`` twice, an unclosed
            group or events after ``|`` / ``#``.
    """
    values = values or {}
    text = marble.replace(" ", "")
    zero = text.find("^")
    if zero != -1 and text.find("^", zero + 1) != -1:
        raise UserError(f"marble {marble!r} has more than one '^'")
    frame_of_zero = zero if zero != -1 else 0
    records: list[Recorded[Any]] = []
    ended = False
    frame = 0
    i = 0

    def emit(char: str, at: int) -> None:
        nonlocal ended
        if ended:
            raise UserError(f"marble {marble!r} has {char!r} after its '|' or '#'")
        time = offset + (at - frame_of_zero) * timespan
        if char == "|":
            records.append(Recorded(time, OnCompleted()))  # type: ignore[arg-type]
            ended = True
        elif char == "#":
            records.append(Recorded(time, OnError(error or Exception("error"))))  # type: ignore[arg-type]
            ended = True
        else:
            if char not in values:
                known = ", ".join(repr(k) for k in values) or "none"
                raise UserError(
                    f"marble {marble!r}: character {char!r} has no value (values given: {known})"
                )
            records.append(Recorded(time, OnNext(values[char])))  # type: ignore[arg-type]

    while i < len(text):
        char = text[i]
        if char == "(":
            close = text.find(")", i)
            if close == -1:
                raise UserError(f"marble {marble!r} opens a group at {i} and never closes it")
            for inner in text[i + 1 : close]:
                emit(inner, frame)
            frame += close - i + 1
            i = close + 1
            continue
        if char not in "-^":
            emit(char, frame)
        frame += 1
        i += 1
    return records


def recorded_values(records: list[Recorded[Any]]) -> list[Any]:
    """The ``on_next`` values of a recording, in order (times and terminals dropped)."""
    return [r.value.value for r in records if isinstance(r.value, OnNext)]


class Marbles:
    """A :class:`~reactivex.testing.TestScheduler` with marble helpers, for one test.

    Args:
        timespan: virtual seconds per marble frame (``1.0``: a ``-`` is one second,
            so ``batch(max_time=2.0)`` spans two dashes).

    Attributes:
        scheduler: the test scheduler; pass it to time-based operators.
    """

    def __init__(self, timespan: float = 1.0) -> None:
        self.timespan = timespan
        self.scheduler = TestScheduler()

    def cold(
        self, marble: str, values: Mapping[str, Any] | None = None, error: Exception | None = None
    ) -> ColdObservable[Any]:
        """A cold Observable: frame 0 is the moment each subscriber subscribes."""
        if "^" in marble:
            raise UserError("'^' marks the subscription of a hot stream; use hot() instead")
        records = parse_marbles(marble, values, error=error, timespan=self.timespan)
        return self.scheduler.create_cold_observable(records)

    def hot(
        self, marble: str, values: Mapping[str, Any] | None = None, error: Exception | None = None
    ) -> HotObservable[Any]:
        """A hot Observable; ``^`` (or frame 0) is at :meth:`start`'s subscription time.

        Events at exactly the subscription time are emitted before the subscriber
        arrives: put them one frame later.
        """
        records = parse_marbles(
            marble, values, error=error, timespan=self.timespan, offset=SUBSCRIBED
        )
        return self.scheduler.create_hot_observable(records)

    def expected(
        self, marble: str, values: Mapping[str, Any] | None = None, error: Exception | None = None
    ) -> list[Recorded[Any]]:
        """What :meth:`start` should record: frame 0 is the subscription time."""
        return parse_marbles(marble, values, error=error, timespan=self.timespan, offset=SUBSCRIBED)

    def cold_timeline(
        self,
        timeline: Sequence[tuple[float, Any]],
        *,
        complete: bool = True,
        error: Exception | None = None,
    ) -> ColdObservable[Any]:
        """A cold Observable emitting ``(time, value)`` pairs (see :func:`timed`).

        It completes one frame after the last value (or fails with ``error``);
        ``complete=False`` leaves it open.
        """
        records: list[Recorded[Any]] = [
            Recorded(time, OnNext(value))  # type: ignore[arg-type]
            for time, value in timeline
        ]
        end = (timeline[-1][0] if timeline else 0.0) + self.timespan
        if error is not None:
            records.append(Recorded(end, OnError(error)))  # type: ignore[arg-type]
        elif complete:
            records.append(Recorded(end, OnCompleted()))  # type: ignore[arg-type]
        return self.scheduler.create_cold_observable(records)

    def start(
        self,
        create: Callable[[], Observable[Any]] | Observable[Any],
        *,
        disposed: float = float(ReactiveTest.disposed),
    ) -> list[Recorded[Any]]:
        """Run the scheduler: subscribe at 200, dispose at ``disposed``; return the recording."""
        factory = create if callable(create) and not isinstance(create, Observable) else None
        source = create if isinstance(create, Observable) else None

        def build() -> Observable[Any]:
            if factory is not None:
                return factory()
            assert source is not None
            return source

        return self.scheduler.start(build, disposed=disposed).messages
