"""Durable runs behave as in-process runs: handoffs, structured output, agents as tools,
max_turns, tool retries, model failures (a worker in this process, a real dev server)."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import BaseModel

from rxagents import Agent, Runner, function_tool
from rxagents.errors import MaxTurnsExceeded, ModelBehaviorError
from rxagents.events import NestedRunEvent
from rxagents.operators import accumulate
from rxagents.redis import WorkerLost
from rxagents.temporal import RetrySettings
from rxagents.testing import ScriptedModel, raise_error, text, tool_call
from rxagents.testing.grammar import assert_valid_run
from tests.redis.helpers import collect, dumps
from tests.temporal.agent_file import make_agent
from tests.temporal.test_round_trip import _scrub


class Report(BaseModel):
    city: str
    degrees: int


def _handoff_graph() -> Agent[Any]:
    specialist = Agent(
        "specialist",
        output_type=Report,
        model=ScriptedModel([[text('{"city": "Paris", "degrees": 21}', chunk_size=5)]]),
    )
    return Agent(
        "triage",
        handoffs=[specialist],
        model=ScriptedModel([[text("Passing you on. "), tool_call("transfer_to_specialist")]]),
    )


async def test_a_handoff_to_an_agent_with_an_output_type_ends_as_in_process(serve: Any) -> None:
    async with serve(_handoff_graph()) as runs:
        run_id = await runs.start("weather?")
        events, error = await collect(runs.events(run_id))
    assert error is None
    assert_valid_run(events, starting_agent="triage")
    local = [e async for e in Runner.run_streamed(_handoff_graph(), "weather?")]
    assert _scrub(dumps(events)) == _scrub(dumps(local))
    result = events[-1].result
    assert result.final_output == Report(city="Paris", degrees=21)
    assert result.last_agent.name == "specialist"


def _writer() -> Agent[Any]:
    researcher = Agent(
        "researcher",
        model=ScriptedModel([[text("Paris is sunny.", chunk_size=4)]]),
    )
    return Agent(
        "writer",
        tools=[researcher.as_tool("research", "Find facts")],
        model=ScriptedModel(
            [
                [tool_call("research", {"input": "Paris weather"}, call_id="c1")],
                [text("Report: Paris is sunny.")],
            ]
        ),
    )


async def test_an_agent_used_as_a_tool_streams_its_sub_run_into_the_parent(serve: Any) -> None:
    async with serve(_writer()) as runs:
        run_id = await runs.start("write")
        events, error = await collect(runs.events(run_id))
    assert error is None
    assert_valid_run(events, starting_agent="writer")
    local = [e async for e in Runner.run_streamed(_writer(), "write")]

    def nested(stream: list[Any]) -> list[Any]:
        return _scrub(dumps([e.innermost for e in stream if isinstance(e, NestedRunEvent)]))

    assert nested(events) and nested(events) == nested(local)
    outputs = [e.item.output for e in events if getattr(e, "name", "") == "tool_output"]
    assert outputs == ["Paris is sunny."]
    assert events[-1].result.final_output == "Report: Paris is sunny."


async def test_max_turns_fails_the_run_with_the_typed_error(serve: Any) -> None:
    async with serve(make_agent, max_turns=1) as runs:
        run_id = await runs.start("hello")
        events, error = await collect(runs.events(run_id))
    assert isinstance(error, MaxTurnsExceeded)
    assert error.max_turns == 1  # type: ignore[attr-defined]
    assert [e.sequence_number for e in events] == list(range(len(events)))
    assert [getattr(e, "name", None) for e in events].count("tool_output") == 2


def _flaky_agent(failures: list[int], attempts_to_fail: int) -> Agent[Any]:
    @function_tool
    def flaky(x: int) -> str:
        """Fails its first calls."""
        failures.append(x)
        if len(failures) <= attempts_to_fail:
            raise ConnectionError("upstream timed out")
        return f"ok {x}"

    class Model:
        def stream(self, request: Any) -> Any:
            outputs = [i for i in request.input if i.get("type") == "function_call_output"]
            turn = (
                [text(f"saw {outputs[0]['output']}")] if outputs else [tool_call("flaky", {"x": 1})]
            )
            return ScriptedModel([turn]).stream(request)

    return Agent("flaky", tools=[flaky], model=Model())


async def test_a_failing_tool_is_retried_by_its_retry_policy(serve: Any) -> None:
    calls: list[int] = []
    retry = RetrySettings(maximum_attempts=3, initial_interval=0.05)
    async with serve(_flaky_agent(calls, 2), tool_retry=retry) as runs:
        result = await runs.result(await runs.start("go"))
    assert calls == [1, 1, 1]
    assert result.final_output == "saw ok 1"


async def test_the_last_attempts_error_goes_to_the_model_as_in_process(serve: Any) -> None:
    calls: list[int] = []
    retry = RetrySettings(maximum_attempts=1)
    async with serve(_flaky_agent(calls, 5), tool_retry=retry) as runs:
        result = await runs.result(await runs.start("go"))
    local = await Runner.run_streamed(_flaky_agent([], 5), "go")
    assert result.final_output == local.final_output
    # The model is told the SDK's fixed sentence, not the exception's text, in both.
    assert "An error occurred while running the tool. Please try again." in result.final_output
    assert "upstream timed out" not in result.final_output


async def test_a_model_failure_fails_the_run_typed_and_is_not_retried(serve: Any) -> None:
    calls: list[int] = []

    class Failing:
        def stream(self, request: Any) -> Any:
            calls.append(1)
            turn = [text("par", chunk_size=1), raise_error(ModelBehaviorError("bad stream"))]
            return ScriptedModel([turn]).stream(request)

    async with serve(Agent("failing", model=Failing())) as runs:
        run_id = await runs.start("go")
        events, error = await collect(runs.events(run_id))
        with pytest.raises(ModelBehaviorError, match="bad stream"):
            await runs.result(run_id)
    assert isinstance(error, ModelBehaviorError) and "bad stream" in str(error)
    assert calls == [1]
    assert [e.sequence_number for e in events] == list(range(len(events)))


class _DroppingModel:
    """Its stream breaks off (``ConnectionError``) on its first ``failures`` calls."""

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.calls = 0

    def stream(self, request: Any) -> Any:
        self.calls += 1
        if self.calls <= self.failures:
            steps = [text("partial ", chunk_size=2), raise_error(ConnectionError("reset"))]
        else:
            steps = [text("whole answer")]
        return ScriptedModel([steps]).stream(request)


async def test_a_dropped_model_stream_is_retried_and_announced(serve: Any) -> None:
    model = _DroppingModel(failures=1)
    async with serve(Agent("dropping", model=model)) as runs:
        run_id = await runs.start("go")
        events, error = await collect(runs.events(run_id))
        snapshots, _ = await collect(runs.events(run_id).pipe(accumulate()))
    assert error is None
    assert model.calls == 2
    assert_valid_run(events)
    restarts = [e for e in events if e.type == "turn_restarted"]
    assert len(restarts) == 1
    assert (restarts[0].turn, restarts[0].attempt, restarts[0].discard_from) == (1, 2, 1)
    assert snapshots[-1].text == "whole answer" == events[-1].result.final_output


async def test_a_model_that_keeps_failing_ends_the_run_with_worker_lost(serve: Any) -> None:
    model = _DroppingModel(failures=100)
    async with serve(Agent("dropping", model=model)) as runs:
        run_id = await runs.start("go")
        events, error = await collect(runs.events(run_id), timeout=60)
    assert isinstance(error, WorkerLost) and "reset" in str(error)
    assert model.calls == 5  # the model turn's attempts
    assert [e.sequence_number for e in events] == list(range(len(events)))


def _guarded(trip_input: bool, trip_output: bool) -> Agent[Any]:
    from rxagents import GuardrailFunctionOutput, input_guardrail, output_guardrail

    @input_guardrail(run_in_parallel=False)
    async def no_homework(ctx: Any, agent: Any, input: Any) -> Any:
        return GuardrailFunctionOutput(output_info="checked input", tripwire_triggered=trip_input)

    @output_guardrail
    async def polite(ctx: Any, agent: Any, output: Any) -> Any:
        return GuardrailFunctionOutput(output_info="checked output", tripwire_triggered=trip_output)

    model = ScriptedModel([[text("the answer is 42")]])
    return Agent("guarded", model=model, input_guardrails=[no_homework], output_guardrails=[polite])


async def test_guardrails_run_as_in_process(serve: Any) -> None:
    async with serve(_guarded(False, False)) as runs:
        result = await runs.result(await runs.start("help"))
    local = await Runner.run_streamed(_guarded(False, False), "help")
    assert result.final_output == local.final_output == "the answer is 42"
    dumped = result.model_dump(mode="json")
    want = local.model_dump(mode="json")
    assert dumped["input_guardrail_results"] == want["input_guardrail_results"] != []
    assert dumped["output_guardrail_results"] == want["output_guardrail_results"] != []


async def test_a_tripped_guardrail_fails_the_run_typed(serve: Any) -> None:
    from rxagents.errors import InputGuardrailTripwireTriggered, OutputGuardrailTripwireTriggered

    for trip_input, expected in ((True, InputGuardrailTripwireTriggered),
                                 (False, OutputGuardrailTripwireTriggered)):  # fmt: skip
        async with serve(_guarded(trip_input, not trip_input)) as runs:
            events, error = await collect(runs.events(await runs.start("help")))
        assert isinstance(error, expected), error
        assert all(e.type != "run_completed_stream_event" for e in events)
        if trip_input:  # the blocking input guardrail ran before the model was called
            assert all(e.type != "raw_response_event" for e in events)
