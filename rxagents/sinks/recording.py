"""Arrival times for events, and what a timed run tells per agent.

Stream events carry no clock (a run is a sequence, not a schedule); the moment
an event *arrived* belongs to whoever watched it. :func:`record` pairs each
event with its scheduler's time as it passes, :func:`collect_timed` gathers a
whole run that way, and :func:`trace` folds a timed run into one
:class:`LaneTrace` per (source, agent): the data behind the timeline plot and
the demo's summary table.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from reactivex import Observable, abc
from reactivex.scheduler import TimeoutScheduler
from reactivex.scheduler.eventloop import AsyncIOScheduler

from rxagents.events import (
    AgentUpdatedStreamEvent,
    RawResponsesStreamEvent,
    RunCompletedStreamEvent,
    RunItemStreamEvent,
    StreamEvent,
)
from rxagents.operators import TaggedEvent

__all__ = [
    "LaneTrace",
    "TimedEvent",
    "ToolSpan",
    "TurnSpan",
    "collect_timed",
    "lane_label",
    "record",
    "trace",
    "untag",
]


@dataclass(frozen=True, slots=True)
class TimedEvent:
    """An event with the time it arrived.

    Attributes:
        time: seconds on the recording scheduler's clock.
        event: the stream event.
        source: the name it was merged under (``merge_runs``), or ``None``.
    """

    time: float
    event: StreamEvent
    source: str | None = None


def untag(value: Any) -> tuple[str | None, Any]:
    """``(source, event)`` for a stream event, a tagged event or a :class:`TimedEvent`.

    The event is a ``StreamEvent``, or a ``RunFailedEvent`` from ``merge_runs``.
    """
    if isinstance(value, TimedEvent):
        return value.source, value.event
    if isinstance(value, TaggedEvent):
        return str(value.source), value.event
    return None, value


def _default_scheduler() -> abc.SchedulerBase:
    import asyncio

    try:
        return AsyncIOScheduler(asyncio.get_running_loop())
    except RuntimeError:
        return TimeoutScheduler.singleton()


def record(
    scheduler: abc.SchedulerBase | None = None,
) -> Callable[[Observable[Any]], Observable[TimedEvent]]:
    """Pair each event (or tagged event from ``merge_runs``) with its arrival time.

    The time is ``scheduler.now`` in seconds; without a scheduler, the
    subscription's, else an ``AsyncIOScheduler`` on the running loop.

    .. marble::
        --a---b-c--|
        [ record() ]
        --A---B-C--|      A = TimedEvent(time=2, event=a), ...

    Args:
        scheduler: the clock to read (a ``TestScheduler`` in tests).
    """

    def operator(source: Observable[Any]) -> Observable[TimedEvent]:
        def subscribe(
            observer: abc.ObserverBase[TimedEvent],
            subscribe_scheduler: abc.SchedulerBase | None = None,
        ) -> abc.DisposableBase:
            clock = scheduler or subscribe_scheduler or _default_scheduler()

            def on_next(value: Any) -> None:
                name, event = untag(value)
                observer.on_next(TimedEvent(clock.to_seconds(clock.now), event, name))

            return source.subscribe(
                on_next, observer.on_error, observer.on_completed, scheduler=subscribe_scheduler
            )

        return Observable(subscribe)

    return operator


async def collect_timed(
    source: Observable[Any], scheduler: abc.SchedulerBase | None = None
) -> list[TimedEvent]:
    """Subscribe, wait for completion and return every event with its arrival time.

    Raises:
        Exception: the source's error, once it fails.
    """
    import asyncio

    loop = asyncio.get_running_loop()
    done: asyncio.Future[list[TimedEvent]] = loop.create_future()
    events: list[TimedEvent] = []

    def on_error(error: Exception) -> None:
        if not done.done():
            done.set_exception(error)

    def on_completed() -> None:
        if not done.done():
            done.set_result(events)

    subscription = source.pipe(record(scheduler)).subscribe(events.append, on_error, on_completed)
    try:
        return await done
    finally:
        subscription.dispose()


@dataclass
class ToolSpan:
    """One tool call, from ``tool_called`` to ``tool_output`` (``end`` is ``None`` meanwhile)."""

    name: str
    call_id: str
    start: float
    end: float | None = None
    output: Any = None
    is_error: bool = False


@dataclass
class TurnSpan:
    """One model call: from ``response.created`` to ``response.completed``."""

    start: float
    end: float | None = None
    first_delta: float | None = None
    output_tokens: int = 0


@dataclass
class LaneTrace:
    """Everything one agent did in one run (or one merged source), with times.

    Attributes:
        source: the merge name, or ``None`` for a single run.
        agent: the agent's name.
        start: when the agent took over (its ``AgentUpdatedStreamEvent``).
        text_deltas: arrival time of every text delta.
        tools: tool calls in call order.
        turns: model calls in order.
        handoffs_to: ``(time, target lane)`` for each handoff this agent made.
        end: the run's completion time, if this agent finished it.
        error: ``"ErrorType: message"`` if the run failed while this agent was in charge.
        truncated: a turn stopped early (``response.incomplete``, e.g. at ``max_tokens``).
        text: the text the agent streamed.
    """

    source: str | None
    agent: str
    start: float
    text_deltas: list[float] = field(default_factory=list)
    tools: list[ToolSpan] = field(default_factory=list)
    turns: list[TurnSpan] = field(default_factory=list)
    handoffs_to: list[tuple[float, tuple[str | None, str]]] = field(default_factory=list)
    end: float | None = None
    error: str | None = None
    input_tokens: int = 0
    output_tokens: int = 0
    truncated: bool = False
    _text: list[str] = field(default_factory=list, repr=False)

    @property
    def key(self) -> tuple[str | None, str]:
        """``(source, agent)``: the lane's identity."""
        return (self.source, self.agent)

    @property
    def text(self) -> str:
        return "".join(self._text)

    @property
    def time_to_first_token(self) -> float | None:
        """Seconds from taking over to the first text delta."""
        return self.text_deltas[0] - self.start if self.text_deltas else None

    @property
    def generation_seconds(self) -> float:
        """Time spent streaming output: per turn, first delta to completion."""
        return sum(
            t.end - t.first_delta
            for t in self.turns
            if t.end is not None and t.first_delta is not None
        )

    @property
    def tokens_per_second(self) -> float | None:
        """Output tokens over :attr:`generation_seconds` (``None`` if too short to say)."""
        seconds = self.generation_seconds
        return self.output_tokens / seconds if seconds > 1e-6 and self.output_tokens else None


