"""rxagents: LLM agent runs as ReactiveX Observables of typed stream events.

Example:
    >>> from rxagents import Agent, Runner
    >>> from rxagents.testing import ScriptedModel, text
    >>> agent = Agent("echo", model=ScriptedModel([[text("hello")]]))
    >>> Runner.run_sync(agent, "hi").final_output
    'hello'
"""

from rxagents.agent import Agent, Handoff, handoff
from rxagents.context import RunContext
from rxagents.errors import InputGuardrailTripwireTriggered, OutputGuardrailTripwireTriggered
from rxagents.guardrail import (
    GuardrailFunctionOutput,
    InputGuardrail,
    InputGuardrailResult,
    OutputGuardrail,
    OutputGuardrailResult,
    input_guardrail,
    output_guardrail,
)
from rxagents.items import ModelResponse
from rxagents.lifecycle import AgentHooks, RunHooks
from rxagents.model_settings import ModelSettings
from rxagents.result import RunResult
from rxagents.run import RunHandle, Runner, RunStream
from rxagents.snapshot import RunSnapshot
from rxagents.tools import FunctionTool, function_tool
from rxagents.usage import Usage


def _display_in_notebook(stream: RunStream) -> object:
    # The package's face sits above every layer: it hands the run loop's RunStream the
    # notebook sink's live view, imported only when a notebook displays a stream.
    from rxagents.sinks.notebook import display_run

    return display_run(stream)


RunStream.notebook_display = _display_in_notebook

__all__ = [
    "Agent",
    "AgentHooks",
    "FunctionTool",
    "GuardrailFunctionOutput",
    "Handoff",
    "InputGuardrail",
    "InputGuardrailResult",
    "InputGuardrailTripwireTriggered",
    "ModelResponse",
    "ModelSettings",
    "OutputGuardrail",
    "OutputGuardrailResult",
    "OutputGuardrailTripwireTriggered",
    "RunContext",
    "RunHandle",
    "RunHooks",
    "RunResult",
    "RunSnapshot",
    "RunStream",
    "Runner",
    "Usage",
    "function_tool",
    "handoff",
    "input_guardrail",
    "output_guardrail",
]
