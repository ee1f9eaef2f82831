"""What the live views (terminal, notebook) show: the state of one or several runs.

A view subscribes once to the runs, merged with ``rxo.merge_runs`` and timed
with :func:`~rxagents.sinks.recording.record`; :func:`view_states` folds each
run's events with ``rxo.accumulate()`` into a :class:`RunsView` per event, and
the view redraws the latest one at most ``fps`` times a second
(``rxo.throttle_latest``). Rendering is the views' business; this module holds
the plumbing they share.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Hashable, Mapping
from dataclasses import dataclass, field
from typing import Any

import reactivex
from reactivex import Observable, abc
from reactivex import operators as ops
from reactivex.disposable import CompositeDisposable
from reactivex.subject import Subject

from rxagents import operators as rxo
from rxagents.errors import UserError
from rxagents.operators._scheduler import resolve_scheduler
from rxagents.result import RunResult
from rxagents.sinks.recording import LaneTrace, TimedEvent, record, trace, untag
from rxagents.snapshot import RunSnapshot

__all__ = [
    "RunsView",
    "SourceKey",
    "SubRun",
    "Watched",
    "as_runs",
    "redraws",
    "timed_events",
    "view_states",
    "watch",
    "with_failure",
]

SourceKey = Hashable
"""The name a run goes by in a view: its ``merge_runs`` key, ``None`` for a lone run,
or a :class:`SubRun` for an agent used as a tool."""


@dataclass(frozen=True)
class SubRun:
    """The key of a sub-run in a view: an agent used as a tool (``Agent.as_tool``).

    Shown as the run's name and the tool path, e.g. ``desk › research``.

    Attributes:
        parent: the key of the run that called the tool.
        tools: the tool names from that run down to this one.
        run_id: the sub-run's own run id (one per call).
    """

    parent: SourceKey
    tools: tuple[str, ...]
    run_id: str

    def __str__(self) -> str:
        path = " › ".join(self.tools)
        return path if self.parent is None else f"{self.parent} › {path}"


@dataclass(frozen=True)
class RunsView:
    """The state of every watched run at one moment.

    Attributes:
        snapshots: the latest ``rxo.accumulate()`` snapshot of each run, in the
            order the runs first sent an event.
        failures: ``"ErrorType: message"`` for each run that failed.
        labels: a short description of each run's model (``"scripted"``,
            ``"local SmolLM2-135M"``...), shown next to its name.
        streaming: output deltas of each run's model call in progress. Models
            report token usage only when a call ends; until then a delta is about
            a token, so :meth:`tokens_out` counts them in.
    """

    snapshots: Mapping[SourceKey, RunSnapshot] = field(default_factory=dict)
    failures: Mapping[Any, str] = field(default_factory=dict)
    labels: Mapping[Any, str] = field(default_factory=dict)
    streaming: Mapping[SourceKey, int] = field(default_factory=dict)

    def tokens_out(self, source: SourceKey) -> str:
        """``"42"`` once reported, ``"~42"`` while a model call streams (usage + deltas)."""
        snapshot = self.snapshots.get(source)
        reported = snapshot.usage.output_tokens if snapshot is not None else 0
        pending = self.streaming.get(source, 0)
        return f"~{reported + pending}" if pending else str(reported)

    @property
    def sources(self) -> list[SourceKey]:
        """Every run seen so far, in order."""
        return list(dict.fromkeys([*self.snapshots, *self.failures]))

    @property
    def is_complete(self) -> bool:
        """Every run seen has completed or failed."""
        return all(s in self.failures or self.snapshots[s].is_complete for s in self.sources)


@dataclass(frozen=True)
class Watched:
    """What a live view saw: every event with its arrival time, and the last view.

    Attributes:
        events: every event, timed (draw it with :func:`~rxagents.sinks.timeline`).
        view: the final :class:`RunsView`.
    """

    events: list[TimedEvent]
    view: RunsView

    @property
    def lanes(self) -> dict[tuple[Any, str], LaneTrace]:
        """Per-agent timings and counts (see :func:`~rxagents.sinks.recording.trace`)."""
        return trace(self.events)

    @property
    def results(self) -> dict[SourceKey, RunResult]:
        """The result of each run that completed."""
        return {
            key: snap.result for key, snap in self.view.snapshots.items() if snap.result is not None
        }


def with_failure(view: RunsView, error: BaseException, source: SourceKey = None) -> RunsView:
    """``view`` with ``source`` (a lone run: ``None``) marked failed by ``error``."""
    failures = {**view.failures, source: f"{type(error).__name__}: {error}"}
    return RunsView(view.snapshots, failures, view.labels, view.streaming)


def as_runs(runs: Observable[Any] | Mapping[Any, Observable[Any]]) -> Observable[Any]:
    """One stream for a view: a lone run as is, several merged with ``rxo.merge_runs``.

    Several runs are merged with ``on_error="continue"``, so one failing run is
    shown as failed while the others go on.
    """
    if isinstance(runs, Observable):
        return runs
    if isinstance(runs, Mapping):
        if not runs:
            raise UserError("no runs to show: pass a run, or a mapping name -> run")
        return rxo.merge_runs(dict(runs), on_error="continue")
    raise UserError(
        f"expected a run (Observable) or a mapping name -> run, got {type(runs).__name__}"
    )


def timed_events(
    runs: Observable[Any] | Mapping[Any, Observable[Any]],
    scheduler: abc.SchedulerBase | None = None,
) -> Observable[TimedEvent]:
    """The runs' events, merged if several, each with its arrival time."""
    return as_runs(runs).pipe(record(scheduler))


