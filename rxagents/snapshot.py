"""RunSnapshot: the state of a run after each of its events, cheap enough to emit per event.

:class:`RunAccumulator` folds events into plain Python state that only ever
grows (a list of text chunks, a list of run items, a few counters). Each
:class:`RunSnapshot` it returns holds its event, its count, the run's
:class:`RunState` (a small immutable record, rebuilt only on the few events
that change it: a new agent, a turn starting or ending, a run item, the end)
and a *cut-off*: how many characters of text existed when it was taken. It
computes its lists and strings from the shared state only when read.

So emitting a snapshot costs the same (~0.6 µs) on the first event and on the
millionth, and a snapshot taken earlier keeps showing the run as it was then.
Text is joined lazily: chunks that arrived since the last read are joined once
and appended to a cached string, so reading the text of the last snapshot of a
1M-delta run joins each chunk exactly once. Reading the text of *every*
snapshot builds a new string each time (O(length) per read, as any growing
Python string does): read it at display rate (``throttle_latest``), not per delta.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Self, TypeVar

from pydantic import BaseModel, ConfigDict, computed_field

from rxagents._agent_ref import AgentRef
from rxagents._snapshot_state import RunState, TextLog, ToolCallState, ToolCallStatus
from rxagents._unvalidated import new_model, set_dict, set_extra, set_fields_set, set_private
from rxagents.errors import UserError
from rxagents.events import StreamEvent
from rxagents.items import (
    HandoffOutputItem,
    MessageOutputItem,
    RunItem,
    ToolCallItem,
    ToolCallOutputItem,
)
from rxagents.result import RunResult
from rxagents.usage import Usage, model_call_usage

__all__ = [
    "RunAccumulator",
    "RunSnapshot",
    "RunState",
    "TextLog",
    "ToolCallState",
    "ToolCallStatus",
]


class RunAccumulator:
    """Plain-Python state of one run, folded one event at a time.

    Use it directly in ``async for`` code, or through ``rxo.accumulate()``.

    Example:
        >>> acc = RunAccumulator()
        >>> async for event in Runner.run_streamed(agent, "hi"):
        ...     snapshot = acc.add(event)
        >>> snapshot.text, snapshot.is_complete
        ('Hello!', True)

    Attributes:
        text: every text delta of the run, in order.
        items: every run item, in order.
        segments: ``(agent name, text length when it took over)`` per agent change,
            to split the text by agent.
        state: the shared part of the latest snapshot.
        event_count: events folded so far.
    """

    __slots__ = (
        "event",
        "event_count",
        "in_turn",
        "items",
        "segments",
        "state",
        "text",
        "turn_mark",
    )

    def __init__(self) -> None:
        self.text = TextLog()
        self.items: list[RunItem] = []
        self.segments: list[tuple[str, int]] = []
        self.in_turn = False
        self.turn_mark: tuple[int, int, int, int, int, Usage] | None = None
        """When the latest turn began: its first sequence number, the text length, item
        and segment counts, turns and usage."""
        self.event_count = 0
        self.event: Any = None
        """The latest event folded in (``None`` before the first)."""
        self.state = RunState(
            None, None, 0, Usage(), None, self.text, self.items, 0, self.segments, 0
        )

    def add(self, event: StreamEvent) -> RunSnapshot:
        """Fold ``event`` in and return the snapshot after it (amortised O(1)).

        A ``RunRestartedStreamEvent`` (a worker-served run starting over) resets
        the state; a ``TurnRestartedStreamEvent`` (a durable run's model turn
        running again) takes back what the latest turn added (its text, items and
        usage). Snapshots taken before either keep showing the abandoned attempt.
        """
        self.fold(event)
        return _snapshot(self.state, self.event_count, self.text.length, event)

    def snapshot(self) -> RunSnapshot:
        """The snapshot after the latest event folded in: equal to what :meth:`add`
        returned for it, as long as nothing was folded since (``throttle_latest``
        after ``accumulate()`` builds only the snapshots it emits this way)."""
        return _snapshot(self.state, self.event_count, self.text.length, self.event)

    def fold(self, event: StreamEvent) -> None:
        """Fold ``event`` in without building its snapshot (see :meth:`add`)."""
        e: Any = event
        kind = e.type
        self.event_count += 1
        if kind == "raw_response_event":
            data = e.data
            raw_kind = data.type
            if raw_kind == "response.output_text.delta" and self.in_turn:
                # The hot path, nearly every event of a run: the shared state is unchanged.
                self.text.append(data.delta)
                self.event = event
                return
            if not self.in_turn:
                self.in_turn = True
                state = self.state
                self.turn_mark = (
                    e.sequence_number, self.text.length, len(self.items), len(self.segments),
                    state.turn_count, state.usage,
                )  # fmt: skip
                self.state = state._replace(turn_count=state.turn_count + 1)
            if raw_kind == "response.output_text.delta":
                self.text.append(data.delta)
            elif raw_kind in _TURN_ENDS:
                self.in_turn = False
                if raw_kind != "error" and raw_kind != "response.failed":
                    usage = _plus(self.state.usage, data.response.usage)
                    self.state = self.state._replace(usage=usage)
        elif kind == "run_item_stream_event":
            self.items.append(e.item)
            self.state = self.state._replace(item_count=len(self.items))
        elif kind == "agent_updated_stream_event":
            self.segments.append((e.new_agent.name, self.text.length))
            self.state = self.state._replace(
                current_agent=e.new_agent, segment_count=len(self.segments)
            )
        elif kind == "nested_run_event":  # a sub-run's model calls count in its parent's usage
            reported = model_call_usage(e.innermost)
            if reported is not False:
                self.state = self.state._replace(usage=_plus(self.state.usage, reported))
        elif kind == "run_completed_stream_event":
            self.state = self.state._replace(result=e.result)
        elif kind == "turn_restarted":
            self._take_back_turn(e.discard_from)
        elif kind == "run_restarted_stream_event":
            self.__init__()  # type: ignore[misc]
            self.event_count = 1  # counting starts again with the restart
        if self.state.run_id is None:
            self.state = self.state._replace(run_id=e.run_id)
        self.event = event  # last: a restart's ``__init__`` above resets it

    def _take_back_turn(self, discard_from: int) -> None:
        """Drop what the latest turn added if it began at ``discard_from`` or later, in new
        containers (old snapshots keep theirs)."""
        if self.turn_mark is None or self.turn_mark[0] < discard_from:
            return  # the abandoned attempt emitted nothing this accumulator saw
        _, length, n_items, n_segments, turns, usage = self.turn_mark
        kept = self.text.prefix(length)
        self.text = TextLog()
        if kept:
            self.text.append(kept)
        self.items = self.items[:n_items]
        self.segments = self.segments[:n_segments]
        self.in_turn = False
        self.state = self.state._replace(
            turn_count=turns, usage=usage, text=self.text, items=self.items,
            item_count=n_items, segments=self.segments, segment_count=n_segments,
        )  # fmt: skip


_TURN_ENDS = frozenset({"response.completed", "response.incomplete", "response.failed", "error"})


def _plus(usage: Usage, reported: Any) -> Usage:
    """``usage`` plus one request (a new object: snapshots keep the old one)."""
    if reported is None:
        return Usage(
            requests=usage.requests + 1,
            input_tokens=usage.input_tokens,
            output_tokens=usage.output_tokens,
            total_tokens=usage.total_tokens,
        )
    return Usage(
        requests=usage.requests + 1,
        input_tokens=usage.input_tokens + reported.input_tokens,
        output_tokens=usage.output_tokens + reported.output_tokens,
        total_tokens=usage.total_tokens + reported.total_tokens,
    )


Snap = TypeVar("Snap", bound="RunSnapshot")


class RunSnapshot(BaseModel):
    """The state of a run right after one of its events.

    Only ``event`` and ``event_count`` are stored per snapshot; the rest is read
    from the run's shared state up to this snapshot's cut-off (the text length,
    the item and agent counts), so an old snapshot still shows the run as it was.
    Each read of ``text`` or a list builds a new string or list: O(size) per
    read, nothing per event. ``model_dump()`` includes every property.

    Attributes:
        event: the event this snapshot follows.
        event_count: events folded so far, this one included.
        run_id: the run's id (``None`` before the first event).
        current_agent: the agent in charge (``None`` before the first event).
        turn_count: model calls started so far.
        usage: requests and tokens of the model calls completed so far.
        is_complete: the run's ``RunCompletedStreamEvent`` has arrived.
        final_output: the run's final output once complete, else ``None``.
        result: the run's :class:`~rxagents.RunResult` once complete.
    """

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True, defer_build=True)

    # The shared state and the text cut-off live in slots rather than pydantic
    # private attributes or fields: one small dict per snapshot instead of two
    # larger ones. A snapshot is built per event, and at 1,000 concurrent runs
    # every GC-tracked allocation and dict entry shows in the wall time
    # (benchmarks, concurrency). Copies and pickles carry them (__copy__,
    # __getstate__ below).
    __slots__ = ("__weakref__", "_state", "_text_length")
    if TYPE_CHECKING:  # for type checkers only: pydantic would make them private attributes
        _state: RunState
        _text_length: int

    event: StreamEvent
    event_count: int

    def model_post_init(self, context: Any, /) -> None:
        # Only validation calls this (RunSnapshot(...), model_validate...): accumulate()
        # builds snapshots without it, pointing them at the run's shared state.
        raise UserError(
            "a RunSnapshot comes from rxo.accumulate() or RunAccumulator.add(); it cannot be "
            "constructed or validated, since it reads its run's shared state. To send one "
            "elsewhere, send snapshot.model_dump() (every property included) as plain data"
        )

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> Self:
        """A copy, with ``update`` applied to ``event``, ``event_count`` and the run's
        ``run_id``, ``current_agent``, ``turn_count``, ``usage`` or ``result``.

        Raises:
            UserError: ``update`` names a property computed from others (``text``,
                ``items``, ``is_complete``...) or no property at all.
        """
        fields: dict[str, Any] = {}
        shared: dict[str, Any] = {}
        for name, value in (update or {}).items():
            if name in _FIELDS:
                fields[name] = value
            elif name in _STATE_NAMES:
                shared[name] = value
            else:
                raise UserError(
                    f"RunSnapshot.model_copy cannot update {name!r}; it can update "
                    f"{sorted(_FIELDS | _STATE_NAMES)}"
                )
        copied = super().model_copy(update=fields or None, deep=deep)
        if shared:
            _set_state(copied, copied._state._replace(**shared))
        return copied

    def __copy__(self) -> Self:
        return _with_shared_state(self, super().__copy__())

    def __deepcopy__(self, memo: dict[int, Any] | None = None) -> Self:
        # The shared state is append-only and read only up to the cut-offs: sharing it is safe.
        return _with_shared_state(self, super().__deepcopy__(memo))

    def __getstate__(self) -> dict[Any, Any]:
        return {**super().__getstate__(), "rxagents_cut": (self._state, self._text_length)}

    def __setstate__(self, state: dict[Any, Any]) -> None:
        state = dict(state)
        shared, text_length = state.pop("rxagents_cut")
        super().__setstate__(state)
        _set_state(self, shared)
        _set_text_length(self, text_length)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def run_id(self) -> str | None:
        """The run's id (``None`` before the first event)."""
        return self._state.run_id

    @computed_field  # type: ignore[prop-decorator]
    @property
    def current_agent(self) -> AgentRef | None:
        """The agent in charge (``None`` before the first event)."""
        agent: AgentRef | None = self._state.current_agent
        return agent

    @computed_field  # type: ignore[prop-decorator]
    @property
    def turn_count(self) -> int:
        """Model calls started so far."""
        return self._state.turn_count

    @computed_field  # type: ignore[prop-decorator]
    @property
    def usage(self) -> Usage:
        """Requests and tokens of the model calls completed so far."""
        return self._state.usage

    @computed_field  # type: ignore[prop-decorator]
    @property
    def is_complete(self) -> bool:
        """The run's ``RunCompletedStreamEvent`` has arrived."""
        return self._state.result is not None

    @computed_field  # type: ignore[prop-decorator]
    @property
    def final_output(self) -> Any:
        """The run's final output once complete, else ``None``."""
        result = self._state.result
        return None if result is None else result.final_output

    @computed_field  # type: ignore[prop-decorator]
    @property
    def result(self) -> RunResult | None:
        """The run's :class:`~rxagents.RunResult` once complete."""
        return self._state.result

    @computed_field  # type: ignore[prop-decorator]
    @property
    def text(self) -> str:
        """All text streamed so far, every agent's, in order."""
        return self._state.text.prefix(self._text_length)

    @computed_field  # type: ignore[prop-decorator]
    @property
    def text_by_agent(self) -> dict[str, str]:
        """Text streamed so far per agent name (an agent's turns joined in order)."""
        end = self._text_length
        full = self._state.text.prefix(end)
        segments = self._state.segments[: self._state.segment_count]
        parts: dict[str, list[str]] = {}
        for i, (name, start) in enumerate(segments):
            stop = segments[i + 1][1] if i + 1 < len(segments) else end
            parts.setdefault(name, []).append(full[start:stop])
        return {name: "".join(chunks) for name, chunks in parts.items()}

    @computed_field  # type: ignore[prop-decorator]
    @property
    def items(self) -> list[RunItem]:
        """Every run item so far (messages, tool calls and outputs, handoffs...)."""
        return self._state.items[: self._state.item_count]

    @computed_field  # type: ignore[prop-decorator]
    @property
    def messages(self) -> list[MessageOutputItem]:
        """The complete messages so far."""
        return [i for i in self.items if isinstance(i, MessageOutputItem)]

    @computed_field  # type: ignore[prop-decorator]
    @property
    def tool_calls(self) -> list[ToolCallState]:
        """Every tool call so far, in call order, with its status and output."""
        calls: dict[str, ToolCallState] = {}
        for item in self.items:
            if isinstance(item, ToolCallItem):
                raw = item.raw_item
                calls[raw.call_id] = ToolCallState(
                    call_id=raw.call_id,
                    name=raw.name,
                    arguments=raw.arguments,
                    agent=item.agent.name,
                )
            elif isinstance(item, ToolCallOutputItem):
                call = calls.get(item.call_id)
                if call is not None:
                    calls[item.call_id] = call.model_copy(
                        update={
                            "status": "failed" if item.is_error else "done",
                            "output": item.output,
                        }
                    )
        return list(calls.values())

    @computed_field  # type: ignore[prop-decorator]
    @property
    def handoffs(self) -> list[tuple[str, str]]:
        """``(from agent, to agent)`` names of the handoffs so far."""
        return [
            (i.source_agent.name, i.target_agent.name)
            for i in self.items
            if isinstance(i, HandoffOutputItem)
        ]


def _with_shared_state(original: RunSnapshot, copied: Snap) -> Snap:
    """``copied`` pointing at ``original``'s run state and text cut-off, with a field
    set of its own (``model_copy`` adds to it; built snapshots share one frozenset)."""
    _set_state(copied, original._state)
    _set_text_length(copied, original._text_length)
    set_fields_set(copied, set(original.__pydantic_fields_set__))
    return copied


_set_state = RunSnapshot.__dict__["_state"].__set__
_set_text_length = RunSnapshot.__dict__["_text_length"].__set__
_FIELDS = frozenset(RunSnapshot.model_fields)
_STATE_NAMES = frozenset({"run_id", "current_agent", "turn_count", "usage", "result"})


def _snapshot(state: RunState, event_count: int, text_length: int, event: Any) -> RunSnapshot:
    """Build a snapshot without validation (its values are already typed): ~0.6 µs."""
    snap = new_model(RunSnapshot)
    set_dict(snap, {"event": event, "event_count": event_count})
    set_fields_set(snap, _FIELDS)
    set_extra(snap, None)
    set_private(snap, None)
    _set_state(snap, state)
    _set_text_length(snap, text_length)
    return snap
