"""The grammar of a run (DESIGN.md), as a checker for tests.

1. ``on_next*`` then exactly one of ``on_completed`` / ``on_error``; nothing after it.
2. The first event is ``AgentUpdatedStreamEvent`` for the starting agent; each
   handoff emits ``handoff_requested``, ``handoff_occured``, then ``AgentUpdatedStreamEvent``.
3. Every ``tool_output`` follows a ``tool_called`` with the same ``call_id``.
4. ``sequence_number`` starts at 0 and increases by exactly 1.
5. A completed run's last event is ``RunCompletedStreamEvent``.

Events of several runs (a merged stream) are checked run by run (by ``run_id``);
the events of a sub-run inside ``NestedRunEvent`` wrappers are checked as a run
of their own (which may end early: its tool can fail), and each wrapper must
come between its call's ``tool_called`` and ``tool_output`` (rule 3).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from reactivex.notification import Notification
from reactivex.testing.recorded import Recorded

from rxagents.events import (
    AgentUpdatedStreamEvent,
    NestedRunEvent,
    RunCompletedStreamEvent,
    RunItemStreamEvent,
)
from rxagents.testing._describe import context as _context
from rxagents.testing._describe import describe

__all__ = ["RULES", "GrammarViolation", "assert_valid_run", "grammar_violations"]

RULES: dict[int, str] = {
    1: "on_next* then exactly one on_completed or on_error, nothing after it",
    2: "a run starts with AgentUpdatedStreamEvent; a handoff is handoff_requested, "
    "handoff_occured, then AgentUpdatedStreamEvent for its target",
    3: "every tool_output follows a tool_called with the same call_id",
    4: "sequence_number starts at 0 and increases by exactly 1",
    5: "a completed run's last event is RunCompletedStreamEvent",
}
"""The rules, by number, as the failure messages quote them."""


class GrammarViolation(AssertionError):
    """A stream broke the run grammar.

    Attributes:
        rule: the rule's number (see :data:`RULES`).
        index: the offending event's position in the checked list (``None`` when
            the problem is something missing at the end).
        sequence_number: the offending event's ``sequence_number``, if it has one.
        run_id: the run the event belongs to.
        detail: what exactly was wrong.
    """

    def __init__(
        self,
        rule: int,
        detail: str,
        *,
        index: int | None = None,
        sequence_number: int | None = None,
        run_id: str | None = None,
        context: str = "",
    ) -> None:
        self.rule = rule
        self.detail = detail
        self.index = index
        self.sequence_number = sequence_number
        self.run_id = run_id
        where = f"event sequence_number={sequence_number}" if sequence_number is not None else ""
        if index is not None:
            where = f"{where} (position {index})".strip()
        where = where or "end of stream"
        run = f" of run {run_id}" if run_id else ""
        message = f"rule {rule} ({RULES[rule]}) broken at {where}{run}: {detail}"
        super().__init__(f"{message}\n{context}" if context else message)


@dataclass
class _RunState:
    run_id: str
    count: int = 0
    expected_seq: int = 0
    last_seq: int | None = None
    completed_at: int | None = None
    expect_agent: str | None = None
    """An AgentUpdatedStreamEvent for this agent must come next."""
    handoff_calls: set[str] = field(default_factory=set)
    open_calls: dict[str, int] = field(default_factory=dict)
    answered: set[str] = field(default_factory=set)
    called_at: dict[str, int] = field(default_factory=dict)
    """The sequence number of each open call's ``tool_called``."""
    nested: bool = False
    """A sub-run seen through NestedRunEvents: it may end anyhow (its tool can fail)."""
    seq_now: int | None = None


def _notifications(items: Iterable[Any]) -> tuple[list[Any], list[tuple[str, Any]]]:
    """Split a notification recording into its events and its (kind, payload) list."""
    kinds: list[tuple[str, Any]] = []
    events: list[Any] = []
    for entry in items:
        note: Any = entry.value if isinstance(entry, Recorded) else entry
        kind = note.kind if isinstance(note, Notification) else None
        if kind == "N":
            events.append(note.value)
            kinds.append(("N", note.value))
        elif kind in ("E", "C"):
            kinds.append((kind, getattr(note, "exception", None)))
        else:
            raise TypeError(f"not a notification: {entry!r}")
    return events, kinds


