"""Running one tool call and turning its result into a ToolCallOutputItem."""

from __future__ import annotations

from typing import Any

from openai.types.responses import ResponseFunctionToolCall

from rxagents.agent import Agent
from rxagents.context import RunContext
from rxagents.errors import ToolExecutionError
from rxagents.items import ToolCallOutputItem, tool_output_text
from rxagents.tools import FunctionTool, ToolArgumentsError

__all__ = ["invoke_tool", "output_text"]


output_text = tool_output_text
"""How a tool's return value is shown to the model (see :func:`rxagents.items.tool_output_text`)."""


def _output_item(
    agent: Agent[Any], call: ResponseFunctionToolCall, value: Any, is_error: bool
) -> ToolCallOutputItem:
    raw = {"type": "function_call_output", "call_id": call.call_id, "output": output_text(value)}
    return ToolCallOutputItem(agent=agent, raw_item=raw, output=value, is_error=is_error)


async def invoke_tool(
    agent: Agent[Any],
    tool: FunctionTool | None,
    call: ResponseFunctionToolCall,
    ctx: RunContext[Any],
) -> ToolCallOutputItem:
    """Run one call. Mistakes the model can fix come back to it as the call's output."""
    if tool is None:
        available = ", ".join(t.name for t in agent.tools) or "none"
        message = f"Error: tool {call.name!r} does not exist. Available tools: {available}."
        return _output_item(agent, call, message, True)
    try:
        value = await tool.on_invoke(ctx, call.arguments)
    except ToolArgumentsError as exc:
        return _output_item(agent, call, f"Error: {exc}", True)
    except Exception as exc:
        if agent.tool_error_behavior == "raise":
            raise ToolExecutionError(call.name, call.call_id, exc) from exc
        message = f"Error: tool {call.name!r} raised {type(exc).__name__}: {exc}"
        return _output_item(agent, call, message, True)
    return _output_item(agent, call, value, False)
