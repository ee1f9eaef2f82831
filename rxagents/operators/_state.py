"""State operators: a snapshot of the run after every event, and the run's result."""

from __future__ import annotations

from collections.abc import Callable

from reactivex import Observable, abc

from rxagents.errors import AgentsError
from rxagents.events import RunCompletedStreamEvent, StreamEvent
from rxagents.result import RunResult
from rxagents.snapshot import RunAccumulator, RunSnapshot

__all__ = ["Accumulated", "IncompleteRunError", "accumulate", "final_result"]


class IncompleteRunError(AgentsError):
    """A stream ended without the run's ``RunCompletedStreamEvent``."""


def accumulate() -> Callable[[Observable[StreamEvent]], Accumulated]:
    """A :class:`~rxagents.RunSnapshot` after every event of a run.

    Each subscription folds into its own :class:`~rxagents.snapshot.RunAccumulator`:
    plain, append-only Python state. A snapshot holds cut-offs into it and builds
    its text and lists only when read, so emitting one is O(1) (~1 µs) and a run
    of a million deltas takes linear time. Snapshots stay valid: an old one keeps
    showing the run as it was.

    .. marble::
        -a-------d1------d2------c|
        [          accumulate()       ]
        -s0------s1------s2------s3|

        s1.text == "d1"; s2.text == "d1d2"; s3.is_complete

    Example:
        >>> Runner.run_streamed(agent, "hi").pipe(
        ...     rxo.accumulate(), rxo.throttle_latest(0.1)
        ... ).subscribe(lambda s: render(s.text, s.tool_calls))
    """
    return Accumulated


class Accumulated(Observable[RunSnapshot]):
    """``accumulate()`` applied to ``source``: a snapshot per event of it.

    A class of its own so that ``throttle_latest`` right after it can see its
    ``source`` and fold the events itself, building only the snapshots it emits
    (most are superseded within a period; each costs ~0.6 µs and is young garbage
    the collector must visit). Subscribed any other way, it emits every snapshot.
    """

    def __init__(self, source: Observable[StreamEvent]) -> None:
        super().__init__(self._subscribe_events)
        self.source = source

    def _subscribe_events(
        self, observer: abc.ObserverBase[RunSnapshot], scheduler: abc.SchedulerBase | None = None
    ) -> abc.DisposableBase:
        add = RunAccumulator().add
        on_next = observer.on_next

        def next_event(event: StreamEvent) -> None:
            try:
                snapshot = add(event)
            except Exception as exc:  # a malformed event: fail the stream, typed
                observer.on_error(exc)
                return
            on_next(snapshot)

        return self.source.subscribe(
            next_event, observer.on_error, observer.on_completed, scheduler=scheduler
        )


def final_result() -> Callable[[Observable[StreamEvent]], Observable[RunResult]]:
    """The :class:`~rxagents.RunResult` of a run, emitted when its stream completes.

    Errors with :class:`IncompleteRunError` if the stream completes without a
    ``RunCompletedStreamEvent`` (e.g. it was filtered out, or the stream was cut).
    Events of nested sub-runs (``NestedRunEvent``) are not the run's result and are
    ignored.

    .. marble::
        -a--b--c--R|
        [ final_result() ]
        -----------R.result|

    Example:
        >>> result = await Runner.run_streamed(agent, "hi").pipe(rxo.final_result())
    """

    def operator(source: Observable[StreamEvent]) -> Observable[RunResult]:
        def subscribe(
            observer: abc.ObserverBase[RunResult], scheduler: abc.SchedulerBase | None = None
        ) -> abc.DisposableBase:
            found: list[RunResult] = []

            def next_event(event: StreamEvent) -> None:
                if isinstance(event, RunCompletedStreamEvent):
                    found.append(event.result)

            def completed() -> None:
                if not found:
                    observer.on_error(
                        IncompleteRunError(
                            "the stream completed without a RunCompletedStreamEvent, so it has "
                            "no RunResult; apply final_result() to the run's whole stream, "
                            "before filters that drop that event"
                        )
                    )
                    return
                observer.on_next(found[-1])
                observer.on_completed()

            return source.subscribe(next_event, observer.on_error, completed, scheduler=scheduler)

        return Observable(subscribe)

    return operator
