"""The one interface every model implements: a request in, Responses stream events out."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from rxagents.model_settings import ModelSettings
from rxagents.models.limits import StreamLimits

if TYPE_CHECKING:
    from openai.types.responses import ResponseStreamEvent

__all__ = ["Model", "ModelProvider", "ModelRequest", "OutputSchema", "ToolSpec"]


@dataclass(frozen=True)
class ToolSpec:
    """A function tool as the model sees it (tools and handoffs alike)."""

    name: str
    description: str
    parameters: dict[str, Any]
    strict: bool = True

    def to_responses_tool(self) -> dict[str, Any]:
        """The Responses API ``tools`` entry."""
        return {
            "type": "function",
            "name": self.name,
            "description": self.description,
            "parameters": self.parameters,
            "strict": self.strict,
        }

    def to_chat_tool(self) -> dict[str, Any]:
        """The Chat Completions ``tools`` entry."""
        function: dict[str, Any] = {
            "name": self.name,
            "description": self.description,
            "parameters": self.parameters,
            "strict": self.strict,
        }
        return {"type": "function", "function": function}


@dataclass(frozen=True)
class OutputSchema:
    """The JSON schema the final answer must follow (from ``Agent.output_type``)."""

    name: str
    schema: dict[str, Any]
    strict: bool = True


@dataclass(frozen=True)
class ModelRequest:
    """Everything one model call needs.

    Attributes:
        instructions: the system prompt, if any.
        input: the conversation as Responses API input items (user messages,
            earlier assistant messages, function calls and their outputs).
        tools: the function tools and handoff tools on offer.
        output_schema: set when the agent has an ``output_type``.
        settings: sampling settings.
        agent_name: the agent making the call (for logs and scripted models).
        limits: the run's timeouts and event size cap, over the model's own
            (HTTP models honour them; see :class:`~rxagents.models.StreamLimits`).
    """

    instructions: str | None
    input: list[dict[str, Any]]
    tools: list[ToolSpec] = field(default_factory=list)
    output_schema: OutputSchema | None = None
    settings: ModelSettings = field(default_factory=ModelSettings)
    agent_name: str = ""
    limits: StreamLimits | None = None


@runtime_checkable
class Model(Protocol):
    """Streams one model response as Responses API stream events.

    Implementations must emit ``response.output_item.done`` for every output
    item (the run loop builds run items from them) and end with
    ``response.completed`` carrying usage. Closing the iterator early must
    release the underlying connection.
    """

    def stream(self, request: ModelRequest) -> AsyncIterator[ResponseStreamEvent]:
        """Start the model call; iterate to receive its events."""
        ...


@runtime_checkable
class ModelProvider(Protocol):
    """Turns a model name (or ``None`` for the default) into a :class:`Model`."""

    def get_model(self, name: str | None) -> Model:
        """The model for ``name``."""
        ...
