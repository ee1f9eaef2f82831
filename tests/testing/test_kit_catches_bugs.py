"""The kit finds broken pipelines: each test runs a property against a deliberate bug.

A testing kit that never fails proves nothing; these show the failures it reports.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from typing import Any

import pytest
import reactivex
from hypothesis import HealthCheck, given, settings
from reactivex import Observable, abc
from reactivex.disposable import Disposable

from rxagents import Agent, Runner
from rxagents.events import RawResponsesStreamEvent, StreamEvent
from rxagents.testing import (
    GrammarViolation,
    ScriptedModel,
    ToolProbe,
    assert_no_pending_tasks,
    assert_valid_run,
    collect_sync,
    delta_text,
    stream_events,
    text,
    tool_call,
)

quick = settings(
    max_examples=100, database=None, suppress_health_check=[HealthCheck.too_slow], deadline=None
)

Operator = Callable[[Observable[StreamEvent]], Observable[StreamEvent]]


def holds_back_one_delta() -> Operator:
    """A buggy 'smoothing' operator: it keeps the latest delta back and forgets it at the end."""

    def operator(source: Observable[StreamEvent]) -> Observable[StreamEvent]:
        def subscribe(observer: abc.ObserverBase[StreamEvent], scheduler: Any = None) -> Any:
            held: list[StreamEvent] = []

            def on_next(event: StreamEvent) -> None:
                if isinstance(event, RawResponsesStreamEvent) and event.data.type.endswith(
                    "output_text.delta"
                ):
                    if held:
                        observer.on_next(held.pop())
                    held.append(event)
                else:
                    observer.on_next(event)

            return source.subscribe(on_next, observer.on_error, observer.on_completed)

        return Observable(subscribe)

    return operator


def keeps_text(operator: Operator) -> Callable[[], None]:
    """The property a text operator must have: the joined text is unchanged."""

    @quick
    @given(events=stream_events())
    def prop(events: list[StreamEvent]) -> None:
        out = collect_sync(reactivex.from_iterable(events).pipe(operator))
        assert delta_text(out.events) == delta_text(events)

    return prop


def test_the_text_property_catches_a_dropped_last_delta() -> None:
    with pytest.raises(AssertionError) as caught:
        keeps_text(holds_back_one_delta())()
    assert "==" in str(caught.value)  # hypothesis reports the shrunk counterexample


def test_the_text_property_passes_a_correct_operator() -> None:
    def identity(source: Observable[StreamEvent]) -> Observable[StreamEvent]:
        return source

    keeps_text(identity)()


def test_the_grammar_catches_an_operator_that_drops_agent_updates() -> None:
    from reactivex import operators as ops

    only_the_first_agent = ops.filter(
        lambda e: e.type != "agent_updated_stream_event" or e.sequence_number == 0
    )

    @quick
    @given(events=stream_events(agents=["triage", "expert"], max_turns=3))
    def prop(events: list[StreamEvent]) -> None:
        assert_valid_run(collect_sync(reactivex.from_iterable(events).pipe(only_the_first_agent)))

    with pytest.raises(GrammarViolation) as caught:
        prop()
    assert caught.value.rule in (2, 4)
    assert "handoff" in str(caught.value) or "sequence_number" in str(caught.value)


async def test_the_probe_catches_a_tool_started_after_disposal() -> None:
    """A naive runner that schedules tools without ever checking for disposal."""
    probe = ToolProbe()
    tool = probe.tool("lookup")

    def naive(observer: abc.ObserverBase[str], scheduler: Any = None) -> abc.DisposableBase:
        asyncio.get_running_loop().call_soon(
            lambda: asyncio.ensure_future(tool.on_invoke(None, "{}"))  # type: ignore[arg-type]
        )
        return Disposable()

    reactivex.create(naive).subscribe().dispose()
    probe.mark_disposed()
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    assert [c.tool for c in probe.started_after_disposal] == ["lookup"]


async def test_the_task_check_catches_a_bridge_that_does_not_cancel() -> None:
    """An async-iterable bridge whose dispose forgets to cancel its task."""
    model = ScriptedModel([[tool_call("wait")], [text("never")]])
    gate = asyncio.Event()
    from rxagents import function_tool

    @function_tool
    async def wait() -> str:
        """Waits for a gate nobody opens."""
        await gate.wait()
        return "late"

    agent = Agent("a", model=model, tools=[wait])

    def leaky(observer: abc.ObserverBase[StreamEvent], scheduler: Any = None) -> Disposable:
        async def pump() -> None:
            async for event in Runner.run_streamed(agent, "hi").stream_events():
                observer.on_next(event)

        asyncio.get_running_loop().create_task(pump(), name="leaky-pump")
        return Disposable()  # dispose does nothing

    before = asyncio.all_tasks()
    reactivex.create(leaky).subscribe().dispose()
    await asyncio.sleep(0)
    with pytest.raises(AssertionError, match="leaky-pump"):
        await assert_no_pending_tasks(before, ticks=5)
    gate.set()
    for task in [t for t in asyncio.all_tasks() if t.get_name() == "leaky-pump"]:
        await task
