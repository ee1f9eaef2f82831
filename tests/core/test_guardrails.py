"""Input and output guardrails: the SDK's names, streamed semantics, results and errors."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import pytest
from openai.types.responses import ResponseStreamEvent

from rxagents import (
    Agent,
    GuardrailFunctionOutput,
    InputGuardrailTripwireTriggered,
    OutputGuardrailTripwireTriggered,
    RunContext,
    Runner,
    function_tool,
    input_guardrail,
    output_guardrail,
)
from rxagents.errors import ToolExecutionError, UserError
from rxagents.events import RunCompletedStreamEvent, StreamEvent
from rxagents.models.base import ModelRequest
from rxagents.testing import ScriptedModel, text, tool_call

from .helpers import shape


class GatedModel:
    """A ScriptedModel whose stream stops after ``pause_after`` events until ``gate`` is set.

    It records how its stream ended: ``closed`` once its generator is finalised,
    ``resumed`` if it ever got past the gate.
    """

    def __init__(self, turns: list[list[Any]], pause_after: int = 3) -> None:
        self.inner = ScriptedModel(turns)
        self.gate = asyncio.Event()
        self.paused = asyncio.Event()
        self.pause_after = pause_after
        self.closed = False
        self.resumed = False

    @property
    def requests(self) -> list[ModelRequest]:
        return self.inner.requests

    def stream(self, request: ModelRequest) -> AsyncIterator[ResponseStreamEvent]:
        return self._play(request)

    async def _play(self, request: ModelRequest) -> AsyncIterator[ResponseStreamEvent]:
        try:
            n = 0
            async for event in self.inner.stream(request):
                if n == self.pause_after:
                    self.paused.set()
                    await self.gate.wait()
                    self.resumed = True
                n += 1
                yield event
        finally:
            self.closed = True


def trip_when(gate: asyncio.Event, *, trip: bool = True, **options: Any) -> Any:
    @input_guardrail(**options)
    async def no_homework(ctx: RunContext[Any], agent: Agent[Any], input: Any) -> Any:
        await gate.wait()
        return GuardrailFunctionOutput(output_info={"reason": "homework"}, tripwire_triggered=trip)

    return no_homework


async def test_a_parallel_trip_cancels_the_model_call_in_flight_and_ends_the_stream() -> None:
    model = GatedModel([[text("the answer is 42, here is why")]])
    decide = asyncio.Event()
    agent = Agent("a", model=model, input_guardrails=[trip_when(decide)])
    seen: list[StreamEvent] = []
    with pytest.raises(InputGuardrailTripwireTriggered) as caught:
        async for event in Runner.run_streamed(agent, "do my homework"):
            seen.append(event)
            if len(seen) == 1:  # the model starts at once, beside the guardrail
                await model.paused.wait()
                decide.set()
    assert model.closed and not model.resumed
    assert model.requests, "the model call ran concurrently with the guardrail"
    before = [e for e in seen if e.type == "raw_response_event"]
    assert len(before) == model.pause_after  # what streamed before the trip, nothing after
    result = caught.value.guardrail_result
    assert result.guardrail.get_name() == "no_homework"
    assert result.output.output_info == {"reason": "homework"}
    assert "no_homework" in str(caught.value)


@pytest.mark.parametrize("how", ["await", "observable"])
async def test_the_trip_is_the_error_of_await_and_of_the_observable(how: str) -> None:
    gate = asyncio.Event()
    gate.set()
    model = GatedModel([[text("hello")]], pause_after=2)
    agent = Agent("a", model=model, input_guardrails=[trip_when(gate)])
    stream = Runner.run_streamed(agent, "hi")
    if how == "await":
        with pytest.raises(InputGuardrailTripwireTriggered):
            await stream
    else:
        done: asyncio.Future[BaseException] = asyncio.get_running_loop().create_future()
        after: list[str] = []

        def on_next(event: StreamEvent) -> None:
            if done.done():
                after.append(event.type)

        stream.subscribe(
            on_next, done.set_result, lambda: done.set_result(AssertionError("completed"))
        )
        error = await done
        assert isinstance(error, InputGuardrailTripwireTriggered)
        await asyncio.sleep(0)
        assert after == []
    assert model.closed and not model.resumed


async def test_a_blocking_guardrail_runs_before_the_model_is_asked() -> None:
    model = ScriptedModel([[text("never")]])
    gate = asyncio.Event()
    gate.set()
    agent = Agent("a", model=model, input_guardrails=[trip_when(gate, run_in_parallel=False)])
    seen: list[StreamEvent] = []
    with pytest.raises(InputGuardrailTripwireTriggered):
        async for event in Runner.run_streamed(agent, "hi"):
            seen.append(event)
    assert model.requests == []
    assert shape(seen, raw=True) == [("agent", "a")]


async def test_passing_guardrails_are_on_the_result_and_blocking_ones_come_first() -> None:
    order: list[str] = []

    @input_guardrail(run_in_parallel=False)
    def first(ctx: RunContext[Any], agent: Agent[Any], input: Any) -> GuardrailFunctionOutput:
        order.append(f"first saw {input!r}")
        return GuardrailFunctionOutput(output_info="ok", tripwire_triggered=False)

    @input_guardrail(name="second_check")
    async def second(ctx: RunContext[Any], agent: Agent[Any], input: Any) -> Any:
        order.append("second")
        return GuardrailFunctionOutput(output_info=None, tripwire_triggered=False)

    class Recording(ScriptedModel):
        def stream(self, request: ModelRequest) -> Any:
            order.append("model")
            return super().stream(request)

    agent = Agent("a", model=Recording([[text("fine")]]), input_guardrails=[first, second])
    result = await Runner.run(agent, "hi")
    assert result.final_output == "fine"
    assert order[0] == "first saw 'hi'"
    assert order.index("model") < len(order)
    names = [r.guardrail.get_name() for r in result.input_guardrail_results]
    assert names == ["first", "second_check"]
    assert all(not r.output.tripwire_triggered for r in result.input_guardrail_results)
    assert result.output_guardrail_results == []


async def test_a_trip_after_the_model_finished_still_stops_the_run_before_its_result() -> None:
    model = ScriptedModel([[tool_call("lookup", {})], [text("done")]])
    ran: list[str] = []

    @function_tool
    def lookup() -> str:
        """Look something up."""
        ran.append("lookup")
        return "found"

    gate = asyncio.Event()
    agent = Agent("a", model=model, tools=[lookup], input_guardrails=[trip_when(gate)])
    seen: list[StreamEvent] = []
    with pytest.raises(InputGuardrailTripwireTriggered):
        async for event in Runner.run_streamed(agent, "hi"):
            seen.append(event)
            if event.type == "raw_response_event" and event.data.type == "response.completed":
                gate.set()
    assert len(model.requests) == 1, "no second model call before the guardrails passed"
    assert not any(isinstance(e, RunCompletedStreamEvent) for e in seen)


async def test_only_the_starting_agent_s_input_guardrails_run() -> None:
    calls: list[str] = []

    def guard(label: str) -> Any:
        @input_guardrail(name=label)
        def check(ctx: RunContext[Any], agent: Agent[Any], input: Any) -> Any:
            calls.append(label)
            return GuardrailFunctionOutput(output_info=None, tripwire_triggered=False)

        return check

    specialist = Agent(
        "specialist",
        model=ScriptedModel([[text("hi from specialist")]]),
        input_guardrails=[guard("specialist")],
    )
    triage = Agent(
        "triage",
        model=ScriptedModel([[tool_call("transfer_to_specialist", {})]]),
        handoffs=[specialist],
        input_guardrails=[guard("triage")],
    )
    result = await Runner.run(triage, "hi")
    assert result.final_output == "hi from specialist"
    assert calls == ["triage"]


async def test_output_guardrails_check_the_last_agent_s_final_output() -> None:
    checked: list[tuple[str, Any]] = []

    @output_guardrail
    async def no_secrets(ctx: RunContext[Any], agent: Agent[Any], output: Any) -> Any:
        checked.append((agent.name, output))
        return GuardrailFunctionOutput(
            output_info={"found": "password" in output}, tripwire_triggered="password" in output
        )

    ok = Agent("a", model=ScriptedModel([[text("all clear")]]), output_guardrails=[no_secrets])
    result = await Runner.run(ok, "hi")
    assert checked == [("a", "all clear")]
    [passed] = result.output_guardrail_results
    assert passed.agent_output == "all clear" and passed.agent is ok
    assert passed.output.output_info == {"found": False}

    bad = Agent(
        "b",
        model=ScriptedModel([[text("the password is hunter2")]]),
        output_guardrails=[no_secrets],
    )
    seen: list[StreamEvent] = []
    with pytest.raises(OutputGuardrailTripwireTriggered) as caught:
        async for event in Runner.run_streamed(bad, "hi"):
            seen.append(event)
    assert caught.value.guardrail_result.agent_output == "the password is hunter2"
    assert "no_secrets" in str(caught.value) and "'b'" in str(caught.value)
    # The SDK's limitation, kept: the text streamed before the check (see rxo.guard_text).
    assert ("message_output_created", None) in shape(seen)
    assert not any(isinstance(e, RunCompletedStreamEvent) for e in seen)


async def test_an_exception_in_a_guardrail_is_the_run_s_error() -> None:
    @input_guardrail
    def broken(ctx: RunContext[Any], agent: Agent[Any], input: Any) -> Any:
        raise ValueError("classifier unavailable")

    agent = Agent("a", model=ScriptedModel([[text("x")]]), input_guardrails=[broken])
    with pytest.raises(ValueError, match="classifier unavailable"):
        await Runner.run(agent, "hi")

    @output_guardrail
    def wrong(ctx: RunContext[Any], agent: Agent[Any], output: Any) -> Any:
        return True

    agent = Agent("a", model=ScriptedModel([[text("x")]]), output_guardrails=[wrong])
    with pytest.raises(UserError, match="return GuardrailFunctionOutput"):
        await Runner.run(agent, "hi")


def test_a_plain_function_is_refused_where_a_guardrail_belongs() -> None:
    def check(ctx: Any, agent: Any, input: Any) -> Any:
        return GuardrailFunctionOutput(None, False)

    with pytest.raises(UserError, match="@input_guardrail"):
        Agent("a", input_guardrails=[check])  # type: ignore[list-item]
    with pytest.raises(UserError, match="@output_guardrail"):
        Agent("a", output_guardrails=[check])  # type: ignore[list-item]


async def test_guardrail_results_travel_as_json_with_the_completed_event() -> None:
    gate = asyncio.Event()
    gate.set()
    agent = Agent(
        "a", model=ScriptedModel([[text("hi")]]), input_guardrails=[trip_when(gate, trip=False)]
    )
    events = [e async for e in Runner.run_streamed(agent, "hi")]
    completed = events[-1]
    assert isinstance(completed, RunCompletedStreamEvent)
    data = completed.model_dump(mode="json")["result"]["input_guardrail_results"]
    assert data == [
        {
            "guardrail": "no_homework",
            "tripwire_triggered": False,
            "output_info": "{'reason': 'homework'}",
        }
    ]


async def test_a_trip_cancels_the_tools_of_the_first_turn_and_the_other_guardrails() -> None:
    tool_started, cancelled = asyncio.Event(), []

    @function_tool
    async def slow() -> str:
        """Takes forever."""
        tool_started.set()
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            cancelled.append("tool")
            raise
        return "never"

    @input_guardrail
    async def undecided(ctx: RunContext[Any], agent: Agent[Any], input: Any) -> Any:
        try:
            await asyncio.Event().wait()
        except asyncio.CancelledError:
            cancelled.append("undecided guardrail")
            raise
        return GuardrailFunctionOutput(output_info=None, tripwire_triggered=False)

    @input_guardrail
    async def tripping(ctx: RunContext[Any], agent: Agent[Any], input: Any) -> Any:
        await tool_started.wait()
        return GuardrailFunctionOutput(output_info=None, tripwire_triggered=True)

    model = ScriptedModel([[tool_call("slow", {})], [text("x")]])
    agent = Agent("a", model=model, tools=[slow], input_guardrails=[undecided, tripping])
    with pytest.raises(InputGuardrailTripwireTriggered) as caught:
        await Runner.run(agent, "hi")
    assert caught.value.guardrail_result.guardrail is tripping
    assert sorted(cancelled) == ["tool", "undecided guardrail"]


async def test_an_agent_used_as_a_tool_runs_its_input_guardrails_on_the_tool_input() -> None:
    seen: list[Any] = []

    @input_guardrail
    def no_french(ctx: RunContext[Any], agent: Agent[Any], input: Any) -> Any:
        seen.append(input)
        return GuardrailFunctionOutput(output_info=None, tripwire_triggered="bonjour" in input)

    helper = Agent("helper", model=ScriptedModel([[text("x")]]), input_guardrails=[no_french])
    boss = Agent(
        "boss",
        tools=[helper.as_tool()],
        model=ScriptedModel([[tool_call("helper", {"input": "bonjour"})], [text("y")]]),
    )
    result = await Runner.run(boss, "hi")
    assert seen == ["bonjour"]
    [output] = [i for i in result.new_items if i.type == "tool_call_output_item"]
    # The model gets the SDK's fixed sentence; the developer the tripwire itself.
    assert output.is_error and type(output.error).__name__ == "InputGuardrailTripwireTriggered"
    fresh = helper.clone(model=ScriptedModel([[text("x")]]))
    strict = Agent(
        "boss",
        tools=[fresh.as_tool()],
        tool_error_behavior="raise",
        model=ScriptedModel([[tool_call("helper", {"input": "bonjour"})]]),
    )
    with pytest.raises(ToolExecutionError, match="InputGuardrailTripwireTriggered"):
        await Runner.run(strict, "hi")
