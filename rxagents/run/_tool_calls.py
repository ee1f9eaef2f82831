"""Running one tool call and turning its result into a ToolCallOutputItem."""

from __future__ import annotations

import asyncio
import json
from typing import TYPE_CHECKING, Any

from pydantic import BaseModel

from rxagents.agent import Agent
from rxagents.context import RunContext
from rxagents.errors import ToolExecutionError
from rxagents.items import ToolCallOutputItem
from rxagents.run._hooks import HookCalls
from rxagents.tools import FunctionTool, ToolArgumentsError

if TYPE_CHECKING:
    from openai.types.responses import ResponseFunctionToolCall

__all__ = ["invoke_tool", "output_text", "start_tool"]


def output_text(value: Any) -> str:
    """How a tool's return value is shown to the model."""
    if isinstance(value, str):
        return value
    if isinstance(value, BaseModel):
        return value.model_dump_json()
    try:
        return json.dumps(value, default=str)
    except (TypeError, ValueError):
        return str(value)


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
    hooks: HookCalls | None = None,
) -> ToolCallOutputItem:
    """Run one call. Mistakes the model can fix come back to it as the call's output.

    ``hooks`` (the run's lifecycle hooks) hear of the call just before the tool runs
    and just after it returns; an exception in a hook fails the run.
    """
    if tool is None:
        available = ", ".join(t.name for t in agent.tools) or "none"
        message = f"Error: tool {call.name!r} does not exist. Available tools: {available}."
        return _output_item(agent, call, message, True)
    if hooks is not None:
        await hooks.tool_start(ctx, agent, tool)
    try:
        value = await tool.on_invoke(ctx, call.arguments)
    except ToolArgumentsError as exc:
        return _output_item(agent, call, f"Error: {exc}", True)
    except Exception as exc:
        if agent.tool_error_behavior == "raise":
            raise ToolExecutionError(call.name, call.call_id, exc) from exc
        message = f"Error: tool {call.name!r} raised {type(exc).__name__}: {exc}"
        return _output_item(agent, call, message, True)
    if hooks is not None:
        await hooks.tool_end(ctx, agent, tool, value)
    return _output_item(agent, call, value, False)


async def start_tool(
    owner: asyncio.Task[Any] | None,
    agent: Agent[Any],
    tool: FunctionTool | None,
    call: ResponseFunctionToolCall,
    ctx: RunContext[Any],
    hooks: HookCalls | None = None,
) -> ToolCallOutputItem:
    """Run one tool call, unless the run was cancelled before the call's task got to start.

    A run disposed from another task (leaving ``async with``, ``RunHandle.cancel``)
    has its task cancelled at once, but tool tasks it already scheduled would
    still start on the next loop iteration, before the cancellation reaches the
    run loop's cleanup. ``owner.cancelling()`` tells them not to.
    """
    if owner is not None and owner.cancelling():
        raise asyncio.CancelledError
    return await invoke_tool(agent, tool, call, ctx, hooks)
