"""The run loop: plain asyncio, no Rx. One async generator per run.

Per turn: call the model and pass its events through; as each output item is
done, emit its run item and start its tool at once; emit each tool output the
moment it finishes; then hand off, loop, or finish with the final output.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from openai.types.responses import ResponseFunctionToolCall, ResponseOutputMessage

from rxagents._tool_scope import sub_runner
from rxagents.agent import Agent, Handoff
from rxagents.context import RunContext
from rxagents.errors import MaxTurnsExceeded, ModelBehaviorError
from rxagents.events import (
    AgentUpdatedStreamEvent,
    RunCompletedStreamEvent,
    RunItemStreamEvent,
    StreamEvent,
    raw_event,
)
from rxagents.items import (
    HandoffCallItem,
    HandoffOutputItem,
    MessageOutputItem,
    ReasoningItem,
    RunItem,
    ToolCallItem,
    ToolCallOutputItem,
    text_of,
)
from rxagents.models.base import Model, ModelProvider, ModelRequest, ToolSpec
from rxagents.result import RunResult
from rxagents.run.nesting import NestedChannel, ParentLink
from rxagents.run.options import as_input_list, output_spec, validate_agent_graph
from rxagents.run.tool_calls import invoke_tool
from rxagents.tools import FunctionTool
from rxagents.usage import Usage

__all__ = ["RunControl", "new_run_id", "run_events"]

_ACTED_ON = frozenset(
    {
        "response.output_item.done",
        "response.completed",
        "response.incomplete",
        "response.failed",
        "error",
    }
)
"""The model events the loop does more with than pass through (one set lookup per event)."""


def new_run_id() -> str:
    """A fresh run id."""
    return f"run_{uuid.uuid4().hex}"


@dataclass
class RunControl:
    """Signals from outside a running loop (the hot handle's ``cancel(mode="after_turn")``)."""

    stop_after_turn: bool = False


def _resolve_model(agent: Agent[Any], provider: ModelProvider | None) -> Model:
    if agent.model is not None and not isinstance(agent.model, str):
        return agent.model
    if provider is None:
        from rxagents.models.provider import default_provider

        provider = default_provider()
    return provider.get_model(agent.model)


def _tool_specs(agent: Agent[Any], handoffs: Sequence[Handoff]) -> list[ToolSpec]:
    specs = [
        ToolSpec(t.name, t.description, t.params_json_schema, t.strict_json_schema)
        for t in agent.tools
    ]
    specs.extend(
        ToolSpec(h.tool_name, h.tool_description, h.input_json_schema, h.strict_json_schema)
        for h in handoffs
    )
    return specs


async def run_events(
    agent: Agent[Any],
    input: str | Sequence[dict[str, Any]],
    *,
    run_id: str,
    context: Any = None,
    max_turns: int = 10,
    model_provider: ModelProvider | None = None,
    control: RunControl | None = None,
    on_result: Callable[[RunResult], None] | None = None,
) -> AsyncIterator[StreamEvent]:
    """Run ``agent`` on ``input`` and yield every event of the run, in order.

    Closing the generator (or cancelling the task iterating it) closes the model
    stream and cancels running tools before it returns. ``on_result`` receives
    the run's result just before its ``RunCompletedStreamEvent`` is yielded.
    """
    validate_agent_graph(agent, max_turns)
    conversation = as_input_list(input)
    original_input: str | list[dict[str, Any]] = (
        input if isinstance(input, str) else [dict(i) for i in input]
    )
    usage = Usage()
    ctx: RunContext[Any] = RunContext(context=context, usage=usage)
    new_items: list[RunItem] = []
    seq = 0
    current = agent
    yield AgentUpdatedStreamEvent._fast(run_id=run_id, sequence_number=seq, new_agent=current)
    seq += 1
    turn = 0

    def item_event(name: str, item: RunItem) -> RunItemStreamEvent:
        nonlocal seq
        new_items.append(item)
        event: RunItemStreamEvent = RunItemStreamEvent._fast(
            run_id=run_id, sequence_number=seq, name=name, item=item
        )
        seq += 1
        return event

    while True:
        turn += 1
        if turn > max_turns:
            raise MaxTurnsExceeded(max_turns)
        handoffs = current.get_handoffs()
        handoffs_by_name = {h.tool_name: h for h in handoffs}
        tools_by_name = {t.name: t for t in current.tools}
        spec = output_spec(current.output_type)
        request = ModelRequest(
            instructions=await current.get_instructions(ctx),
            input=list(conversation),
            tools=_tool_specs(current, handoffs),
            output_schema=spec.schema if spec else None,
            settings=current.model_settings,
            agent_name=current.name,
        )
        stream = _resolve_model(current, model_provider).stream(request)
        last_message: ResponseOutputMessage | None = None
        handoff_calls: list[ResponseFunctionToolCall] = []
        called_tools = False
        running: set[asyncio.Task[ToolCallOutputItem]] = set()
        finished: list[asyncio.Task[ToolCallOutputItem]] = []
        wakeup = asyncio.Event()
        nested = NestedChannel(wakeup)  # events of sub-runs started by this turn's tools
        nested_pending = nested.pending

        def on_tool_done(
            task: asyncio.Task[ToolCallOutputItem],
            running: set[asyncio.Task[ToolCallOutputItem]] = running,
            finished: list[asyncio.Task[ToolCallOutputItem]] = finished,
            wakeup: asyncio.Event = wakeup,
        ) -> None:
            running.discard(task)
            if not task.cancelled():
                finished.append(task)
                wakeup.set()

        try:
            async for event in stream:
                yield raw_event(run_id, seq, event)
                data: Any = event
                seq += 1
                kind = data.type
                if kind not in _ACTED_ON:
                    pass  # deltas and most other events are only passed through
                elif kind == "response.output_item.done":
                    item: Any = data.item
                    conversation.append(item.model_dump(exclude_unset=True, mode="json"))
                    if item.type == "message":
                        last_message = item
                        yield item_event(
                            "message_output_created",
                            MessageOutputItem(agent=current, raw_item=item),
                        )
                    elif item.type == "function_call":
                        if item.name in handoffs_by_name:
                            handoff_calls.append(item)
                            yield item_event(
                                "handoff_requested", HandoffCallItem(agent=current, raw_item=item)
                            )
                        else:
                            called_tools = True
                            yield item_event(
                                "tool_called", ToolCallItem(agent=current, raw_item=item)
                            )
                            token = sub_runner.set(
                                ParentLink(
                                    nested, item.call_id, item.name, model_provider, _sub_run
                                )
                            )
                            task = asyncio.ensure_future(
                                _start_tool(
                                    asyncio.current_task(),
                                    current,
                                    tools_by_name.get(item.name),
                                    item,
                                    ctx,
                                )
                            )
                            sub_runner.reset(token)
                            running.add(task)
                            task.add_done_callback(on_tool_done)
                    elif item.type == "reasoning":
                        yield item_event(
                            "reasoning_item_created", ReasoningItem(agent=current, raw_item=item)
                        )
                elif kind == "response.completed" or kind == "response.incomplete":
                    u = data.response.usage
                    if u is None:
                        usage.add(0, 0)
                    else:
                        usage.add(u.input_tokens, u.output_tokens, u.total_tokens)
                elif kind == "response.failed" or kind == "error":
                    raise ModelBehaviorError(_failure_message(data))
                while nested_pending or finished:
                    if nested_pending:  # a tool's sub-run events come before its output
                        yield nested.take(run_id, seq)
                        seq += 1
                        continue
                    output = finished.pop(0).result()
                    conversation.append(output.raw_item)
                    yield item_event("tool_output", output)
            while running or finished or nested_pending:
                if nested_pending:
                    yield nested.take(run_id, seq)
                    seq += 1
                    continue
                if not finished:
                    wakeup.clear()
                    await wakeup.wait()
                    continue
                output = finished.pop(0).result()
                conversation.append(output.raw_item)
                yield item_event("tool_output", output)
        finally:
            for task in list(running):
                task.cancel()
            if running:
                await asyncio.gather(*running, return_exceptions=True)
            for task in finished:  # left unread when another tool's failure ended the run
                if not task.cancelled():
                    task.exception()
            aclose = getattr(stream, "aclose", None)
            if aclose is not None:
                await aclose()

        if handoff_calls:
            first, *ignored = handoff_calls
            for extra in ignored:
                conversation.append(
                    {
                        "type": "function_call_output",
                        "call_id": extra.call_id,
                        "output": "Multiple handoffs requested; only the first one was performed.",
                    }
                )
            target = handoffs_by_name[first.name]
            raw = {
                "type": "function_call_output",
                "call_id": first.call_id,
                "output": json.dumps({"assistant": target.agent.name}),
            }
            conversation.append(raw)
            if target.on_handoff is not None:
                maybe = target.on_handoff(ctx)
                if asyncio.iscoroutine(maybe):
                    await maybe
            yield item_event(
                "handoff_occured",
                HandoffOutputItem(
                    agent=current, raw_item=raw, source_agent=current, target_agent=target.agent
                ),
            )
            current = target.agent
            yield AgentUpdatedStreamEvent._fast(
                run_id=run_id, sequence_number=seq, new_agent=current
            )
            seq += 1
        elif not called_tools:
            text = text_of(last_message) if last_message is not None else ""
            final = spec.parse(text, current.name) if spec else text
            result = RunResult(
                input=original_input,
                new_items=new_items,
                final_output=final,
                last_agent=current,
                usage=usage.model_copy(),
            )
            if on_result is not None:
                on_result(result)
            yield RunCompletedStreamEvent._fast(run_id=run_id, sequence_number=seq, result=result)
            return
        if control is not None and control.stop_after_turn:
            result = RunResult(
                input=original_input,
                new_items=new_items,
                final_output=None,
                last_agent=current,
                usage=usage.model_copy(),
                interrupted=True,
            )
            if on_result is not None:
                on_result(result)
            yield RunCompletedStreamEvent._fast(run_id=run_id, sequence_number=seq, result=result)
            return


def _sub_run(
    agent: Agent[Any],
    input: str,
    *,
    context: Any,
    max_turns: int,
    model_provider: ModelProvider | None,
) -> AsyncIterator[StreamEvent]:
    """A sub-run of an agent used as a tool: the loop hands this to its tools."""
    return run_events(
        agent,
        input,
        run_id=new_run_id(),
        context=context,
        max_turns=max_turns,
        model_provider=model_provider,
    )


async def _start_tool(
    owner: asyncio.Task[Any] | None,
    agent: Agent[Any],
    tool: FunctionTool | None,
    call: ResponseFunctionToolCall,
    ctx: RunContext[Any],
) -> ToolCallOutputItem:
    """Run one tool call, unless the run was cancelled before the call's task got to start.

    A run disposed from another task (leaving ``async with``, ``RunHandle.cancel``)
    has its task cancelled at once, but tool tasks it already scheduled would
    still start on the next loop iteration, before the cancellation reaches the
    run loop's cleanup. ``owner.cancelling()`` tells them not to.
    """
    if owner is not None and owner.cancelling():
        raise asyncio.CancelledError
    return await invoke_tool(agent, tool, call, ctx)


def _failure_message(data: Any) -> str:
    if data.type == "error":
        return f"the model stream reported an error: {getattr(data, 'message', '')}"
    response = data.response
    detail = getattr(response, "error", None) or getattr(response, "incomplete_details", None)
    return f"the model response ended with status {data.type.split('.')[-1]}: {detail}"
