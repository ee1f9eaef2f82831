"""The emit activity: the events the workflow itself decides (start, handoff, result, end)."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from pydantic import TypeAdapter

from rxagents.context import RunContext
from rxagents.errors import AgentsError, MaxTurnsExceeded, RunCancelled
from rxagents.events import AgentUpdatedStreamEvent, RunCompletedStreamEvent, RunItemStreamEvent
from rxagents.items import HandoffOutputItem, RunItem
from rxagents.redis._codec import error_from_json
from rxagents.redis.errors import WorkerLost
from rxagents.result import RunResult, Usage
from rxagents.run._guardrails import run_output_guardrails
from rxagents.run._options import output_spec
from rxagents.temporal._publish import EventWriter, StreamEnded
from rxagents.temporal._shared import WorkerShared, non_retryable
from rxagents.temporal._types import EmitInput

__all__ = ["emit"]

_ITEMS: TypeAdapter[list[RunItem]] = TypeAdapter(list[RunItem])


def _agent_updated(run_id: str, agent: Any) -> AgentUpdatedStreamEvent:
    event: AgentUpdatedStreamEvent = AgentUpdatedStreamEvent._fast(
        run_id=run_id, sequence_number=0, new_agent=agent
    )
    return event


async def _handoff(shared: WorkerShared, inp: EmitInput, writer: EventWriter) -> dict[str, Any]:
    source, target = shared.agent(inp.data["source"]), shared.agent(inp.data["target"])
    handoff = next((h for h in source.get_handoffs() if h.agent.name == target.name), None)
    if handoff is not None and handoff.on_handoff is not None:
        maybe = handoff.on_handoff(RunContext(context=None, usage=Usage()))
        if asyncio.iscoroutine(maybe):
            await maybe
    item = HandoffOutputItem(
        agent=source, raw_item=inp.data["raw"], source_agent=source, target_agent=target
    )
    event: RunItemStreamEvent = RunItemStreamEvent._fast(
        run_id=inp.run_id, sequence_number=0, name="handoff_occured", item=item
    )
    writer.put(event)
    writer.put(_agent_updated(inp.run_id, target))
    return {"item": item.model_dump(mode="json", by_alias=True)}


async def _result(shared: WorkerShared, inp: EmitInput) -> RunResult:
    _, graph = shared.agents()
    agent = shared.agent(inp.data["agent"])
    text = inp.data["final_text"] or ""
    spec = output_spec(agent.output_type)
    final = spec.parse(text, agent.name) if spec else text
    checked = await run_output_guardrails(agent, final, RunContext(context=None))
    return RunResult(
        input=inp.data["input"],
        new_items=_ITEMS.validate_python(inp.data["items"], context={"agents": graph}),
        final_output=final,
        last_agent=agent,
        usage=Usage(**inp.data["usage"]),
        input_guardrail_results=list(inp.data.get("input_guardrails") or []),
        output_guardrail_results=checked,
    )


def _error(inp: EmitInput) -> BaseException:
    if inp.kind == "cancelled":
        return RunCancelled(f"run {inp.run_id} was cancelled")
    if inp.kind == "max_turns":
        return MaxTurnsExceeded(int(inp.data["max_turns"]))
    if inp.data.get("error"):
        return error_from_json(inp.data["error"])
    return WorkerLost(
        f"run {inp.run_id} failed on Temporal: {inp.data.get('message', '')}; "
        "start it again once its workers are healthy"
    )


async def emit(shared: WorkerShared, inp: EmitInput) -> dict[str, Any]:
    """Write the events of one workflow decision; returns what the workflow needs back."""
    writer = shared.writer(inp.run_id, inp.prefix, inp.scope)
    reply: dict[str, Any] = {}
    try:
        if inp.kind == "start":
            agent = shared.agent(inp.data["agent"])
            writer.put(_agent_updated(inp.run_id, agent))
            reply = {"agent": agent.name}
        elif inp.kind == "handoff":
            reply = await _handoff(shared, inp, writer)
        elif inp.kind == "completed":
            try:
                result = await _result(shared, inp)
            except AgentsError as exc:  # an output that does not fit, or a guardrail tripped
                writer.put_end(exc)
                await writer.close()
                raise non_retryable(exc) from None
            writer.put(RunCompletedStreamEvent(run_id=inp.run_id, sequence_number=0, result=result))
            writer.put_end(None)
            reply = json.loads(result.model_dump_json(by_alias=True))
        else:
            writer.put_end(_error(inp))
        await writer.close()
    except StreamEnded as exc:
        writer.abort()
        if inp.kind in ("start", "handoff", "completed"):
            raise non_retryable(exc) from None
    except BaseException:
        writer.abort()
        raise
    return reply
