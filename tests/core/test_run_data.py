"""After a run error, what the run had done stays reachable: ``error.run_data``, as in the SDK."""

from __future__ import annotations

import pytest
from pydantic import BaseModel

from rxagents import Agent, Runner, function_tool
from rxagents.errors import MaxTurnsExceeded, ModelBehaviorError, UserError
from rxagents.testing import ScriptedModel, text, tool_call


@function_tool
def ping() -> str:
    """Ping."""
    return "pong"


async def test_max_turns_keeps_the_usage_items_and_last_agent() -> None:
    model = ScriptedModel([
        [tool_call("ping", call_id="c1")], [tool_call("ping", call_id="c2")], [text("never")],
    ])
    agent = Agent("looper", model=model, tools=[ping])
    with pytest.raises(MaxTurnsExceeded) as caught:
        await Runner.run(agent, "go", max_turns=2)
    data = caught.value.run_data
    assert data is not None
    assert data.usage.requests == 2 and data.usage.total_tokens > 0
    assert data.context_wrapper.usage.requests == 2
    assert [i.type for i in data.new_items] == ["tool_call_item", "tool_call_output_item"] * 2
    assert data.last_agent is agent
    assert data.input == "go"
    assert [i.get("call_id") for i in data.to_input_list()] == [None, "c1", "c1", "c2", "c2"]
    assert "looper" in str(data) and "4 items" in str(data)


class Forecast(BaseModel):
    city: str


async def test_a_bad_final_output_after_a_handoff_names_the_agent_that_failed() -> None:
    model = ScriptedModel([
        [tool_call("transfer_to_forecaster", call_id="h1")], [text('{"town": 1}')],
    ])
    forecaster = Agent("forecaster", model=model, output_type=Forecast)
    triage = Agent("triage", model=model, handoffs=[forecaster])
    with pytest.raises(ModelBehaviorError) as caught:
        await Runner.run(triage, "go")
    data = caught.value.run_data
    assert data is not None and data.last_agent is forecaster
    assert data.usage.requests == 2
    assert [i.type for i in data.new_items] == [
        "handoff_call_item", "handoff_output_item", "message_output_item",
    ]


async def test_errors_outside_a_run_have_no_run_data() -> None:
    with pytest.raises(UserError) as caught:
        await Runner.run(Agent("a"), "x", max_turns=0)
    assert caught.value.run_data is None
