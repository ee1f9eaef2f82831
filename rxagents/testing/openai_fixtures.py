"""Scripted OpenAI stream payloads, shaped as the OpenAI API reference documents them.

Plain dicts (JSON-ready): Chat Completions chunks and Responses stream events for
text, tool calls with argument deltas and usage, plus bulk streams of N deltas.
Feed them to :func:`rxagents.testing.openai_server.chat_stream` /
:func:`~rxagents.testing.openai_server.responses_stream`.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Sequence
from typing import Any

__all__ = [
    "chat_bulk",
    "chat_chunk",
    "chat_text",
    "chat_tool_calls",
    "responses_bulk",
    "responses_text",
    "responses_tool_calls",
]

ToolCallSpec = tuple[str, dict[str, Any] | str]
"""``(name, arguments)``: arguments as a dict (sent as JSON) or raw text."""

CREATED = 1_700_000_000


def _pieces(text: str, size: int) -> list[str]:
    return [text[i : i + size] for i in range(0, len(text), size)]


def _args(arguments: dict[str, Any] | str) -> str:
    return arguments if isinstance(arguments, str) else json.dumps(arguments)


def chat_chunk(
    delta: dict[str, Any] | None = None,
    *,
    finish_reason: str | None = None,
    usage: tuple[int, int] | None = None,
    choices: bool = True,
    chunk_id: str = "chatcmpl-fake",
    model: str = "fake-model",
) -> dict[str, Any]:
    """One ``chat.completion.chunk``; ``choices=False`` gives the usage-only last chunk."""
    chunk: dict[str, Any] = {
        "id": chunk_id,
        "object": "chat.completion.chunk",
        "created": CREATED,
        "model": model,
        "choices": (
            [{"index": 0, "delta": delta or {}, "finish_reason": finish_reason, "logprobs": None}]
            if choices
            else []
        ),
    }
    if usage is not None:
        prompt, completion = usage
        chunk["usage"] = {
            "prompt_tokens": prompt,
            "completion_tokens": completion,
            "total_tokens": prompt + completion,
        }
    return chunk


def _chat_end(
    finish_reason: str, usage: tuple[int, int] | None, model: str
) -> list[dict[str, Any]]:
    end = [chat_chunk({}, finish_reason=finish_reason, model=model)]
    if usage is not None:
        end.append(chat_chunk(usage=usage, choices=False, model=model))
    return end


def chat_text(
    text: str,
    *,
    chunk_size: int = 4,
    pieces: Sequence[str] | None = None,
    usage: tuple[int, int] | None = (10, 5),
    finish_reason: str = "stop",
    llama_cpp: bool = False,
    model: str = "fake-model",
) -> list[dict[str, Any]]:
    """A streamed text answer: a role chunk, one chunk per piece, finish, usage.

    ``llama_cpp=True`` opens with ``content: null`` as llama.cpp does.
    """
    first = {"role": "assistant", "content": None if llama_cpp else ""}
    chunks = [chat_chunk(first, model=model)]
    chunks += [
        chat_chunk({"content": p}, model=model) for p in (pieces or _pieces(text, chunk_size))
    ]
    return chunks + _chat_end(finish_reason, usage, model)


def chat_tool_calls(
    calls: Sequence[ToolCallSpec],
    *,
    text: str | None = None,
    chunk_size: int = 8,
    usage: tuple[int, int] | None = (20, 10),
    llama_cpp: bool = False,
    call_ids: Sequence[str] | None = None,
    model: str = "fake-model",
) -> list[dict[str, Any]]:
    """Streamed tool calls (after optional text), arguments split into deltas.

    ``llama_cpp=True`` repeats ``id``, ``type`` and ``function.name`` in every
    delta and sends ``content: null`` alongside, as llama.cpp's server does.
    """
    chunks = [chat_chunk({"role": "assistant", "content": None if llama_cpp else ""}, model=model)]
    if text:
        chunks += [chat_chunk({"content": p}, model=model) for p in _pieces(text, 4)]
    for index, (name, arguments) in enumerate(calls):
        call_id = call_ids[index] if call_ids else f"call_fake_{index}"
        head = {"index": index, "id": call_id, "type": "function"}
        parts = _pieces(_args(arguments), chunk_size) or [""]
        for position, part in enumerate(parts):
            if llama_cpp:
                call = {**head, "function": {"name": name, "arguments": part}}
                delta: dict[str, Any] = {"content": None, "tool_calls": [call]}
            elif position == 0:
                call = {**head, "function": {"name": name, "arguments": ""}}
                chunks.append(chat_chunk({"tool_calls": [call]}, model=model))
                delta = {"tool_calls": [{"index": index, "function": {"arguments": part}}]}
            else:
                delta = {"tool_calls": [{"index": index, "function": {"arguments": part}}]}
            chunks.append(chat_chunk(delta, model=model))
    return chunks + _chat_end("tool_calls", usage, model)


def chat_bulk(n: int, *, delta: str = "x", model: str = "fake-model") -> list[dict[str, Any]]:
    """A text answer of exactly ``n`` content deltas (for throughput measurements)."""
    return chat_text(delta * n, pieces=[delta] * n, usage=(10, n), model=model)


class _Events:
    def __init__(self, model: str, response_id: str) -> None:
        self.seq = itertools.count()
        self.model = model
        self.response_id = response_id
        self.events: list[dict[str, Any]] = []
        self.output: list[dict[str, Any]] = []

    def response(self, status: str, usage: tuple[int, int] | None = None) -> dict[str, Any]:
        body: dict[str, Any] = {
            "id": self.response_id,
            "object": "response",
            "created_at": CREATED,
            "status": status,
            "model": self.model,
            "output": list(self.output) if status != "in_progress" else [],
            "parallel_tool_calls": True,
            "tool_choice": "auto",
            "tools": [],
            "usage": None,
        }
        if usage is not None:
            body["usage"] = {
                "input_tokens": usage[0],
                "input_tokens_details": {"cached_tokens": 0, "cache_write_tokens": 0},
                "output_tokens": usage[1],
                "output_tokens_details": {"reasoning_tokens": 0},
                "total_tokens": usage[0] + usage[1],
            }
        return body

    def add(self, kind: str, **fields: Any) -> None:
        self.events.append({"type": kind, "sequence_number": next(self.seq), **fields})

    def start(self) -> None:
        self.add("response.created", response=self.response("in_progress"))
        self.add("response.in_progress", response=self.response("in_progress"))

    def message(self, text: str, pieces: Sequence[str]) -> None:
        index = len(self.output)
        item_id = f"msg_fake_{index}"
        where = {"item_id": item_id, "output_index": index, "content_index": 0}
        added = {"id": item_id, "type": "message", "role": "assistant", "status": "in_progress"}
        self.add("response.output_item.added", output_index=index, item={**added, "content": []})
        empty = {"type": "output_text", "text": "", "annotations": []}
        self.add("response.content_part.added", **where, part=empty)
        for piece in pieces:
            self.add("response.output_text.delta", **where, delta=piece, logprobs=[])
        self.add("response.output_text.done", **where, text=text, logprobs=[])
        part = {"type": "output_text", "text": text, "annotations": []}
        self.add("response.content_part.done", **where, part=part)
        item = {**added, "status": "completed", "content": [part]}
        self.output.append(item)
        self.add("response.output_item.done", output_index=index, item=item)

    def call(self, name: str, arguments: str, call_id: str, chunk_size: int) -> None:
        index = len(self.output)
        item_id = f"fc_fake_{index}"
        item = {
            "id": item_id,
            "type": "function_call",
            "call_id": call_id,
            "name": name,
            "arguments": "",
            "status": "in_progress",
        }
        self.add("response.output_item.added", output_index=index, item=item)
        for piece in _pieces(arguments, chunk_size):
            self.add(
                "response.function_call_arguments.delta",
                item_id=item_id,
                output_index=index,
                delta=piece,
            )
        self.add(
            "response.function_call_arguments.done",
            item_id=item_id,
            output_index=index,
            arguments=arguments,
        )
        done = {**item, "arguments": arguments, "status": "completed"}
        self.output.append(done)
        self.add("response.output_item.done", output_index=index, item=done)

    def complete(self, usage: tuple[int, int] | None) -> list[dict[str, Any]]:
        self.add("response.completed", response=self.response("completed", usage))
        return self.events


def responses_text(
    text: str,
    *,
    chunk_size: int = 4,
    pieces: Sequence[str] | None = None,
    usage: tuple[int, int] | None = (10, 5),
    model: str = "fake-model",
    response_id: str = "resp_fake",
) -> list[dict[str, Any]]:
    """A streamed Responses text answer, from ``response.created`` to ``response.completed``."""
    events = _Events(model, response_id)
    events.start()
    events.message(text, list(pieces) if pieces is not None else _pieces(text, chunk_size))
    return events.complete(usage)


def responses_tool_calls(
    calls: Sequence[ToolCallSpec],
    *,
    text: str | None = None,
    chunk_size: int = 8,
    usage: tuple[int, int] | None = (20, 10),
    call_ids: Sequence[str] | None = None,
    model: str = "fake-model",
    response_id: str = "resp_fake",
) -> list[dict[str, Any]]:
    """Streamed Responses function calls (after optional text) with argument deltas."""
    events = _Events(model, response_id)
    events.start()
    if text:
        events.message(text, _pieces(text, 4))
    for index, (name, arguments) in enumerate(calls):
        call_id = call_ids[index] if call_ids else f"call_fake_{index}"
        events.call(name, _args(arguments), call_id, chunk_size)
    return events.complete(usage)


def responses_bulk(n: int, *, delta: str = "x", model: str = "fake-model") -> list[dict[str, Any]]:
    """A Responses text answer of exactly ``n`` text deltas."""
    return responses_text(delta * n, pieces=[delta] * n, usage=(10, n), model=model)
