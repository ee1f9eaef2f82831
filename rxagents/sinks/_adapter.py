"""One base for the UI protocols: a run's events cut into hooks, one per kind of thing.

A browser protocol (the AI SDK's UI message stream, AG-UI) speaks of turns, text
parts, tool calls with streamed input, handoffs and sub-runs, not of Responses
events. :class:`EventAdapter` folds a run's :data:`~rxagents.StreamEvent`\\ s into
those notions once (which function calls are handoffs, which text is open, when a
turn ends) and calls a hook for each; a protocol subclasses it and returns its own
messages from the hooks. The state is plain Python per subscription.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Generic, TypeVar

from pydantic_core import to_jsonable_python
from reactivex import Observable, abc

from rxagents.errors import RunCancelled
from rxagents.events import (
    AgentUpdatedStreamEvent,
    NestedRunEvent,
    RawResponsesStreamEvent,
    RunCompletedStreamEvent,
    RunItemStreamEvent,
    RunRestartedStreamEvent,
    StreamEvent,
    TurnRestartedStreamEvent,
)
from rxagents.items import HandoffOutputItem, MessageOutputItem, ToolCallItem, ToolCallOutputItem
from rxagents.result import RunResult

__all__ = ["EventAdapter", "adapt", "json_safe", "parse_arguments"]

Out = TypeVar("Out")

_TEXT_DELTAS = {"response.output_text.delta": "text", "response.reasoning_text.delta": "reasoning",
                "response.reasoning_summary_text.delta": "reasoning"}  # fmt: skip
_TEXT_DONE = {"response.output_text.done", "response.reasoning_text.done",
              "response.reasoning_summary_text.done"}  # fmt: skip
_TURN_END = {"response.completed", "response.incomplete", "response.failed"}
_HANDOFF_PREFIX = (
    "transfer_to_"  # the SDK's default handoff tool names (for agents known by name only)
)


def json_safe(value: Any) -> Any:
    """``value`` as plain JSON data (pydantic models dumped, other objects as ``str``)."""
    return to_jsonable_python(value, fallback=str)


def parse_arguments(arguments: str) -> tuple[Any, str | None]:
    """A tool call's arguments as JSON data, or ``(raw text, error)`` when they are not JSON."""
    try:
        return json.loads(arguments or "{}"), None
    except json.JSONDecodeError as exc:
        return arguments, f"the arguments are not valid JSON ({exc.msg} at column {exc.colno})"


@dataclass
class _RunState:
    handoff_names: frozenset[str] = frozenset()
    known_agent: bool = False
    by_name_only: bool = True
    open_parts: dict[str, str] = field(default_factory=dict)  # part id -> "text" | "reasoning"
    part_ids: dict[str, str] = field(default_factory=dict)  # model's part key -> our part id
    streamed_items: set[str] = field(default_factory=set)  # message item ids that had deltas
    calls_by_item: dict[str, str] = field(default_factory=dict)  # function_call item id -> call_id
    started_calls: set[str] = field(default_factory=set)
    handoff_items: set[str] = field(default_factory=set)
    in_turn: bool = False
    turn_seq: int = -1  # sequence number of the open turn's response.created
    resume_turn: bool = False  # the next response.created goes on with the restarted turn
    turns: int = 0
    finish_reason: str = "stop"


