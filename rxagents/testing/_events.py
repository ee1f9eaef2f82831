"""``stream_events()``: grammar-valid event sequences, built without running anything."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from hypothesis import strategies as st

from rxagents.agent import Agent
from rxagents.errors import UserError
from rxagents.events import NestedRunEvent, StreamEvent
from rxagents.testing._chunkings import text_chunkings
from rxagents.testing.builders import StreamBuilder

__all__ = ["stream_events"]

_TOOLS = ("lookup", "add", "search")


def stream_events(
    *,
    agents: Sequence[str] = ("triage", "expert"),
    max_turns: int = 4,
    max_parallel: int = 3,
    complete: bool = True,
    runs: int = 1,
    nested: bool = False,
    texts: st.SearchStrategy[str] | None = None,
) -> st.SearchStrategy[list[StreamEvent]]:
    """Event sequences that satisfy the run grammar, for testing operators offline.

    Each run starts with its agent update, has turns of streamed messages,
    reasoning items and parallel tool calls whose outputs arrive in any order
    after their calls (even while the model still streams), handoffs between
    ``agents``, and ends with ``RunCompletedStreamEvent``.

    Args:
        agents: agent names; the first starts each run.
        max_turns: most model turns per run.
        max_parallel: most tool calls per turn.
        complete: ``False`` cuts the stream short somewhere (as a failed or
            disposed run would end): check it with ``assert_valid_run(...,
            truncated=True)``.
        runs: how many runs (``run_0``, ``run_1``, ...) are interleaved in one
            stream, as a merge of parallel runs would emit them.
        nested: some tool calls are agents used as tools: their sub-run's events
            arrive as ``NestedRunEvent`` between the call and its output.
        texts: strategy for message texts.

    Example:
        >>> @given(events=stream_events())
        ... def test_text_survives(events):
        ...     out = collect_sync(reactivex.from_iterable(events).pipe(my_operator()))
        ...     assert delta_text(out.events) == delta_text(events)
    """
    if not agents or max_turns < 1 or max_parallel < 1 or runs < 1:
        raise UserError(
            "stream_events() needs at least one agent, max_turns >= 1, max_parallel >= 1, runs >= 1"
        )
    strategy = texts if texts is not None else st.text(max_size=24)
    return _streams(tuple(agents), max_turns, max_parallel, complete, runs, nested, strategy)


@st.composite
def _streams(
    draw: st.DrawFn,
    agents: tuple[str, ...],
    max_turns: int,
    max_parallel: int,
    complete: bool,
    runs: int,
    nested: bool,
    texts: st.SearchStrategy[str],
) -> list[StreamEvent]:
    per_run = [
        draw(_run(agents, max_turns, max_parallel, texts, f"run_{i}", nested)) for i in range(runs)
    ]
    if runs == 1:
        merged = per_run[0]
    else:
        order = draw(st.permutations([i for i, events in enumerate(per_run) for _ in events]))
        positions = [0] * runs
        merged = []
        for i in order:
            merged.append(per_run[i][positions[i]])
            positions[i] += 1
    if not complete and len(merged) > 1:
        merged = merged[: draw(st.integers(1, len(merged) - 1))]
    return merged


@st.composite
def _run(
    draw: st.DrawFn,
    agents: tuple[str, ...],
    max_turns: int,
    max_parallel: int,
    texts: st.SearchStrategy[str],
    run_id: str,
    nested: bool = False,
) -> list[StreamEvent]:
    people: dict[str, Agent[Any]] = {name: Agent(name) for name in agents}
    current = agents[0]
    b = StreamBuilder(run_id, people[current])
    events: list[StreamEvent] = [b.agent_updated()]

    def message() -> list[StreamEvent]:
        content = draw(texts)
        return b.message(content, chunks=draw(text_chunkings(content)))

    turns = draw(st.integers(1, max_turns))
    for turn in range(turns):
        final = turn == turns - 1
        body: list[StreamEvent] = [b.response_created()]
        if draw(st.integers(0, 3)) == 0:
            body += b.reasoning()
        calls: list[tuple[str, int, list[StreamEvent]]] = []
        target: str | None = None
        handoff_call = ""
        final_text = ""
        if final:
            for _ in range(draw(st.integers(0, 2))):
                body += message()
                final_text = body[-1].item.text  # type: ignore[union-attr]
        else:
            others = [a for a in agents if a != current]
            hand_off = bool(others) and draw(st.booleans())
            parts = ["call"] * draw(st.integers(0 if hand_off else 1, max_parallel))
            parts += ["message"] * draw(st.integers(0, 1)) + (["handoff"] if hand_off else [])
            for part in draw(st.permutations(parts)):
                if part == "message":
                    body += message()
                elif part == "call":
                    name = draw(st.sampled_from(_TOOLS))
                    args = json.dumps({"q": draw(st.text(max_size=6))})
                    body += b.tool_called(name, args)
                    call_id: str = body[-1].item.raw_item.call_id  # type: ignore[union-attr]
                    inner: list[StreamEvent] = []
                    if nested and draw(st.booleans()):
                        sub_id = f"{run_id}_{call_id}"
                        sub_run = draw(_run(("helper",), 2, 1, texts, sub_id))
                        inner = [_wrapped(run_id, call_id, name, e) for e in sub_run]
                    calls.append((call_id, len(body), inner))
                else:
                    target = draw(st.sampled_from(others))
                    body += b.handoff_requested(target)
                    handoff_call = body[-1].item.raw_item.call_id  # type: ignore[union-attr]
        body.append(b.response_completed())
        events += _with_outputs(draw, b, body, calls)
        if target is not None:
            events += b.handoff_occured(people[target], handoff_call)
            current = target
        if final:
            events.append(b.completed(final_text))
    return [_numbered(e, i) for i, e in enumerate(events)]


def _with_outputs(
    draw: st.DrawFn,
    b: StreamBuilder,
    body: list[StreamEvent],
    calls: list[tuple[str, int, list[StreamEvent]]],
) -> list[StreamEvent]:
    """Put each call's sub-run events and tool_output anywhere after its call, in order."""
    slots: dict[int, list[StreamEvent]] = {}
    for call_id, after, inner in calls:
        at = after
        for event in inner:
            at = draw(st.integers(at, len(body)))
            slots.setdefault(at, []).append(event)
        at = draw(st.integers(at, len(body)))
        output = b.tool_output(call_id, draw(st.sampled_from(["ok", "42", "Error: boom"])))
        slots.setdefault(at, []).append(output)
    out: list[StreamEvent] = []
    for i in range(len(body) + 1):
        out += slots.get(i, [])
        if i < len(body):
            out.append(body[i])
    return out


def _wrapped(run_id: str, call_id: str, tool: str, event: Any) -> NestedRunEvent:
    wrapper: NestedRunEvent = NestedRunEvent._fast(
        run_id=run_id,
        sequence_number=-1,  # numbered with the parent's events
        path=(run_id, call_id, event.run_id),
        tools=(tool,),
        event=event,
    )
    return wrapper


def _numbered(event: Any, sequence_number: int) -> StreamEvent:
    if event.sequence_number == sequence_number:
        return event  # type: ignore[no-any-return]
    return event.model_copy(update={"sequence_number": sequence_number})  # type: ignore[no-any-return]