def grammar_violations(
    events: Sequence[Any],
    *,
    notifications: Sequence[Any] | None = None,
    truncated: bool = False,
    starting_agent: str | None = None,
    gaps: bool = False,
) -> list[GrammarViolation]:
    """Every way ``events`` breaks the run grammar (an empty list when it is valid).

    Args:
        events: the stream events, in the order they were observed; or a list of
            ``reactivex`` notifications / ``TestScheduler`` records (then rule 1
            is checked on them too).
        notifications: the recorded notifications of the same stream, for rule 1.
            When they end with ``on_error``, runs need not end with
            ``RunCompletedStreamEvent``.
        truncated: the stream was cut short on purpose (``take(n)``, disposal):
            runs need not end with ``RunCompletedStreamEvent`` and the recording
            need not end with ``on_completed`` / ``on_error``. Without it (and
            without notifications) ``events`` must be whole, completed runs.
        starting_agent: the name the first ``AgentUpdatedStreamEvent`` must carry.
        gaps: allow ``sequence_number`` to skip (streams with events filtered out
            or merged, e.g. coalesced deltas); it must still increase.
    """
    events = list(events)
    notes: list[tuple[str, Any]] | None = None
    if events and not hasattr(events[0], "sequence_number") and notifications is None:
        events, notes = _notifications(events)
    elif notifications is not None:
        notes = _notifications(notifications)[1]
    check = _Checker(events, starting_agent, gaps)
    completed = not truncated
    if notes is not None:
        check.problems.extend(_rule_1(notes, events, truncated))
        ends = [kind for kind, _ in notes if kind in ("C", "E")]
        completed = completed and bool(ends) and ends[0] == "C"
    for index, event in enumerate(events):
        check.event(index, event)
    if completed:
        check.ends()
    return check.problems


class _Checker:
    """Rules 2-5 over one recording: the state of every run, and what broke."""

    def __init__(self, events: list[Any], starting_agent: str | None, gaps: bool) -> None:
        self.events = events
        self.starting_agent = starting_agent
        self.gaps = gaps
        self.runs: dict[str, _RunState] = {}
        self.problems: list[GrammarViolation] = []

    def fail(self, rule: int, index: int | None, state: _RunState, detail: str) -> None:
        seq = state.seq_now if index is not None else None
        self.problems.append(
            GrammarViolation(
                rule,
                detail,
                index=index,
                sequence_number=seq,
                run_id=state.run_id,
                context=_context(self.events, index),
            )
        )

    def _state(self, run_id: str, *, nested: bool = False) -> _RunState:
        state = self.runs.get(run_id)
        if state is None:
            state = self.runs[run_id] = _RunState(run_id, nested=nested)
        return state

    def event(self, index: int, event: Any) -> None:
        """Check one event of the recording (and the sub-run event it may carry)."""
        run_id = getattr(event, "run_id", None)
        if run_id is None or not hasattr(event, "sequence_number"):
            raise TypeError(f"event at position {index} is not a stream event: {event!r}")
        state = self._state(run_id)
        _check_event(event, index, state, self.fail, self.starting_agent, self.gaps)
        state.count += 1
        if isinstance(event, NestedRunEvent):
            call_id = event.path[1] if len(event.path) > 1 else ""
            if call_id not in state.open_calls:
                where = "after its tool_output" if call_id in state.answered else "before its call"
                self.fail(3, index, state, f"a sub-run event of call {call_id!r} {where}")
            inner: Any = event.event
            sub = self._state(inner.run_id, nested=True)
            _check_event(inner, index, sub, self.fail, None, self.gaps)
            sub.count += 1

    def ends(self) -> None:
        """The stream completed: every top-level run must have ended whole."""
        for state in self.runs.values():
            if state.nested:
                continue
            if state.expect_agent is not None:
                detail = f"the run ended before the agent update for {state.expect_agent!r}"
                self.fail(2, None, state, detail)
            if state.completed_at is None:
                detail = "the stream completed but this run has no RunCompletedStreamEvent"
                self.fail(5, None, state, detail)
            elif state.open_calls:
                pending = ", ".join(sorted(state.open_calls))
                self.fail(3, None, state, f"the run completed without the tool_output of {pending}")


def _check_event(
    event: Any,
    index: int,
    state: _RunState,
    fail: Any,
    starting_agent: str | None,
    gaps: bool,
) -> None:
    _check_order(event, index, state, fail, gaps)
    kind = getattr(event, "type", None)
    if kind == "run_restarted_stream_event":
        state.expect_agent = starting_agent or ""
        state.handoff_calls.clear()
        state.open_calls.clear()
        state.answered.clear()
        return
    if kind == "turn_restarted":
        # The abandoned attempt of the turn: its calls will be announced again.
        start = event.discard_from
        for open_id, called in list(state.called_at.items()):
            if called >= start:
                state.open_calls.pop(open_id, None)
                del state.called_at[open_id]
        state.handoff_calls.clear()
        return
    _check_agent(event, index, state, fail, starting_agent)
    if isinstance(event, RunCompletedStreamEvent):
        state.completed_at = index
    if isinstance(event, RunItemStreamEvent):
        _check_item(event, index, state, fail)


def _check_order(event: Any, index: int, state: _RunState, fail: Any, gaps: bool) -> None:
    """Rules 4 and 5: numbering, and nothing after the run completed."""
    seq = state.seq_now = event.sequence_number
    if state.completed_at is not None:
        where = f"position {state.completed_at}"
        fail(5, index, state, f"an event after RunCompletedStreamEvent ({where})")
    if gaps:
        if state.last_seq is not None and seq <= state.last_seq:
            detail = f"sequence_number {seq} does not increase (previous {state.last_seq})"
            fail(4, index, state, detail)
    elif seq != state.expected_seq:
        fail(4, index, state, f"expected sequence_number {state.expected_seq}, got {seq}")
    state.last_seq = seq
    state.expected_seq = seq + 1


