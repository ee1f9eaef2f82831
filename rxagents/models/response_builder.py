"""The one place that builds OpenAI Responses stream events.

Every rxagents model streams ``openai.types.responses.ResponseStreamEvent``s.
A model whose server speaks another wire format (Chat Completions, a local
server, a script, some other provider's API) parses its own format and tells a
:class:`ResponseBuilder` what happened: a message started, some text arrived,
a function call started, its arguments grew, the response ended. The builder
returns the events, numbered, in the order the Responses API sends them:

``response.created``, ``response.in_progress``; per message
``output_item.added``, per content part ``content_part.added``, its
``output_text.delta``\\ s (or ``refusal.delta``\\ s), ``output_text.done`` (or
``refusal.done``), ``content_part.done``, then ``output_item.done``; per
function call ``output_item.added``, ``function_call_arguments.delta``\\ s,
``function_call_arguments.done``, ``output_item.done``; and
``response.completed`` (or ``response.incomplete``) with the output and usage.

Items stream one after another, as in the Responses API: opening an item
closes the open one, so the run loop can start a finished call's tool while
later items still stream.

Example:
    >>> b = ResponseBuilder("toy", response_id="resp_1", created_at=0.0)
    >>> events = [*b.start(), *b.text("Hel"), *b.text("lo"), *b.complete()]
    >>> [e.type for e in events][2:5]
    ['response.output_item.added', 'response.content_part.added', 'response.output_text.delta']
    >>> b.output[0].content[0].text
    'Hello'
"""

from __future__ import annotations

import time
import uuid
from typing import Any, Literal

from openai.types.responses import (
    Response,
    ResponseCompletedEvent,
    ResponseCreatedEvent,
    ResponseFunctionCallArgumentsDeltaEvent,
    ResponseIncompleteEvent,
    ResponseInProgressEvent,
    ResponseOutputItem,
    ResponseOutputItemAddedEvent,
    ResponseOutputItemDoneEvent,
    ResponseStreamEvent,
    ResponseTextDeltaEvent,
    ResponseUsage,
)
from openai.types.responses.response import IncompleteDetails

from rxagents.errors import UserError
from rxagents.models._items import CallState, ItemStatus, MessageState, PartKind, text_delta_event

__all__ = [
    "IncompleteReason",
    "ItemStatus",
    "PartKind",
    "ResponseBuilder",
    "response_usage",
    "text_delta_event",
]

IncompleteReason = Literal["max_output_tokens", "content_filter"]
"""Why a response stopped early (``response.incomplete``)."""


def response_usage(
    input_tokens: int,
    output_tokens: int,
    *,
    cached_tokens: int = 0,
    reasoning_tokens: int = 0,
) -> ResponseUsage:
    """A Responses usage report (from a dict: its detail fields vary by openai release)."""
    return ResponseUsage.model_validate(
        {
            "input_tokens": input_tokens,
            "input_tokens_details": {"cached_tokens": cached_tokens, "cache_write_tokens": 0},
            "output_tokens": output_tokens,
            "output_tokens_details": {"reasoning_tokens": reasoning_tokens},
            "total_tokens": input_tokens + output_tokens,
        }
    )


