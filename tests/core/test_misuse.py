"""Misuse fails where it happens, as a UserError that says what to write instead."""

from __future__ import annotations

from typing import Any

import pytest

from rxagents import Agent, Runner, function_tool
from rxagents.errors import UserError
from rxagents.testing import ScriptedModel, text


def get_weather(city: str) -> str:
    """A plain function: not yet a tool."""
    return f"sunny in {city}"


def test_a_plain_function_as_a_tool_fails_at_agent_naming_function_tool() -> None:
    with pytest.raises(UserError, match=r"'get_weather'.*@function_tool") as caught:
        Agent("a", tools=[get_weather])  # type: ignore[list-item]
    assert "\n" not in str(caught.value)


def test_an_agent_in_tools_is_pointed_to_as_tool_or_handoffs() -> None:
    helper = Agent("helper")
    with pytest.raises(UserError, match=r"as_tool\(\).*handoffs"):
        Agent("a", tools=[helper])  # type: ignore[list-item]


@pytest.mark.parametrize("tools", [get_weather, "get_weather", [42]])
def test_anything_else_that_is_not_a_list_of_tools_is_refused(tools: Any) -> None:
    with pytest.raises(UserError, match=r"Agent\('a'"):
        Agent("a", tools=tools)


def test_clone_checks_the_new_tools_too() -> None:
    agent = Agent("a", tools=[function_tool(get_weather)])
    assert agent.tools[0].name == "get_weather"
    with pytest.raises(UserError, match="@function_tool"):
        agent.clone(tools=[get_weather])


async def test_run_sync_inside_a_running_loop_says_to_await_run() -> None:
    agent = Agent("a", model=ScriptedModel([[text("hi")]]))
    with pytest.raises(UserError, match=r"await Runner\.run\(\.\.\.\)"):
        Runner.run_sync(agent, "hi")
    assert (await Runner.run(agent, "hi")).final_output == "hi"  # the script was not consumed
