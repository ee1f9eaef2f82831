"""merge_runs(): several runs as one tagged stream, with a concurrency bound."""

from __future__ import annotations

import heapq
from dataclasses import dataclass, field
from typing import Any

import pytest
import reactivex
from hypothesis import given
from hypothesis import strategies as st
from reactivex import Observable, abc
from reactivex import operators as ops
from reactivex.disposable import Disposable
from reactivex.testing import ReactiveTest, TestScheduler

from rxagents import Agent, Runner
from rxagents.errors import ModelConnectionError, UserError
from rxagents.events import RunCompletedStreamEvent
from rxagents.operators import RunFailedEvent, TaggedEvent, merge_runs
from rxagents.testing import ScriptedModel, raise_error, text

on_next, on_completed, on_error = (
    ReactiveTest.on_next,
    ReactiveTest.on_completed,
    ReactiveTest.on_error,
)


@dataclass
class Probe:
    """Counts live subscriptions across instrumented sources."""

    live: int = 0
    max_live: int = 0
    started: dict[Any, list[int]] = field(default_factory=dict)

    def wrap(self, name: Any, source: Observable[Any], clock: Any = None) -> Observable[Any]:
        def subscribe(
            observer: abc.ObserverBase[Any], scheduler: abc.SchedulerBase | None = None
        ) -> abc.DisposableBase:
            self.live += 1
            self.max_live = max(self.max_live, self.live)
            self.started.setdefault(name, []).append(clock.clock if clock else 0)
            ended = False

            def end() -> None:
                nonlocal ended
                if not ended:
                    ended = True
                    self.live -= 1

            def err(e: Exception) -> None:
                end()
                observer.on_error(e)

            def done() -> None:
                end()
                observer.on_completed()

            inner = source.subscribe(observer.on_next, err, done, scheduler=scheduler)

            def dispose() -> None:
                end()
                inner.dispose()

            return Disposable(dispose)

        return Observable(subscribe)


# -- invariants, in virtual time --------------------------------------------------


@dataclass
class Source:
    gaps: list[int]  # time between events
    tail: int  # time from the last event to the end
    fails: bool

    @property
    def duration(self) -> int:
        return sum(self.gaps) + self.tail


sources_st = st.lists(
    st.builds(
        Source,
        st.lists(st.integers(1, 20), max_size=5),
        st.integers(1, 20),
        st.booleans(),
    ),
    max_size=7,
)


def cold(scheduler: TestScheduler, index: int, source: Source) -> Observable[Any]:
    messages = []
    t = 0
    for j, gap in enumerate(source.gaps):
        t += gap
        messages.append(on_next(t, f"{index}.{j}"))
    t += source.tail
    messages.append(
        on_error(t, ConnectionError(f"run {index} failed")) if source.fails else on_completed(t)
    )
    return scheduler.create_cold_observable(*messages)


def schedule(sources: list[Source], limit: int | None) -> tuple[list[int], int]:
    """Start times (offset from subscription) of a greedy, work-conserving schedule."""
    k = len(sources) if limit is None else limit
    ends: list[int] = []
    starts: list[int] = []
    for s in sources:
        start = 0 if len(ends) < k else heapq.heappop(ends)
        starts.append(start)
        heapq.heappush(ends, start + s.duration)
    return starts, max(ends, default=0)


@given(sources_st, st.one_of(st.none(), st.integers(1, 4)))
def test_continue_keeps_order_bound_and_completes(sources: list[Source], limit: int | None) -> None:
    scheduler = TestScheduler()
    probe = Probe()
    runs = {
        f"r{i}": probe.wrap(f"r{i}", cold(scheduler, i, s), scheduler)
        for i, s in enumerate(sources)
    }
    result = scheduler.start(
        lambda: merge_runs(runs, max_concurrent=limit, on_error="continue"), disposed=100_000
    )
    values = [m.value.value for m in result.messages if m.value.kind == "N"]
    assert all(isinstance(v, TaggedEvent) for v in values)
    for i, s in enumerate(sources):
        mine = [v.event for v in values if v.source == f"r{i}"]
        expected: list[Any] = [f"{i}.{j}" for j in range(len(s.gaps))]
        assert mine[: len(expected)] == expected  # per-source order, nothing lost
        if s.fails:
            assert len(mine) == len(expected) + 1
            assert isinstance(mine[-1], RunFailedEvent)
            assert isinstance(mine[-1].error, ConnectionError)
        else:
            assert len(mine) == len(expected)
    # Concurrency bound, and the next run starts as soon as one ends.
    assert probe.max_live <= (limit or max(len(sources), 1))
    assert probe.live == 0
    starts, end = schedule(sources, limit)
    assert sorted(t[0] - 200 for t in probe.started.values()) == sorted(starts)
    assert all(len(t) == 1 for t in probe.started.values())
    # Completes exactly when the last run ends.
    assert result.messages[-1] == on_completed(200 + end)


@given(sources_st.filter(lambda s: any(x.fails for x in s)), st.integers(1, 3))
def test_fail_stops_everything_at_the_first_error(sources: list[Source], limit: int) -> None:
    scheduler = TestScheduler()
    probe = Probe()
    runs = [probe.wrap(i, cold(scheduler, i, s), scheduler) for i, s in enumerate(sources)]
    result = scheduler.start(lambda: merge_runs(runs, max_concurrent=limit), disposed=100_000)
    last = result.messages[-1]
    assert last.value.kind == "E" and isinstance(last.value.exception, ConnectionError)
    assert probe.live == 0  # every other run was disposed
    assert probe.max_live <= limit
    values = [m.value.value for m in result.messages if m.value.kind == "N"]
    for i in range(len(sources)):
        mine = [v.event for v in values if v.source == i]
        assert mine == [f"{i}.{j}" for j in range(len(mine))]  # a prefix, in order
    starts, _ = schedule(sources, limit)
    ends = sorted(starts[i] + s.duration for i, s in enumerate(sources) if s.fails)
    assert last.time == 200 + ends[0]  # the earliest failure, as scheduled


