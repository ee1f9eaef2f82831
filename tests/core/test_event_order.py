"""Event order of the run loop, case by case (issue 2's list)."""

from __future__ import annotations

import asyncio

import pytest
from pydantic import BaseModel
from reactivex import operators as ops

from rxagents import Agent, Runner, function_tool
from rxagents.errors import MaxTurnsExceeded, ModelBehaviorError, ToolExecutionError
from rxagents.events import RunCompletedStreamEvent
from rxagents.items import ToolCallOutputItem
from rxagents.testing import ScriptedModel, raise_error, text, tool_call
from tests.core.helpers import run_all, shape


@function_tool
def get_weather(city: str) -> str:
    """The weather in a city."""
    return f"sunny in {city}"


async def test_text_only() -> None:
    agent = Agent("a", model=ScriptedModel([[text("It is sunny", chunk_size=3)]]))
    events = await run_all(Runner.run_streamed(agent, "hi"))
    assert [e.sequence_number for e in events] == list(range(len(events)))
    assert len({e.run_id for e in events}) == 1
    assert shape(events, raw=True) == [
        ("agent", "a"),
        ("raw", "response.created"),
        ("raw", "response.in_progress"),
        ("raw", "response.output_item.added"),
        ("raw", "response.content_part.added"),
        *[("raw", "response.output_text.delta")] * 4,
        ("raw", "response.output_text.done"),
        ("raw", "response.content_part.done"),
        ("raw", "response.output_item.done"),
        ("message_output_created", None),
        ("raw", "response.completed"),
        ("completed",),
    ]
    last = events[-1]
    assert isinstance(last, RunCompletedStreamEvent)
    assert last.result.final_output == "It is sunny"


async def test_tool_turn_then_text() -> None:
    model = ScriptedModel(
        [[tool_call("get_weather", {"city": "Paris"}, call_id="c1")], [text("Sunny.")]]
    )
    agent = Agent("a", model=model, tools=[get_weather])
    events = await run_all(Runner.run_streamed(agent, "weather?"))
    assert shape(events) == [
        ("agent", "a"),
        ("tool_called", "get_weather"),
        ("tool_output", "c1"),
        ("message_output_created", None),
        ("completed",),
    ]
    output = next(e.item for e in events if getattr(e, "name", "") == "tool_output")
    assert isinstance(output, ToolCallOutputItem)
    assert output.output == "sunny in Paris" and not output.is_error
    # The second request carries the call and its output back to the model.
    second = model.requests[1].input
    assert second[-2]["type"] == "function_call" and second[-2]["call_id"] == "c1"
    assert second[-1] == {
        "type": "function_call_output",
        "call_id": "c1",
        "output": "sunny in Paris",
    }
    assert [t.name for t in model.requests[0].tools] == ["get_weather"]


async def test_tool_called_event_comes_before_the_response_ends() -> None:
    """A run item is emitted at its output_item.done, not after the whole response."""
    model = ScriptedModel(
        [[tool_call("get_weather", {"city": "A"}), text("and more text")], [text("ok")]]
    )
    agent = Agent("a", model=model, tools=[get_weather])
    kinds = shape(await run_all(Runner.run_streamed(agent, "x")), raw=True)
    called = kinds.index(("tool_called", "get_weather"))
    later_delta = max(i for i, k in enumerate(kinds) if k == ("raw", "response.output_text.delta"))
    assert called < later_delta


async def test_parallel_tools_emit_outputs_in_finish_order() -> None:
    release_slow = asyncio.Event()

    @function_tool
    async def slow() -> str:
        """Finishes last."""
        await release_slow.wait()
        return "slow done"

    @function_tool
    async def fast() -> str:
        """Finishes first, then lets the slow one finish."""
        release_slow.set()
        return "fast done"

    model = ScriptedModel(
        [
            [tool_call("slow", call_id="s"), tool_call("fast", call_id="f")],
            [text("both done")],
        ]
    )
    agent = Agent("a", model=model, tools=[slow, fast])
    events = await run_all(Runner.run_streamed(agent, "go"))
    assert shape(events) == [
        ("agent", "a"),
        ("tool_called", "slow"),
        ("tool_called", "fast"),
        ("tool_output", "f"),
        ("tool_output", "s"),
        ("message_output_created", None),
        ("completed",),
    ]


async def test_handoff() -> None:
    billing = Agent("Billing Agent", model=ScriptedModel([[text("billing here")]]))
    triage = Agent(
        "triage",
        model=ScriptedModel([[tool_call("transfer_to_billing_agent", call_id="h")]]),
        handoffs=[billing],
    )
    result_events = await run_all(Runner.run_streamed(triage, "refund please"))
    assert shape(result_events) == [
        ("agent", "triage"),
        ("handoff_requested", "transfer_to_billing_agent"),
        ("handoff_occured", "h"),
        ("agent", "Billing Agent"),
        ("message_output_created", None),
        ("completed",),
    ]
    last = result_events[-1]
    assert isinstance(last, RunCompletedStreamEvent)
    assert last.result.last_agent is billing
    assert last.result.final_output == "billing here"


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("triage", "Billing Agent"),
        ("support?", "support!"),  # the same letters
        ("Customer Support Agent - EU", "Customer Support Agent - US"),  # a long shared start
    ],
)
async def test_agents_with_scripted_models_of_their_own_get_distinct_ids(
    first: str, second: str
) -> None:
    """A handoff between two ScriptedModels: each calls a tool in its first turn;
    the ids differ, so a snapshot keeps both calls apart."""
    from rxagents.agent import handoff
    from rxagents.operators import accumulate

    billing = Agent(
        second,
        model=ScriptedModel([[tool_call("get_weather", {"city": "Oslo"})], [text("done")]]),
        tools=[get_weather],
    )
    transfer = handoff(billing, tool_name_override="transfer")
    triage = Agent(
        first,
        model=ScriptedModel(
            [[tool_call("get_weather", {"city": "Rome"})], [tool_call("transfer")]]
        ),
        tools=[get_weather],
        handoffs=[transfer],
    )
    snapshots = await Runner.run_streamed(triage, "go").pipe(accumulate(), ops.to_list())
    calls = snapshots[-1].tool_calls
    assert [(c.agent, c.arguments, c.status) for c in calls] == [
        (first, '{"city": "Rome"}', "done"),
        (second, '{"city": "Oslo"}', "done"),
    ]
    assert len({c.call_id for c in calls}) == 2


