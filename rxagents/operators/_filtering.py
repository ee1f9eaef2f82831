"""Filtering and views: pick the events you care about, or the values inside them.

Filters (:func:`of_type`, :func:`run_items`, :func:`raw`) emit a subsequence of
their input, events unchanged. Views (:func:`text_deltas`, :func:`tool_calls`,
:func:`tool_outputs`, :func:`agent_updates`, :func:`handoffs`) emit the value
inside each selected event: a subsequence of the input, projected.

Each is one Rx subscription with one test per event (no ``filter`` + ``map``
chain), so a view costs about as much as a single RxPY ``filter``.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from functools import lru_cache
from typing import Any, NamedTuple, TypeVar, get_args, overload

from openai.types.responses import ResponseStreamEvent
from reactivex import Observable, abc

from rxagents.agent import Agent
from rxagents.errors import UserError
from rxagents.events import (
    AgentUpdatedStreamEvent,
    RawResponsesStreamEvent,
    RunItemEventName,
    RunItemStreamEvent,
    StreamEvent,
)
from rxagents.items import HandoffOutputItem, ToolCallItem, ToolCallOutputItem

__all__ = [
    "AgentHandoff",
    "agent_updates",
    "handoffs",
    "of_type",
    "raw",
    "run_items",
    "text_deltas",
    "tool_calls",
    "tool_outputs",
]

T = TypeVar("T")
U = TypeVar("U")
A = TypeVar("A")
B = TypeVar("B")
C = TypeVar("C")
D = TypeVar("D")

_Emit = Callable[[U], None]


class AgentHandoff(NamedTuple):
    """A handoff, as :func:`handoffs` emits it: unpack as ``(from_agent, to_agent)``."""

    from_agent: Agent[Any]
    to_agent: Agent[Any]


def _selecting(
    make_on_next: Callable[[Callable[[U], None]], Callable[[T], None]],
) -> Callable[[Observable[T]], Observable[U]]:
    """An operator whose per-subscription ``on_next`` is ``make_on_next(emit)``."""

    def operator(source: Observable[T]) -> Observable[U]:
        def subscribe(
            observer: abc.ObserverBase[U], scheduler: abc.SchedulerBase | None = None
        ) -> abc.DisposableBase:
            return source.subscribe(
                make_on_next(observer.on_next),
                observer.on_error,
                observer.on_completed,
                scheduler=scheduler,
            )

        return Observable(subscribe)

    return operator


@overload
def of_type(cls: type[A], /) -> Callable[[Observable[object]], Observable[A]]: ...
@overload
def of_type(
    cls: type[A], cls2: type[B], /
) -> Callable[[Observable[object]], Observable[A | B]]: ...
@overload
def of_type(
    cls: type[A], cls2: type[B], cls3: type[C], /
) -> Callable[[Observable[object]], Observable[A | B | C]]: ...
@overload
def of_type(
    cls: type[A], cls2: type[B], cls3: type[C], cls4: type[D], /
) -> Callable[[Observable[object]], Observable[A | B | C | D]]: ...
@overload
def of_type(*classes: type[Any]) -> Callable[[Observable[object]], Observable[Any]]: ...
def of_type(*classes: type[Any]) -> Callable[[Observable[object]], Observable[Any]]:
    """Keep the items that are instances of one of ``classes``.

    The output type is the union of the classes, so the type checker knows what
    comes out: ``of_type(RunItemStreamEvent)`` is an
    ``Observable[RunItemStreamEvent]``.

    .. marble::
        --r--i--a--r--|      r: RawResponsesStreamEvent, i: RunItemStreamEvent
        [ of_type(RunItemStreamEvent) ]
        -----i--------|

    Args:
        *classes: one or more classes (an instance of any of them passes).

    Raises:
        UserError: no class was given, or something that is not a class.
    """
    if not classes:
        raise UserError("of_type() needs at least one class, e.g. of_type(RunItemStreamEvent)")
    for cls in classes:
        if not isinstance(cls, type):
            raise UserError(f"of_type() takes classes, got {cls!r}")
    wanted = classes[0] if len(classes) == 1 else classes

    def make(emit: _Emit[Any]) -> Callable[[object], None]:
        def on_next(value: object) -> None:
            if isinstance(value, wanted):
                emit(value)

        return on_next

    return _selecting(make)


_RUN_ITEM_NAMES: frozenset[str] = frozenset(get_args(RunItemEventName))


def run_items(
    *names: RunItemEventName,
) -> Callable[[Observable[StreamEvent]], Observable[RunItemStreamEvent]]:
    """Keep the :class:`~rxagents.events.RunItemStreamEvent` s named ``names`` (all if none).

    .. marble::
        --r--c--o--m--|      c: tool_called, o: tool_output, m: message_output_created
        [ run_items("tool_called", "tool_output") ]
        -----c--o-----|

    Args:
        *names: run item event names: ``message_output_created``, ``tool_called``,
            ``tool_output``, ``handoff_requested``, ``handoff_occured`` (the SDK's
            spelling), ``reasoning_item_created``.

    Raises:
        UserError: a name is not one of those.
    """
    for name in names:
        if name not in _RUN_ITEM_NAMES:
            raise UserError(
                f"run_items(): unknown run item event name {name!r}"
                f"{_suggest(name, _RUN_ITEM_NAMES)}; "
                f"expected one of {', '.join(sorted(_RUN_ITEM_NAMES))}"
            )
    wanted = frozenset(names)

    def make(emit: _Emit[RunItemStreamEvent]) -> Callable[[object], None]:
        if not wanted:

            def on_next_any(value: object) -> None:
                if isinstance(value, RunItemStreamEvent):
                    emit(value)

            return on_next_any

        def on_next(value: object) -> None:
            if isinstance(value, RunItemStreamEvent) and value.name in wanted:
                emit(value)

        return on_next

    return _selecting(make)


def raw(
    *types: str,
) -> Callable[[Observable[StreamEvent]], Observable[RawResponsesStreamEvent]]:
    """Keep the raw model events whose ``data.type`` is one of ``types`` (all if none).

    .. marble::
        --d--D--c--i--|      d: response.output_text.delta, D: ...text.done, c: completed
        [ raw("response.output_text.done", "response.completed") ]
        -----D--c-----|

    Args:
        *types: Responses API stream event types, e.g. ``"response.output_text.delta"``,
            ``"response.function_call_arguments.delta"``, ``"response.completed"``.

    Raises:
        UserError: a type is not a Responses stream event type of the installed
            ``openai`` package.
    """
    known = _raw_types()
    for kind in types:
        if kind not in known:
            raise UserError(
                f"raw(): unknown Responses stream event type {kind!r}{_suggest(kind, known)}; "
                "see openai.types.responses.ResponseStreamEvent for the list"
            )
    wanted = frozenset(types)

    def make(emit: _Emit[RawResponsesStreamEvent]) -> Callable[[object], None]:
        if not wanted:

            def on_next_any(value: object) -> None:
                if isinstance(value, RawResponsesStreamEvent):
                    emit(value)

            return on_next_any

        def on_next(value: object) -> None:
            if isinstance(value, RawResponsesStreamEvent) and value.data.type in wanted:
                emit(value)

        return on_next

    return _selecting(make)


def text_deltas() -> Callable[[Observable[StreamEvent]], Observable[str]]:
    """The text of the model's messages, delta by delta, as strings.

    Selects ``response.output_text.delta`` raw events and emits their ``delta``.
    ``"".join`` of the output is the streamed text of the run (every message
    of every turn, in order).

    .. marble::
        --a--i--b--c--|      a, b, c: text deltas "He", "ll", "o"; i: other events
        [ text_deltas() ]
        --"He"--"ll"-"o"|
    """

    def make(emit: _Emit[str]) -> Callable[[object], None]:
        def on_next(value: object) -> None:
            if isinstance(value, RawResponsesStreamEvent):
                data = value.data
                if data.type == "response.output_text.delta":
                    emit(data.delta)

        return on_next

    return _selecting(make)


def tool_calls() -> Callable[[Observable[StreamEvent]], Observable[ToolCallItem]]:
    """Each tool call, complete with its arguments, as a :class:`~rxagents.items.ToolCallItem`.

    Handoffs are not tool calls here (see :func:`handoffs`).

    .. marble::
        --r--c1--o1--c2--|      c: tool_called events, o: tool_output events
        [ tool_calls() ]
        -----i1------i2--|      i: their ToolCallItem (call_id, tool_name, raw_item.arguments)
    """

    def make(emit: _Emit[ToolCallItem]) -> Callable[[object], None]:
        def on_next(value: object) -> None:
            if isinstance(value, RunItemStreamEvent) and value.name == "tool_called":
                item: Any = value.item
                emit(item)

        return on_next

    return _selecting(make)


def tool_outputs() -> Callable[[Observable[StreamEvent]], Observable[ToolCallOutputItem]]:
    """Each tool result as a :class:`~rxagents.items.ToolCallOutputItem` (``output``, ``is_error``).

    .. marble::
        --c1--c2--o2--o1--|      c: tool_called, o: tool_output (in completion order)
        [ tool_outputs() ]
        ----------i2--i1--|
    """

    def make(emit: _Emit[ToolCallOutputItem]) -> Callable[[object], None]:
        def on_next(value: object) -> None:
            if isinstance(value, RunItemStreamEvent) and value.name == "tool_output":
                item: Any = value.item
                emit(item)

        return on_next

    return _selecting(make)


def agent_updates() -> Callable[[Observable[StreamEvent]], Observable[Agent[Any]]]:
    """The agent in charge: the starting agent, then the target of each handoff.

    .. marble::
        --u(triage)--r--r--u(billing)--r--|
        [ agent_updates() ]
        --triage----------billing---------|
    """

    def make(emit: _Emit[Agent[Any]]) -> Callable[[object], None]:
        def on_next(value: object) -> None:
            if isinstance(value, AgentUpdatedStreamEvent):
                emit(value.new_agent)

        return on_next

    return _selecting(make)


def handoffs() -> Callable[[Observable[StreamEvent]], Observable[AgentHandoff]]:
    """Each handoff that happened, as ``(from_agent, to_agent)`` (an :class:`AgentHandoff`).

    Taken from the ``handoff_occured`` run item, so a requested handoff that was
    not performed (a second one in the same turn) does not appear.

    .. marble::
        --u--q--h--u--|      q: handoff_requested, h: handoff_occured, u: agent updated
        [ handoffs() ]
        --------(triage, billing)--|
    """

    def make(emit: _Emit[AgentHandoff]) -> Callable[[object], None]:
        def on_next(value: object) -> None:
            if isinstance(value, RunItemStreamEvent) and value.name == "handoff_occured":
                item = value.item
                if isinstance(item, HandoffOutputItem):
                    emit(AgentHandoff(item.source_agent, item.target_agent))

        return on_next

    return _selecting(make)


@lru_cache(maxsize=1)
def _raw_types() -> frozenset[str]:
    """Every ``type`` literal of the installed openai ``ResponseStreamEvent`` union."""
    union = get_args(ResponseStreamEvent)[0]
    found: set[str] = set()
    for cls in get_args(union):
        found.update(get_args(cls.model_fields["type"].annotation))
    return frozenset(found)


def _suggest(name: str, known: frozenset[str]) -> str:
    close = difflib.get_close_matches(name, sorted(known), n=1)
    return f" (did you mean {close[0]!r}?)" if close else ""
