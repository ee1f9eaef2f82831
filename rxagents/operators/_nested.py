"""Events of sub-runs (agents used as tools): select them by path, flatten, or leave them out.

A run whose tools include ``Agent.as_tool(...)`` carries each sub-run's events
as :class:`~rxagents.events.NestedRunEvent`: ``path`` is ``(parent run_id,
call_id, sub-run run_id, ...)`` down to the innermost run, ``tools`` the tool
name at each level, and ``event`` the sub-run's own event (itself a
``NestedRunEvent`` when it comes from a deeper level).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from reactivex import Observable, abc

from rxagents.errors import UserError
from rxagents.events import NestedRunEvent, StreamEvent

__all__ = ["event_path", "flatten_nested", "nested_events", "top_level"]


def event_path(event: StreamEvent) -> tuple[str, ...]:
    """Where an event comes from: ``(run_id,)`` for a run's own events, else its nested path.

    For a ``NestedRunEvent`` that is the path down to its innermost run
    (``path[-1] == event.innermost.run_id``).

    Example:
        >>> stream.pipe(ops.group_by(event_path))  # one group per run, sub-runs included
    """
    if isinstance(event, NestedRunEvent):
        return event.path
    return (event.run_id,)


def _filter_map(
    step: Callable[[Any, Callable[[Any], None]], None],
) -> Callable[[Observable[Any]], Observable[Any]]:
    def operator(source: Observable[Any]) -> Observable[Any]:
        def subscribe(
            observer: abc.ObserverBase[Any], scheduler: abc.SchedulerBase | None = None
        ) -> abc.DisposableBase:
            on_next = observer.on_next

            def next_event(event: Any) -> None:
                step(event, on_next)

            return source.subscribe(
                next_event, observer.on_error, observer.on_completed, scheduler=scheduler
            )

        return Observable(subscribe)

    return operator


def top_level() -> Callable[[Observable[StreamEvent]], Observable[StreamEvent]]:
    """The run's own events: sub-run events left out (what the OpenAI Agents SDK shows).

    .. marble::
        -a--N(x)--b--N(y)--c-|
        [      top_level()      ]
        -a--------b--------c-|
    """

    def step(event: Any, emit: Callable[[Any], None]) -> None:
        if event.type != "nested_run_event":
            emit(event)

    return _filter_map(step)


def flatten_nested(
    levels: int | None = None,
) -> Callable[[Observable[StreamEvent]], Observable[StreamEvent]]:
    """Unwrap sub-run events: each ``NestedRunEvent`` becomes the sub-run's own event.

    The result interleaves several runs; each event keeps its own run's
    ``run_id`` and ``sequence_number``, so ``group_by(lambda e: e.run_id)`` splits
    it back into runs, each in order. With ``levels=None`` every wrapper is
    removed (a run that started sub-runs of its own then skips the numbers its
    ``NestedRunEvent`` wrappers had); ``levels=1`` removes one, giving each
    direct sub-run's stream exactly as it emitted it (gap-free).

    .. marble::
        -a--N(x)--b--N(N(y))--c-|
        [    flatten_nested()      ]
        -a--x-----b--y--------c-|

    Args:
        levels: how many levels of wrapping to remove; ``None`` for all.
    """
    if levels is not None and levels < 1:
        raise UserError(f"levels must be None or >= 1, got {levels!r}")
    depth = levels

    def step(event: Any, emit: Callable[[Any], None]) -> None:
        if depth is None:
            while event.type == "nested_run_event":
                event = event.event
        else:
            for _ in range(depth):
                if event.type != "nested_run_event":
                    break
                event = event.event
        emit(event)

    return _filter_map(step)


def nested_events(
    tool: str | Sequence[str] | None = None,
    *,
    path: Sequence[str] | None = None,
) -> Callable[[Observable[StreamEvent]], Observable[NestedRunEvent]]:
    """Only sub-run events, optionally of one tool or path (at any depth below it).

    ``tool`` is a tool name (the outermost call's), or a sequence of tool names
    from the outermost down (``("research", "search_web")``), that must begin
    the event's ``tools``. ``path`` must begin the event's ``path`` (e.g.
    ``(run_id, call_id)`` for one call). Pipe into :func:`flatten_nested` to get
    the sub-runs' own events.

    .. marble::
        -a--N(research:x)--b--N(review:y)--N(research:z)-|
        [          nested_events("research")              ]
        ----N(research:x)------------------N(research:z)-|

    Example:
        >>> stream.pipe(rxo.nested_events("research"), rxo.flatten_nested(), rxo.text_deltas())
    """
    tools_prefix: tuple[str, ...] = (
        () if tool is None else (tool,) if isinstance(tool, str) else tuple(tool)
    )
    path_prefix: tuple[str, ...] = tuple(path or ())
    n_tools, n_path = len(tools_prefix), len(path_prefix)

    def step(event: Any, emit: Callable[[Any], None]) -> None:
        if (
            event.type == "nested_run_event"
            and event.tools[:n_tools] == tools_prefix
            and event.path[:n_path] == path_prefix
        ):
            emit(event)

    return _filter_map(step)