def lane_label(source: str | None, agent: str) -> str:
    """How a lane is named on screen: the agent, prefixed by its source when they differ."""
    return agent if source is None or source == agent else f"{source}: {agent}"


def trace(events: Iterable[Any]) -> dict[tuple[str | None, str], LaneTrace]:
    """Fold a timed run (or several, merged) into one :class:`LaneTrace` per agent.

    Args:
        events: :class:`TimedEvent` values; plain or tagged events are accepted
            too and then timed by their position (0, 1, 2, ...).

    Returns:
        Lanes keyed by ``(source, agent)``, in the order agents first appeared.
    """
    lanes: dict[tuple[str | None, str], LaneTrace] = {}
    current: dict[tuple[str | None, str], LaneTrace] = {}  # keyed by (source, run_id)
    open_tools: dict[str, ToolSpan] = {}
    for index, value in enumerate(events):
        time = value.time if isinstance(value, TimedEvent) else float(index)
        source, event = untag(value)
        if getattr(event, "type", None) == "run_failed_event":  # merge_runs(on_error="continue")
            in_charge = [trace_ for (name, _), trace_ in current.items() if name == source]
            if in_charge:
                in_charge[-1].error, in_charge[-1].end = event.message, time
            continue
        run = (source, event.run_id)
        if isinstance(event, AgentUpdatedStreamEvent):
            key = (source, event.new_agent.name)
            lane = lanes.get(key)
            if lane is None:
                lane = lanes[key] = LaneTrace(source, event.new_agent.name, time)
            current[run] = lane
            continue
        lane = current.get(run) or _orphan_lane(lanes, current, run, time)
        if isinstance(event, RawResponsesStreamEvent):
            _raw(lane, event.data, time)
        elif isinstance(event, RunItemStreamEvent):
            _item(lane, event, time, open_tools)
        elif isinstance(event, RunCompletedStreamEvent):
            lane.end = time
    return lanes


def _orphan_lane(
    lanes: dict[tuple[str | None, str], LaneTrace],
    current: dict[tuple[str | None, str], LaneTrace],
    run: tuple[str | None, str],
    time: float,
) -> LaneTrace:
    """A lane for events whose run began before recording did (agent unknown)."""
    key = (run[0], "agent")
    lane = lanes.get(key) or LaneTrace(run[0], "agent", time)
    lanes[key] = current[run] = lane
    return lane


def _raw(lane: LaneTrace, data: Any, time: float) -> None:
    kind = data.type
    if kind == "response.output_text.delta":
        lane.text_deltas.append(time)
        lane._text.append(data.delta)
        _mark_delta(lane, time)
    elif kind == "response.function_call_arguments.delta":
        _mark_delta(lane, time)
    elif kind == "response.created":
        lane.turns.append(TurnSpan(time))
    elif kind in ("response.completed", "response.incomplete", "response.failed"):
        if not lane.turns or lane.turns[-1].end is not None:
            lane.turns.append(TurnSpan(time))
        turn = lane.turns[-1]
        turn.end = time
        if kind == "response.incomplete":
            lane.truncated = True
        usage = data.response.usage
        if usage is not None:
            turn.output_tokens = usage.output_tokens
            lane.output_tokens += usage.output_tokens
            lane.input_tokens += usage.input_tokens


def _mark_delta(lane: LaneTrace, time: float) -> None:
    if lane.turns and lane.turns[-1].first_delta is None and lane.turns[-1].end is None:
        lane.turns[-1].first_delta = time


def _item(
    lane: LaneTrace, event: RunItemStreamEvent, time: float, tools: dict[str, ToolSpan]
) -> None:
    item: Any = event.item
    if event.name == "tool_called":
        span = ToolSpan(item.raw_item.name, item.raw_item.call_id, time)
        tools[f"{lane.source}/{event.run_id}/{span.call_id}"] = span
        lane.tools.append(span)
    elif event.name == "tool_output":
        called = tools.pop(f"{lane.source}/{event.run_id}/{item.raw_item['call_id']}", None)
        if called is not None:
            called.end = time
            called.output = item.output
            called.is_error = item.is_error
    elif event.name == "handoff_occured":
        lane.handoffs_to.append((time, (lane.source, item.target_agent.name)))
