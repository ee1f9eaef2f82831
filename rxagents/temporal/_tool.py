"""The tool-call activity: one tool call, run at most once to completion.

The call's output is written to the run's stream together with a record of it
(one script call): an attempt that finds the record returns it without running
the tool, so even a worker lost between finishing a tool and reporting it to
Temporal does not run the tool twice.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
from collections.abc import AsyncIterator
from typing import Any

from openai.types.responses import ResponseFunctionToolCall
from temporalio import activity

from rxagents._tool_scope import sub_runner
from rxagents.agent import Agent
from rxagents.context import RunContext
from rxagents.errors import AgentsError
from rxagents.events import RunItemStreamEvent, StreamEvent
from rxagents.items import ToolCallOutputItem
from rxagents.models.base import ModelProvider
from rxagents.run import new_run_id, run_events
from rxagents.run._nesting import NestedChannel, ParentLink
from rxagents.run._tool_calls import invoke_tool
from rxagents.temporal._publish import EventWriter, StreamEnded, recorded
from rxagents.temporal._shared import WorkerShared, heartbeating, non_retryable
from rxagents.temporal._types import ToolInput, ToolOutput
from rxagents.tools import FunctionTool, ToolArgumentsError

__all__ = ["run_tool"]


class _TryAgain(BaseException):
    """A tool raised on an attempt that is not the last: Temporal retries the activity.

    A BaseException, so that the tool-call code (which turns an ``Exception`` into
    the call's error output) lets it through.
    """

    def __init__(self, error: Exception) -> None:
        super().__init__(str(error))
        self.error = error


def _retrying(tool: FunctionTool) -> FunctionTool:
    """``tool``, its failures (other than bad arguments) raised as :class:`_TryAgain`."""
    invoke = tool.on_invoke

    async def on_invoke(ctx: RunContext[Any], arguments: str) -> Any:
        try:
            return await invoke(ctx, arguments)
        except ToolArgumentsError:
            raise
        except Exception as exc:
            raise _TryAgain(exc) from exc

    return dataclasses.replace(tool, on_invoke=on_invoke)


def _sub_run(
    agent: Agent[Any],
    input: str,
    *,
    context: Any,
    max_turns: int,
    model_provider: ModelProvider | None,
) -> AsyncIterator[StreamEvent]:
    """A sub-run of an agent used as a tool: in process, inside the tool's activity."""
    return run_events(
        agent, input, run_id=new_run_id(), context=context, max_turns=max_turns,
        model_provider=model_provider,
    )  # fmt: skip


async def _invoke_with_subruns(
    shared: WorkerShared,
    inp: ToolInput,
    agent: Agent[Any],
    tool: FunctionTool | None,
    call: ResponseFunctionToolCall,
) -> ToolCallOutputItem:
    """Run the call; events of sub-runs it starts (an agent used as a tool) go to the
    stream as ``NestedRunEvent``s as they come, before the call's output."""
    info = activity.info()
    wakeup = asyncio.Event()
    channel = NestedChannel(wakeup)
    link = ParentLink(channel, call.call_id, call.name, shared.model_provider, _sub_run)
    token = sub_runner.set(link)
    task = asyncio.ensure_future(invoke_tool(agent, tool, call, RunContext(context=None)))
    sub_runner.reset(token)
    task.add_done_callback(lambda _task: wakeup.set())
    writer: EventWriter | None = None
    try:
        while True:
            while channel.pending:
                if writer is None:
                    scope = f"nested:{info.activity_id}:{info.attempt}:{info.workflow_run_id}"
                    writer = shared.writer(inp.run_id, inp.prefix, scope)
                writer.put(channel.take(inp.run_id, 0))
            if task.done():
                break
            wakeup.clear()
            await wakeup.wait()
        if writer is not None:
            await writer.close()
        return task.result()
    finally:
        if not task.done():
            task.cancel()
            await asyncio.gather(task, return_exceptions=True)
        if writer is not None:
            writer.abort()


async def run_tool(shared: WorkerShared, inp: ToolInput) -> ToolOutput:
    """Run one tool call (unless an earlier attempt finished it) and emit its ``tool_output``."""
    info = activity.info()
    field = f"o:{info.activity_id}:{info.workflow_run_id}"
    done = await recorded(shared.redis, inp.prefix, inp.run_id, field)
    if done is not None:
        return ToolOutput(**json.loads(done))
    agent = shared.agent(inp.agent)
    call = ResponseFunctionToolCall.model_validate(inp.call)
    tool = next((t for t in agent.tools if t.name == call.name), None)
    if tool is not None and info.attempt < inp.maximum_attempts:
        tool = _retrying(tool)
    try:
        async with heartbeating():
            item = await _invoke_with_subruns(shared, inp, agent, tool, call)
    except _TryAgain as again:
        raise again.error from None
    except AgentsError as exc:
        raise non_retryable(exc) from None
    output = ToolOutput(item.model_dump(mode="json", by_alias=True), dict(item.raw_item))
    writer = shared.writer(
        inp.run_id, inp.prefix, f"tool:{info.activity_id}:{info.workflow_run_id}",
        record=(field, json.dumps(dataclasses.asdict(output))),
    )  # fmt: skip
    event: RunItemStreamEvent = RunItemStreamEvent._fast(
        run_id=inp.run_id, sequence_number=0, name="tool_output", item=item
    )
    writer.put(event)
    try:
        await writer.close()
    except StreamEnded as exc:  # the run was cancelled meanwhile
        raise non_retryable(exc) from None
    return output
