"""One turn of a run, in named phases, and the state a run carries from turn to turn.

A turn: build the model request (:meth:`Turn.request`); pass the model's events
through, acting on each finished output item (:meth:`Turn.act_on` emits its run
item, :meth:`Turn.start_tool` starts a called tool at once); emit sub-run events
and tool outputs as they are ready (:meth:`Turn.next_ready`), then wait for the
tools still running; close what is left (:meth:`Turn.close`); finally hand off
(:meth:`Turn.hand_off`) or finish (:meth:`Turn.final_output`). The loop that
strings turns together, and the per-event hot path, are in
:mod:`rxagents.run._loop`.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from rxagents._tool_scope import sub_runner
from rxagents.agent import Agent, Handoff
from rxagents.context import RunContext
from rxagents.errors import ModelBehaviorError
from rxagents.events import (
    AgentUpdatedStreamEvent,
    RunCompletedStreamEvent,
    RunItemStreamEvent,
    StreamEvent,
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
from rxagents.result import RunErrorDetails, RunResult
from rxagents.run._hooks import HookCalls
from rxagents.run._nesting import NestedChannel, ParentLink, StartSubRun, Wakeup
from rxagents.run._options import as_input_list, output_spec
from rxagents.run._tool_calls import start_tool
from rxagents.usage import Usage, model_call_usage

if TYPE_CHECKING:
    from openai.types.responses import ResponseFunctionToolCall, ResponseOutputMessage

__all__ = ["ACTED_ON", "LoopState", "Turn", "resolve_model"]

ACTED_ON = frozenset(
    {
        "response.output_item.done",
        "response.completed",
        "response.incomplete",
        "response.failed",
        "error",
    }
)
"""The model events a turn does more with than pass through (one set lookup per event)."""


class LoopState:
    """What a run carries across turns: its conversation, items, usage and numbering."""

    __slots__ = (
        "conversation",
        "ctx",
        "hooks",
        "input_guardrail_results",
        "new_items",
        "original_input",
        "output_guardrail_results",
        "run_id",
        "seq",
        "usage",
    )

    def __init__(
        self,
        run_id: str,
        input: str | Sequence[dict[str, Any]],
        context: Any,
        hooks: HookCalls | None = None,
    ) -> None:
        self.run_id = run_id
        self.hooks = hooks or HookCalls(None)
        self.input_guardrail_results: list[Any] = []
        self.output_guardrail_results: list[Any] = []
        self.seq = 0
        """The next event's ``sequence_number``."""
        self.conversation = as_input_list(input)
        self.original_input: str | list[dict[str, Any]] = (
            input if isinstance(input, str) else [dict(i) for i in input]
        )
        self.usage = Usage()
        self.ctx: RunContext[Any] = RunContext(context=context, usage=self.usage)
        self.new_items: list[RunItem] = []

    def item_event(self, name: str, item: RunItem, *, record: bool = True) -> RunItemStreamEvent:
        """Number ``item``'s event and, unless ``record=False``, record it as the run's next
        item (a tool output is recorded when its turn's outputs are, in call order)."""
        if record:
            self.new_items.append(item)
        event: RunItemStreamEvent = RunItemStreamEvent._fast(
            run_id=self.run_id, sequence_number=self.seq, name=name, item=item
        )
        self.seq += 1
        return event

    def error_details(self, agent: Agent[Any]) -> RunErrorDetails:
        """What the run had done when it failed, with ``agent``'s turn under way."""
        return RunErrorDetails(
            input=self.original_input,
            new_items=list(self.new_items),
            last_agent=agent,
            context_wrapper=self.ctx,
            usage=self.usage.model_copy(),
        )

    def agent_updated(self, agent: Agent[Any]) -> AgentUpdatedStreamEvent:
        """The event that ``agent`` now runs."""
        event: AgentUpdatedStreamEvent = AgentUpdatedStreamEvent._fast(
            run_id=self.run_id, sequence_number=self.seq, new_agent=agent
        )
        self.seq += 1
        return event

    def complete(
        self, final_output: Any, agent: Agent[Any], *, interrupted: bool = False
    ) -> RunCompletedStreamEvent:
        """The run's last event, carrying its result."""
        result = RunResult(
            input=self.original_input,
            new_items=self.new_items,
            final_output=final_output,
            last_agent=agent,
            usage=self.usage.model_copy(),
            interrupted=interrupted,
            input_guardrail_results=list(self.input_guardrail_results),
            output_guardrail_results=list(self.output_guardrail_results),
        )
        event: RunCompletedStreamEvent = RunCompletedStreamEvent._fast(
            run_id=self.run_id, sequence_number=self.seq, result=result
        )
        return event


