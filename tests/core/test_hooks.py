"""Lifecycle hooks with the SDK's names: when each is called, with what, and hook errors."""

from __future__ import annotations

from typing import Any

import pytest

from rxagents import (
    Agent,
    AgentHooks,
    ModelResponse,
    RunContext,
    RunHooks,
    Runner,
    function_tool,
)
from rxagents.errors import UserError
from rxagents.testing import ScriptedModel, text, tool_call


class RecordingRunHooks(RunHooks[Any]):
    def __init__(self) -> None:
        self.calls: list[tuple[Any, ...]] = []
        self.responses: list[ModelResponse] = []

    async def on_agent_start(self, context: RunContext[Any], agent: Agent[Any]) -> None:
        self.calls.append(("agent_start", agent.name))

    async def on_agent_end(self, context: RunContext[Any], agent: Agent[Any], output: Any) -> None:
        self.calls.append(("agent_end", agent.name, output))

    async def on_llm_start(
        self,
        context: RunContext[Any],
        agent: Agent[Any],
        system_prompt: str | None,
        input_items: list[dict[str, Any]],
    ) -> None:
        self.calls.append(("llm_start", agent.name, system_prompt, len(input_items)))

    async def on_llm_end(
        self, context: RunContext[Any], agent: Agent[Any], response: ModelResponse
    ) -> None:
        self.responses.append(response)
        self.calls.append(("llm_end", agent.name))

    async def on_tool_start(self, context: RunContext[Any], agent: Agent[Any], tool: Any) -> None:
        self.calls.append(("tool_start", agent.name, tool.name))

    async def on_tool_end(
        self, context: RunContext[Any], agent: Agent[Any], tool: Any, result: Any
    ) -> None:
        self.calls.append(("tool_end", agent.name, tool.name, result))

    async def on_handoff(
        self, context: RunContext[Any], from_agent: Agent[Any], to_agent: Agent[Any]
    ) -> None:
        self.calls.append(("handoff", from_agent.name, to_agent.name))


class RecordingAgentHooks(AgentHooks[Any]):
    def __init__(self, calls: list[tuple[Any, ...]]) -> None:
        self.calls = calls

    async def on_start(self, context: RunContext[Any], agent: Agent[Any]) -> None:
        self.calls.append(("AGENT on_start", agent.name))

    async def on_end(self, context: RunContext[Any], agent: Agent[Any], output: Any) -> None:
        self.calls.append(("AGENT on_end", agent.name, output))

    async def on_handoff(
        self, context: RunContext[Any], agent: Agent[Any], source: Agent[Any]
    ) -> None:
        self.calls.append(("AGENT on_handoff", agent.name, source.name))

    async def on_tool_start(self, context: RunContext[Any], agent: Agent[Any], tool: Any) -> None:
        self.calls.append(("AGENT on_tool_start", tool.name))

    async def on_tool_end(
        self, context: RunContext[Any], agent: Agent[Any], tool: Any, result: Any
    ) -> None:
        self.calls.append(("AGENT on_tool_end", tool.name, result))

    async def on_llm_start(self, context: RunContext[Any], agent: Agent[Any], *args: Any) -> None:
        self.calls.append(("AGENT on_llm_start", agent.name))

    async def on_llm_end(self, context: RunContext[Any], agent: Agent[Any], response: Any) -> None:
        self.calls.append(("AGENT on_llm_end", agent.name))


@function_tool
def weather(city: str) -> str:
    """The weather in a city."""
    return f"sunny in {city}"


def travel_agents(calls: list[tuple[Any, ...]]) -> Agent[Any]:
    specialist = Agent(
        "specialist",
        instructions="Be precise.",
        model=ScriptedModel([[text("it is sunny")]]),
        hooks=RecordingAgentHooks(calls),
    )
    return Agent(
        "triage",
        instructions="Route.",
        tools=[weather],
        handoffs=[specialist],
        model=ScriptedModel(
            [[tool_call("weather", {"city": "Paris"})], [tool_call("transfer_to_specialist", {})]]
        ),
    )


