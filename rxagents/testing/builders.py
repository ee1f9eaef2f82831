"""Build the events of a run by hand: for marble tests, fixtures and strategies.

:class:`StreamBuilder` numbers events as a run would (``sequence_number`` 0, 1,
2, ... under one ``run_id``) and knows the Responses API event shapes, so a
test can write the stream it needs in a few lines::

    b = StreamBuilder(agent="writer")
    events = [b.agent_updated(), *b.message("Hello", chunks=["Hel", "lo"]), b.completed()]
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Sequence
from typing import Any

from openai.types.responses import (
    ResponseFunctionToolCall,
    ResponseOutputMessage,
    ResponseReasoningItem,
    ResponseStreamEvent,
)

from rxagents.agent import Agent, tool_name_for_agent
from rxagents.events import (
    AgentUpdatedStreamEvent,
    RawResponsesStreamEvent,
    RunCompletedStreamEvent,
    RunItemStreamEvent,
    StreamEvent,
    raw_event,
)
from rxagents.items import (
    HandoffCallItem,
    HandoffOutputItem,
    MessageOutputItem,
    ReasoningItem,
    RunItem,
    ToolCallItem,
    ToolCallOutputItem,
)
from rxagents.models.response_builder import ResponseBuilder, response_usage, text_delta_event
from rxagents.result import RunResult, Usage

__all__ = ["StreamBuilder"]


class StreamBuilder:
    """Builds one run's events in order, numbering them like the run loop does.

    Every method returns new events (and counts them); put them in the order you
    build them and the stream satisfies rule 4 of the grammar. The builder keeps
    the run's items, so :meth:`completed` carries a plausible :class:`RunResult`.

    Args:
        run_id: the ``run_id`` of every event.
        agent: the starting agent (an :class:`~rxagents.Agent` or a name).
        first_sequence_number: where numbering starts (``0`` for a whole run).

    Example:
        >>> b = StreamBuilder()
        >>> [e.sequence_number for e in [b.agent_updated(), b.delta("hi"), b.completed()]]
        [0, 1, 2]
    """

    def __init__(
        self,
        run_id: str = "run_test",
        agent: Agent[Any] | str = "agent",
        *,
        first_sequence_number: int = 0,
    ) -> None:
        self.run_id = run_id
        self.agent: Agent[Any] = agent if isinstance(agent, Agent) else Agent(agent)
        self.starting_agent = self.agent
        self.items: list[RunItem] = []
        self._seq = itertools.count(first_sequence_number)
        self._ids = itertools.count()
        # The model response being built; a fresh one at each response_created().
        self._response = ResponseBuilder("built", response_id="resp_x", created_at=0.0)
        self._last_text = ""

    # -- run-level events ---------------------------------------------------
    def agent_updated(self, agent: Agent[Any] | str | None = None) -> AgentUpdatedStreamEvent:
        """``AgentUpdatedStreamEvent``; with an agent, that agent takes over."""
        if agent is not None:
            self.agent = agent if isinstance(agent, Agent) else Agent(agent)
        event: AgentUpdatedStreamEvent = AgentUpdatedStreamEvent._fast(
            run_id=self.run_id, sequence_number=next(self._seq), new_agent=self.agent
        )
        return event

    def completed(self, final_output: Any = None) -> RunCompletedStreamEvent:
        """The run's last event; ``final_output`` defaults to the last message's text."""
        result = RunResult(
            input="hi",
            new_items=list(self.items),
            final_output=self._last_text if final_output is None else final_output,
            last_agent=self.agent,
            usage=Usage(),
        )
        event: RunCompletedStreamEvent = RunCompletedStreamEvent._fast(
            run_id=self.run_id, sequence_number=next(self._seq), result=result
        )
        return event

    def raw(self, data: ResponseStreamEvent) -> RawResponsesStreamEvent:
        """Wrap any Responses API event."""
        return raw_event(self.run_id, next(self._seq), data)

    def item(self, name: str, item: RunItem) -> RunItemStreamEvent:
        """A ``RunItemStreamEvent`` for ``item`` (also recorded for the result)."""
        self.items.append(item)
        event: RunItemStreamEvent = RunItemStreamEvent._fast(
            run_id=self.run_id, sequence_number=next(self._seq), name=name, item=item
        )
        return event

    # -- a model response -----------------------------------------------------
    def response_created(self) -> RawResponsesStreamEvent:
        """``response.created``: a model turn starts."""
        self._response = ResponseBuilder(
            "built", response_id=f"resp_{next(self._ids)}", created_at=0.0
        )
        (created,) = self._response.start(in_progress=False)
        return self.raw(created)

    def response_completed(self, output_tokens: int = 1) -> RawResponsesStreamEvent:
        """``response.completed`` with a small usage report: the model turn ends."""
        (event,) = self._response.complete(response_usage(1, output_tokens))
        return self.raw(event)

    def delta(
        self, text: str, *, item_id: str = "msg_0", output_index: int = 0
    ) -> RawResponsesStreamEvent:
        """One ``response.output_text.delta`` (on its own: enough for text operators)."""
        event = text_delta_event(
            text,
            item_id=item_id,
            output_index=output_index,
            content_index=0,
            sequence_number=self._response.next_sequence_number(),
        )
        return self.raw(event)

    def message(self, text: str, *, chunks: Sequence[str] | None = None) -> list[StreamEvent]:
        """A whole streamed message, ending with ``message_output_created``.

        Args:
            text: the message text.
            chunks: its deltas (default: one delta with the whole text).
        """
        pieces = list(chunks) if chunks is not None else [text]
        if "".join(pieces) != text:
            raise ValueError(f"chunks {pieces!r} do not join to {text!r}")
        response = self._response
        raw = response.open_message(f"msg_{next(self._ids)}")
        raw += response.open_part("output_text")
        raw += [response.text_delta(piece) for piece in pieces]
        raw += response.close_item()
        done = response.output[-1]
        assert isinstance(done, ResponseOutputMessage)
        self._last_text = text
        events: list[StreamEvent] = [self.raw(event) for event in raw]
        events.append(
            self.item("message_output_created", MessageOutputItem(agent=self.agent, raw_item=done))
        )
        return events

    def function_call(
        self,
        name: str,
        arguments: dict[str, Any] | str | None = None,
        *,
        call_id: str | None = None,
    ) -> tuple[list[StreamEvent], ResponseFunctionToolCall]:
        """The raw events of one function call (without its run item), and the call."""
        args = arguments if isinstance(arguments, str) else json.dumps(arguments or {})
        n = next(self._ids)
        response = self._response
        raw = response.open_function_call(name, call_id=call_id or f"call_{n}", item_id=f"fc_{n}")
        if args:
            raw.append(response.arguments(args))
        raw += response.close_item()
        call = response.output[-1]
        assert isinstance(call, ResponseFunctionToolCall)
        return [self.raw(event) for event in raw], call

    def tool_called(
        self,
        name: str,
        arguments: dict[str, Any] | str | None = None,
        *,
        call_id: str | None = None,
    ) -> list[StreamEvent]:
        """A function call's raw events, then its ``tool_called`` event (the last one)."""
        events, call = self.function_call(name, arguments, call_id=call_id)
        events.append(self.item("tool_called", ToolCallItem(agent=self.agent, raw_item=call)))
        return events

    def tool_output(
        self, call_id: str, output: Any = "ok", *, is_error: bool = False
    ) -> RunItemStreamEvent:
        """The ``tool_output`` of the call ``call_id``."""
        raw = {"type": "function_call_output", "call_id": call_id, "output": str(output)}
        item = ToolCallOutputItem(agent=self.agent, raw_item=raw, output=output, is_error=is_error)
        return self.item("tool_output", item)

    def handoff_requested(self, target: Agent[Any] | str) -> list[StreamEvent]:
        """A ``transfer_to_<target>`` call's raw events, then ``handoff_requested``."""
        name = target.name if isinstance(target, Agent) else target
        events, call = self.function_call(tool_name_for_agent(name))
        events.append(
            self.item("handoff_requested", HandoffCallItem(agent=self.agent, raw_item=call))
        )
        return events

    def handoff_occured(self, target: Agent[Any] | str, call_id: str) -> list[StreamEvent]:
        """``handoff_occured`` for the call ``call_id``, then ``target``'s agent update."""
        new = target if isinstance(target, Agent) else Agent(target)
        raw = {
            "type": "function_call_output",
            "call_id": call_id,
            "output": json.dumps({"assistant": new.name}),
        }
        item = HandoffOutputItem(
            agent=self.agent, raw_item=raw, source_agent=self.agent, target_agent=new
        )
        return [self.item("handoff_occured", item), self.agent_updated(new)]

    def handoff(self, target: Agent[Any] | str) -> list[StreamEvent]:
        """A whole handoff: requested, occurred, agent updated (no model turn around it)."""
        requested = self.handoff_requested(target)
        call_id = requested[-1].item.raw_item.call_id  # type: ignore[union-attr]
        return [*requested, *self.handoff_occured(target, call_id)]

    def reasoning(self) -> list[StreamEvent]:
        """A reasoning item's raw events, then ``reasoning_item_created``."""
        item = ResponseReasoningItem(id=f"rs_{next(self._ids)}", summary=[], type="reasoning")
        events: list[StreamEvent] = [self.raw(e) for e in self._response.add_item(item)]
        events.append(
            self.item("reasoning_item_created", ReasoningItem(agent=self.agent, raw_item=item))
        )
        return events
