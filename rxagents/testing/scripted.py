"""ScriptedModel: a deterministic model that streams realistic Responses events.

For tests, notebooks that must be deterministic, and offline demos of tool use.
It never pretends to answer: it plays back its script.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
import zlib
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from openai.types.responses import (
    Response,
    ResponseCompletedEvent,
    ResponseContentPartAddedEvent,
    ResponseContentPartDoneEvent,
    ResponseCreatedEvent,
    ResponseFunctionCallArgumentsDeltaEvent,
    ResponseFunctionCallArgumentsDoneEvent,
    ResponseFunctionToolCall,
    ResponseInProgressEvent,
    ResponseOutputItemAddedEvent,
    ResponseOutputItemDoneEvent,
    ResponseOutputMessage,
    ResponseOutputText,
    ResponseStreamEvent,
    ResponseTextDeltaEvent,
    ResponseTextDoneEvent,
    ResponseUsage,
)

from rxagents.errors import ScriptExhausted, UserError
from rxagents.models.base import ModelRequest

__all__ = ["ScriptStep", "ScriptedModel", "raise_error", "text", "tool_call"]


@dataclass(frozen=True)
class _Text:
    content: str
    chunk_size: int
    delay: float
    chunks: tuple[str, ...] | None = None

    def pieces(self) -> list[str]:
        if self.chunks is not None:
            return list(self.chunks)
        size = self.chunk_size
        return [self.content[i : i + size] for i in range(0, len(self.content), size)] or [""]


@dataclass(frozen=True)
class _ToolCall:
    name: str
    arguments: str
    call_id: str | None
    chunk_size: int
    delay: float


@dataclass(frozen=True)
class _RaiseError:
    error: BaseException
    delay: float


ScriptStep = _Text | _ToolCall | _RaiseError
"""One step of a scripted turn: :func:`text`, :func:`tool_call` or :func:`raise_error`."""


def text(
    content: str,
    *,
    chunk_size: int = 8,
    chunks: Sequence[str] | None = None,
    delay: float = 0.0,
) -> _Text:
    """A message whose text streams as deltas of ``chunk_size`` characters.

    Args:
        content: the whole text.
        chunk_size: characters per delta.
        chunks: exact deltas instead (must join to ``content``).
        delay: seconds to wait before each delta (``0`` never awaits a timer).
    """
    if chunk_size < 1:
        raise UserError(f"chunk_size must be >= 1, got {chunk_size}")
    if chunks is not None and "".join(chunks) != content:
        raise UserError("text(chunks=...) must join to exactly the content")
    return _Text(content, chunk_size, delay, tuple(chunks) if chunks is not None else None)


def tool_call(
    name: str,
    arguments: dict[str, Any] | str | None = None,
    *,
    call_id: str | None = None,
    chunk_size: int = 16,
    delay: float = 0.0,
) -> _ToolCall:
    """A function call; ``arguments`` as a dict (sent as JSON) or raw text, even invalid JSON."""
    args = arguments if isinstance(arguments, str) else json.dumps(arguments or {})
    if chunk_size < 1:
        raise UserError(f"chunk_size must be >= 1, got {chunk_size}")
    return _ToolCall(name, args, call_id, chunk_size, delay)


def raise_error(error: BaseException, *, delay: float = 0.0) -> _RaiseError:
    """Make the model call fail with ``error`` at this point of the turn."""
    return _RaiseError(error, delay)


@dataclass
class ScriptedModel:
    """Plays back one scripted turn per model call.

    Ids are deterministic and carry the calling agent's name and a hash of it
    (``call_triage-3b1f0c_0_1``: agent, the model's call count, the step), so
    agents of different names with models of their own never share a call id.
    (Two agents of the same name with models of their own do; give one the
    other's model, or distinct names.)

    Args:
        turns: one list of steps per model call. Several :func:`tool_call` steps
            in one turn are parallel calls.
        model: the model name reported in ``response.created``.
        tokens_per_chunk: output tokens counted per delta, for the usage report.

    Attributes:
        requests: every :class:`~rxagents.models.ModelRequest` received, in order.
    """

    turns: Sequence[Sequence[ScriptStep]]
    model: str = "scripted"
    tokens_per_chunk: int = 1
    requests: list[ModelRequest] = field(default_factory=list)
    _ids: itertools.count[int] = field(default_factory=itertools.count, repr=False)

    def __post_init__(self) -> None:
        for i, turn in enumerate(self.turns):
            for step in turn:
                if not isinstance(step, _Text | _ToolCall | _RaiseError):
                    raise UserError(
                        f"turn {i} holds {step!r}; "
                        "use text(...), tool_call(...) or raise_error(...)"
                    )

    def stream(self, request: ModelRequest) -> AsyncIterator[ResponseStreamEvent]:
        """Stream the next scripted turn."""
        index = len(self.requests)
        self.requests.append(request)
        return self._play(index, request)

    async def _play(self, index: int, request: ModelRequest) -> AsyncIterator[ResponseStreamEvent]:
        if index >= len(self.turns):
            raise ScriptExhausted(
                f"ScriptedModel was asked for turn {index + 1} but has only {len(self.turns)} "
                f"scripted turn(s) (agent {request.agent_name!r}); add a turn to the script, "
                "or, to serve several runs, pass a function that builds a fresh agent "
                "(mount_agent(app, make_agent)): a script plays once"
            )
        steps = self.turns[index]
        # Ids carry the agent's name: agents with models of their own (a handoff
        # between two ScriptedModels) must not both call ``call_0_0``.
        n = f"{_id_tag(request.agent_name)}{next(self._ids)}"
        seq = itertools.count()
        response_id = f"resp_{n}"
        created = time.time()
        base = Response(
            id=response_id,
            created_at=created,
            model=self.model,
            object="response",
            output=[],
            parallel_tool_calls=True,
            tool_choice="auto",
            tools=[],
            status="in_progress",
        )
        yield ResponseCreatedEvent(
            type="response.created", response=base, sequence_number=next(seq)
        )
        yield ResponseInProgressEvent(
            type="response.in_progress", response=base, sequence_number=next(seq)
        )
        outputs: list[Any] = []
        output_tokens = 0
        for position, step in enumerate(steps):
            if isinstance(step, _RaiseError):
                if step.delay:
                    await asyncio.sleep(step.delay)
                raise step.error
            item_id = f"{'msg' if isinstance(step, _Text) else 'fc'}_{n}_{position}"
            out_index = len(outputs)
            if isinstance(step, _Text):
                pieces = step.pieces()
                added = ResponseOutputMessage(
                    id=item_id, content=[], role="assistant", status="in_progress", type="message"
                )
                yield ResponseOutputItemAddedEvent(
                    type="response.output_item.added",
                    item=added,
                    output_index=out_index,
                    sequence_number=next(seq),
                )
                yield ResponseContentPartAddedEvent(
                    type="response.content_part.added",
                    item_id=item_id,
                    output_index=out_index,
                    content_index=0,
                    part=ResponseOutputText(type="output_text", text="", annotations=[]),
                    sequence_number=next(seq),
                )
                for piece in pieces:
                    if step.delay:
                        await asyncio.sleep(step.delay)
                    yield ResponseTextDeltaEvent(
                        type="response.output_text.delta",
                        item_id=item_id,
                        output_index=out_index,
                        content_index=0,
                        delta=piece,
                        logprobs=[],
                        sequence_number=next(seq),
                    )
                output_tokens += len(pieces) * self.tokens_per_chunk
                part = ResponseOutputText(type="output_text", text=step.content, annotations=[])
                yield ResponseTextDoneEvent(
                    type="response.output_text.done",
                    item_id=item_id,
                    output_index=out_index,
                    content_index=0,
                    text=step.content,
                    logprobs=[],
                    sequence_number=next(seq),
                )
                yield ResponseContentPartDoneEvent(
                    type="response.content_part.done",
                    item_id=item_id,
                    output_index=out_index,
                    content_index=0,
                    part=part,
                    sequence_number=next(seq),
                )
                done: Any = ResponseOutputMessage(
                    id=item_id, content=[part], role="assistant", status="completed", type="message"
                )
            else:
                call_id = step.call_id or f"call_{n}_{position}"
                yield ResponseOutputItemAddedEvent(
                    type="response.output_item.added",
                    item=ResponseFunctionToolCall(
                        id=item_id,
                        call_id=call_id,
                        name=step.name,
                        arguments="",
                        type="function_call",
                        status="in_progress",
                    ),
                    output_index=out_index,
                    sequence_number=next(seq),
                )
                args = step.arguments
                for i in range(0, len(args), step.chunk_size):
                    if step.delay:
                        await asyncio.sleep(step.delay)
                    yield ResponseFunctionCallArgumentsDeltaEvent(
                        type="response.function_call_arguments.delta",
                        item_id=item_id,
                        output_index=out_index,
                        delta=args[i : i + step.chunk_size],
                        sequence_number=next(seq),
                    )
                output_tokens += max(1, len(args) // step.chunk_size) * self.tokens_per_chunk
                yield ResponseFunctionCallArgumentsDoneEvent(
                    type="response.function_call_arguments.done",
                    item_id=item_id,
                    output_index=out_index,
                    arguments=args,
                    sequence_number=next(seq),
                )
                done = ResponseFunctionToolCall(
                    id=item_id,
                    call_id=call_id,
                    name=step.name,
                    arguments=args,
                    type="function_call",
                    status="completed",
                )
            outputs.append(done)
            yield ResponseOutputItemDoneEvent(
                type="response.output_item.done",
                item=done,
                output_index=out_index,
                sequence_number=next(seq),
            )
        input_tokens = _estimate_tokens(request)
        completed = base.model_copy(
            update={
                "status": "completed",
                "output": outputs,
                "usage": usage(input_tokens, output_tokens),
            }
        )
        yield ResponseCompletedEvent(
            type="response.completed", response=completed, sequence_number=next(seq)
        )


def usage(input_tokens: int, output_tokens: int) -> ResponseUsage:
    """A Responses usage object (from a dict: its detail fields vary by openai version)."""
    return ResponseUsage.model_validate(
        {
            "input_tokens": input_tokens,
            "input_tokens_details": {"cached_tokens": 0, "cache_write_tokens": 0},
            "output_tokens": output_tokens,
            "output_tokens_details": {"reasoning_tokens": 0},
            "total_tokens": input_tokens + output_tokens,
        }
    )


def _id_tag(agent_name: str | None) -> str:
    """``"triage-3b1f0c_"`` for agent ``"triage"``: the name's first letters and digits
    (readable) and a hash of the whole name (two names never share a tag by their
    first 16 characters or their punctuation)."""
    if not agent_name:
        return ""
    readable = "".join(c for c in agent_name if c.isalnum())[:16]
    return f"{readable}-{zlib.crc32(agent_name.encode()) & 0xFFFFFF:06x}_"


def _estimate_tokens(request: ModelRequest) -> int:
    """A rough, deterministic input token count (4 characters a token)."""
    size = len(request.instructions or "") + len(json.dumps(request.input, default=str))
    return max(1, size // 4)
