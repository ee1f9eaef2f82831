"""The AI SDK UI message stream's chunks for one run: the mapping behind ``ui_message_chunks``.

Only chunk types the ``ai`` package's ``uiMessageChunkSchema`` knows (in ai 6 and
ai 7 alike) and ``data-*`` parts are produced: its client rejects anything else
and aborts the stream.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeAlias

from rxagents.events import (
    AgentUpdatedStreamEvent,
    NestedRunEvent,
    RunCompletedStreamEvent,
    RunItemStreamEvent,
    StreamEvent,
)
from rxagents.items import MessageOutputItem
from rxagents.result import RunResult
from rxagents.sinks._adapter import EventAdapter, json_safe, parse_arguments

__all__ = ["Chunk", "DataHook", "UIChunkAdapter", "data_part"]

Chunk: TypeAlias = dict[str, Any]
"""One UI message stream chunk, e.g. ``{"type": "text-delta", "id": ..., "delta": ...}``."""

DataHook: TypeAlias = Callable[[StreamEvent], Sequence[Chunk]]
"""Extra chunks (usually :func:`data_part`\\ s) to send after an event of the run."""


def data_part(name: str, data: Any, *, id: str | None = None, transient: bool = False) -> Chunk:
    """A ``data-<name>`` chunk: application data the client shows as a message part.

    Args:
        name: the part's name; the chunk's type is ``data-<name>``.
        data: any JSON data.
        id: parts with the same name and id replace each other on the client.
        transient: sent to ``useChat``'s ``onData`` only, not kept in the message.
    """
    chunk: Chunk = {"type": f"data-{name}", "data": json_safe(data)}
    if id is not None:
        chunk["id"] = id
    if transient:
        chunk["transient"] = True
    return chunk


class UIChunkAdapter(EventAdapter[Chunk]):
    """A run's events as UI message stream chunks (see docs/web.md for the table)."""

    def __init__(self, message_id: str | None = None, data: DataHook | None = None) -> None:
        super().__init__()
        self._message_id = message_id
        self._data = data
        self._subruns: dict[str, dict[str, Any]] = {}

    def feed(self, event: StreamEvent) -> list[Chunk]:
        chunks = super().feed(event)
        if self._data is not None:
            extra = list(self._data(event))
            if chunks and chunks[-1]["type"] == "finish":
                chunks[-1:-1] = extra  # nothing may follow finish
            else:
                chunks.extend(extra)
        return chunks

    def on_run_start(self, run_id: str) -> None:
        message_id = self._message_id or f"msg_{run_id}"
        self.emit({"type": "start", "messageId": message_id, "messageMetadata": {"runId": run_id}})

    def on_agent(self, name: str, first: bool) -> None:
        self.emit(data_part("agent", {"name": name}))

    def on_turn_start(self, turn: int) -> None:
        self.emit({"type": "start-step"})

    def on_turn_end(self, turn: int) -> None:
        self.emit({"type": "finish-step"})

    def on_part_start(self, part_id: str, kind: str) -> None:
        self.emit({"type": f"{kind}-start", "id": part_id})

    def on_part_delta(self, part_id: str, kind: str, delta: str) -> None:
        self.emit({"type": f"{kind}-delta", "id": part_id, "delta": delta})

    def on_part_end(self, part_id: str, kind: str) -> None:
        self.emit({"type": f"{kind}-end", "id": part_id})

    def on_tool_start(self, call_id: str, name: str) -> None:
        self.emit({"type": "tool-input-start", "toolCallId": call_id, "toolName": name})

    def on_tool_delta(self, call_id: str, delta: str) -> None:
        self.emit({"type": "tool-input-delta", "toolCallId": call_id, "inputTextDelta": delta})

    def on_tool_call(self, call_id: str, name: str, arguments: str) -> None:
        value, problem = parse_arguments(arguments)
        base = {"toolCallId": call_id, "toolName": name, "input": value}
        if problem is None:
            self.emit({"type": "tool-input-available", **base})
        else:
            self.emit({"type": "tool-input-error", **base, "errorText": problem})

    def on_tool_output(self, call_id: str, output: Any, is_error: bool) -> None:
        for run_id, part in self._subruns.items():
            if part["toolCallId"] == call_id and part["status"] == "running":
                part["status"] = "failed" if is_error else "completed"
                self.emit(data_part("subrun", dict(part), id=run_id))
        if is_error:
            self.emit(
                {"type": "tool-output-error", "toolCallId": call_id, "errorText": str(output)}
            )
        else:
            self.emit(
                {
                    "type": "tool-output-available",
                    "toolCallId": call_id,
                    "output": json_safe(output),
                }
            )

    def on_handoff(self, source: str, target: str) -> None:
        self.emit(data_part("handoff", {"from": source, "to": target}))

    def on_nested(self, event: NestedRunEvent) -> None:
        # A sub-run is one data part per sub-run, updated in place (same id): its
        # agent, text so far and status, not its every delta.
        inner = event.innermost
        run_id = event.path[-1]
        part = self._subruns.get(run_id)
        if part is None:
            part = self._subruns[run_id] = {
                "runId": run_id,
                "toolCallId": event.path[-2],
                "toolName": event.tools[-1],
                "parentRunId": event.path[-3],
                "agent": None,
                "text": "",
                "status": "running",
            }
        if isinstance(inner, AgentUpdatedStreamEvent):
            part["agent"] = str(inner.new_agent.name)
        elif isinstance(inner, RunItemStreamEvent) and isinstance(inner.item, MessageOutputItem):
            part["text"] += inner.item.text
        elif isinstance(inner, RunCompletedStreamEvent):
            part["status"] = "completed"
        else:
            return
        self.emit(data_part("subrun", dict(part), id=run_id))

    def on_completed(self, result: RunResult, finish_reason: str) -> None:
        metadata = {"runId": self.run_id, "usage": json_safe(result.usage)}
        self.emit({"type": "finish", "finishReason": finish_reason, "messageMetadata": metadata})

    def on_error(self, error: BaseException) -> None:
        self._fail_subruns()
        self.emit({"type": "error", "errorText": f"{type(error).__name__}: {error}"})
        self.emit({"type": "finish", "finishReason": "error"})

    def on_cancelled(self, reason: str) -> None:
        self._fail_subruns()
        self.emit({"type": "abort", "reason": reason})

    def on_restarted(self, attempt: int, reason: str) -> None:
        self.emit(data_part("restart", {"attempt": attempt, "reason": reason}))

    def on_turn_restarted(self, turn: int, attempt: int, reason: str) -> None:
        # useChat drops the parts of the current step; the new attempt streams into it.
        self.emit({"type": "reset-step"})

    def _fail_subruns(self) -> None:
        for run_id, part in self._subruns.items():
            if part["status"] == "running":
                part["status"] = "failed"
                self.emit(data_part("subrun", dict(part), id=run_id))