def resolve_model(agent: Agent[Any], provider: ModelProvider | None) -> Model:
    """The agent's model: itself, or its name (or the default) looked up by the provider."""
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


class Turn:
    """One model call of ``agent`` and the tool calls and handoff it asks for."""

    __slots__ = (
        "agent",
        "called_tools",
        "finished",
        "handoff_calls",
        "handoffs",
        "last_message",
        "model_provider",
        "nested",
        "outputs",
        "response",
        "run",
        "running",
        "spec",
        "start_sub_run",
        "to_start",
        "tools_by_name",
        "wakeup",
    )

    def __init__(
        self,
        run: LoopState,
        agent: Agent[Any],
        model_provider: ModelProvider | None,
        start_sub_run: StartSubRun,
    ) -> None:
        self.run = run
        self.agent = agent
        self.model_provider = model_provider
        self.start_sub_run = start_sub_run
        self.handoffs = {h.tool_name: h for h in agent.get_handoffs()}
        self.tools_by_name = {t.name: t for t in agent.tools}
        self.spec = output_spec(agent.output_type)
        self.last_message: ResponseOutputMessage | None = None
        self.response: Any = None
        """The model's finished response (``response.completed``), for ``on_llm_end``."""
        self.handoff_calls: list[ResponseFunctionToolCall] = []
        self.called_tools = False
        self.to_start: ResponseFunctionToolCall | None = None
        self.running: set[asyncio.Task[ToolCallOutputItem]] = set()
        self.finished: list[asyncio.Task[ToolCallOutputItem]] = []
        self.wakeup = Wakeup()
        self.nested = NestedChannel(self.wakeup)  # events of sub-runs started by its tools
        self.outputs: dict[str, ToolCallOutputItem | None] = {}
        """This turn's tool calls in model order, each with its output once it is done."""

    async def request(self) -> ModelRequest:
        """Phase 1: what the model is asked this turn."""
        agent = self.agent
        return ModelRequest(
            instructions=await agent.get_instructions(self.run.ctx),
            input=list(self.run.conversation),
            tools=_tool_specs(agent, list(self.handoffs.values())),
            output_schema=self.spec.schema if self.spec else None,
            settings=agent.model_settings,
            agent_name=agent.name,
        )

    def act_on(self, data: Any) -> StreamEvent | None:
        """Phase 2, per model event in :data:`ACTED_ON`: the run item it makes, if any."""
        kind = data.type
        if kind == "response.output_item.done":
            return self._item_done(data.item)
        if kind == "response.completed" or kind == "response.incomplete":
            self.response = data.response
            self.run.usage.add_reported(data.response.usage)
            return None
        raise ModelBehaviorError(_failure_message(data))

    def _item_done(self, item: Any) -> StreamEvent | None:
        run = self.run
        run.conversation.append(item.model_dump(exclude_unset=True, mode="json"))
        if item.type == "message":
            self.last_message = item
            return run.item_event(
                "message_output_created", MessageOutputItem(agent=self.agent, raw_item=item)
            )
        if item.type == "reasoning":
            return run.item_event(
                "reasoning_item_created", ReasoningItem(agent=self.agent, raw_item=item)
            )
        if item.type != "function_call":
            return None
        if item.name in self.handoffs:
            self.handoff_calls.append(item)
            return run.item_event(
                "handoff_requested", HandoffCallItem(agent=self.agent, raw_item=item)
            )
        self.called_tools = True
        self.to_start = item  # started once its tool_called event is out
        self.outputs[item.call_id] = None
        return run.item_event("tool_called", ToolCallItem(agent=self.agent, raw_item=item))

    def start_tool(self) -> None:
        """Phase 2, after a ``tool_called`` event is out: start that call's tool at once."""
        call = self.to_start
        assert call is not None
        self.to_start = None
        # The tool task inherits, through its context, how to run a sub-agent as part
        # of this call (an agent used as a tool): the loop hands it that function.
        link = ParentLink(
            self.nested, call.call_id, call.name, self.model_provider, self.start_sub_run
        )
        token = sub_runner.set(link)
        task = asyncio.ensure_future(
            start_tool(
                asyncio.current_task(),
                self.agent,
                self.tools_by_name.get(call.name),
                call,
                self.run.ctx,
                self.run.hooks,
            )
        )
        sub_runner.reset(token)
        self.running.add(task)
        task.add_done_callback(self._tool_done)

    def _tool_done(self, task: asyncio.Task[ToolCallOutputItem]) -> None:
        self.running.discard(task)
        if not task.cancelled():
            self.finished.append(task)
            self.wakeup.set()

    def next_ready(self) -> StreamEvent:
        """Phase 3: the next sub-run event or, with none pending, the next tool output.

        A tool's sub-run events come before its output. Call only while
        ``nested.pending or finished``.
        """
        run = self.run
        if self.nested.pending:
            event = self.nested.take(run.run_id, run.seq)
            run.seq += 1
            reported = model_call_usage(event.innermost)
            if reported is not False:  # a sub-run's model call counts in its parent, as the SDK
                run.usage.add_reported(reported)
            return event
        output = self.finished.pop(0).result()
        self.outputs[output.call_id] = output
        return run.item_event("tool_output", output, record=False)

    def record_outputs(self) -> None:
        """Phase 4b, once every tool is done: the outputs join the conversation and the
        run's items in the order of the calls (as the SDK has them), whatever order the
        tools finished in; their events went out as each finished."""
        run = self.run
        for output in self.outputs.values():
            if output is not None:
                run.conversation.append(output.raw_item)
                run.new_items.append(output)

    async def wait(self) -> None:
        """Phase 3, once the model is done: wait until a tool or sub-run has news."""
        self.wakeup.clear()
        await self.wakeup.wait()

    async def close(self, stream: Any) -> None:
        """Phase 4, however the turn ended: cancel running tools, close the model stream."""
        for task in list(self.running):
            task.cancel()
        if self.running:
            await asyncio.gather(*self.running, return_exceptions=True)
        for task in self.finished:  # left unread when another tool's failure ended the run
            if not task.cancelled():
                task.exception()
        aclose = getattr(stream, "aclose", None)
        if aclose is not None:
            await aclose()

    async def hand_off(self) -> tuple[list[StreamEvent], Agent[Any]]:
        """Phase 5a: perform the first handoff asked for; its events and the new agent."""
        conversation = self.run.conversation
        first, *ignored = self.handoff_calls
        for extra in ignored:
            conversation.append(
                {
                    "type": "function_call_output",
                    "call_id": extra.call_id,
                    "output": "Multiple handoffs requested; only the first one was performed.",
                }
            )
        target = self.handoffs[first.name]
        raw = {
            "type": "function_call_output",
            "call_id": first.call_id,
            "output": json.dumps({"assistant": target.agent.name}),
        }
        conversation.append(raw)
        if target.on_handoff is not None:
            maybe = target.on_handoff(self.run.ctx)
            if asyncio.iscoroutine(maybe):
                await maybe
        source = self.agent
        await self.run.hooks.handoff(self.run.ctx, source, target.agent)
        item = HandoffOutputItem(
            agent=source, raw_item=raw, source_agent=source, target_agent=target.agent
        )
        occurred = self.run.item_event("handoff_occured", item)
        return [occurred, self.run.agent_updated(target.agent)], target.agent

    def final_output(self) -> Any:
        """Phase 5b: the turn's last message as the run's final output (validated if typed)."""
        text = text_of(self.last_message) if self.last_message is not None else ""
        return self.spec.parse(text, self.agent.name) if self.spec else text


def _failure_message(data: Any) -> str:
    if data.type == "error":
        return f"the model stream reported an error: {getattr(data, 'message', '')}"
    response = data.response
    detail = getattr(response, "error", None) or getattr(response, "incomplete_details", None)
    return f"the model response ended with status {data.type.split('.')[-1]}: {detail}"
