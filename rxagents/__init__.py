"""rxagents: LLM agent runs as ReactiveX Observables of typed stream events.

The names an OpenAI Agents SDK user imports from ``agents`` are here under the
same names, for the features rxagents has (README, "Differences from the OpenAI
Agents SDK", lists the ones it deliberately has not).

Example:
    >>> from rxagents import Agent, Runner
    >>> from rxagents.testing import ScriptedModel, text
    >>> agent = Agent("echo", model=ScriptedModel([[text("hello")]]))
    >>> Runner.run_sync(agent, "hi").final_output
    'hello'
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from rxagents.agent import Agent, Handoff, handoff
from rxagents.agent_output import AgentOutputSchema
from rxagents.context import RunContext, TContext
from rxagents.errors import (
    AgentsError,
    AgentsException,
    InputGuardrailTripwireTriggered,
    MaxTurnsExceeded,
    ModelBehaviorError,
    OutputGuardrailTripwireTriggered,
    UserError,
)
from rxagents.events import (
    AgentUpdatedStreamEvent,
    RawResponsesStreamEvent,
    RunItemStreamEvent,
    StreamEvent,
)
from rxagents.guardrail import (
    GuardrailFunctionOutput,
    InputGuardrail,
    InputGuardrailResult,
    OutputGuardrail,
    OutputGuardrailResult,
    input_guardrail,
    output_guardrail,
)
from rxagents.items import (
    HandoffCallItem,
    HandoffOutputItem,
    ItemHelpers,
    MessageOutputItem,
    ModelResponse,
    ReasoningItem,
    RunItem,
    ToolCallItem,
    ToolCallOutputItem,
    TResponseInputItem,
)
from rxagents.lifecycle import AgentHooks, RunHooks
from rxagents.model_settings import ModelSettings
from rxagents.models.base import Model, ModelProvider
from rxagents.result import RunErrorDetails, RunResult
from rxagents.run import RunHandle, Runner, RunStream
from rxagents.snapshot import RunSnapshot
from rxagents.tools import FunctionTool, default_tool_error_function, function_tool
from rxagents.usage import Usage

if TYPE_CHECKING:
    from rxagents.models.openai_chat import OpenAIChatCompletionsModel
    from rxagents.models.openai_responses import OpenAIResponsesModel
    from rxagents.models.provider import OpenAIProvider

__version__ = "0.1.0"


def _display_in_notebook(stream: RunStream) -> object:
    # The package's face sits above every layer: it hands the run loop's RunStream the
    # notebook sink's live view, imported only when a notebook displays a stream.
    from rxagents.sinks.notebook import display_run

    return display_run(stream)


RunStream.notebook_display = _display_in_notebook

RunContextWrapper = RunContext
"""The SDK's name for :class:`RunContext` (``ctx.context``, ``ctx.usage``)."""

RunResultStreaming = RunStream
"""The SDK's name for what ``Runner.run_streamed`` returns (``stream_events()``,
``final_output`` once done, and here also an Observable)."""

Tool = FunctionTool
"""The SDK's union of tool kinds; rxagents has function tools (agents as tools are ones)."""

_MODELS = {
    "OpenAIChatCompletionsModel": "rxagents.models.openai_chat",
    "OpenAIResponsesModel": "rxagents.models.openai_responses",
    "OpenAIProvider": "rxagents.models.provider",
}


def __getattr__(name: str) -> Any:
    # The OpenAI models load the openai client's HTTP machinery: only when asked for.
    if name in _MODELS:
        import importlib

        return getattr(importlib.import_module(_MODELS[name]), name)
    raise AttributeError(f"module 'rxagents' has no attribute {name!r}")


__all__ = [
    "Agent",
    "AgentHooks",
    "AgentOutputSchema",
    "AgentUpdatedStreamEvent",
    "AgentsError",
    "AgentsException",
    "FunctionTool",
    "GuardrailFunctionOutput",
    "Handoff",
    "HandoffCallItem",
    "HandoffOutputItem",
    "InputGuardrail",
    "InputGuardrailResult",
    "InputGuardrailTripwireTriggered",
    "ItemHelpers",
    "MaxTurnsExceeded",
    "MessageOutputItem",
    "Model",
    "ModelBehaviorError",
    "ModelProvider",
    "ModelResponse",
    "ModelSettings",
    "OpenAIChatCompletionsModel",
    "OpenAIProvider",
    "OpenAIResponsesModel",
    "OutputGuardrail",
    "OutputGuardrailResult",
    "OutputGuardrailTripwireTriggered",
    "RawResponsesStreamEvent",
    "ReasoningItem",
    "RunContext",
    "RunContextWrapper",
    "RunErrorDetails",
    "RunHandle",
    "RunHooks",
    "RunItem",
    "RunItemStreamEvent",
    "RunResult",
    "RunResultStreaming",
    "RunSnapshot",
    "RunStream",
    "Runner",
    "StreamEvent",
    "TContext",
    "TResponseInputItem",
    "Tool",
    "ToolCallItem",
    "ToolCallOutputItem",
    "Usage",
    "UserError",
    "__version__",
    "default_tool_error_function",
    "function_tool",
    "handoff",
    "input_guardrail",
    "output_guardrail",
]
