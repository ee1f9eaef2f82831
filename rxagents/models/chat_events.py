"""Chat Completions chunks -> the Responses stream events every rxagents model speaks.

The event sequence is the one :class:`~rxagents.testing.ScriptedModel` emits and
the OpenAI Responses API documents: ``response.created``, ``response.in_progress``,
per message ``output_item.added`` / ``content_part.added`` / text deltas /
``output_text.done`` / ``content_part.done`` / ``output_item.done``, per function
call ``output_item.added`` / argument deltas / ``function_call_arguments.done`` /
``output_item.done``, and ``response.completed`` (or ``response.incomplete``)
with usage.

Real servers differ in small ways, all tolerated here: llama.cpp repeats
``id``, ``type`` and ``function.name`` in every tool-call delta, several send
``content: null`` next to tool calls, and usage arrives in a last chunk without
choices.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from openai.types.chat import ChatCompletionChunk
from openai.types.completion_usage import CompletionUsage
from openai.types.responses import (
    Response,
    ResponseCompletedEvent,
    ResponseCreatedEvent,
    ResponseFunctionCallArgumentsDeltaEvent,
    ResponseFunctionCallArgumentsDoneEvent,
    ResponseFunctionToolCall,
    ResponseIncompleteEvent,
    ResponseInProgressEvent,
    ResponseOutputItemAddedEvent,
    ResponseOutputItemDoneEvent,
    ResponseStreamEvent,
    ResponseUsage,
)
from openai.types.responses.response import IncompleteDetails
from pydantic_core import from_json

from rxagents.errors import ModelBehaviorError, ModelConnectionError
from rxagents.models._message_events import MessageEvents, PartKind

__all__ = ["ChatToResponses", "responses_usage"]

_INCOMPLETE_REASONS: dict[str, Literal["max_output_tokens", "content_filter"]] = {
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
    cached = getattr(usage.prompt_tokens_details, "cached_tokens", None) or 0
    reasoning = getattr(usage.completion_tokens_details, "reasoning_tokens", None) or 0
    return ResponseUsage.model_validate(
        {
            "input_tokens": usage.prompt_tokens,
            "input_tokens_details": {"cached_tokens": cached, "cache_write_tokens": 0},
            "output_tokens": usage.completion_tokens,
            "output_tokens_details": {"reasoning_tokens": reasoning},
            "total_tokens": usage.total_tokens,
        }
    )


@dataclass
class _Call:
    call_id: str
    item_id: str
    name: str = ""
    output_index: int = -1
    pieces: list[str] = field(default_factory=list)
    closed: bool = False

    @property
    def started(self) -> bool:
        return self.output_index >= 0


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
        self._seq = 0
        self._base: Response | None = None
        self._prefix = ""
        self._message: MessageEvents | None = None
        self._calls: dict[int, _Call] = {}
        self._outputs: list[MessageEvents | _Call] = []
        self._done: dict[int, Any] = {}
        self._finish_reason: str | None = None
        self._usage: CompletionUsage | None = None

    @property
    def finished(self) -> bool:
        """Whether the model reported a finish reason."""
        return self._finish_reason is not None

    def _next(self) -> int:
        seq = self._seq
        self._seq = seq + 1
        return seq

    def _start(self, chunk: ChatCompletionChunk, out: list[ResponseStreamEvent]) -> None:
        self._model = chunk.model or self._model
        self._prefix = chunk.id or uuid.uuid4().hex
        self._base = base = Response(
            id=f"resp_{self._prefix}",
            created_at=float(chunk.created),
            model=self._model,
            object="response",
            output=[],
            parallel_tool_calls=self._parallel,
            tool_choice="auto",
            tools=[],
            status="in_progress",
        )
        out.append(
            ResponseCreatedEvent(
                type="response.created", response=base, sequence_number=self._next()
            )
        )
        out.append(
            ResponseInProgressEvent(
                type="response.in_progress", response=base, sequence_number=self._next()
            )
        )

    def feed(self, chunk: ChatCompletionChunk) -> list[ResponseStreamEvent]:
        """The events for one chunk."""
        out: list[ResponseStreamEvent] = []
        if self._base is None:
            self._start(chunk, out)
        if chunk.usage is not None:
            self._usage = chunk.usage
        for choice in chunk.choices:
            if choice.index != 0:
                continue
            delta = choice.delta
            if delta.content:
                self._message_delta("output_text", delta.content, out)
            if delta.refusal:
                self._message_delta("refusal", delta.refusal, out)
            if delta.tool_calls:
                for call in delta.tool_calls:
                    self._tool_delta(call, out)
            if choice.finish_reason is not None:
                self._finish_reason = choice.finish_reason
                self._check_named()
                self._close_all(out)
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
            message = self._message
            if message is not None and message.in_text:
                return (message.text_delta(text),)
        return self.feed(ChatCompletionChunk.model_validate(parsed))

    def _message_delta(self, kind: PartKind, text: str, out: list[ResponseStreamEvent]) -> None:
        message = self._message
        if message is None or message.closed:
            self._close_all(out)
            index = len(self._outputs)
            message = MessageEvents(f"msg_{self._prefix}_{index}", index, self._next)
            self._message = message
            self._outputs.append(message)
            message.open(out)
        message.delta(kind, text, out)

    def _tool_delta(self, delta: Any, out: list[ResponseStreamEvent]) -> None:
        call = self._calls.get(delta.index)
        function = delta.function
        if call is None:
            call_id = delta.id or f"call_{uuid.uuid4().hex[:24]}"
            call = _Call(call_id=call_id, item_id=f"fc_{self._prefix}_{delta.index}")
            self._calls[delta.index] = call
        elif call.closed:
            raise ModelBehaviorError(
                f"the model server sent more of tool call {delta.index} after the choice finished"
            )
        if function is not None and function.name and not call.name:
            # The name comes once (OpenAI) or repeated in every delta (llama.cpp):
            # the first one wins either way.
            call.name = function.name
        arguments = function.arguments if function is not None else None
        if arguments:
            call.pieces.append(arguments)
        if not call.started:
            if not call.name:
                return
            # Items stream one after another: a new call finishes the items before it,
            # so the run loop can start those tools at once.
            self._close_all(out)
            call.output_index = len(self._outputs)
            self._outputs.append(call)
            out.append(
                ResponseOutputItemAddedEvent(
                    type="response.output_item.added",
                    item=ResponseFunctionToolCall(
                        id=call.item_id,
                        call_id=call.call_id,
                        name=call.name,
                        arguments="",
                        type="function_call",
                        status="in_progress",
                    ),
                    output_index=call.output_index,
                    sequence_number=self._next(),
                )
            )
            arguments = "".join(call.pieces)
        if arguments:
            out.append(
                ResponseFunctionCallArgumentsDeltaEvent(
                    type="response.function_call_arguments.delta",
                    item_id=call.item_id,
                    output_index=call.output_index,
                    delta=arguments,
                    sequence_number=self._next(),
                )
            )

    def _status(self) -> Literal["completed", "incomplete"]:
        return "incomplete" if self._finish_reason in _INCOMPLETE_REASONS else "completed"

    def _close_call(self, call: _Call, out: list[ResponseStreamEvent]) -> None:
        if call.closed:
            return
        call.closed = True
        arguments = "".join(call.pieces)
        out.append(
            ResponseFunctionCallArgumentsDoneEvent(
                type="response.function_call_arguments.done",
                item_id=call.item_id,
                output_index=call.output_index,
                arguments=arguments,
                sequence_number=self._next(),
            )
        )
        item = ResponseFunctionToolCall(
            id=call.item_id,
            call_id=call.call_id,
            name=call.name,
            arguments=arguments,
            type="function_call",
            status=self._status(),
        )
        self._done[call.output_index] = item
        out.append(
            ResponseOutputItemDoneEvent(
                type="response.output_item.done",
                item=item,
                output_index=call.output_index,
                sequence_number=self._next(),
            )
        )

    def _check_named(self) -> None:
        for index, call in self._calls.items():
            if not call.started:
                raise ModelBehaviorError(
                    f"the model server streamed tool call {index} without a function name"
                )

    def _close_all(self, out: list[ResponseStreamEvent]) -> None:
        for entry in self._outputs:
            if isinstance(entry, MessageEvents):
                if not entry.closed:
                    self._done[entry.output_index] = entry.close(self._status(), out)
            else:
                self._close_call(entry, out)

    def finish(self, *, saw_done: bool) -> list[ResponseStreamEvent]:
        """The closing events, once the stream has ended.

        Args:
            saw_done: whether the server sent ``data: [DONE]``.

        Raises:
            ModelConnectionError: the stream ended before the model finished.
            ModelBehaviorError: the stream held no chunk at all.
        """
        base = self._base
        if base is None:
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
        out: list[ResponseStreamEvent] = []
        self._check_named()
        self._close_all(out)
        output = [self._done[i] for i in sorted(self._done)]
        usage = responses_usage(self._usage)
        reason = _INCOMPLETE_REASONS.get(self._finish_reason or "")
        if reason is None:
            final = base.model_copy(
                update={"status": "completed", "output": output, "usage": usage}
            )
            out.append(
                ResponseCompletedEvent(
                    type="response.completed", response=final, sequence_number=self._next()
                )
            )
        else:
            final = base.model_copy(
                update={
                    "status": "incomplete",
                    "output": output,
                    "usage": usage,
                    "incomplete_details": IncompleteDetails(reason=reason),
                }
            )
            out.append(
                ResponseIncompleteEvent(
                    type="response.incomplete", response=final, sequence_number=self._next()
                )
            )
        return out