async def test_run_hooks_and_agent_hooks_are_called_in_the_sdk_s_order() -> None:
    hooks = RecordingRunHooks()
    result = await Runner.run(travel_agents(hooks.calls), "weather in Paris?", hooks=hooks)
    assert result.final_output == "it is sunny"
    # A tool starts as soon as its call is streamed, so its hooks may come before or
    # after that turn's on_llm_end; they always come between the two model calls.
    tool_calls = [c for c in hooks.calls if c[0].startswith("tool_")]
    assert tool_calls == [
        ("tool_start", "triage", "weather"),
        ("tool_end", "triage", "weather", "sunny in Paris"),
    ]
    positions = [hooks.calls.index(c) for c in tool_calls]
    llm_starts = [i for i, c in enumerate(hooks.calls) if c[0] == "llm_start"]
    assert llm_starts[0] < positions[0] < positions[1] < llm_starts[1]
    assert [c for c in hooks.calls if not c[0].startswith("tool_")] == [
        ("agent_start", "triage"),
        ("llm_start", "triage", "Route.", 1),
        ("llm_end", "triage"),
        ("llm_start", "triage", "Route.", 3),
        ("llm_end", "triage"),
        ("handoff", "triage", "specialist"),
        ("AGENT on_handoff", "specialist", "triage"),
        ("agent_start", "specialist"),
        ("AGENT on_start", "specialist"),
        ("llm_start", "specialist", "Be precise.", 5),
        ("AGENT on_llm_start", "specialist"),
        ("llm_end", "specialist"),
        ("AGENT on_llm_end", "specialist"),
        ("agent_end", "specialist", "it is sunny"),
        ("AGENT on_end", "specialist", "it is sunny"),
    ]


async def test_on_llm_end_receives_the_model_response() -> None:
    hooks = RecordingRunHooks()
    agent = Agent("a", model=ScriptedModel([[text("hello there", chunk_size=4)]]))
    await Runner.run(agent, "hi", hooks=hooks)
    [response] = hooks.responses
    assert response.response_id is not None and response.response_id.startswith("resp_")
    assert [item.type for item in response.output] == ["message"]
    assert response.usage.requests == 1 and response.usage.output_tokens == 3


async def test_agent_hooks_see_their_own_tools_in_a_run_without_run_hooks() -> None:
    calls: list[tuple[Any, ...]] = []
    agent = Agent(
        "a",
        tools=[weather],
        hooks=RecordingAgentHooks(calls),
        model=ScriptedModel([[tool_call("weather", {"city": "Oslo"})], [text("ok")]]),
    )
    events = [e async for e in Runner.run_streamed(agent, "hi")]
    assert events[-1].type == "run_completed_stream_event"
    assert ("AGENT on_tool_start", "weather") in calls
    assert ("AGENT on_tool_end", "weather", "sunny in Oslo") in calls
    assert calls[0] == ("AGENT on_start", "a") and calls[-1] == ("AGENT on_end", "a", "ok")


@pytest.mark.parametrize("where", ["on_agent_start", "on_llm_start", "on_tool_start", "on_handoff"])
async def test_an_exception_in_a_hook_is_the_run_s_error(where: str) -> None:
    class Failing(RecordingRunHooks):
        pass

    async def boom(self: Any, *args: Any) -> None:
        raise RuntimeError(f"hook {where} failed")

    setattr(Failing, where, boom)
    stream = Runner.run_streamed(travel_agents([]), "hi", hooks=Failing())
    seen: list[str] = []
    with pytest.raises(RuntimeError, match=f"hook {where} failed"):
        async for event in stream:
            seen.append(event.type)
    assert "run_completed_stream_event" not in seen


def test_hooks_must_be_a_run_hooks() -> None:
    agent = Agent("a", model=ScriptedModel([[text("x")]]))
    with pytest.raises(UserError, match="RunHooks"):
        Runner.run_streamed(agent, "hi", hooks=object())  # type: ignore[arg-type]
    with pytest.raises(UserError, match="RunHooks"):
        Runner.run_sync(agent, "hi", hooks=RecordingAgentHooks([]))  # type: ignore[arg-type]
