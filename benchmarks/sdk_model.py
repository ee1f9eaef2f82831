"""The OpenAI Agents SDK's side: a ``Model`` yielding the benchmark's Responses events.

Imported only when the SDK (the ``bench`` dependency group) is installed.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from typing import Any

import agents
from agents import Model, ModelResponse, ModelSettings, ModelTracing, Usage
from openai.types.responses import ResponseCompletedEvent, ResponseStreamEvent

from benchmarks.workload import Turn, turn_events

agents.set_tracing_disabled(True)

RUN_CONFIG = agents.RunConfig(tracing_disabled=True)
"""The SDK's run configuration for every benchmark: tracing off (rxagents has none)."""


class SDKModel(Model):
    """Plays ``script`` one turn per call, through the SDK's ``Model`` interface."""

    def __init__(
        self,
        script: Sequence[Turn],
        awaiting: bool = False,
        on_yield: Callable[[], None] | None = None,
    ) -> None:
        self.script = script
        self.awaiting = awaiting
        self.on_yield = on_yield
        self.calls = 0

    def stream_response(
        self,
        system_instructions: str | None,
        input: Any,
        model_settings: ModelSettings,
        tools: list[Any],
        output_schema: Any,
        handoffs: list[Any],
        tracing: ModelTracing,
        *,
        previous_response_id: str | None = None,
        conversation_id: str | None = None,
        prompt: Any = None,
    ) -> AsyncIterator[ResponseStreamEvent]:
        index = self.calls
        self.calls += 1
        return turn_events(
            self.script[index], index, awaiting=self.awaiting, on_yield=self.on_yield
        )

    async def get_response(
        self,
        system_instructions: str | None,
        input: Any,
        model_settings: ModelSettings,
        tools: list[Any],
        output_schema: Any,
        handoffs: list[Any],
        tracing: ModelTracing,
        *,
        previous_response_id: str | None = None,
        conversation_id: str | None = None,
        prompt: Any = None,
    ) -> ModelResponse:
        final: Any = None
        async for event in self.stream_response(
            system_instructions, input, model_settings, tools, output_schema, handoffs, tracing
        ):
            if isinstance(event, ResponseCompletedEvent):
                final = event.response
        usage = Usage(requests=1, input_tokens=10, output_tokens=0, total_tokens=10)
        return ModelResponse(output=final.output, usage=usage, response_id=final.id)