class EventAdapter(Generic[Out]):
    """Cuts a run's events into protocol hooks; subclasses return their messages from them.

    Feed every event to :meth:`feed`; if the stream fails, call :meth:`failed`, or
    :meth:`cancelled` for :class:`~rxagents.errors.RunCancelled`. Each returns the
    protocol messages to send, in order. Open text and an open turn are always
    closed before the run's end. Events of sub-runs (agents used as tools) go to
    :meth:`on_nested`.
    """

    def __init__(self) -> None:
        self.run_id: str | None = None
        self._state = _RunState()
        self._used_ids: set[str] = set()
        self._out: list[Out] = []

    # -- driving ----------------------------------------------------------------
    def feed(self, event: StreamEvent) -> list[Out]:
        """The messages for one event."""
        out = self._out = []
        if self.run_id is None:
            self.run_id = event.run_id
            self.on_run_start(event.run_id)
        if isinstance(event, RawResponsesStreamEvent):
            if event.data.type == "response.created" and not self._state.resume_turn:
                self._state.turn_seq = event.sequence_number
            self._raw(event.data)
        elif isinstance(event, RunItemStreamEvent):
            self._item(event)
        elif isinstance(event, AgentUpdatedStreamEvent):
            self._agent(event.new_agent)
        elif isinstance(event, NestedRunEvent):
            self.on_nested(event)
        elif isinstance(event, RunCompletedStreamEvent):
            self._close_turn()
            self.on_completed(event.result, self._state.finish_reason)
        elif isinstance(event, TurnRestartedStreamEvent):
            self._restart_turn(event)
        elif isinstance(event, RunRestartedStreamEvent):
            self._close_turn()
            self.on_restarted(event.attempt, event.reason)
            self._state = _RunState()
        return out

    def failed(self, error: BaseException) -> list[Out]:
        """The messages for a run that failed with ``error``."""
        out = self._out = []
        self._start_if_needed()
        self._close_turn()
        self.on_error(error)
        return out

    def cancelled(self, error: BaseException) -> list[Out]:
        """The messages for a run that was cancelled."""
        out = self._out = []
        self._start_if_needed()
        self._close_turn()
        self.on_cancelled(str(error))
        return out

    def emit(self, *messages: Out) -> None:
        """Send ``messages`` (for the hooks)."""
        self._out.extend(messages)

    # -- hooks (override) -------------------------------------------------------
    def on_run_start(self, run_id: str) -> None:
        """The first event of the run arrived."""

    def on_agent(self, name: str, first: bool) -> None:
        """The agent in charge is now ``name`` (``first`` at the start of the run)."""

    def on_turn_start(self, turn: int) -> None:
        """A model turn (one model call) starts; turns count from 1."""

    def on_turn_end(self, turn: int) -> None:
        """The turn ended: its model output, its tool outputs and any handoff are done."""

    def on_part_start(self, part_id: str, kind: str) -> None:
        """A text (``kind="text"``) or reasoning part starts streaming."""

    def on_part_delta(self, part_id: str, kind: str, delta: str) -> None:
        """More text of an open part."""

    def on_part_end(self, part_id: str, kind: str) -> None:
        """The part is complete."""

    def on_tool_start(self, call_id: str, name: str) -> None:
        """The model started a tool call (its arguments stream next)."""

    def on_tool_delta(self, call_id: str, delta: str) -> None:
        """More of the call's arguments (JSON text)."""

    def on_tool_call(self, call_id: str, name: str, arguments: str) -> None:
        """The call's arguments are complete; the tool runs next."""

    def on_tool_output(self, call_id: str, output: Any, is_error: bool) -> None:
        """The tool returned ``output`` (or failed: ``is_error``, output is the error text)."""

    def on_handoff(self, source: str, target: str) -> None:
        """The run handed off from agent ``source`` to ``target``."""

    def on_nested(self, event: NestedRunEvent) -> None:
        """An event of a sub-run (an agent used as a tool)."""

    def on_completed(self, result: RunResult, finish_reason: str) -> None:
        """The run completed; ``finish_reason`` of its last model turn (stop, length, ...)."""

    def on_error(self, error: BaseException) -> None:
        """The run failed."""

    def on_cancelled(self, reason: str) -> None:
        """The run was cancelled."""

    def on_restarted(self, attempt: int, reason: str) -> None:
        """The run starts over (a worker was lost); earlier events are abandoned."""

    def on_turn_restarted(self, turn: int, attempt: int, reason: str) -> None:
        """The open turn runs again (a durable run's worker was lost): what it showed so far
        is abandoned; its new attempt goes on in the same turn (no new turn start)."""

    # -- folding ----------------------------------------------------------------
    def _start_if_needed(self) -> None:
        if self.run_id is None:
            self.run_id = ""
            self.on_run_start("")

    def _agent(self, agent: Any) -> None:
        first = not self._state.known_agent and self._state.turns == 0
        get_handoffs = getattr(agent, "get_handoffs", None)
        handoffs = get_handoffs() if callable(get_handoffs) else []
        self._state.handoff_names = frozenset(h.tool_name for h in handoffs)
        # An agent read back from JSON is a name only (no tools, no handoffs): then
        # the SDK's handoff names are the only clue.
        self._state.by_name_only = not handoffs and not getattr(agent, "tools", None)
        self._state.known_agent = True
        self.on_agent(str(agent.name), first)

    def _is_handoff(self, name: str) -> bool:
        if name in self._state.handoff_names:
            return True
        return self._state.by_name_only and name.startswith(_HANDOFF_PREFIX)

    def _raw(self, data: Any) -> None:
        kind = data.type
        state = self._state
        part_kind = _TEXT_DELTAS.get(kind)
        if part_kind is not None:
            part_id = self._part_id(data)
            if part_id not in state.open_parts:
                state.open_parts[part_id] = part_kind
                state.streamed_items.add(data.item_id)
                self.on_part_start(part_id, part_kind)
            self.on_part_delta(part_id, part_kind, data.delta)
        elif kind == "response.function_call_arguments.delta":
            call_id = state.calls_by_item.get(data.item_id)
            if call_id is not None and data.delta:
                self.on_tool_delta(call_id, data.delta)
        elif kind in _TEXT_DONE:
            part_id = self._part_id(data)
            if part_id in state.open_parts:
                self.on_part_end(part_id, state.open_parts.pop(part_id))
        elif kind == "response.output_item.added":
            item = data.item
            if item.type == "function_call":
                if self._is_handoff(item.name):
                    state.handoff_items.add(item.call_id)
                else:
                    state.calls_by_item[item.id or item.call_id] = item.call_id
                    state.started_calls.add(item.call_id)
                    self.on_tool_start(item.call_id, item.name)
        elif kind == "response.created":
            if state.resume_turn:  # the restarted turn's new attempt: the same turn goes on
                state.resume_turn = False
                return
            self._close_turn()
            state.turns += 1
            state.in_turn = True
            self.on_turn_start(state.turns)
        elif kind in _TURN_END:
            self._close_parts()
            state.finish_reason = _finish_reason(data.response)

    def _item(self, event: RunItemStreamEvent) -> None:
        item = event.item
        state = self._state
        if isinstance(item, MessageOutputItem):
            if item.raw_item.id not in state.streamed_items and item.text:
                # A message whose deltas were not seen (a stream resumed mid-run): whole.
                part_id = item.raw_item.id or f"msg_{len(state.streamed_items)}"
                state.streamed_items.add(part_id)
                self.on_part_start(part_id, "text")
                self.on_part_delta(part_id, "text", item.text)
                self.on_part_end(part_id, "text")
        elif isinstance(item, ToolCallItem):
            raw = item.raw_item
            if raw.call_id not in state.started_calls:
                state.started_calls.add(raw.call_id)
                self.on_tool_start(raw.call_id, raw.name)
                if raw.arguments:
                    self.on_tool_delta(raw.call_id, raw.arguments)
            self.on_tool_call(raw.call_id, raw.name, raw.arguments)
        elif isinstance(item, ToolCallOutputItem):
            if item.call_id in state.started_calls:
                self.on_tool_output(item.call_id, item.output, item.is_error)
        elif isinstance(item, HandoffOutputItem):
            self.on_handoff(str(item.source_agent.name), str(item.target_agent.name))

    def _part_id(self, data: Any) -> str:
        # Unique within the run, even if a model reuses item ids from turn to turn.
        key = _part_key(data)
        part_ids = self._state.part_ids
        if key in part_ids and part_ids[key] not in self._state.open_parts:
            del part_ids[key]  # that part ended: this is a new one under a reused id
        if key not in part_ids:
            taken = set(part_ids.values())
            part_id, n = key, 1
            while part_id in taken or part_id in self._used_ids:
                n += 1
                part_id = f"{key}-{n}"
            part_ids[key] = part_id
            self._used_ids.add(part_id)
        return part_ids[key]

    def _close_parts(self) -> None:
        state = self._state
        for part_id, kind in list(state.open_parts.items()):
            self.on_part_end(part_id, kind)
        state.open_parts.clear()

    def _restart_turn(self, event: TurnRestartedStreamEvent) -> None:
        state = self._state
        if not state.in_turn or state.turn_seq < event.discard_from:
            return  # nothing of the abandoned attempt was shown
        self._close_parts()
        self.on_turn_restarted(event.turn, event.attempt, event.reason)
        state.started_calls.clear()  # earlier turns' calls all have their outputs
        state.calls_by_item.clear()
        state.handoff_items.clear()
        state.resume_turn = True

    def _close_turn(self) -> None:
        self._close_parts()
        if self._state.in_turn:
            self._state.in_turn = False
            self.on_turn_end(self._state.turns)


