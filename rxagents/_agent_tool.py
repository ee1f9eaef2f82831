"""The tool an agent becomes with ``Agent.as_tool``: name checks, arguments, output.

Running the sub-agent is not done here: the run loop that calls the tool hands
over the function that runs a sub-run (:data:`rxagents._tool_scope.sub_runner`),
and that function carries the sub-run's events into the parent's stream. So this
module sits in the core vocabulary, below :mod:`rxagents.agent`, and knows
nothing of the run loop.
"""

from __future__ import annotations

import copy
import inspect
import json
import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from rxagents._tool_scope import sub_runner
from rxagents.context import RunContext
from rxagents.errors import AgentsError, UserError
from rxagents.tools import FunctionTool, ToolArgumentsError

if TYPE_CHECKING:
    from rxagents.agent import Agent
    from rxagents.result import RunResult

__all__ = ["OutputExtractor", "build_agent_tool"]

OutputExtractor = Callable[["RunResult"], Any]
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


def build_agent_tool(
    agent: Agent[Any],
    tool_name: str | None,
    tool_description: str | None,
    custom_output_extractor: OutputExtractor | None,
    max_turns: int,
) -> FunctionTool:
    """``agent`` as a one-string-argument tool (the agent graph is already validated)."""
    name = tool_name or _snake(agent.name)
    if not re.fullmatch(r"[a-zA-Z0-9_-]{1,64}", name):
        raise UserError(f"tool name {name!r} is invalid: use 1-64 letters, digits, '_' or '-'")
    description = tool_description or agent.handoff_description or f"Run the {agent.name} agent."

    async def on_invoke(ctx: RunContext[Any], arguments: str) -> Any:
        prompt = _input_of(name, arguments)
        run_sub = sub_runner.get()
        if run_sub is None:
            raise AgentsError(
                f"tool {name!r} runs agent {agent.name!r} only inside a run: give it to an "
                "agent's tools and start the run with Runner, rather than calling on_invoke"
            )
        result = await run_sub(agent, prompt, context=ctx.context, max_turns=max_turns)
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
