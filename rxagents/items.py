"""Run items: the complete things a run produced, as in the OpenAI Agents SDK.

Each wraps the Responses API item (``raw_item``) and the agent that produced it.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, Literal, TypeAlias

from pydantic import BaseModel, ConfigDict, Field

from rxagents._agent_ref import AgentRef
from rxagents._lazy_type import lazy_type
from rxagents.usage import Usage

__all__ = [
    "HandoffCallItem",
    "HandoffOutputItem",
    "ItemHelpers",
    "MessageOutputItem",
    "ModelResponse",
    "ReasoningItem",
    "RunItem",
    "TResponseInputItem",
    "ToolCallItem",
    "ToolCallOutputItem",
    "text_of",
    "tool_output_text",
]

if TYPE_CHECKING:
    from openai.types.responses import (
        ResponseFunctionToolCall,
        ResponseInputItemParam,
        ResponseOutputMessage,
        ResponseReasoningItem,
    )

    TResponseInputItem: TypeAlias = ResponseInputItemParam
else:
    # openai's types load when a schema is first needed (validation, dumps), not at import.
    _RESPONSES = "openai.types.responses"
    ResponseFunctionToolCall = lazy_type(_RESPONSES, "ResponseFunctionToolCall")
    ResponseOutputMessage = lazy_type(_RESPONSES, "ResponseOutputMessage")
    ResponseReasoningItem = lazy_type(_RESPONSES, "ResponseReasoningItem")
    TResponseInputItem = lazy_type(_RESPONSES, "ResponseInputItemParam")
"""One Responses API input item (the SDK's name): a user message, a function call..."""


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
        output: the Python value the tool returned (or the text the model was told
            of its failure).
        is_error: the tool raised, or its arguments were rejected.
        error: the exception, for the developer (the model only gets the tool's
            ``failure_error_function`` text). In-process only: it is not serialised.
    """

    type: Literal["tool_call_output_item"] = "tool_call_output_item"
    raw_item: dict[str, Any]
    output: Any
    is_error: bool = False
    error: Exception | None = Field(default=None, exclude=True, repr=False)

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


def tool_output_text(value: Any) -> str:
    """How a tool's return value is shown to the model: strings as they are, pydantic
    models and other values as JSON (``str()`` for what JSON cannot hold)."""
    if isinstance(value, str):
        return value
    if isinstance(value, BaseModel):
        return value.model_dump_json()
    try:
        return json.dumps(value, default=str)
    except (TypeError, ValueError):
        return str(value)


class ItemHelpers:
    """The SDK's helpers for run items and Responses items, for code written against it.

    Example:
        >>> ItemHelpers.input_to_new_input_list("hi")
        [{'content': 'hi', 'role': 'user'}]
    """

    @classmethod
    def extract_last_content(cls, message: Any) -> str:
        """The last part of an output message: its text or its refusal ("" if none)."""
        from openai.types.responses import (
            ResponseOutputMessage,
            ResponseOutputRefusal,
            ResponseOutputText,
        )

        if not isinstance(message, ResponseOutputMessage) or not message.content:
            return ""
        last = message.content[-1]
        if isinstance(last, ResponseOutputText):
            return last.text or ""
        if isinstance(last, ResponseOutputRefusal):
            return last.refusal
        from rxagents.errors import ModelBehaviorError

        raise ModelBehaviorError(f"unexpected content part in a message: {type(last).__name__}")

    @classmethod
    def extract_last_text(cls, message: Any) -> str | None:
        """The last part of an output message if it is text, else ``None`` (refusals too)."""
        from openai.types.responses import ResponseOutputMessage, ResponseOutputText

        if isinstance(message, ResponseOutputMessage) and message.content:
            last = message.content[-1]
            if isinstance(last, ResponseOutputText):
                return last.text
        return None

    @classmethod
    def input_to_new_input_list(
        cls, input: str | Sequence[TResponseInputItem] | Sequence[dict[str, Any]]
    ) -> list[dict[str, Any]]:
        """A run's input as a new list of input items (a string becomes a user message)."""
        if isinstance(input, str):
            return [{"content": input, "role": "user"}]
        return [
            item.model_dump(exclude_unset=True, mode="json")
            if isinstance(item, BaseModel)
            else copy.deepcopy(dict(item))
            for item in input
        ]

    @classmethod
    def text_message_outputs(cls, items: Sequence[Any]) -> str:
        """The text of every :class:`MessageOutputItem` among ``items``, joined."""
        return "".join(
            cls.text_message_output(item) for item in items if isinstance(item, MessageOutputItem)
        )

    @classmethod
    def text_message_output(cls, message: MessageOutputItem) -> str:
        """The text of one message item, all its text parts joined (refusals left out)."""
        return text_of(message.raw_item)

    @classmethod
    def tool_call_output_item(
        cls, tool_call: ResponseFunctionToolCall, output: Any
    ) -> dict[str, Any]:
        """The ``function_call_output`` input item answering ``tool_call`` with ``output``."""
        return {
            "call_id": tool_call.call_id,
            "output": tool_output_text(output),
            "type": "function_call_output",
        }


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