def _part_key(data: Any) -> str:
    index = getattr(data, "summary_index", None)
    if index is None:
        index = getattr(data, "content_index", 0)
    return str(data.item_id) if not index else f"{data.item_id}_{index}"


def _finish_reason(response: Any) -> str:
    details = getattr(response, "incomplete_details", None)
    reason = getattr(details, "reason", None) if details is not None else None
    if reason == "max_output_tokens":
        return "length"
    if reason == "content_filter":
        return "content-filter"
    if getattr(response, "status", None) == "failed":
        return "error"
    return "stop"


def adapt(
    make: Callable[[], EventAdapter[Out]],
) -> Callable[[Observable[StreamEvent]], Observable[Out]]:
    """The operator that runs a fresh adapter from ``make`` per subscription.

    A run's error is not passed on: it becomes the protocol's own ending
    (:meth:`EventAdapter.cancelled` or :meth:`EventAdapter.failed`), then completion.
    """

    def operator(source: Observable[StreamEvent]) -> Observable[Out]:
        def subscribe(
            observer: abc.ObserverBase[Out], scheduler: abc.SchedulerBase | None = None
        ) -> abc.DisposableBase:
            adapter = make()

            def send(outputs: list[Out]) -> None:
                for output in outputs:
                    observer.on_next(output)

            def on_next(event: StreamEvent) -> None:
                send(adapter.feed(event))

            def on_error(error: Exception) -> None:
                ended = isinstance(error, RunCancelled)
                send(adapter.cancelled(error) if ended else adapter.failed(error))
                observer.on_completed()

            return source.subscribe(on_next, on_error, observer.on_completed, scheduler=scheduler)

        return Observable(subscribe)

    return operator
