"""Properties of every run (issue 2), tested the way a user tests a pipeline with rxagents.testing.

For random scripts — several agents, parallel tool calls, handoffs, tools that
fail, arguments that are not JSON, model calls that fail — every run follows the
grammar of DESIGN.md, ends as its script says, and stops completely when it is
disposed at any event: no later event, no tool started, no model request, no task
left running.
"""

from __future__ import annotations

import asyncio
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from pydantic import BaseModel
from reactivex import abc
from reactivex import operators as ops

from rxagents import Agent, Runner, handoff
from rxagents.events import StreamEvent
from rxagents.testing import (
    Script,
    ToolProbe,
    assert_no_pending_tasks,
    assert_valid_run,
    collect,
    scripts,
)

# Probe tools record every call, so a test can prove none started after disposal.
probe = ToolProbe()
PROBE_TOOLS = [probe.tool("lookup", ticks=2), probe.tool("search")]
any_script = scripts(agents=["triage", "billing", "support"], tools=PROBE_TOOLS)

# Loop iterations (``sleep(0)``, never a timer) a disposed run may take to finish
# its cleanup: cancelled tools end on the next one, and the run loop, which
# waits for them, one later.
CLEANUP_TICKS = 3


@given(script=any_script, maxsize=st.sampled_from([None, 1, 3]))
async def test_every_run_follows_the_grammar_and_ends_as_scripted(
    script: Script, maxsize: int | None
) -> None:
    stream = script.run_streamed("hi")
    if maxsize is None:  # subscribed as an Observable
        run = await collect(stream)
        events, error = run.events, run.error
        assert_valid_run(run, starting_agent=script.start)
    else:  # iterated with backpressure: the model is read at most maxsize ahead
        events, error = [], None
        try:
            async for event in stream.events(maxsize=maxsize):
                events.append(event)
        except Exception as exc:
            error = exc
        assert_valid_run(events, truncated=error is not None, starting_agent=script.start)
    if script.error is not None:
        assert isinstance(error, script.error), f"expected {script.error}, got {error!r}"
    else:
        assert error is None
        result = events[-1].result  # type: ignore[union-attr]
        assert result.final_output == script.final_output
        assert result.last_agent.name == script.last_agent
        called = [e for e in events if getattr(e, "name", None) == "tool_called"]
        assert len(called) == script.tool_calls


class Ticket(BaseModel):
    id: int
    summary: str


# Agents defined as a user would: a handoff with its own tool name, a structured
# output, and a tool error that fails the run instead of going back to the model.
refunds = Agent(
    "refunds", output_type=Ticket, tools=[probe.tool("refund")], tool_error_behavior="raise"
)
router = Agent(
    "router",
    tools=[probe.tool("classify")],
    handoffs=[handoff(refunds, tool_name_override="escalate")],
)


@given(script=scripts(agents=[router]))
async def test_agents_with_their_own_handoffs_output_types_and_failing_tools(
    script: Script,
) -> None:
    run = await collect(script.run_streamed("refund please"))
    assert_valid_run(run, starting_agent="router")
    if script.error is not None:
        assert isinstance(run.error, script.error)
    else:
        assert run.result is not None
        assert run.result.final_output == script.final_output
        if script.last_agent == "refunds":
            assert isinstance(run.result.final_output, Ticket)