def test_marble_two_runs_with_max_concurrent_one() -> None:
    scheduler = TestScheduler()
    a = scheduler.create_cold_observable(on_next(10, "a1"), on_next(30, "a2"), on_completed(40))
    b = scheduler.create_cold_observable(on_next(5, "b1"), on_completed(10))
    result = scheduler.start(lambda: merge_runs({"a": a, "b": b}, max_concurrent=1))
    assert result.messages == [
        on_next(210, TaggedEvent("a", "a1")),
        on_next(230, TaggedEvent("a", "a2")),
        on_next(245, TaggedEvent("b", "b1")),
        on_completed(250),
    ]


def test_many_synchronous_runs_do_not_recurse() -> None:
    runs = [reactivex.of(i) for i in range(5000)]
    got: list[Any] = []
    merge_runs(runs, max_concurrent=1).subscribe(got.append)
    assert [t.event for t in got] == list(range(5000))
    assert [t.source for t in got] == list(range(5000))


def test_runs_are_read_lazily_and_dispose_stops_the_rest() -> None:
    scheduler = TestScheduler()
    pulled: list[int] = []

    def runs() -> Any:
        for i in range(10):
            pulled.append(i)
            yield scheduler.create_cold_observable(on_next(10, i), on_completed(20))

    result = scheduler.start(lambda: merge_runs(runs(), max_concurrent=2), disposed=245)
    assert [m.value.value.event for m in result.messages] == [0, 1, 2, 3]
    assert pulled == [0, 1, 2, 3, 4, 5]


def test_bad_arguments_are_user_errors() -> None:
    with pytest.raises(UserError, match="max_concurrent"):
        merge_runs({}, max_concurrent=0)
    with pytest.raises(UserError, match="on_error"):
        merge_runs({}, on_error="ignore")  # type: ignore[call-overload]
    with pytest.raises(UserError, match="mapping name -> Observable"):
        merge_runs(reactivex.of(1))  # type: ignore[call-overload]
    errors: list[Exception] = []
    merge_runs([42]).subscribe(on_error=errors.append)  # type: ignore[list-item]
    assert isinstance(errors[0], UserError) and "not an Observable" in str(errors[0])


def test_empty_completes_at_once() -> None:
    done: list[bool] = []
    merge_runs({}).subscribe(on_completed=lambda: done.append(True))
    assert done == [True]


# -- real runs ----------------------------------------------------------------------


def agent(name: str, *steps: Any) -> Agent[Any]:
    return Agent(name, model=ScriptedModel([list(steps)]))


async def test_real_runs_one_at_a_time() -> None:
    runs = {
        "slow": Runner.run_streamed(
            agent("s", text("one two three", chunk_size=3, delay=0.001)), "q"
        ),
        "fast": Runner.run_streamed(agent("f", text("hi")), "q"),
    }
    tagged: list[TaggedEvent[Any]] = await merge_runs(runs, max_concurrent=1).pipe(ops.to_list())
    sources = [t.source for t in tagged]
    first_fast = sources.index("fast")
    assert set(sources[:first_fast]) == {"slow"}  # the second run waited for the first
    assert isinstance(tagged[first_fast - 1].event, RunCompletedStreamEvent)
    for name in runs:
        seqs = [t.event.sequence_number for t in tagged if t.source == name]
        assert seqs == list(range(len(seqs)))


async def test_real_runs_continue_past_a_failure() -> None:
    runs = [
        Runner.run_streamed(
            agent("bad", text("par"), raise_error(ModelConnectionError("lost"))), "q"
        ),
        Runner.run_streamed(agent("good", text("fine", delay=0.001)), "q"),
    ]
    tagged: list[TaggedEvent[Any]] = await merge_runs(runs, on_error="continue").pipe(ops.to_list())
    failed = [t for t in tagged if isinstance(t.event, RunFailedEvent)]
    assert [(t.source, type(t.event.error)) for t in failed] == [(0, ModelConnectionError)]
    assert failed[0].event.message == "ModelConnectionError: lost"
    good = [t.event for t in tagged if t.source == 1]
    assert isinstance(good[-1], RunCompletedStreamEvent)
    assert good[-1].result.final_output == "fine"


async def test_real_runs_fail_fast_cancels_the_others() -> None:
    slow_model = ScriptedModel([[text("x" * 200, chunk_size=1, delay=0.002)]])
    runs = {
        "bad": Runner.run_streamed(agent("bad", raise_error(ModelConnectionError("lost"))), "q"),
        "slow": Runner.run_streamed(Agent("slow", model=slow_model), "q"),
    }
    seen: list[TaggedEvent[Any]] = []
    with pytest.raises(ModelConnectionError):
        await merge_runs(runs).pipe(ops.do_action(seen.append), ops.to_list())
    assert not any(isinstance(t.event, RunCompletedStreamEvent) for t in seen)


async def test_run_handles_are_named_by_run_id() -> None:
    handles = [Runner.start(agent(f"h{i}", text(f"answer {i}")), "q") for i in range(3)]
    tagged: list[TaggedEvent[Any]] = await merge_runs(handles).pipe(ops.to_list())
    assert {t.source for t in tagged} == {h.run_id for h in handles}
    assert all(t.source == t.event.run_id for t in tagged)
