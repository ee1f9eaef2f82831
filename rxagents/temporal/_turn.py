"""The model-turn activity: one model call, its events streamed to Redis as they arrive."""

from __future__ import annotations

import asyncio
from typing import Any

from pydantic import TypeAdapter
from temporalio import activity

from rxagents.agent import Agent, Handoff
from rxagents.context import RunContext
from rxagents.errors import AgentsError, ModelBehaviorError
from rxagents.events import (
    RunItemStreamEvent,
    TurnRestartedStreamEvent,
    raw_event,
)
from rxagents.guardrail import GuardrailResultRef
from rxagents.items import (
    HandoffCallItem,
    MessageOutputItem,
    ReasoningItem,
    RunItem,
    ToolCallItem,
    text_of,
)
from rxagents.models.base import Model, ModelProvider, ModelRequest, ToolSpec
from rxagents.redis.errors import RedisUnavailable
from rxagents.run._guardrails import InputGuards
from rxagents.run._options import output_spec
from rxagents.temporal._publish import EventWriter, Fenced, StreamEnded, claim_turn
from rxagents.temporal._shared import WorkerShared, heartbeating, non_retryable
from rxagents.temporal._types import TurnInput, TurnOutput

__all__ = ["run_turn"]

_ACTED_ON = frozenset(
    {"response.output_item.done", "response.completed", "response.incomplete",
     "response.failed", "error"}
)  # fmt: skip


def _model_of(agent: Agent[Any], provider: ModelProvider | None) -> Model:
    if agent.model is not None and not isinstance(agent.model, str):
        return agent.model
    if provider is None:
        from rxagents.models.provider import default_provider

        provider = default_provider()
    return provider.get_model(agent.model)


async def _request(agent: Agent[Any], conversation: list[dict[str, Any]]) -> ModelRequest:
    """What the in-process run loop asks the model for this agent and conversation."""
    specs = [
        ToolSpec(t.name, t.description, t.params_json_schema, t.strict_json_schema)
        for t in agent.tools
    ]
    specs.extend(
        ToolSpec(
            h.tool_name,
            h.tool_description,
            {"type": "object", "properties": {}, "additionalProperties": False},
        )
        for h in agent.get_handoffs()
    )
    spec = output_spec(agent.output_type)
    return ModelRequest(
        instructions=await agent.get_instructions(RunContext(context=None)),
        input=conversation,
        tools=specs,
        output_schema=spec.schema if spec else None,
        settings=agent.model_settings,
        agent_name=agent.name,
    )


class _Turn:
    """The state of one turn while its events stream by."""

    def __init__(self, run_id: str, agent: Agent[Any], writer: EventWriter) -> None:
        self.run_id = run_id
        self.agent = agent
        self.writer = writer
        self.handoffs: dict[str, Handoff] = {h.tool_name: h for h in agent.get_handoffs()}
        self.out = TurnOutput([], [], [], [], None)

    def item(self, name: str, item: RunItem) -> None:
        self.out.items.append(item.model_dump(mode="json", by_alias=True))
        event: RunItemStreamEvent = RunItemStreamEvent._fast(
            run_id=self.run_id, sequence_number=0, name=name, item=item
        )
        self.writer.put(event)

    def done(self, item: Any) -> None:
        """An output item is complete: keep it for the conversation and emit its run item."""
        self.out.conversation_items.append(item.model_dump(exclude_unset=True, mode="json"))
        agent = self.agent
        if item.type == "message":
            self.out.final_text = text_of(item)
            self.item("message_output_created", MessageOutputItem(agent=agent, raw_item=item))
        elif item.type == "function_call":
            raw = item.model_dump(mode="json")
            target = self.handoffs.get(item.name)
            if target is not None:
                self.out.handoff_calls.append({"call": raw, "target": target.agent.name})
                self.item("handoff_requested", HandoffCallItem(agent=agent, raw_item=item))
            else:
                self.out.tool_calls.append(raw)
                self.item("tool_called", ToolCallItem(agent=agent, raw_item=item))
        elif item.type == "reasoning":
            self.item("reasoning_item_created", ReasoningItem(agent=agent, raw_item=item))

    def usage(self, data: Any) -> None:
        u = data.response.usage
        if u is not None:
            self.out.input_tokens += u.input_tokens
            self.out.output_tokens += u.output_tokens
            self.out.total_tokens += u.total_tokens


