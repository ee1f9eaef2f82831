"""The workloads: the same Responses stream events, fed to every contender.

One *script* is a list of turns; a turn is ``(deltas, with_tool_call)``. The
events of a turn are built here with the openai constructors (the way an HTTP
model builds them), and the same generator feeds:

* the floor (iterated directly, no framework),
* rxagents, through :class:`RxModel` (rxagents' ``Model`` protocol),
* the OpenAI Agents SDK, through :class:`SDKModel` (the SDK's ``Model`` ABC).

``awaiting=True`` makes the model ``await asyncio.sleep(0)`` before every
delta, like a model reading a socket; ``False`` never yields to the loop.
"""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import AsyncIterator, Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from openai.types.responses import (
    Response,
    ResponseCompletedEvent,
    ResponseContentPartAddedEvent,
    ResponseContentPartDoneEvent,
    ResponseCreatedEvent,
    ResponseFunctionCallArgumentsDoneEvent,
    ResponseFunctionToolCall,
    ResponseOutputItemAddedEvent,
    ResponseOutputItemDoneEvent,
    ResponseOutputMessage,
    ResponseOutputText,
    ResponseStreamEvent,
    ResponseTextDeltaEvent,
    ResponseTextDoneEvent,
    ResponseUsage,
)

Turn = tuple[int, bool]
"""``(text deltas, ends with a tool call)``."""

DELTA = "tok "
TOOL_NAME = "lookup"


def one_turn(deltas: int) -> list[Turn]:
    """A single answer of ``deltas`` text deltas."""
    return [(deltas, False)]


def tool_turns(turns: int, deltas: int) -> list[Turn]:
    """``turns`` x (``deltas`` deltas + a tool call), then a one-delta final answer."""
    return [(deltas, True)] * turns + [(1, False)]


def events_per_script(script: Sequence[Turn]) -> int:
    """How many Responses events :func:`turn_events` yields for the whole script."""
    total = 0
    for deltas, tool in script:
        # created, item.added, part.added, deltas, text.done, part.done, item.done, completed
        total += deltas + 7
        if tool:
            total += 3  # item.added, arguments.done, item.done
    return total


def _usage(output_tokens: int) -> ResponseUsage:
    # From a dict: the detail objects' required fields vary across openai versions.
    return ResponseUsage.model_validate(
        {
            "input_tokens": 10,
            "input_tokens_details": {"cached_tokens": 0, "cache_write_tokens": 0},
            "output_tokens": output_tokens,
            "output_tokens_details": {"reasoning_tokens": 0},
            "total_tokens": 10 + output_tokens,
        }
    )