@given(script=any_script, data=st.data())
async def test_dispose_inside_on_next_at_any_event_stops_everything(
    script: Script, data: st.DataObject
) -> None:
    whole = await collect(script.run_streamed("hi"))
    k = data.draw(st.integers(1, len(whole.events)), label="dispose at event")
    built = script.build()
    probe.reset()
    loop = asyncio.get_running_loop()
    stopped: asyncio.Future[str] = loop.create_future()
    seen: list[Any] = []
    late: list[Any] = []
    requests_at_disposal = -1
    subscription: abc.DisposableBase | None = None

    class Observer(abc.ObserverBase[StreamEvent]):
        # Subscribed without RxPY's auto-detaching wrapper: anything the run
        # emitted after disposal would land in `late`.
        def on_next(self, value: StreamEvent) -> None:
            nonlocal requests_at_disposal
            if probe.disposed:
                late.append(value)
                return
            seen.append(value)
            if len(seen) == k:
                probe.mark_disposed()
                requests_at_disposal = built.requests
                assert subscription is not None
                subscription.dispose()
                stopped.set_result("disposed")

        def on_error(self, error: Exception) -> None:
            late.append(error) if probe.disposed else stopped.set_result(f"error {error!r}")

        def on_completed(self) -> None:
            late.append("completed") if probe.disposed else stopped.set_result("completed")

    before = asyncio.all_tasks()
    subscription = built.run_streamed("hi")._subscribe_core(Observer())
    assert await stopped == "disposed"
    await assert_no_pending_tasks(before, ticks=CLEANUP_TICKS)
    assert late == []
    assert probe.started_after_disposal == []
    assert built.requests == requests_at_disposal
    assert [e.sequence_number for e in seen] == list(range(k))


@given(script=any_script, data=st.data())
async def test_take_k_stops_the_run(script: Script, data: st.DataObject) -> None:
    whole = await collect(script.run_streamed("hi"))
    k = data.draw(st.integers(1, len(whole.events)), label="take")
    built = script.build()
    probe.reset()
    at_disposal: list[int] = []

    def mark(event: StreamEvent) -> None:
        if event.sequence_number == k - 1:  # take(k) disposes the run right after this
            probe.mark_disposed()
            at_disposal.append(built.requests)

    before = asyncio.all_tasks()
    run = await collect(built.run_streamed("hi").pipe(ops.take(k), ops.do_action(mark)))
    await assert_no_pending_tasks(before, ticks=CLEANUP_TICKS)
    assert len(run.events) == k
    if k < len(whole.events):
        assert_valid_run(run, truncated=True)
        assert run.completed  # take completes its subscriber
        assert probe.started_after_disposal == []
        assert at_disposal == [built.requests]


@given(script=any_script, data=st.data())
async def test_leaving_async_with_after_k_events_stops_the_run(
    script: Script, data: st.DataObject
) -> None:
    whole = await collect(script.run_streamed("hi"))
    k = data.draw(st.integers(1, len(whole.events)), label="leave after")
    maxsize = data.draw(st.sampled_from([1, 4, 256]), label="maxsize")
    built = script.build()
    probe.reset()
    requests_at_disposal = -1
    seen: list[StreamEvent] = []
    before = asyncio.all_tasks()
    async with built.run_streamed("hi").events(maxsize=maxsize) as stream:
        async for event in stream:
            seen.append(event)
            if len(seen) == k:
                probe.mark_disposed()
                requests_at_disposal = built.requests
                break
    await assert_no_pending_tasks(before, ticks=CLEANUP_TICKS)
    assert len(seen) == k
    assert probe.started_after_disposal == []
    assert built.requests == requests_at_disposal


@given(script=any_script, data=st.data())
async def test_cancel_after_turn_at_any_event_ends_the_run_cleanly(
    script: Script, data: st.DataObject
) -> None:
    """``cancel(mode="after_turn")``: the turn's tools finish and emit, then the run completes."""
    whole = await collect(script.run_streamed("hi"))
    k = data.draw(st.integers(1, len(whole.events)), label="cancel at event")
    built = script.build()
    probe.reset()
    handle = Runner.start(built.start, "hi", max_turns=script.max_turns)
    requests_at_cancel: list[int] = []

    def on_next(event: StreamEvent) -> None:
        if event.sequence_number == k - 1:
            handle.cancel(mode="after_turn")
            requests_at_cancel.append(built.requests)

    handle.events.subscribe(on_next, lambda error: None)
    run = await collect(handle.events)
    if script.error is not None and run.error is not None:
        assert isinstance(run.error, script.error)  # the failure came first
        return
    assert run.completed, run.error
    assert_valid_run(run, starting_agent=script.start)  # every tool call answered
    # No model call after the turn cancel() came in (at the first event, that
    # turn's own model call has not started yet: it still runs).
    assert built.requests == max(requests_at_cancel[0], 1)
    result = run.result
    assert result is not None
    if result.interrupted:
        assert result.final_output is None
    else:
        assert result.final_output == script.final_output