_RESULT_SUMMARY: TypeAdapter[Any] = TypeAdapter(GuardrailResultRef)


def _summary(result: Any) -> Any:
    """A guardrail result as the JSON summary a RunResult carries across processes."""
    return _RESULT_SUMMARY.dump_python(result, mode="json")


def _failure(data: Any) -> ModelBehaviorError:
    if data.type == "error":
        return ModelBehaviorError(
            f"the model stream reported an error: {getattr(data, 'message', '')}"
        )
    response = data.response
    detail = getattr(response, "error", None) or getattr(response, "incomplete_details", None)
    return ModelBehaviorError(
        f"the model response ended with status {data.type.split('.')[-1]}: {detail}"
    )


async def _announce_restart(writer: EventWriter, inp: TurnInput, start: int | None) -> None:
    info = activity.info()
    if start is None:
        return  # no earlier attempt wrote anything: nothing to take back
    writer.put(
        TurnRestartedStreamEvent(
            run_id=inp.run_id, sequence_number=0, turn=inp.turn, attempt=info.attempt,
            discard_from=start,
            reason="the worker streaming this turn was lost; the model is called again",
        )
    )  # fmt: skip


async def _flush(writer: EventWriter) -> None:
    """Write what is queued before the turn fails; give up quietly if the stream refuses."""
    try:
        await writer.close()
    except AgentsError:
        writer.abort()


async def run_turn(shared: WorkerShared, inp: TurnInput) -> TurnOutput:
    """Call the model once for ``inp.agent`` and stream the turn's events to the run's stream."""
    info = activity.info()
    agent = shared.agent(inp.agent)
    scope = f"turn:{inp.turn}:{info.attempt}:{info.workflow_run_id}"
    mark = f"t:{inp.turn}"
    start = await claim_turn(shared.redis, inp.prefix, inp.run_id, scope, mark)
    writer = shared.writer(inp.run_id, inp.prefix, scope, fence=True, turn_mark=mark)
    turn = _Turn(inp.run_id, agent, writer)
    try:
        async with heartbeating():
            await _announce_restart(writer, inp, start)
            guards = InputGuards(agent, inp.original_input or "", RunContext(context=None))
            if inp.original_input is not None:
                await guards.start()  # the first turn: the starting agent's input guardrails
            stream = guards.watch(
                _model_of(agent, shared.model_provider).stream(
                    await _request(agent, inp.conversation)
                )
            )
            try:
                async for event in stream:
                    writer.put(raw_event(inp.run_id, 0, event))
                    data: Any = event
                    kind = data.type
                    if kind not in _ACTED_ON:
                        continue
                    if kind == "response.output_item.done":
                        turn.done(data.item)
                    elif kind == "response.completed" or kind == "response.incomplete":
                        turn.usage(data)
                    else:
                        raise _failure(data)
                await guards.settle()
                turn.out.guardrails = [_summary(r) for r in guards.results]
            finally:  # cancelled (the run was cancelled) or failed: close the model stream
                guards.close()
                aclose: Any = getattr(stream, "aclose", None)
                if aclose is not None:
                    await aclose()
            await writer.close()
    except asyncio.CancelledError:
        writer.abort()
        raise
    except RedisUnavailable:  # retried: the next attempt announces a restarted turn
        writer.abort()
        raise
    except (Fenced, StreamEnded) as exc:
        writer.abort()
        raise non_retryable(exc) from None
    except AgentsError as exc:  # the model's own failure: its events so far stay in the stream
        await _flush(writer)
        raise non_retryable(exc) from None
    except Exception:  # retried (a dropped connection...): what the model sent was seen
        await _flush(writer)
        raise
    return turn.out
