"""An agent used as a tool by another agent, its own events visible in the parent's stream.

The OpenAI Agents SDK's ``Agent.as_tool`` runs the sub-agent out of sight: its
tokens, tool calls and handoffs never reach the parent's stream (the SDK's
issue 864). Here every event of the sub-run reaches the parent's Observable as a
:class:`~rxagents.events.NestedRunEvent` tagged with its path (parent run ->
tool call -> sub-run), in order, before the tool's ``tool_output``. Select or
flatten them with ``rxo.nested_events`` / ``rxo.flatten_nested`` /
``rxo.top_level``.
"""

from __future__ import annotations

import copy
import inspect
import json
import re
from collections.abc import Callable
from typing import Any

from rxagents.agent import Agent
from rxagents.context import RunContext
from rxagents.errors import AgentsError, UserError
from rxagents.events import RunCompletedStreamEvent
from rxagents.result import RunResult
from rxagents.run.nesting import parent_link
from rxagents.run.options import validate_agent_graph
from rxagents.tools import FunctionTool, ToolArgumentsError

__all__ = ["agent_tool"]

OutputExtractor = Callable[[RunResult], Any]
"""Turns the sub-run's result into the tool's output (sync or async)."""

_PARAMS: dict[str, Any] = {
    # Key for key the schema the SDK sends for an agent used as a tool, so that the
    # model sees the same tool whichever library runs it.
    "title": "AgentAsToolInput",
    "description": "Default input schema for agent-as-tool calls.",
    "type": "object",
    "properties": {"input": {"title": "Input", "type": "string"}},
    "required": ["input"],
    "additionalProperties": False,
}


def _snake(name: str) -> str:
    snake = re.sub(r"[^a-zA-Z0-9_-]", "_", name.strip()).lower()
    return snake[:64] or "agent"


def agent_tool(
    agent: Agent[Any],
    tool_name: str | None = None,
    tool_description: str | None = None,
    *,
    custom_output_extractor: OutputExtractor | None = None,
    max_turns: int = 10,
) -> FunctionTool:
    """``agent`` as a :class:`~rxagents.FunctionTool` taking one string, ``input``.

    Each call runs ``agent`` on ``input`` as a sub-run (with the parent run's
    ``context`` and model provider; its own usage) and returns the sub-run's
    final output. Inside a run, every event of the sub-run also appears in the
    parent's stream as a ``NestedRunEvent``; a sub-run's failure becomes the
    tool call's error output (or fails the parent, with
    ``tool_error_behavior="raise"``), as any tool's.

    Args:
        agent: the agent to run for each call.
        tool_name: the name the model calls it by (default: the agent's name in
            snake case).
        tool_description: what it does, for the model (default: the agent's
            ``handoff_description``).
        custom_output_extractor: ``RunResult -> output`` (sync or async); the
            default is the sub-run's ``final_output``.
        max_turns: the sub-run's turn limit.

    Example:
        >>> researcher = Agent("researcher", instructions="Find facts.", tools=[search])
        >>> writer = Agent("writer", tools=[researcher.as_tool("research", "Find facts")])
        >>> Runner.run_streamed(writer, "...").pipe(rxo.nested_events(tool="research"))
    """
    validate_agent_graph(agent, max_turns)
    name = tool_name or _snake(agent.name)
    if not re.fullmatch(r"[a-zA-Z0-9_-]{1,64}", name):
        raise UserError(f"tool name {name!r} is invalid: use 1-64 letters, digits, '_' or '-'")
    description = tool_description or agent.handoff_description or f"Run the {agent.name} agent."

    async def on_invoke(ctx: RunContext[Any], arguments: str) -> Any:
        from rxagents.run.loop import run_events
        from rxagents.run.runner import new_run_id

        prompt = _input_of(name, arguments)
        link = parent_link.get()
        result: RunResult | None = None
        events = run_events(
            agent,
            prompt,
            run_id=new_run_id(),
            context=ctx.context,
            max_turns=max_turns,
            model_provider=link.model_provider if link is not None else None,
        )
        try:
            async for event in events:
                if link is not None:
                    await link.channel.put(link.call_id, link.tool_name, event)
                if isinstance(event, RunCompletedStreamEvent):
                    result = event.result
        finally:  # cancelled with the parent's tool task: close the sub-run's model stream
            aclose: Any = getattr(events, "aclose", None)
            if aclose is not None:
                await aclose()
        if result is None:
            raise AgentsError(f"the sub-run of tool {name!r} ended without a result")
        if custom_output_extractor is None:
            return result.final_output
        value = custom_output_extractor(result)
        if inspect.isawaitable(value):
            value = await value
        return value

    return FunctionTool(
        name=name,
        description=description,
        params_json_schema=copy.deepcopy(_PARAMS),
        on_invoke=on_invoke,
        strict_json_schema=True,
    )


def _input_of(name: str, arguments: str) -> str:
    try:
        raw = json.loads(arguments) if arguments.strip() else {}
    except json.JSONDecodeError as exc:
        raise ToolArgumentsError(
            f"arguments for tool {name!r} are not valid JSON ({exc.msg}): {arguments[:200]!r}"
        ) from None
    value = raw.get("input") if isinstance(raw, dict) else None
    if not isinstance(value, str):
        raise ToolArgumentsError(
            f'tool {name!r} takes {{"input": "<text for the agent>"}}, got {arguments[:200]!r}'
        )
    return value
