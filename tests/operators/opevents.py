"""Hand-built stream events and strategies for the operator tests."""

from __future__ import annotations

import itertools
from typing import Any

import reactivex
from hypothesis import strategies as st
from openai.types.responses import (
    ResponseContentPartAddedEvent,
    ResponseFunctionCallArgumentsDeltaEvent,
    ResponseFunctionToolCall,
    ResponseOutputText,
    ResponseTextDeltaEvent,
)
from reactivex import Observable

from rxagents import Agent, RunResult
from rxagents.events import (
    AgentUpdatedStreamEvent,
    RawResponsesStreamEvent,
    RunCompletedStreamEvent,
    RunItemStreamEvent,
    raw_event,
)
from rxagents.items import HandoffOutputItem, ToolCallItem, ToolCallOutputItem

TEXT_DELTA = "response.output_text.delta"
TRIAGE = Agent("triage")
BILLING = Agent("billing")

_seq = itertools.count()


def delta(text: str, item: str = "msg_1", run: str = "run_a", seq: int | None = None) -> Any:
    n = next(_seq) if seq is None else seq
    return raw_event(
        run,
        n,
        ResponseTextDeltaEvent(
            type="response.output_text.delta",
            item_id=item,
            output_index=0,
            content_index=0,
            delta=text,
            logprobs=[],
            sequence_number=n,
        ),
    )


def args_delta(text: str, run: str = "run_a") -> RawResponsesStreamEvent:
    n = next(_seq)
    return raw_event(
        run,
        n,
        ResponseFunctionCallArgumentsDeltaEvent(
            type="response.function_call_arguments.delta",
            item_id="fc_1",
            output_index=1,
            delta=text,
            sequence_number=n,
        ),
    )


def part_added(run: str = "run_a") -> RawResponsesStreamEvent:
    n = next(_seq)
    return raw_event(
        run,
        n,
        ResponseContentPartAddedEvent(
            type="response.content_part.added",
            item_id="msg_1",
            output_index=0,
            content_index=0,
            part=ResponseOutputText(type="output_text", text="", annotations=[]),
            sequence_number=n,
        ),
    )


def tool_called(name: str = "add", call_id: str = "call_1") -> RunItemStreamEvent:
    raw = ResponseFunctionToolCall(
        id="fc_1", call_id=call_id, name=name, arguments="{}", type="function_call"
    )
    return RunItemStreamEvent(
        run_id="run_a",
        sequence_number=next(_seq),
        name="tool_called",
        item=ToolCallItem(agent=TRIAGE, raw_item=raw),
    )


def tool_output(output: Any = 3, call_id: str = "call_1") -> RunItemStreamEvent:
    raw = {"type": "function_call_output", "call_id": call_id, "output": str(output)}
    return RunItemStreamEvent(
        run_id="run_a",
        sequence_number=next(_seq),
        name="tool_output",
        item=ToolCallOutputItem(agent=TRIAGE, raw_item=raw, output=output),
    )


def handoff_occured(source: Agent[Any] = TRIAGE, target: Agent[Any] = BILLING) -> Any:
    raw = {"type": "function_call_output", "call_id": "call_h", "output": "{}"}
    return RunItemStreamEvent(
        run_id="run_a",
        sequence_number=next(_seq),
        name="handoff_occured",
        item=HandoffOutputItem(
            agent=source, raw_item=raw, source_agent=source, target_agent=target
        ),
    )


def agent_updated(agent: Agent[Any] = TRIAGE) -> AgentUpdatedStreamEvent:
    return AgentUpdatedStreamEvent(run_id="run_a", sequence_number=next(_seq), new_agent=agent)


def completed(final: str = "done") -> RunCompletedStreamEvent:
    result = RunResult(input="hi", new_items=[], final_output=final, last_agent=TRIAGE)
    return RunCompletedStreamEvent(run_id="run_a", sequence_number=next(_seq), result=result)


def events() -> st.SearchStrategy[list[Any]]:
    """Lists of mixed events: text deltas of two messages, other raw events, run items."""
    one = st.one_of(
        st.builds(delta, st.text(max_size=4), st.sampled_from(["msg_1", "msg_2"])),
        st.builds(args_delta, st.text(max_size=3)),
        st.builds(part_added),
        st.builds(tool_called, st.sampled_from(["add", "mul"])),
        st.builds(tool_output, st.integers()),
        st.builds(handoff_occured),
        st.builds(agent_updated, st.sampled_from([TRIAGE, BILLING])),
        st.builds(completed),
    )
    return st.lists(one, max_size=40)


def collect(source: Observable[Any]) -> list[Any]:
    """Every item of a synchronous Observable (raises its error)."""
    out: list[Any] = []
    errors: list[Exception] = []
    source.subscribe(out.append, errors.append)
    if errors:
        raise errors[0]
    return out


def of(items: list[Any]) -> Observable[Any]:
    return reactivex.from_iterable(items)


def is_text(event: Any) -> bool:
    if isinstance(event, str):
        return True
    return isinstance(event, RawResponsesStreamEvent) and event.data.type == TEXT_DELTA


def text_of(event: Any) -> str:
    return event if isinstance(event, str) else event.data.delta


def part_of(event: Any) -> tuple[str, str]:
    return ("", "") if isinstance(event, str) else (event.run_id, event.data.item_id)


def segments(items: list[Any]) -> list[Any]:
    """The stream as (part, joined text) runs between non-text events (kept as is).

    Two streams with equal segments carry the same text, per part, between the
    same non-text events, in the same order.
    """
    out: list[Any] = []
    for item in items:
        if is_text(item):
            if not text_of(item):
                continue  # an empty delta carries nothing
            key = part_of(item)
            if out and isinstance(out[-1], tuple) and out[-1][0] == key:
                out[-1] = (key, out[-1][1] + text_of(item))
            else:
                out.append((key, text_of(item)))
        else:
            out.append(item)
    return out


def is_subsequence(sub: list[Any], seq: list[Any]) -> bool:
    it = iter(seq)
    return all(any(x is y for y in it) for x in sub)
