"""Running one tool call and turning its result into a ToolCallOutputItem."""

from __future__ import annotations

import asyncio
import inspect
import logging
from typing import TYPE_CHECKING, Any

from rxagents.agent import Agent
from rxagents.context import RunContext
from rxagents.errors import ToolExecutionError, UserError
from rxagents.items import ToolCallOutputItem, tool_output_text
from rxagents.run._hooks import HookCalls
from rxagents.tools import FunctionTool, ToolArgumentsError

if TYPE_CHECKING:
    from openai.types.responses import ResponseFunctionToolCall

__all__ = ["invoke_tool", "output_text", "start_tool"]

log = logging.getLogger("rxagents.tools")
"""Where failed tool calls are logged, exception and traceback included."""


output_text = tool_output_text
"""How a tool's return value is shown to the model (see :func:`rxagents.items.tool_output_text`)."""


def _output_item(
    agent: Agent[Any],
    call: ResponseFunctionToolCall,
    value: Any,
    is_error: bool,
    error: Exception | None = None,
) -> ToolCallOutputItem:
    raw = {"type": "function_call_output", "call_id": call.call_id, "output": output_text(value)}
    return ToolCallOutputItem(
        agent=agent, raw_item=raw, output=value, is_error=is_error, error=error
    )


async def invoke_tool(
    agent: Agent[Any],
    tool: FunctionTool | None,
    call: ResponseFunctionToolCall,
    ctx: RunContext[Any],
    hooks: HookCalls | None = None,
) -> ToolCallOutputItem:
    """Run one call. A failure the model may recover from comes back to it as the call's
    output: the tool's ``failure_error_function`` text, never the exception's own message
    (unless that function says so). The exception itself goes to the output item's
    ``error`` and to the ``rxagents.tools`` log.

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
    except Exception as exc:
        fails_run = tool.failure_error_function is None or (
            agent.tool_error_behavior == "raise" and not isinstance(exc, ToolArgumentsError)
        )
        if fails_run:
            raise ToolExecutionError(call.name, call.call_id, exc) from exc
        log.warning(
            "tool %r (call %s) failed with %s",
            call.name,
            call.call_id,
            type(exc).__name__,
            exc_info=exc,
        )
        message = await _error_text(tool, ctx, call, exc)
        return _output_item(agent, call, message, True, exc)
    if hooks is not None:
        await hooks.tool_end(ctx, agent, tool, value)
    return _output_item(agent, call, value, False)


async def _error_text(
    tool: FunctionTool, ctx: RunContext[Any], call: ResponseFunctionToolCall, exc: Exception
) -> str:
    """What the model is told about ``exc`` (the tool's failure_error_function decides)."""
    describe = tool.failure_error_function
    assert describe is not None
    try:
        text = describe(ctx, exc)
        if inspect.isawaitable(text):
            text = await text
    except Exception as failure:
        raise UserError(
            f"the failure_error_function of tool {call.name!r} raised "
            f"{type(failure).__name__} while describing a {type(exc).__name__}; "
            "make it return a string for any exception"
        ) from failure
    return str(text)


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
