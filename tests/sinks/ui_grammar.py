"""What a valid AI SDK UI message stream is, as the ``ai`` package's reader enforces it.

Chunk types are those of its ``uiMessageChunkSchema`` (ai 6's set: everything we
send must pass both 6 and 7) plus ``data-*``; deltas and ends need their start;
outputs need their tool call; the stream starts with ``start`` and ends with
``finish`` or ``abort``.
"""

from __future__ import annotations

from typing import Any

AI6_TYPES = {
    "text-start", "text-delta", "text-end", "error", "tool-input-start", "tool-input-delta",
    "tool-input-available", "tool-input-error", "tool-approval-request", "tool-output-available",
    "tool-output-error", "tool-output-denied", "reasoning-start", "reasoning-delta",
    "reasoning-end", "source-url", "source-document", "file", "start-step", "finish-step",
    "start", "finish", "abort", "message-metadata",
}  # fmt: skip
FINISH_REASONS = {"stop", "length", "content-filter", "tool-calls", "error", "other"}


def ui_stream_violations(chunks: list[dict[str, Any]]) -> list[str]:
    """Every rule ``chunks`` break (empty when the stream is valid)."""
    problems: list[str] = []
    open_parts: dict[str, str] = {}
    tools: dict[str, str] = {}  # toolCallId -> state
    in_step = False
    for n, chunk in enumerate(chunks):
        kind = chunk.get("type", "")
        where = f"chunk {n} ({kind})"
        if kind not in AI6_TYPES and not kind.startswith("data-"):
            problems.append(f"{where}: unknown chunk type")
        if (n == 0) != (kind == "start"):
            problems.append(f"{where}: 'start' must be the first chunk and only it")
        if kind in ("start-step", "finish-step"):
            if in_step == (kind == "start-step"):
                problems.append(f"{where}: steps must alternate start/finish")
            in_step = kind == "start-step"
        for family in ("text", "reasoning"):
            if kind == f"{family}-start":
                if chunk["id"] in open_parts:
                    problems.append(f"{where}: part {chunk['id']} is already open")
                open_parts[chunk["id"]] = family
            elif kind in (f"{family}-delta", f"{family}-end"):
                if open_parts.get(chunk["id"]) != family:
                    problems.append(f"{where}: part {chunk['id']} is not open")
                if kind.endswith("-delta") and not isinstance(chunk.get("delta"), str):
                    problems.append(f"{where}: delta must be a string")
                if kind.endswith("-end"):
                    open_parts.pop(chunk["id"], None)
        call = chunk.get("toolCallId")
        if kind == "tool-input-start":
            tools[call] = "streaming"
        elif kind == "tool-input-delta" and tools.get(call) != "streaming":
            problems.append(f"{where}: tool-input-delta before tool-input-start")
        elif kind in ("tool-input-available", "tool-input-error"):
            if call not in tools:
                problems.append(f"{where}: input of an unknown tool call")
            tools[call] = "input"
        elif kind in ("tool-output-available", "tool-output-error"):
            if tools.get(call) != "input":
                problems.append(f"{where}: output before the call's input")
            tools[call] = "done"
        if kind == "finish" and chunk.get("finishReason") not in FINISH_REASONS:
            problems.append(f"{where}: finishReason {chunk.get('finishReason')!r}")
        if kind in ("finish", "abort") and n != len(chunks) - 1:
            problems.append(f"{where}: nothing may follow {kind}")
        if kind in ("finish", "abort", "error") and (open_parts or in_step):
            problems.append(f"{where}: parts or a step still open: {sorted(open_parts)}")
    if chunks and chunks[-1].get("type") not in ("finish", "abort"):
        problems.append("the stream does not end with finish or abort")
    return problems