class Weather(BaseModel):
    city: str
    celsius: int


async def test_structured_output() -> None:
    model = ScriptedModel([[text('{"city": "Paris", "celsius": 21}')]])
    agent = Agent("a", model=model, output_type=Weather)
    result = await Runner.run(agent, "weather")
    assert result.final_output == Weather(city="Paris", celsius=21)
    schema = model.requests[0].output_schema
    assert schema is not None and schema.schema["properties"]["celsius"]["type"] == "integer"


async def test_structured_output_of_a_plain_type_is_wrapped() -> None:
    model = ScriptedModel([[text('{"response": [1, 2, 3]}')]])
    agent = Agent("a", model=model, output_type=list[int])
    assert (await Runner.run(agent, "numbers")).final_output == [1, 2, 3]


async def test_invalid_structured_output_names_the_field() -> None:
    agent = Agent(
        "a",
        model=ScriptedModel([[text('{"city": "Paris", "celsius": "hot"}')]]),
        output_type=Weather,
    )
    with pytest.raises(ModelBehaviorError, match="celsius"):
        await Runner.run(agent, "weather")


async def test_max_turns() -> None:
    model = ScriptedModel([[tool_call("get_weather", {"city": "X"})]] * 5)
    agent = Agent("a", model=model, tools=[get_weather])
    events = []
    with pytest.raises(MaxTurnsExceeded, match="max_turns=2"):
        async for event in Runner.run_streamed(agent, "loop", max_turns=2):
            events.append(event)
    assert len(model.requests) == 2
    assert shape(events).count(("tool_called", "get_weather")) == 2


async def test_failing_tool_goes_back_to_the_model() -> None:
    @function_tool
    def broken(x: int) -> int:
        """Always fails."""
        raise RuntimeError("disk on fire")

    model = ScriptedModel([[tool_call("broken", {"x": 1}, call_id="b")], [text("sorry")]])
    agent = Agent("a", model=model, tools=[broken])
    result = await Runner.run(agent, "go")
    output = next(i for i in result.new_items if isinstance(i, ToolCallOutputItem))
    # The model learns that the call failed, not the exception's text; the item keeps it.
    assert output.is_error and "disk on fire" in str(output.error)
    assert model.requests[1].input[-1]["output"] == output.output
    assert "disk on fire" not in output.output
    assert result.final_output == "sorry"


async def test_failing_tool_can_fail_the_run() -> None:
    @function_tool
    def broken() -> int:
        """Always fails."""
        raise RuntimeError("disk on fire")

    agent = Agent(
        "a",
        model=ScriptedModel([[tool_call("broken")], [text("x")]]),
        tools=[broken],
        tool_error_behavior="raise",
    )
    with pytest.raises(ToolExecutionError, match="disk on fire"):
        await Runner.run(agent, "go")


@pytest.mark.parametrize(
    ("arguments", "expected"),
    [
        ('{"city": ', "not valid JSON"),
        ('{"town": "Paris"}', "city: Field required"),
        ("[1, 2]", "must be a JSON object"),
    ],
)
async def test_invalid_tool_arguments_are_explained_to_the_model(
    arguments: str, expected: str
) -> None:
    model = ScriptedModel([[tool_call("get_weather", arguments)], [text("retrying")]])
    agent = Agent("a", model=model, tools=[get_weather])
    result = await Runner.run(agent, "go")
    output = next(i for i in result.new_items if isinstance(i, ToolCallOutputItem))
    assert output.is_error and expected in output.output


async def test_unknown_tool_lists_the_available_ones() -> None:
    model = ScriptedModel([[tool_call("get_wether", {"city": "X"})], [text("oops")]])
    agent = Agent("a", model=model, tools=[get_weather])
    result = await Runner.run(agent, "go")
    output = next(i for i in result.new_items if isinstance(i, ToolCallOutputItem))
    assert "'get_wether' does not exist" in output.output and "get_weather" in output.output


async def test_failing_model_call_errors_after_the_events_so_far() -> None:
    model = ScriptedModel([[text("partial", chunk_size=100), raise_error(ConnectionError("boom"))]])
    agent = Agent("a", model=model)
    seen = []
    with pytest.raises(ConnectionError, match="boom"):
        async for event in Runner.run_streamed(agent, "x"):
            seen.append(event)
    assert ("message_output_created", None) in shape(seen)
    assert not any(isinstance(e, RunCompletedStreamEvent) for e in seen)
