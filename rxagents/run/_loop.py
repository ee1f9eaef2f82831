"""The run loop: plain asyncio, no Rx. One async generator per run, turn after turn.

Per turn (its phases are in :mod:`rxagents.run._turn`): ask the model and pass its
events through; as each output item is done, emit its run item and start its tool
at once; emit each tool output the moment it finishes; then hand off, loop, or
finish with the final output. Only the per-event path lives here, one generator
deep, so a model's deltas pay for no extra layer.
"""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from rxagents.agent import Agent, validate_agent_graph
from rxagents.errors import AgentsError, MaxTurnsExceeded
from rxagents.events import RunCompletedStreamEvent, StreamEvent, raw_event
from rxagents.lifecycle import RunHooks
from rxagents.models.base import ModelProvider
from rxagents.models.limits import StreamLimits
from rxagents.result import RunResult
from rxagents.run._guardrails import InputGuards, run_output_guardrails
from rxagents.run._hooks import HookCalls
from rxagents.run._turn import ACTED_ON, LoopState, Turn, resolve_model

__all__ = ["RunControl", "new_run_id", "run_events"]


def new_run_id() -> str:
    """A fresh run id."""
    return f"run_{uuid.uuid4().hex}"


@dataclass
class RunControl:
    """Signals from outside a running loop (the hot handle's ``cancel(mode="after_turn")``)."""

    stop_after_turn: bool = False


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
    limits: StreamLimits | None = None,
    hooks: RunHooks[Any] | None = None,
) -> AsyncIterator[StreamEvent]:
    """Run ``agent`` on ``input`` and yield every event of the run, in order.

    Closing the generator (or cancelling the task iterating it) closes the model
    stream and cancels running tools before it returns. ``on_result`` receives
    the run's result just before its ``RunCompletedStreamEvent`` is yielded.
    ``hooks`` are called at the SDK's points (:mod:`rxagents.run._hooks`); the
    starting agent's input guardrails run around its first model call and the
    last agent's output guardrails on the final output (:mod:`rxagents.run._guardrails`).
    """
    validate_agent_graph(agent, max_turns)
    run = LoopState(run_id, input, context, HookCalls(hooks))
    guards = InputGuards(agent, run.original_input, run.ctx)
    current = agent
    yield run.agent_updated(current)
    try:
        try:
            await guards.start()
        finally:
            run.input_guardrail_results = guards.results
        await run.hooks.agent_start(run.ctx, current)
        for _ in range(max_turns):
            turn = Turn(run, current, model_provider, _sub_run)
            request = await turn.request()
            if limits is not None:
                request = dataclasses.replace(request, limits=limits)
            await run.hooks.llm_start(run.ctx, current, request)
            stream = guards.watch(resolve_model(current, model_provider).stream(request))
            nested_pending, finished = turn.nested.pending, turn.finished
            try:
                async for event in stream:  # the model phase
                    yield raw_event(run_id, run.seq, event)
                    run.seq += 1
                    data: Any = event
                    if data.type in ACTED_ON:
                        acted = turn.act_on(data)
                        if acted is not None:
                            yield acted
                            if turn.to_start is not None:
                                turn.start_tool()
                    while nested_pending or finished:
                        yield turn.next_ready()
                await guards.settle()
                await run.hooks.llm_end(run.ctx, current, turn.response)
                while turn.running or finished or nested_pending:  # the tools still running
                    if nested_pending or finished:
                        yield turn.next_ready()
                    else:
                        await turn.wait()
            finally:
                guards.close()
                await turn.close(stream)
            turn.record_outputs()
            if turn.handoff_calls:
                events, current = await turn.hand_off()
                for handed in events:
                    yield handed
                await run.hooks.agent_start(run.ctx, current)
            elif not turn.called_tools:
                output = turn.final_output()
                await run.hooks.agent_end(run.ctx, current, output)
                run.output_guardrail_results = await run_output_guardrails(current, output, run.ctx)
                yield _completed(run.complete(output, current), on_result)
                return
            if control is not None and control.stop_after_turn:
                yield _completed(run.complete(None, current, interrupted=True), on_result)
                return
        raise MaxTurnsExceeded(max_turns)
    except AgentsError as error:
        if error.run_data is None:  # what the run had done stays reachable, as in the SDK
            error.run_data = run.error_details(current)
        raise


def _completed(
    event: RunCompletedStreamEvent, on_result: Callable[[RunResult], None] | None
) -> RunCompletedStreamEvent:
    if on_result is not None:
        on_result(event.result)
    return event


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
