"""Stream events: what an rxagents Observable emits.

The vocabulary is the OpenAI Agents SDK's (same class names, ``type`` and
``name`` literals); every event also carries the ``run_id`` of its run and a
``sequence_number`` counting 0, 1, 2, ... within that run.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Literal, TypeAlias

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter

from rxagents._agent_ref import AgentRef
from rxagents._lazy_type import lazy_type
from rxagents._unvalidated import new_model, set_dict, set_extra, set_fields_set, set_private
from rxagents.items import RunItem
from rxagents.result import RunResult

if TYPE_CHECKING:
    from openai.types.responses import ResponseStreamEvent
else:
    # openai's types load when a schema is first needed (validation, dumps), not at import.
    ResponseStreamEvent = lazy_type("openai.types.responses", "ResponseStreamEvent")

__all__ = [
    "AgentUpdatedStreamEvent",
    "NestedRunEvent",
    "RawResponsesStreamEvent",
    "RunCompletedStreamEvent",
    "RunEvent",
    "RunItemEventName",
    "RunItemStreamEvent",
    "RunRestartedStreamEvent",
    "StreamEvent",
    "TurnRestartedStreamEvent",
    "stream_event_adapter",
]

RunItemEventName: TypeAlias = Literal[
    "message_output_created",
    "handoff_requested",
    "handoff_occured",  # sic: the SDK's spelling, kept for compatibility
    "tool_called",
    "tool_output",
    "reasoning_item_created",
]


class _Event(BaseModel):
    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True, defer_build=True)

    run_id: str
    """The run this event belongs to."""
    sequence_number: int
    """Position in its run: 0, 1, 2, ... without gaps."""

    _defaults: ClassVar[dict[str, Any]] = {}

    @classmethod
    def _fast(cls, **values: Any) -> Any:
        """Build without validation, for the run loop (its values are already typed).

        Validating would re-validate the openai event inside (~20 µs) and
        ``model_construct`` walks every field; this sets the instance dict directly.
        """
        obj = new_model(cls)
        values.update(cls._defaults)
        obj.__dict__.update(values)
        set_fields_set(obj, frozenset(values))
        set_extra(obj, None)
        set_private(obj, None)
        return obj

    # Fast-built events hold a frozenset of field names (shared, never mutated);
    # a copy gets its own set so that model_copy(update=...) can extend it.
    def __copy__(self) -> Any:
        copied = super().__copy__()
        set_fields_set(copied, set(self.__pydantic_fields_set__))
        return copied

    def __deepcopy__(self, memo: dict[int, Any] | None = None) -> Any:
        copied = super().__deepcopy__(memo)
        set_fields_set(copied, set(self.__pydantic_fields_set__))
        return copied


class RawResponsesStreamEvent(_Event):
    """A Responses API stream event from the model, passed through unchanged."""

    type: Literal["raw_response_event"] = "raw_response_event"
    data: ResponseStreamEvent
    _defaults: ClassVar[dict[str, Any]] = {"type": "raw_response_event"}


class RunItemStreamEvent(_Event):
    """An item the run produced, emitted as soon as it is complete."""

    type: Literal["run_item_stream_event"] = "run_item_stream_event"
    name: RunItemEventName
    item: RunItem
    _defaults: ClassVar[dict[str, Any]] = {"type": "run_item_stream_event"}


class AgentUpdatedStreamEvent(_Event):
    """The agent in charge changed: at the start of a run and after each handoff."""

    type: Literal["agent_updated_stream_event"] = "agent_updated_stream_event"
    new_agent: AgentRef
    _defaults: ClassVar[dict[str, Any]] = {"type": "agent_updated_stream_event"}


class RunCompletedStreamEvent(_Event):
    """The run's last event: its :class:`~rxagents.RunResult` (rxagents' addition)."""

    type: Literal["run_completed_stream_event"] = "run_completed_stream_event"
    result: RunResult
    _defaults: ClassVar[dict[str, Any]] = {"type": "run_completed_stream_event"}


class RunRestartedStreamEvent(_Event):
    """The run starts over from its first turn under the same ``run_id`` (rxagents' addition).

    Only runs served by workers emit it (``rxagents.redis``): the worker running
    the run was lost and another took it over. Events before it belong to the
    abandoned attempt; consumers that accumulate (text, items) should reset.
    The next event is the starting agent's :class:`AgentUpdatedStreamEvent`.
    """

    type: Literal["run_restarted_stream_event"] = "run_restarted_stream_event"
    attempt: int
    """This attempt's number: 2 for the first restart."""
    reason: str
    """Why the previous attempt was abandoned."""
    _defaults: ClassVar[dict[str, Any]] = {"type": "run_restarted_stream_event"}


class TurnRestartedStreamEvent(_Event):
    """The run's latest model turn runs again (rxagents' addition, durable runs only).

    Only runs on Temporal workers emit it (``rxagents.temporal``): the worker
    streaming a model turn was lost, and another worker calls the model again
    for that turn. Everything the run emitted from ``discard_from`` up to this
    event belongs to the abandoned attempt of the turn (partial text, items);
    consumers drop it and keep what came before (completed tool calls are not
    repeated). The turn's new events follow.
    """

    type: Literal["turn_restarted"] = "turn_restarted"
    turn: int
    """The turn that runs again: 1 for the run's first model call."""
    attempt: int
    """This attempt of the turn: 2 for the first restart."""
    discard_from: int
    """The ``sequence_number`` of the abandoned attempt's first event."""
    reason: str
    """Why the previous attempt was abandoned."""
    _defaults: ClassVar[dict[str, Any]] = {"type": "turn_restarted"}


RunEvent: TypeAlias = Annotated[
    RawResponsesStreamEvent
    | RunItemStreamEvent
    | AgentUpdatedStreamEvent
    | RunCompletedStreamEvent
    | RunRestartedStreamEvent
    | TurnRestartedStreamEvent,
    Field(discriminator="type"),
]
"""An event of one run itself: any :data:`StreamEvent` but a :class:`NestedRunEvent`."""


class NestedRunEvent(_Event):
    """An event of a sub-run (an agent used as a tool, ``Agent.as_tool``) in its parent's stream.

    ``run_id`` and ``sequence_number`` are the parent's (the parent stream stays
    gap-free); ``event`` is the sub-run's event exactly as the sub-run emitted
    it, with its own ``run_id`` and ``sequence_number``. If the sub-run itself
    ran a sub-run, ``event`` is in turn a ``NestedRunEvent`` (each run's
    numbering stays gap-free at its level); ``path`` and ``tools`` always
    describe the whole way down to :attr:`innermost`.

    Attributes:
        path: ``(parent run_id, call_id, sub-run run_id)``, and two more entries
            per deeper level: run ids at even positions, the tool call that
            started the next run at odd ones. ``path[-1] == innermost.run_id``.
        tools: the tool name of each call in ``path``, outermost first.
        event: the sub-run's event.
    """

    type: Literal["nested_run_event"] = "nested_run_event"
    path: tuple[str, ...]
    tools: tuple[str, ...]
    event: StreamEvent
    _defaults: ClassVar[dict[str, Any]] = {"type": "nested_run_event"}

    @property
    def innermost(self) -> RunEvent:
        """The event of the deepest run, unwrapped from every level."""
        event: Any = self.event
        while event.type == "nested_run_event":
            event = event.event
        return event  # type: ignore[no-any-return]


StreamEvent: TypeAlias = Annotated[
    RawResponsesStreamEvent
    | RunItemStreamEvent
    | AgentUpdatedStreamEvent
    | RunCompletedStreamEvent
    | RunRestartedStreamEvent
    | TurnRestartedStreamEvent
    | NestedRunEvent,
    Field(discriminator="type"),
]
"""Any event of a run, discriminated on ``type``."""

# NestedRunEvent's forward reference to StreamEvent resolves when its schema is first
# built (defer_build): by then this module has defined StreamEvent.

stream_event_adapter: TypeAdapter[StreamEvent] = TypeAdapter(
    StreamEvent, config=ConfigDict(defer_build=True)
)
"""Validates a :data:`StreamEvent` from JSON: ``stream_event_adapter.validate_json(line)``."""


_RAW_FIELDS = frozenset({"run_id", "sequence_number", "data", "type"})


def raw_event(
    run_id: str, sequence_number: int, data: ResponseStreamEvent
) -> RawResponsesStreamEvent:
    """A :class:`RawResponsesStreamEvent` built on the hot path (~0.6 µs, no validation)."""
    obj = new_model(RawResponsesStreamEvent)
    set_dict(  # a dict literal set at once: cheaper than updating the instance's empty dict
        obj,
        {
            "run_id": run_id,
            "sequence_number": sequence_number,
            "data": data,
            "type": "raw_response_event",
        },
    )
    set_fields_set(obj, _RAW_FIELDS)
    set_extra(obj, None)
    set_private(obj, None)
    return obj
