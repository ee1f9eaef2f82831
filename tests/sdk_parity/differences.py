"""The documented differences between the SDK's event stream and ours, as functions.

Each function turns the SDK's event sequence (as :data:`~harness.EventKey` s) into
the one rxagents is documented to produce instead, one row of the README's
"Differences from the OpenAI Agents SDK" table each. A scenario passes only if,
after exactly these rewrites, the two sequences are equal; a rewrite that does
not apply (the SDK did something else) raises ``NotApplicable``.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from tests.sdk_parity.harness import Api, EventKey

CREATED = ("raw", "response.created")
ITEM_ADDED = ("raw", "response.output_item.added")
ITEM_DONE = ("raw", "response.output_item.done")
PART_ADDED = ("raw", "response.content_part.added")
PART_DONE = ("raw", "response.content_part.done")
ENDS = (("raw", "response.completed"), ("raw", "response.incomplete"))

ITEM_CREATED_NAMES = frozenset(
    {"message_output_created", "tool_called", "handoff_requested", "reasoning_item_created"}
)
"""Run item events for an output item of the model (not tool outputs, not handoffs done)."""

OUR_EXTRA_CHAT_EVENTS = frozenset(
    {
        ("raw", "response.in_progress"),
        ("raw", "response.output_text.done"),
        ("raw", "response.function_call_arguments.done"),
    }
)
"""Responses events rxagents' Chat Completions conversion emits and the SDK's omits."""


class NotApplicable(AssertionError):
    """The SDK's sequence is not of the shape a documented difference rewrites."""


def items_at_output_item_done(events: Sequence[EventKey]) -> list[EventKey]:
    """Row "run item events": the SDK emits a response's ``message_output_created`` /
    ``tool_called`` / ``handoff_requested`` after ``response.completed``; rxagents emits
    each right after its item's ``response.output_item.done``."""
    out: list[EventKey] = []
    dones: list[int] = []
    index = 0
    while index < len(events):
        event = events[index]
        if event == CREATED:
            dones = []
        out.append(event)
        index += 1
        if event == ITEM_DONE:
            dones.append(len(out) - 1)
        if event in ENDS:
            moved: list[EventKey] = []
            while index < len(events) and _is_item_created(events[index]):
                moved.append(events[index])
                index += 1
            if len(moved) != len(dones):
                raise NotApplicable(
                    f"{len(moved)} item events after a response with {len(dones)} output items"
                )
            for position, item in reversed(list(zip(dones, moved, strict=True))):
                out.insert(position + 1, item)
    return out


def chat_items_close_as_the_next_begins(events: Sequence[EventKey]) -> list[EventKey]:
    """Row "Chat Completions streams": the SDK's converter closes every output item
    (``content_part.done``, ``output_item.done``) at the end of the stream; rxagents
    closes each as soon as the next one begins, so its tool can start at once."""
    out: list[EventKey] = []
    index = 0
    while index < len(events):
        if events[index] != CREATED:
            out.append(events[index])
            index += 1
            continue
        end = index
        while end < len(events) and events[end] not in ENDS:
            end += 1
        if end == len(events):
            raise NotApplicable("a response without response.completed")
        out.extend(_close_early(list(events[index:end])))
        out.append(events[end])
        index = end + 1
    return out


def _close_early(segment: list[EventKey]) -> list[EventKey]:
    tail: list[EventKey] = []
    while segment and segment[-1] in (PART_DONE, ITEM_DONE):
        tail.insert(0, segment.pop())
    rebuilt: list[EventKey] = []
    open_kind: str | None = None
    for event in segment:
        if event == ITEM_ADDED:
            rebuilt.extend(_closing(open_kind))
            open_kind = "unknown"
        elif open_kind == "unknown":
            open_kind = "message" if event == PART_ADDED else "call"
        rebuilt.append(event)
    rebuilt.extend(_closing(open_kind))
    closings = [e for e in rebuilt if e in (PART_DONE, ITEM_DONE)]
    if Counter(closings) != Counter(tail):
        raise NotApplicable(f"the stream's closing events {tail} do not close its items")
    return rebuilt


def _closing(kind: str | None) -> list[EventKey]:
    if kind is None:
        return []
    return [PART_DONE, ITEM_DONE] if kind == "message" else [ITEM_DONE]


def without_our_extra_chat_events(events: Sequence[EventKey]) -> list[EventKey]:
    """Row "Chat Completions streams": rxagents also emits ``response.in_progress``,
    ``response.output_text.done`` and ``response.function_call_arguments.done``, as
    the Responses API does; the SDK's conversion leaves them out."""
    return [e for e in events if e not in OUR_EXTRA_CHAT_EVENTS]


def split_tool_outputs(events: Sequence[EventKey]) -> tuple[list[EventKey], list[list[str]]]:
    """Row "tool outputs": the events without ``tool_output``, and each turn's
    ``tool_output`` call ids in the order they came (the SDK: call order, at the end
    of the turn; rxagents: the moment each tool finishes)."""
    rest: list[EventKey] = []
    outputs: list[list[str]] = []
    for event in events:
        if event == CREATED:
            outputs.append([])
        if event[:2] == ("item", "tool_output"):
            if not outputs:
                raise NotApplicable("a tool output before any model response")
            outputs[-1].append(event[3])
        else:
            rest.append(event)
    return rest, outputs


def sdk_as_documented(events: Sequence[EventKey], api: Api) -> list[EventKey]:
    """The SDK's sequence rewritten by every documented difference that applies to ``api``."""
    rewritten = list(events)
    if api == "chat":
        rewritten = chat_items_close_as_the_next_begins(rewritten)
    return items_at_output_item_done(rewritten)


def ours_comparable(events: Sequence[EventKey], api: Api) -> list[EventKey]:
    """Our sequence without what we emit and the SDK does not (per ``api``)."""
    return without_our_extra_chat_events(events) if api == "chat" else list(events)


def _is_item_created(event: EventKey) -> bool:
    return event[0] == "item" and event[1] in ITEM_CREATED_NAMES