async def turn_events(
    turn: Turn, index: int, *, awaiting: bool = False, on_yield: Callable[[], None] | None = None
) -> AsyncIterator[ResponseStreamEvent]:
    """The Responses events of one turn, built as they are yielded.

    Args:
        turn: ``(deltas, with_tool_call)``.
        index: the turn's position (used in ids).
        awaiting: ``await asyncio.sleep(0)`` before each delta.
        on_yield: called before each delta is yielded (the backpressure benchmark counts).
    """
    deltas, with_tool = turn
    msg_id = f"msg_{index}"
    seq = 0
    base = Response(
        id=f"resp_{index}",
        created_at=time.time(),
        model="bench",
        object="response",
        output=[],
        parallel_tool_calls=True,
        tool_choice="auto",
        tools=[],
        status="in_progress",
    )
    yield ResponseCreatedEvent(type="response.created", response=base, sequence_number=seq)
    seq += 1
    yield ResponseOutputItemAddedEvent(
        type="response.output_item.added",
        item=ResponseOutputMessage(
            id=msg_id, content=[], role="assistant", status="in_progress", type="message"
        ),
        output_index=0,
        sequence_number=seq,
    )
    seq += 1
    yield ResponseContentPartAddedEvent(
        type="response.content_part.added",
        item_id=msg_id,
        output_index=0,
        content_index=0,
        part=ResponseOutputText(type="output_text", text="", annotations=[]),
        sequence_number=seq,
    )
    seq += 1
    sleep = asyncio.sleep
    for _ in range(deltas):
        if awaiting:
            await sleep(0)
        if on_yield is not None:
            on_yield()
        yield ResponseTextDeltaEvent(
            type="response.output_text.delta",
            item_id=msg_id,
            output_index=0,
            content_index=0,
            delta=DELTA,
            logprobs=[],
            sequence_number=seq,
        )
        seq += 1
    text = DELTA * deltas
    part = ResponseOutputText(type="output_text", text=text, annotations=[])
    yield ResponseTextDoneEvent(
        type="response.output_text.done",
        item_id=msg_id,
        output_index=0,
        content_index=0,
        text=text,
        logprobs=[],
        sequence_number=seq,
    )
    seq += 1
    yield ResponseContentPartDoneEvent(
        type="response.content_part.done",
        item_id=msg_id,
        output_index=0,
        content_index=0,
        part=part,
        sequence_number=seq,
    )
    seq += 1
    message = ResponseOutputMessage(
        id=msg_id, content=[part], role="assistant", status="completed", type="message"
    )
    yield ResponseOutputItemDoneEvent(
        type="response.output_item.done", item=message, output_index=0, sequence_number=seq
    )
    seq += 1
    output: list[Any] = [message]
    if with_tool:
        call = ResponseFunctionToolCall(
            id=f"fc_{index}",
            call_id=f"call_{index}",
            name=TOOL_NAME,
            arguments='{"n": 1}',
            type="function_call",
            status="completed",
        )
        yield ResponseOutputItemAddedEvent(
            type="response.output_item.added",
            item=call.model_copy(update={"arguments": "", "status": "in_progress"}),
            output_index=1,
            sequence_number=seq,
        )
        seq += 1
        yield ResponseFunctionCallArgumentsDoneEvent(
            type="response.function_call_arguments.done",
            item_id=call.id or "",
            output_index=1,
            arguments=call.arguments,
            sequence_number=seq,
        )
        seq += 1
        yield ResponseOutputItemDoneEvent(
            type="response.output_item.done", item=call, output_index=1, sequence_number=seq
        )
        seq += 1
        output.append(call)
    completed = base.model_copy(
        update={"status": "completed", "output": output, "usage": _usage(deltas)}
    )
    yield ResponseCompletedEvent(type="response.completed", response=completed, sequence_number=seq)


async def script_events(
    script: Sequence[Turn], *, awaiting: bool = False
) -> AsyncIterator[ResponseStreamEvent]:
    """Every turn's events back to back: what the floor iterates."""
    for index, turn in enumerate(script):
        async for event in turn_events(turn, index, awaiting=awaiting):
            yield event


def lookup(n: int) -> str:
    """Look a number up.

    Args:
        n: the number.
    """
    return f"value {n}"


@dataclass
class RxModel:
    """rxagents' ``Model``: plays ``script`` one turn per call."""

    script: Sequence[Turn]
    awaiting: bool = False
    on_yield: Callable[[], None] | None = None
    calls: int = field(default=0)

    def stream(self, request: Any) -> AsyncIterator[ResponseStreamEvent]:
        index = self.calls
        self.calls += 1
        return turn_events(
            self.script[index], index, awaiting=self.awaiting, on_yield=self.on_yield
        )


@functools.cache
def _rx_tool() -> Any:
    from rxagents import function_tool

    return function_tool(lookup)


@functools.cache
def _sdk_tool() -> Any:
    import agents

    return agents.function_tool(lookup)


def rx_agent(
    script: Sequence[Turn], *, awaiting: bool = False, on_yield: Callable[[], None] | None = None
) -> Any:
    """A fresh rxagents Agent on a fresh :class:`RxModel` (with the ``lookup`` tool).

    The tool is built once and shared, as an application defines its tools once.
    """
    from rxagents import Agent

    model = RxModel(script, awaiting, on_yield)
    return Agent("bench", instructions="Answer.", model=model, tools=[_rx_tool()])


def sdk_agent(
    script: Sequence[Turn], *, awaiting: bool = False, on_yield: Callable[[], None] | None = None
) -> Any:
    """A fresh OpenAI Agents SDK Agent on a fresh :class:`SDKModel` (the same shared tool)."""
    import agents

    from benchmarks.sdk_model import SDKModel

    model = SDKModel(script, awaiting, on_yield)
    return agents.Agent(name="bench", instructions="Answer.", model=model, tools=[_sdk_tool()])