def _check_agent(
    event: Any, index: int, state: _RunState, fail: Any, starting_agent: str | None
) -> None:
    """Rule 2: the first event, and the agent update a handoff promised."""
    is_update = isinstance(event, AgentUpdatedStreamEvent)
    if state.count == 0 and not is_update:
        fail(2, index, state, f"the run's first event is {describe(event)}, not an agent update")
    if state.expect_agent is not None:
        expected = state.expect_agent
        if not is_update:
            detail = f"expected the agent update for {expected!r}, got {describe(event)}"
            fail(2, index, state, detail)
        elif expected and event.new_agent.name != expected:
            detail = f"expected the agent update for {expected!r}, got {event.new_agent.name!r}"
            fail(2, index, state, detail)
        state.expect_agent = None
    elif is_update:
        if state.count != 0:
            fail(2, index, state, "an agent update that no handoff_occured announced")
        elif starting_agent is not None and event.new_agent.name != starting_agent:
            detail = (
                f"the run starts with agent {event.new_agent.name!r}, expected {starting_agent!r}"
            )
            fail(2, index, state, detail)


def _check_item(event: Any, index: int, state: _RunState, fail: Any) -> None:
    """Rules 2 and 3 on run items: handoffs announced, tool outputs after their calls."""
    raw: Any = event.item.raw_item
    name = event.name
    if name == "handoff_requested":
        state.handoff_calls.add(raw.call_id)
    elif name == "handoff_occured":
        call_id = raw.get("call_id") if isinstance(raw, dict) else None
        if call_id not in state.handoff_calls:
            detail = f"handoff_occured for call {call_id!r} without its handoff_requested"
            fail(2, index, state, detail)
        state.handoff_calls.discard(call_id)
        state.expect_agent = event.item.target_agent.name
    elif name == "tool_called":
        state.open_calls[raw.call_id] = index
        state.called_at[raw.call_id] = event.sequence_number
        state.answered.discard(raw.call_id)  # separate ScriptedModels may reuse ids
    elif name == "tool_output":
        call_id = str(raw.get("call_id")) if isinstance(raw, dict) else ""
        if call_id in state.answered:
            fail(3, index, state, f"a second tool_output for call {call_id!r}")
        elif call_id not in state.open_calls:
            detail = f"tool_output for call {call_id!r} before any tool_called with it"
            fail(3, index, state, detail)
        state.open_calls.pop(call_id, None)
        state.answered.add(call_id)


def _rule_1(
    notes: list[tuple[str, Any]], events: list[Any], truncated: bool
) -> list[GrammarViolation]:
    problems: list[GrammarViolation] = []
    ended: str | None = None
    position = 0
    for kind, payload in notes:
        if ended is not None:
            what = {"N": "on_next", "C": "on_completed", "E": "on_error"}[kind]
            seq = getattr(payload, "sequence_number", None) if kind == "N" else None
            problems.append(
                GrammarViolation(
                    1,
                    f"{what} after {ended}",
                    index=position if kind == "N" else None,
                    sequence_number=seq,
                    run_id=getattr(payload, "run_id", None) if kind == "N" else None,
                    context=_context(events, position if kind == "N" else None),
                )
            )
            break
        if kind == "N":
            position += 1
        else:
            ended = "on_completed" if kind == "C" else "on_error"
    if ended is None and not truncated:
        problems.append(
            GrammarViolation(
                1,
                "the stream never ended (no on_completed or on_error)",
                context=_context(events, None),
            )
        )
    return problems


def assert_valid_run(
    events: Sequence[Any] | Any,
    *,
    notifications: Sequence[Any] | None = None,
    truncated: bool = False,
    starting_agent: str | None = None,
    gaps: bool = False,
) -> None:
    """Assert that a stream follows the run grammar; else raise :class:`GrammarViolation`.

    ``events`` may be a list of stream events, a list of notifications or
    ``TestScheduler`` records, or what :func:`~rxagents.testing.collect` returns
    (its notifications are then checked for rule 1 too). The message names the
    rule and the offending event by ``sequence_number``, and shows the events
    around it. See :func:`grammar_violations` for the options.

    Example:
        >>> run = await collect(Runner.run_streamed(agent, "hi"))
        >>> assert_valid_run(run)
    """
    recorded = getattr(events, "notifications", None)
    if recorded is not None and hasattr(events, "events"):
        notifications = recorded if notifications is None else notifications
        events = events.events
    problems = grammar_violations(
        events,
        notifications=notifications,
        truncated=truncated,
        starting_agent=starting_agent,
        gaps=gaps,
    )
    if problems:
        first = problems[0]
        if len(problems) > 1:
            more = "; ".join(f"rule {p.rule} at seq={p.sequence_number}" for p in problems[1:4])
            first.args = (f"{first.args[0]}\n  ({len(problems) - 1} more: {more})",)
        raise first