_DELTAS = frozenset({"response.output_text.delta", "response.function_call_arguments.delta"})
_CALL_ENDS = frozenset({"response.completed", "response.incomplete", "response.failed", "error"})


def _message(failure: Any) -> str:
    return str(failure.message)


def _is_failure(event: Any) -> bool:
    return getattr(event, "type", None) == "run_failed_event"


def view_states(
    labels: Mapping[Any, str] | None = None,
) -> Callable[[Observable[Any]], Observable[RunsView]]:
    """Fold (tagged or timed) events into a :class:`RunsView` after every event.

    Each run (by source) is folded by its own ``rxo.accumulate()``; so is each
    sub-run of an agent used as a tool, under a :class:`SubRun` key, from the
    ``NestedRunEvent``s of its caller.

    .. marble::
        --(a,a1)--(b,b1)--(a,a2)--|
        [        view_states()       ]
        --{a:s1}--{a:s1,b:t1}--{a:s2,b:t1}--|

    Args:
        labels: model descriptions per source, copied into every view.
    """
    fixed = dict(labels or {})

    def operator(source: Observable[Any]) -> Observable[RunsView]:
        def subscribe(
            observer: abc.ObserverBase[RunsView], scheduler: abc.SchedulerBase | None = None
        ) -> abc.DisposableBase:
            view = RunsView(labels=fixed)
            inputs: dict[SourceKey, Subject[Any]] = {}
            streaming: dict[SourceKey, int] = {}
            folds = CompositeDisposable()

            def changed(key: SourceKey) -> Callable[[RunSnapshot], None]:
                def on_snapshot(snapshot: RunSnapshot) -> None:
                    nonlocal view
                    snapshots = {**view.snapshots, key: snapshot}
                    view = RunsView(snapshots, view.failures, view.labels, dict(streaming))
                    observer.on_next(view)

                return on_snapshot

            def on_next(value: Any) -> None:
                nonlocal view
                key, event = untag(value)
                if _is_failure(event):
                    failures = {**view.failures, key: _message(event)}
                    view = RunsView(view.snapshots, failures, view.labels, view.streaming)
                    observer.on_next(view)
                    return
                count_deltas(key, event)
                fold(key, event)
                if event.type == "nested_run_event":  # a sub-run: shown as a run of its own
                    inner = event.innermost
                    sub = SubRun(key, tuple(event.tools), inner.run_id)
                    count_deltas(sub, inner)
                    fold(sub, inner)

            def count_deltas(key: SourceKey, event: Any) -> None:
                if event.type != "raw_response_event":
                    return
                kind = event.data.type
                if kind in _DELTAS:
                    streaming[key] = streaming.get(key, 0) + 1
                elif kind in _CALL_ENDS:  # its usage now counts the call's tokens
                    streaming.pop(key, None)

            def fold(key: SourceKey, event: Any) -> None:
                run = inputs.get(key)
                if run is None:  # a new run: its own accumulate(), fed synchronously
                    run = inputs[key] = Subject()
                    folds.add(run.pipe(rxo.accumulate()).subscribe(changed(key), observer.on_error))
                run.on_next(event)

            folds.add(
                source.subscribe(
                    on_next, observer.on_error, observer.on_completed, scheduler=scheduler
                )
            )
            return folds

        return Observable(subscribe)

    return operator


