"""ScriptedModel: a deterministic model that streams realistic Responses events.

For tests, notebooks that must be deterministic, and offline demos of tool use.
It never pretends to answer: it plays back its script.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import zlib
from collections.abc import AsyncIterator, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

from openai.types.responses import ResponseStreamEvent

from rxagents.errors import ScriptExhausted, UserError
from rxagents.models.base import ModelRequest
from rxagents.models.response_builder import ResponseBuilder, response_usage

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
                f"scripted turn(s) (agent {request.agent_name!r}); add a turn to the script"
            )
        # Ids carry the agent's name: agents with models of their own (a handoff
        # between two ScriptedModels) must not both call ``call_0_0``.
        builder = ResponseBuilder(
            self.model, response_id=f"resp_{_id_tag(request.agent_name)}{next(self._ids)}"
        )
        for event in builder.start():
            yield event
        output_tokens = 0
        for step in self.turns[index]:
            if isinstance(step, _RaiseError):
                if step.delay:
                    await asyncio.sleep(step.delay)
                raise step.error
            timed = (
                _text_events(builder, step)
                if isinstance(step, _Text)
                else _call_events(builder, step)
            )
            for delay, event in timed:
                if delay:
                    await asyncio.sleep(delay)
                yield event
            output_tokens += _chunks(step) * self.tokens_per_chunk
        usage = response_usage(_estimate_tokens(request), output_tokens)
        for event in builder.complete(usage):
            yield event


_Timed = Iterator[tuple[float, ResponseStreamEvent]]
"""A step's events, each with the seconds to wait before it (a plain generator:
nothing to close when the run stops mid-step)."""


def _text_events(builder: ResponseBuilder, step: _Text) -> _Timed:
    """A message: its text part opens at once, then each delta after the step's delay."""
    for event in [*builder.open_message(), *builder.open_part("output_text")]:
        yield 0.0, event
    for piece in step.pieces():
        yield step.delay, builder.text_delta(piece)
    for event in builder.close_item():
        yield 0.0, event


def _call_events(builder: ResponseBuilder, step: _ToolCall) -> _Timed:
    """A function call: its arguments in ``chunk_size`` pieces, each after the delay."""
    for event in builder.open_function_call(step.name, call_id=step.call_id):
        yield 0.0, event
    args, size = step.arguments, step.chunk_size
    for i in range(0, len(args), size):
        yield step.delay, builder.arguments(args[i : i + size])
    for event in builder.close_item():
        yield 0.0, event


def _chunks(step: _Text | _ToolCall) -> int:
    """The deltas a step counts as for usage (a call at least one)."""
    if isinstance(step, _Text):
        return len(step.pieces())
    return max(1, len(step.arguments) // step.chunk_size)


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
