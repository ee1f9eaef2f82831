"""dispatch: per-kind callbacks, sync or async, in event order; errors never swallowed."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
import reactivex
from hypothesis import given
from hypothesis import strategies as st
from reactivex import operators as ops
from reactivex.subject import Subject

from rxagents import Agent, Runner, function_tool, handoff
from rxagents import operators as rxo
from rxagents.errors import UserError
from rxagents.events import (
    AgentUpdatedStreamEvent,
    RawResponsesStreamEvent,
    RunCompletedStreamEvent,
    RunItemStreamEvent,
)
from rxagents.testing import ScriptedModel, text, tool_call
from tests.operators.opevents import BILLING, TRIAGE, collect, delta, events, handoff_occured


@function_tool
def add(a: int, b: int) -> int:
    """Add two numbers."""
    return a + b


def support_agent() -> Agent[Any]:
    billing = Agent("billing", model=ScriptedModel([[text("You owe 3.", chunk_size=4)]]))
    return Agent(
        "triage",
        model=ScriptedModel(
            [
                [text("Adding. ", chunk_size=4), tool_call("add", {"a": 1, "b": 2})],
                [tool_call("transfer_to_billing", {})],
            ]
        ),
        tools=[add],
        handoffs=[handoff(billing)],
    )


def recorder(log: list[Any], kind: str) -> Any:
    def record(value: Any) -> None:
        log.append((kind, value))

    return record


def async_recorder(log: list[Any], kind: str, pauses: int = 2) -> Any:
    async def record(value: Any) -> None:
        for _ in range(pauses):
            await asyncio.sleep(0)
        log.append((kind, value))

    return record


def expected_calls(items: list[Any]) -> list[tuple[str, Any]]:
    """What the callbacks should see, in order, for a list of events."""
    out: list[tuple[str, Any]] = []
    for e in items:
        if isinstance(e, RawResponsesStreamEvent) and e.data.type == "response.output_text.delta":
            out.append(("text", e.data.delta))
        elif isinstance(e, RunItemStreamEvent) and e.name == "tool_called":
            out.append(("called", e.item))
        elif isinstance(e, RunItemStreamEvent) and e.name == "tool_output":
            out.append(("output", e.item))
        elif isinstance(e, RunItemStreamEvent) and e.name == "handoff_occured":
            out.append(("handoff", (e.item.source_agent, e.item.target_agent)))
        elif isinstance(e, AgentUpdatedStreamEvent):
            out.append(("agent", e.new_agent))
        elif isinstance(e, RunCompletedStreamEvent):
            out.append(("complete", e.result))
    return out


def all_callbacks(log: list[Any], make: Any) -> dict[str, Any]:
    return {
        "on_text": make(log, "text"),
        "on_tool_called": make(log, "called"),
        "on_tool_output": make(log, "output"),
        "on_handoff": make(log, "handoff"),
        "on_agent_updated": make(log, "agent"),
        "on_complete": make(log, "complete"),
    }


async def test_sync_callbacks_on_a_run_see_every_kind_in_order() -> None:
    log: list[Any] = []
    passed: list[Any] = []
    await Runner.run_streamed(support_agent(), "owe?").pipe(
        rxo.dispatch(**all_callbacks(log, recorder)), ops.do_action(passed.append)
    )
    assert log == expected_calls(passed)
    kinds = [kind for kind, _ in log]
    assert kinds[0] == "agent" and kinds[-1] == "complete"
    assert "".join(v for k, v in log if k == "text") == "Adding. You owe 3."
    assert [v.tool_name for k, v in log if k == "called"] == ["add"]
    assert [v.output for k, v in log if k == "output"] == [3]
    assert [(v[0].name, v[1].name) for k, v in log if k == "handoff"] == [("triage", "billing")]
    assert log[-1][1].final_output == "You owe 3."


async def test_async_callbacks_run_one_at_a_time_before_their_event_passes() -> None:
    log: list[Any] = []
    passed: list[Any] = []
    running = 0

    async def slow_text(piece: str) -> None:
        nonlocal running
        running += 1
        assert running == 1  # never two callbacks at once
        await asyncio.sleep(0.001)
        log.append(("text", piece))
        running -= 1

    def on_pass(event: Any) -> None:
        # An event passes only after its own callback finished.
        passed.append(event)
        assert log == expected_calls(passed)

    callbacks = all_callbacks(log, async_recorder)
    callbacks["on_text"] = slow_text
    callbacks["on_tool_called"] = recorder(log, "called")  # mixed sync and async
    last = await Runner.run_streamed(support_agent(), "owe?").pipe(
        rxo.dispatch(**callbacks), ops.do_action(on_pass)
    )
    assert isinstance(last, RunCompletedStreamEvent)
    assert log == expected_calls(passed)


@given(items=events(), asyncs=st.lists(st.booleans(), min_size=6, max_size=6))
def test_callbacks_see_the_views_and_events_pass_unchanged(
    items: list[Any], asyncs: list[bool]
) -> None:
    async def scenario() -> tuple[list[Any], list[Any]]:
        log: list[Any] = []
        names = ["text", "called", "output", "handoff", "agent", "complete"]
        makers = [async_recorder if a else recorder for a in asyncs]
        callbacks = dict(
            zip(
                all_callbacks(log, recorder),
                [make(log, name) for make, name in zip(makers, names, strict=True)],
                strict=True,
            )
        )
        passed = await reactivex.from_iterable(items).pipe(rxo.dispatch(**callbacks), ops.to_list())
        return log, passed

    log, passed = asyncio.run(scenario())
    assert passed == items
    assert log == expected_calls(items)


def test_without_a_loop_sync_callbacks_just_work() -> None:
    log: list[Any] = []
    items = [delta("a"), handoff_occured(TRIAGE, BILLING), delta("b")]
    out = collect(reactivex.from_iterable(items).pipe(rxo.dispatch(on_text=recorder(log, "t"))))
    assert out == items
    assert log == [("t", "a"), ("t", "b")]


def test_an_async_callback_without_a_loop_is_a_user_error() -> None:
    async def on_text(piece: str) -> None: ...

    with pytest.raises(UserError, match="running asyncio event loop"):
        collect(reactivex.of(delta("a")).pipe(rxo.dispatch(on_text=on_text)))


@pytest.mark.parametrize("is_async", [False, True])
async def test_a_failing_callback_fails_the_stream_and_stops_the_source(is_async: bool) -> None:
    boom = ValueError("callback failed")
    seen_errors: list[Exception] = []

    def fail_sync(piece: str) -> None:
        if piece == "b":
            raise boom

    async def fail_async(piece: str) -> None:
        await asyncio.sleep(0)
        fail_sync(piece)

    subject: Subject[Any] = Subject()
    passed: list[Any] = []
    errors: list[Exception] = []
    subject.pipe(
        rxo.dispatch(on_text=fail_async if is_async else fail_sync, on_error=seen_errors.append)
    ).subscribe(passed.append, errors.append)
    for piece in "abc":
        subject.on_next(delta(piece))
        await asyncio.sleep(0.001)
    assert [e.data.delta for e in passed] == ["a"]
    assert errors == [boom]
    assert seen_errors == [boom]
    assert not subject.observers  # the source was disposed


async def test_a_failing_callback_cancels_the_run() -> None:
    def stop(_: Any) -> None:
        raise RuntimeError("stop here")

    pieces = [f"{i} " for i in range(100)]
    model = ScriptedModel([[text("".join(pieces), chunks=pieces)]])
    passed: list[Any] = []
    with pytest.raises(RuntimeError, match="stop here"):
        await Runner.run_streamed(Agent("a", model=model), "hi").pipe(
            rxo.dispatch(on_tool_called=stop, on_text=lambda p: p == "3 " and stop(p)),
            ops.do_action(passed.append),
        )
    deltas = [e for e in passed if isinstance(e, RawResponsesStreamEvent)]
    assert [e.data.delta for e in deltas if e.data.type == "response.output_text.delta"] == [
        "0 ",
        "1 ",
        "2 ",
    ]


@pytest.mark.parametrize("is_async", [False, True])
async def test_on_error_observes_without_swallowing(is_async: bool) -> None:
    boom = ConnectionError("source failed")
    seen: list[Exception] = []

    async def on_error_async(error: Exception) -> None:
        await asyncio.sleep(0)
        seen.append(error)

    source = reactivex.concat(reactivex.of(delta("a")), reactivex.throw(boom))
    with pytest.raises(ConnectionError):
        await source.pipe(rxo.dispatch(on_error=on_error_async if is_async else seen.append))
    assert seen == [boom]


def test_a_failing_on_error_reports_its_own_error() -> None:
    def on_error(error: Exception) -> None:
        raise KeyError("in on_error")

    with pytest.raises(KeyError, match="in on_error"):
        collect(reactivex.throw(ValueError("source")).pipe(rxo.dispatch(on_error=on_error)))


async def test_disposing_while_an_async_callback_runs_cancels_it() -> None:
    started = asyncio.Event()
    finished: list[str] = []

    async def on_text(piece: str) -> None:
        started.set()
        await asyncio.sleep(10)
        finished.append(piece)

    subject: Subject[Any] = Subject()
    passed: list[Any] = []
    subscription = subject.pipe(rxo.dispatch(on_text=on_text)).subscribe(passed.append)
    subject.on_next(delta("a"))
    subject.on_next(delta("b"))
    await started.wait()
    subscription.dispose()
    await asyncio.sleep(0.01)
    assert passed == [] and finished == []
    assert not subject.observers


def test_callbacks_must_be_callable() -> None:
    with pytest.raises(UserError, match="on_text must be callable"):
        rxo.dispatch(on_text="print")  # type: ignore[arg-type]