def redraws(
    fps: float = 10.0,
    *,
    animate: Callable[[RunsView], bool] | None = None,
    scheduler: abc.SchedulerBase | None = None,
) -> Callable[[Observable[RunsView]], Observable[RunsView]]:
    """The views worth drawing: the latest one at most ``fps`` times a second.

    A fast run produces a view per event; drawing each would cost the terminal
    (or the notebook) more than the model costs. ``rxo.throttle_latest`` keeps
    the first view at once, then the latest of each period, and always the last
    one. While ``animate(latest)`` is true (a tool call's spinner is showing), a
    quiet stream is redrawn at ``fps`` as well, through the same throttle.

    .. marble::
        -abcdefgh-----------i|           (views, one per event)
        [ redraws(fps=10) ]              (period: 4 dashes)
        -a---d---h----------i|

    Args:
        fps: the most redraws per second.
        animate: while it returns true for the latest view, redraw even without news.
        scheduler: the clock (default: the subscription's, else the running loop's).
    """
    if not fps > 0:
        raise UserError(f"redraws(): fps must be > 0, got {fps!r}")
    period = 1.0 / fps

    def operator(states: Observable[RunsView]) -> Observable[RunsView]:
        def subscribe(
            observer: abc.ObserverBase[RunsView],
            subscribe_scheduler: abc.SchedulerBase | None = None,
        ) -> abc.DisposableBase:
            clock = resolve_scheduler(scheduler, subscribe_scheduler, "redraws")
            latest: list[RunsView] = []
            ended: Subject[None] = Subject()
            views = states.pipe(
                ops.do_action(_keep(latest), on_completed=lambda: ended.on_next(None))
            )
            triggers: Observable[RunsView] = views
            if animate is not None:
                ticks = reactivex.interval(period, scheduler=clock).pipe(
                    ops.take_until(ended),
                    ops.filter(lambda _: bool(latest) and animate(latest[0])),
                    ops.map(lambda _: latest[0]),
                )
                triggers = reactivex.merge(ticks, views)  # ticks first: listening for the end
            return triggers.pipe(rxo.throttle_latest(period, scheduler=clock)).subscribe(
                observer, scheduler=subscribe_scheduler
            )

        return Observable(subscribe)

    return operator


def _keep(latest: list[RunsView]) -> Callable[[RunsView], None]:
    def keep(view: RunsView) -> None:
        latest[:] = [view]

    return keep


async def watch(
    runs: Observable[Any] | Mapping[Any, Observable[Any]],
    draw: Callable[[RunsView], None] | None = None,
    *,
    on_event: Callable[[TimedEvent], None] | None = None,
    labels: Mapping[Any, str] | None = None,
    fps: float = 10.0,
    animate: Callable[[RunsView], bool] | None = None,
    scheduler: abc.SchedulerBase | None = None,
) -> Watched:
    """Run ``runs`` once, calling ``draw`` with throttled views and ``on_event`` per event.

    Subscribes once (each run starts once), on the running event loop; the
    caller's ``await`` is the only wait, so a notebook kernel or a server stays
    responsive. Cancelling the ``await`` disposes the subscription, which
    cancels the runs.

    Returns:
        Every event with its arrival time, and the final view.

    Raises:
        Exception: a lone run's error (merged runs report failures in the view).
    """
    loop = asyncio.get_running_loop()
    finished: asyncio.Future[None] = loop.create_future()
    events: list[TimedEvent] = []
    last: list[RunsView] = [RunsView(labels=dict(labels or {}))]

    def seen(timed: TimedEvent) -> None:
        events.append(timed)
        if on_event is not None:
            on_event(timed)

    def fail(error: Exception) -> None:
        if not finished.done():
            finished.set_exception(error)

    def complete() -> None:
        if not finished.done():
            finished.set_result(None)

    def show(view: RunsView) -> None:
        if draw is not None:
            draw(view)

    hub = timed_events(runs, scheduler).pipe(ops.do_action(seen), ops.publish())
    states = hub.pipe(view_states(labels), ops.do_action(_keep(last)))
    subscription = states.pipe(redraws(fps, animate=animate, scheduler=scheduler)).subscribe(
        show, fail, complete
    )
    connection = hub.connect()
    try:
        await finished
    finally:
        subscription.dispose()
        if connection is not None:
            connection.dispose()
    return Watched(events, last[0])
