"""The run as a Temporal workflow: turns, tool calls and handoffs, deterministically.

The workflow holds the run's state (the conversation, the items, the usage, the
agent in charge) and decides what happens next; everything that talks to the
world is an activity: each model turn (it streams the turn's events to Redis as
they arrive), each tool call, and the few events the workflow itself emits
(the starting agent, a handoff, the result, an error). Temporal records every
activity's result, so a worker lost mid-run costs only the activity it was in:
a finished tool call is never run again, and the interrupted model turn runs
again on another worker.
"""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import (
    ActivityError,
    ApplicationError,
    CancelledError,
    is_cancelled_exception,
)

with workflow.unsafe.imports_passed_through():
    from rxagents.temporal._types import (
        EmitInput,
        RunInput,
        ToolInput,
        ToolOutput,
        TurnInput,
        TurnOutput,
    )

__all__ = ["WORKFLOW_NAME", "AgentRunWorkflow"]

WORKFLOW_NAME = "rxagents.run"
NON_RETRYABLE = "rxagents.AgentsError"
"""The ``ApplicationError`` type of an rxagents error raised in an activity (never retried)."""


@workflow.defn(name=WORKFLOW_NAME)
class AgentRunWorkflow:
    """One agent run. Its result is the run's ``RunResult`` as JSON."""

    def __init__(self) -> None:
        self._emits = 0

    @workflow.run
    async def run(self, run: RunInput) -> dict[str, Any]:
        try:
            return await self._run(run)
        except (asyncio.CancelledError, ActivityError) as exc:
            if not is_cancelled_exception(exc):
                return await self._failed(run, exc)
            # Cancelled while awaiting an activity (asyncio's CancelledError, or an
            # ActivityError caused by Temporal's): end the stream; the workflow ends
            # cancelled, not failed.
            await self._emit(run, "cancelled", {})
            raise CancelledError("the run was cancelled") from None

    async def _failed(self, run: RunInput, exc: BaseException) -> dict[str, Any]:
        cause: Any = getattr(exc, "cause", None)
        details = list(getattr(cause, "details", None) or [])
        error = details[0] if details and isinstance(details[0], str) else None
        message = str(cause) if cause is not None else str(exc)
        await self._emit(run, "error", {"error": error, "message": message})
        raise ApplicationError(message, type=NON_RETRYABLE, non_retryable=True) from None

    async def _run(self, run: RunInput) -> dict[str, Any]:
        conversation: list[dict[str, Any]] = (
            [{"role": "user", "content": run.input}]
            if isinstance(run.input, str)
            else [dict(item) for item in run.input]
        )
        items: list[dict[str, Any]] = []
        usage = {"requests": 0, "input_tokens": 0, "output_tokens": 0, "total_tokens": 0}
        started = await self._emit(run, "start", {"agent": run.agent})
        agent = str(started["agent"])
        guardrails: list[Any] = []
        turn = 0
        while True:
            turn += 1
            if turn > run.max_turns:
                await self._emit(run, "max_turns", {"max_turns": run.max_turns})
                raise ApplicationError(
                    f"the run used its {run.max_turns} turns", type=NON_RETRYABLE,
                    non_retryable=True,
                )  # fmt: skip
            out = await self._turn(run, turn, agent, conversation)
            guardrails.extend(out.guardrails)
            conversation.extend(out.conversation_items)
            items.extend(out.items)
            usage["requests"] += 1
            usage["input_tokens"] += out.input_tokens
            usage["output_tokens"] += out.output_tokens
            usage["total_tokens"] += out.total_tokens
            if out.tool_calls:
                outputs = await asyncio.gather(
                    *(self._tool(run, agent, call) for call in out.tool_calls)
                )
                for output in outputs:  # the SDK's history order: outputs in call order
                    conversation.append(output.raw_item)
                    items.append(output.item)
            if out.handoff_calls:
                first, *ignored = out.handoff_calls
                for extra in ignored:
                    conversation.append(
                        {
                            "type": "function_call_output",
                            "call_id": extra["call"]["call_id"],
                            "output": "Multiple handoffs requested; only the first one was "
                            "performed.",
                        }
                    )
                target = str(first["target"])
                raw = {
                    "type": "function_call_output",
                    "call_id": first["call"]["call_id"],
                    "output": json.dumps({"assistant": target}),
                }
                conversation.append(raw)
                done = await self._emit(
                    run, "handoff", {"source": agent, "target": target, "raw": raw}
                )
                items.append(done["item"])
                agent = target
            elif not out.tool_calls:
                return await self._emit(
                    run, "completed",
                    {"agent": agent, "items": items, "final_text": out.final_text,
                     "usage": usage, "input": run.input, "input_guardrails": guardrails},
                )  # fmt: skip

    async def _turn(
        self, run: RunInput, turn: int, agent: str, conversation: list[dict[str, Any]]
    ) -> TurnOutput:
        out: TurnOutput = await workflow.execute_activity(
            "rxagents.model_turn",
            TurnInput(
                run.run_id,
                run.prefix,
                turn,
                agent,
                list(conversation),
                run.input if turn == 1 else None,
            ),
            result_type=TurnOutput,
            start_to_close_timeout=timedelta(seconds=run.model_timeout),
            heartbeat_timeout=timedelta(seconds=run.heartbeat_timeout),
            retry_policy=RetryPolicy(
                initial_interval=timedelta(milliseconds=200),
                maximum_attempts=run.model_attempts,
                non_retryable_error_types=[NON_RETRYABLE],
            ),
        )
        return out

    async def _tool(self, run: RunInput, agent: str, call: dict[str, Any]) -> ToolOutput:
        retry = run.tool_retry
        out: ToolOutput = await workflow.execute_activity(
            "rxagents.tool_call",
            ToolInput(run.run_id, run.prefix, agent, call, retry.maximum_attempts),
            result_type=ToolOutput,
            start_to_close_timeout=timedelta(seconds=run.tool_timeout),
            heartbeat_timeout=timedelta(seconds=run.heartbeat_timeout),
            retry_policy=RetryPolicy(
                initial_interval=timedelta(seconds=retry.initial_interval),
                backoff_coefficient=retry.backoff,
                maximum_interval=timedelta(seconds=retry.maximum_interval),
                maximum_attempts=retry.maximum_attempts,
                non_retryable_error_types=[NON_RETRYABLE],
            ),
        )
        return out

    async def _emit(self, run: RunInput, kind: str, data: dict[str, Any]) -> dict[str, Any]:
        # The scope is the emit's position in the workflow: the same on every replay and
        # retry, so the events of an emit are appended to the stream once.
        self._emits += 1
        result: dict[str, Any] = await workflow.execute_activity(
            "rxagents.emit",
            EmitInput(run.run_id, run.prefix, kind, f"emit:{self._emits}", data),
            result_type=dict,
            start_to_close_timeout=timedelta(seconds=60),
            retry_policy=RetryPolicy(
                initial_interval=timedelta(milliseconds=200),
                maximum_attempts=10,
                non_retryable_error_types=[NON_RETRYABLE],
            ),
        )
        return result
