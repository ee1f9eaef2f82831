"""Chat Completions chunks -> the Responses stream events every rxagents model speaks.

This module is only the wire parsing: what a chunk means. The events are made
by :class:`~rxagents.models.response_builder.ResponseBuilder`, the builder every
rxagents model uses, so the sequence is the one ScriptedModel emits and the
OpenAI Responses API documents.

Real servers differ in small ways, all tolerated here: llama.cpp repeats
``id``, ``type`` and ``function.name`` in every tool-call delta, several send
``content: null`` next to tool calls, and usage arrives in a last chunk without
choices.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from openai.types.chat import ChatCompletionChunk
from openai.types.completion_usage import CompletionUsage
from openai.types.responses import ResponseStreamEvent, ResponseUsage
from pydantic_core import from_json

from rxagents.errors import ModelBehaviorError, ModelConnectionError
from rxagents.models.response_builder import (
    IncompleteReason,
    ItemStatus,
    ResponseBuilder,
    response_usage,
)

__all__ = ["ChatToResponses", "responses_usage"]

_INCOMPLETE_REASONS: dict[str, IncompleteReason] = {
    "length": "max_output_tokens",
    "content_filter": "content_filter",
}


def _text_only(chunk: Any) -> str | None:
    """The text of a parsed chunk carrying nothing but text for choice 0, else ``None``.

    Only a chunk that ``ChatCompletionChunk`` would accept as it is qualifies:
    the chunk's own fields present and typed, one choice with index 0, no finish
    reason or logprobs, a delta holding text and at most the assistant role
    (other keys only if null, as llama.cpp's ``reasoning_content``). Anything
    else (the first chunk, tool calls, refusals, usage, several choices, an
    error, a malformed chunk) returns ``None``, for full validation.
    """
    if type(chunk) is not dict or chunk.get("object") != "chat.completion.chunk":
        return None
    if chunk.get("usage") is not None or type(chunk.get("created")) is not int:
        return None
    if type(chunk.get("id")) is not str or type(chunk.get("model")) is not str:
        return None
    choices = chunk.get("choices")
    if type(choices) is not list or len(choices) != 1:
        return None
    choice = choices[0]
    if type(choice) is not dict or choice.get("index") != 0 or type(choice["index"]) is not int:
        return None
    if choice.get("finish_reason") is not None or choice.get("logprobs") is not None:
        return None
    delta = choice.get("delta")
    if type(delta) is not dict:
        return None
    content = delta.get("content")
    if type(content) is not str or not content:
        return None
    for key, value in delta.items():
        if key == "role":
            if value is not None and value != "assistant":
                return None
        elif key != "content" and value is not None:
            return None
    return content


def responses_usage(usage: CompletionUsage | None) -> ResponseUsage | None:
    """Chat Completions usage as Responses usage."""
    if usage is None:
        return None
    return response_usage(
        usage.prompt_tokens,
        usage.completion_tokens,
        cached_tokens=getattr(usage.prompt_tokens_details, "cached_tokens", None) or 0,
        reasoning_tokens=getattr(usage.completion_tokens_details, "reasoning_tokens", None) or 0,
    )


@dataclass
class _Call:
    """A tool call by its chunk index; its pieces wait here until its name arrives."""

    call_id: str
    item_id: str
    name: str = ""
    started: bool = False
    pieces: list[str] = field(default_factory=list)


class ChatToResponses:
    """Converts one streamed chat completion, chunk by chunk.

    Call :meth:`feed` with every chunk and :meth:`finish` once the stream ends;
    each returns the Responses events to emit, in order.

    Args:
        model: the model name requested (used until a chunk names one).
        parallel_tool_calls: reported on the ``Response`` objects.
    """

    def __init__(self, model: str, *, parallel_tool_calls: bool = True) -> None:
        self._model = model
        self._parallel = parallel_tool_calls
        self._builder: ResponseBuilder | None = None
        self._prefix = ""
        self._calls: dict[int, _Call] = {}
        self._finish_reason: str | None = None
        self._usage: CompletionUsage | None = None

    @property
    def finished(self) -> bool:
        """Whether the model reported a finish reason."""
        return self._finish_reason is not None

    def _start(self, chunk: ChatCompletionChunk) -> ResponseBuilder:
        self._prefix = chunk.id or uuid.uuid4().hex
        self._builder = builder = ResponseBuilder(
            chunk.model or self._model,
            response_id=f"resp_{self._prefix}",
            created_at=float(chunk.created),
            parallel_tool_calls=self._parallel,
        )
        return builder

    def feed(self, chunk: ChatCompletionChunk) -> list[ResponseStreamEvent]:
        """The events for one chunk."""
        builder = self._builder
        out: list[ResponseStreamEvent] = []
        if builder is None:
            builder = self._start(chunk)
            out = builder.start()
        if chunk.usage is not None:
            self._usage = chunk.usage
        for choice in chunk.choices:
            if choice.index != 0:
                continue
            delta = choice.delta
            if delta.content:
                out += builder.text(delta.content)
            if delta.refusal:
                out += builder.refusal(delta.refusal)
            if delta.tool_calls:
                for call in delta.tool_calls:
                    self._tool_delta(builder, call, out)
            if choice.finish_reason is not None:
                self._finish_reason = choice.finish_reason
                self._check_named()
                out += builder.close_item(self._status())
        return out

    def feed_payload(self, data: str) -> Sequence[ResponseStreamEvent]:
        """The events of one streamed payload: a chunk as JSON text.

        A chunk carrying only text for the open message becomes its text delta
        straight from the parsed JSON; any other chunk is validated as a
        ``ChatCompletionChunk`` and given to :meth:`feed`. Streamed answers are
        nearly all text-only chunks, and skipping the validation halves their
        cost (see docs/benchmarks.md, HTTP).

        Raises:
            pydantic.ValidationError: JSON, but not a chunk.
            ValueError: not JSON.
        """
        parsed = from_json(data)
        text = _text_only(parsed)
        if text is not None:
            builder = self._builder
            if builder is not None and builder.in_text:
                return (builder.text_delta(text),)
        return self.feed(ChatCompletionChunk.model_validate(parsed))

    def _tool_delta(
        self, builder: ResponseBuilder, delta: Any, out: list[ResponseStreamEvent]
    ) -> None:
        call = self._calls.get(delta.index)
        function = delta.function
        if call is None:
            call_id = delta.id or f"call_{uuid.uuid4().hex[:24]}"
            call = _Call(call_id=call_id, item_id=f"fc_{self._prefix}_{delta.index}")
            self._calls[delta.index] = call
        elif call.started and builder.open_item_id != call.item_id:
            raise ModelBehaviorError(
                f"the model server sent more of tool call {delta.index} after the choice finished"
            )
        if function is not None and function.name and not call.name:
            # The name comes once (OpenAI) or repeated in every delta (llama.cpp):
            # the first one wins either way.
            call.name = function.name
        arguments = function.arguments if function is not None else None
        if not call.started:
            if arguments:
                call.pieces.append(arguments)
            if not call.name:
                return
            # Items stream one after another: a new call finishes the items before it,
            # so the run loop can start those tools at once.
            out += builder.open_function_call(call.name, call_id=call.call_id, item_id=call.item_id)
            call.started = True
            arguments = "".join(call.pieces)
        if arguments:
            out.append(builder.arguments(arguments))

    def _status(self) -> ItemStatus:
        return "incomplete" if self._finish_reason in _INCOMPLETE_REASONS else "completed"

    def _check_named(self) -> None:
        for index, call in self._calls.items():
            if not call.started:
                raise ModelBehaviorError(
                    f"the model server streamed tool call {index} without a function name"
                )

    def finish(self, *, saw_done: bool) -> list[ResponseStreamEvent]:
        """The closing events, once the stream has ended.

        Args:
            saw_done: whether the server sent ``data: [DONE]``.

        Raises:
            ModelConnectionError: the stream ended before the model finished.
            ModelBehaviorError: the stream held no chunk at all.
        """
        builder = self._builder
        if builder is None:
            if saw_done:
                raise ModelBehaviorError("the model server ended the stream without any chunk")
            raise ModelConnectionError(
                "the model server closed the stream before sending any chunk"
            )
        if self._finish_reason is None and not saw_done:
            raise ModelConnectionError(
                "the model server closed the stream before the model finished "
                "(no finish_reason and no [DONE])"
            )
        self._check_named()
        usage = responses_usage(self._usage)
        reason = _INCOMPLETE_REASONS.get(self._finish_reason or "")
        if reason is None:
            return builder.complete(usage)
        return builder.incomplete(reason, usage)