class ResponseBuilder:
    """Builds the events of one streamed model response, in order and numbered.

    Every method returns the events to emit now (a list, or one event for the
    per-delta methods); emit them in the order you get them. Item ids default
    to ``msg_<suffix>_<n>`` / ``fc_<suffix>_<n>`` and call ids to
    ``call_<suffix>_<n>``, where ``<suffix>`` is the response id without
    ``resp_`` and ``<n>`` the item's position in the output.

    Args:
        model: the model name the response reports.
        response_id: the response's id (default: ``resp_`` and a random hex).
        created_at: Unix time (default: now).
        parallel_tool_calls: reported on the response.

    Attributes:
        response: the response as it started (``in_progress``, no output yet).
    """

    __slots__ = ("_count", "_open", "_output", "_seq", "_suffix", "response")

    def __init__(
        self,
        model: str,
        *,
        response_id: str | None = None,
        created_at: float | None = None,
        parallel_tool_calls: bool = True,
    ) -> None:
        response_id = response_id or f"resp_{uuid.uuid4().hex}"
        self._suffix = response_id.removeprefix("resp_")
        self.response = Response(
            id=response_id,
            created_at=time.time() if created_at is None else created_at,
            model=model,
            object="response",
            output=[],
            parallel_tool_calls=parallel_tool_calls,
            tool_choice="auto",
            tools=[],
            status="in_progress",
        )
        self._seq = 0
        self._count = 0
        self._open: MessageState | CallState | None = None
        self._output: list[ResponseOutputItem] = []

    # -- state ------------------------------------------------------------------
    def next_sequence_number(self) -> int:
        """Take the next ``sequence_number`` (for an event built elsewhere)."""
        seq = self._seq
        self._seq = seq + 1
        return seq

    @property
    def next_output_index(self) -> int:
        """The ``output_index`` the next item will get."""
        return self._count

    @property
    def open_item_id(self) -> str | None:
        """The id of the item streaming now, if any."""
        item = self._open
        return None if item is None else item.item_id

    @property
    def in_text(self) -> bool:
        """Whether a text part is open, so :meth:`text_delta` may be called."""
        item = self._open
        return type(item) is MessageState and item.kind == "output_text"

    @property
    def output(self) -> list[ResponseOutputItem]:
        """The finished items, in output order."""
        return list(self._output)

    # -- the response -------------------------------------------------------------
    def start(self, *, in_progress: bool = True) -> list[ResponseStreamEvent]:
        """``response.created`` and (unless ``in_progress=False``) ``response.in_progress``."""
        base, seq = self.response, self.next_sequence_number
        out: list[ResponseStreamEvent] = [
            ResponseCreatedEvent(type="response.created", response=base, sequence_number=seq())
        ]
        if in_progress:
            out.append(
                ResponseInProgressEvent(
                    type="response.in_progress", response=base, sequence_number=seq()
                )
            )
        return out

    def complete(self, usage: ResponseUsage | None = None) -> list[ResponseStreamEvent]:
        """Close the open item, then ``response.completed`` with the output and ``usage``."""
        out = self.close_item()
        final = self._final({"status": "completed", "usage": usage})
        seq = self.next_sequence_number()
        out.append(
            ResponseCompletedEvent(type="response.completed", response=final, sequence_number=seq)
        )
        return out

    def incomplete(
        self, reason: IncompleteReason, usage: ResponseUsage | None = None
    ) -> list[ResponseStreamEvent]:
        """Close the open item as incomplete, then ``response.incomplete`` saying why."""
        out = self.close_item("incomplete")
        details = IncompleteDetails(reason=reason)
        final = self._final({"status": "incomplete", "usage": usage, "incomplete_details": details})
        seq = self.next_sequence_number()
        out.append(
            ResponseIncompleteEvent(type="response.incomplete", response=final, sequence_number=seq)
        )
        return out

    # -- items ------------------------------------------------------------------------
    def open_message(self, item_id: str | None = None) -> list[ResponseStreamEvent]:
        """Close the open item and start a message (``output_item.added``)."""
        out = self.close_item()
        index = self._take_index()
        message = MessageState(item_id or f"msg_{self._suffix}_{index}", index)
        self._open = message
        out.append(self._added(message.item("in_progress"), index))
        return out

    def open_function_call(
        self, name: str, *, call_id: str | None = None, item_id: str | None = None
    ) -> list[ResponseStreamEvent]:
        """Close the open item and start a function call (``output_item.added``)."""
        out = self.close_item()
        index = self._take_index()
        suffix = f"{self._suffix}_{index}"
        call = CallState(item_id or f"fc_{suffix}", call_id or f"call_{suffix}", name, index)
        self._open = call
        out.append(self._added(call.item("in_progress"), index))
        return out

    def add_item(self, item: ResponseOutputItem) -> list[ResponseStreamEvent]:
        """A whole item at once (e.g. a reasoning item): ``output_item.added`` and ``.done``."""
        out = self.close_item()
        index = self._take_index()
        out.append(self._added(item, index))
        out.append(self._done(item, index))
        return out

    def close_item(self, status: ItemStatus = "completed") -> list[ResponseStreamEvent]:
        """Finish the open item, if any (its ``*.done`` events, then ``output_item.done``)."""
        item = self._open
        if item is None:
            return []
        self._open = None
        out: list[ResponseStreamEvent] = []
        done = item.close(status, self.next_sequence_number, out)
        out.append(self._done(done, item.output_index))
        return out

    # -- message content ------------------------------------------------------------
    def open_part(self, kind: PartKind = "output_text") -> list[ResponseStreamEvent]:
        """Start a content part of the open message (a message opens if none is open)."""
        message = self._open
        out: list[ResponseStreamEvent] = []
        if type(message) is not MessageState:
            out = self.open_message()
            message = self._open
            assert type(message) is MessageState
        message.open_part(kind, self.next_sequence_number, out)
        return out

    def text(self, delta: str) -> list[ResponseStreamEvent]:
        """Some text of the answer (opening a message and a text part if needed)."""
        out = [] if self.in_text else self.open_part("output_text")
        out.append(self.text_delta(delta))
        return out

    def text_delta(self, delta: str) -> ResponseTextDeltaEvent:
        """The ``output_text.delta`` of ``delta`` in the open text part (the fast path).

        Raises:
            UserError: no text part is open (use :meth:`text`).
        """
        message = self._open
        if type(message) is not MessageState or message.kind != "output_text":
            raise UserError("text_delta() needs an open text part; call text() instead")
        # Inlined (no MessageState.text_delta, no next_sequence_number call): this
        # runs once per streamed chunk.
        seq = self._seq
        self._seq = seq + 1
        message.pieces.append(delta)
        return text_delta_event(
            delta,
            item_id=message.item_id,
            output_index=message.output_index,
            content_index=len(message.parts),
            sequence_number=seq,
        )

    def refusal(self, delta: str) -> list[ResponseStreamEvent]:
        """Some text of a refusal (opening a message and a refusal part if needed)."""
        message = self._open
        out: list[ResponseStreamEvent] = []
        if type(message) is not MessageState or message.kind != "refusal":
            out = self.open_part("refusal")
            message = self._open
            assert type(message) is MessageState
        out.append(message.refusal_delta(delta, self.next_sequence_number))
        return out

    # -- function call arguments ------------------------------------------------------
    def arguments(self, delta: str) -> ResponseFunctionCallArgumentsDeltaEvent:
        """A piece of the open function call's arguments (JSON text).

        Raises:
            UserError: no function call is open (use :meth:`open_function_call`).
        """
        call = self._open
        if type(call) is not CallState:
            raise UserError("arguments() needs an open function call; open_function_call() first")
        return call.arguments_delta(delta, self.next_sequence_number)

    # -- internals --------------------------------------------------------------------
    def _take_index(self) -> int:
        index = self._count
        self._count = index + 1
        return index

    def _final(self, update: dict[str, Any]) -> Response:
        return self.response.model_copy(update={"output": self.output, **update})

    def _added(self, item: Any, index: int) -> ResponseOutputItemAddedEvent:
        seq = self.next_sequence_number()
        return ResponseOutputItemAddedEvent(
            type="response.output_item.added", item=item, output_index=index, sequence_number=seq
        )

    def _done(self, item: Any, index: int) -> ResponseOutputItemDoneEvent:
        self._output.append(item)
        seq = self.next_sequence_number()
        return ResponseOutputItemDoneEvent(
            type="response.output_item.done", item=item, output_index=index, sequence_number=seq
        )
