"""Run items: the complete things a run produced, as in the OpenAI Agents SDK.

Each wraps the Responses API item (``raw_item``) and the agent that produced it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from rxagents._agent_ref import AgentRef
from rxagents._lazy_type import lazy_type

if TYPE_CHECKING:
    from openai.types.responses import (
        ResponseFunctionToolCall,
        ResponseOutputMessage,
        ResponseReasoningItem,
    )
else:
    # openai's types load when a schema is first needed (validation, dumps), not at import.
    ResponseFunctionToolCall = lazy_type("openai.types.responses", "ResponseFunctionToolCall")
    ResponseOutputMessage = lazy_type("openai.types.responses", "ResponseOutputMessage")
    ResponseReasoningItem = lazy_type("openai.types.responses", "ResponseReasoningItem")
from rxagents.usage import Usage

__all__ = [
    "HandoffCallItem",
    "HandoffOutputItem",
    "MessageOutputItem",
    "ModelResponse",
    "ReasoningItem",
    "RunItem",
    "ToolCallItem",
    "ToolCallOutputItem",
    "text_of",
]


class _Item(BaseModel):
    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True, defer_build=True)

    agent: AgentRef
    """The agent whose turn produced this item."""

    def to_input_item(self) -> dict[str, Any]:
        """This item as a Responses API input item, to continue a conversation."""
        raw: Any = self.__dict__["raw_item"]
        if isinstance(raw, BaseModel):
            return raw.model_dump(exclude_unset=True, mode="json")
        return dict(raw)


class MessageOutputItem(_Item):
    """A message from the model (``message_output_created``)."""

    type: Literal["message_output_item"] = "message_output_item"
    raw_item: ResponseOutputMessage

    @property
    def text(self) -> str:
        """The message's text, all output_text parts joined."""
        return text_of(self.raw_item)


class ToolCallItem(_Item):
    """A tool call with its complete arguments (``tool_called``)."""

    type: Literal["tool_call_item"] = "tool_call_item"
    raw_item: ResponseFunctionToolCall

    @property
    def call_id(self) -> str:
        return self.raw_item.call_id

    @property
    def tool_name(self) -> str:
        return self.raw_item.name


class ToolCallOutputItem(_Item):
    """A tool's result (``tool_output``).

    Attributes:
        raw_item: the ``function_call_output`` input item sent back to the model.
        output: the Python value the tool returned (or the error text).
        is_error: the tool raised, or its arguments were rejected.
    """

    type: Literal["tool_call_output_item"] = "tool_call_output_item"
    raw_item: dict[str, Any]
    output: Any
    is_error: bool = False

    @property
    def call_id(self) -> str:
        return str(self.raw_item["call_id"])


class HandoffCallItem(_Item):
    """The model asked to hand off (``handoff_requested``)."""

    type: Literal["handoff_call_item"] = "handoff_call_item"
    raw_item: ResponseFunctionToolCall


class HandoffOutputItem(_Item):
    """A handoff happened (``handoff_occured``)."""

    type: Literal["handoff_output_item"] = "handoff_output_item"
    raw_item: dict[str, Any]
    source_agent: AgentRef
    target_agent: AgentRef


class ReasoningItem(_Item):
    """A reasoning item from a reasoning model (``reasoning_item_created``)."""

    type: Literal["reasoning_item"] = "reasoning_item"
    raw_item: ResponseReasoningItem


RunItem = Annotated[
    MessageOutputItem
    | ToolCallItem
    | ToolCallOutputItem
    | HandoffCallItem
    | HandoffOutputItem
    | ReasoningItem,
    Field(discriminator="type"),
]


def text_of(message: ResponseOutputMessage) -> str:
    """All ``output_text`` parts of a message, joined."""
    return "".join(part.text for part in message.content if part.type == "output_text")


@dataclass
class ModelResponse:
    """One model call's response, as lifecycle hooks' ``on_llm_end`` receives it (the SDK's).

    Attributes:
        output: the response's output items (messages, function calls, reasoning).
        usage: the tokens of this call alone.
        response_id: the model server's id of the response, if it gave one.
    """

    output: list[Any]
    usage: Usage
    response_id: str | None
