"""AG-UI events for one run: the mapping behind ``agui_events`` (on ``ag_ui.core`` types).

The TypeScript client checks the order strictly (``verifyEvents``): RUN_STARTED
first; every text message, tool call, step and subagent closed before
RUN_FINISHED; a subagent's events carry its ``subagentRunId``. Message ids are
prefixed with the rxagents run id, so they stay unique across a thread's runs.
"""

from __future__ import annotations

import json
from typing import Any

from ag_ui.core import (
    BaseEvent,
    CustomEvent,
    EventType,
    MessagesSnapshotEvent,
    ReasoningEndEvent,
    ReasoningMessageContentEvent,
    ReasoningMessageEndEvent,
    ReasoningMessageStartEvent,
    ReasoningStartEvent,
    RunErrorEvent,
    RunFinishedCancelledOutcome,
    RunFinishedEvent,
    RunStartedEvent,
    StateDeltaEvent,
    StateSnapshotEvent,
    StepFinishedEvent,
    StepStartedEvent,
    SubagentErrorEvent,
    SubagentFinishedEvent,
    SubagentStartedEvent,
    TextMessageContentEvent,
    TextMessageEndEvent,
    TextMessageStartEvent,
    TokenUsage,
    ToolCallArgsEvent,
    ToolCallEndEvent,
    ToolCallResultEvent,
    ToolCallStartEvent,
)

from rxagents.events import NestedRunEvent, RawResponsesStreamEvent, StreamEvent
from rxagents.result import RunResult, Usage
from rxagents.sinks._adapter import EventAdapter, json_safe
from rxagents.sinks._json_patch import json_diff
from rxagents.snapshot import RunAccumulator, RunSnapshot

__all__ = ["AGUIAdapter", "state_view"]

STATE_KEY = "rxagents"
"""Where the run's own state lives inside the AG-UI state object."""


def state_view(snapshot: RunSnapshot) -> dict[str, Any]:
    """The run's state as AG-UI shares it: agent, turns, tool calls, handoffs, usage."""
    agent = snapshot.current_agent
    return {
        "runId": snapshot.run_id,
        "agent": agent.name if agent is not None else None,
        "turns": snapshot.turn_count,
        "toolCalls": [
            {"callId": c.call_id, "name": c.name, "agent": c.agent, "status": c.status}
            for c in snapshot.tool_calls
        ],
        "handoffs": [{"from": a, "to": b} for a, b in snapshot.handoffs],
        "usage": json_safe(snapshot.usage),
        "complete": snapshot.is_complete,
    }


class _Messages:
    """The conversation as the client builds it from our events (for MESSAGES_SNAPSHOT)."""

    def __init__(self, history: list[dict[str, Any]]) -> None:
        self.items: list[dict[str, Any]] = list(history)

    def text(self, message_id: str, role: str, sub: str | None) -> dict[str, Any]:
        message = {"id": message_id, "role": role, "content": "", **_attr(sub)}
        self.items.append(message)
        return message

    def call(self, call_id: str, name: str, sub: str | None) -> dict[str, Any]:
        call = {"id": call_id, "type": "function", "function": {"name": name, "arguments": ""}}
        self.items.append({"id": call_id, "role": "assistant", "toolCalls": [call], **_attr(sub)})
        return call

    def result(self, message: dict[str, Any]) -> None:
        self.items.append(message)


def _attr(sub: str | None) -> dict[str, Any]:
    return {"subagentRunId": sub} if sub is not None else {}


class AGUIAdapter(EventAdapter[BaseEvent]):
    """A run's events as AG-UI events (see docs/web.md for the table).

    Args:
        thread_id: the ``threadId`` of the request.
        run_id: the AG-UI ``runId`` of the request (echoed in RUN_STARTED/FINISHED).
        state: the state the client sent; the run's own state is added under
            ``"rxagents"`` when it is an object (or replaces it otherwise).
        history: the request's messages as JSON (for MESSAGES_SNAPSHOT).
    """

    def __init__(
        self,
        thread_id: str,
        run_id: str,
        *,
        state: Any = None,
        history: list[dict[str, Any]] | None = None,
        subagent: str | None = None,
        messages: _Messages | None = None,
    ) -> None:
        super().__init__()
        self.thread_id = thread_id
        self.agui_run_id = run_id
        self.subagent = subagent
        self._client_state = state
        self._messages = messages if messages is not None else _Messages(history or [])
        self._accumulator = RunAccumulator()
        self._shared: Any = None
        self._texts: dict[str, dict[str, Any]] = {}
        self._calls: dict[str, dict[str, Any]] = {}
        self._open_calls: set[str] = set()
        self._children: dict[tuple[str, ...], AGUIAdapter] = {}
        self.finished = False
        self._turn_mark = 0

    def _with_state(self, view: dict[str, Any]) -> Any:
        if isinstance(self._client_state, dict):
            return {**self._client_state, STATE_KEY: view}
        return {STATE_KEY: view}

    def feed(self, event: StreamEvent) -> list[BaseEvent]:
        if self.subagent is not None:
            return super().feed(event)
        snapshot = self._accumulator.add(event)
        out = super().feed(event)
        # Raw model events (a sub-run's too) change only turns and usage: the next
        # other event carries those along, and text deltas stay cheap.
        inner = event.innermost if isinstance(event, NestedRunEvent) else event
        if not isinstance(inner, RawResponsesStreamEvent):
            self._share_state(snapshot, out)
        return out

    def _share_state(self, snapshot: RunSnapshot, out: list[BaseEvent]) -> None:
        state = self._with_state(state_view(snapshot))
        patch = json_diff(self._shared, state)
        self._shared = state
        if not patch:
            return
        delta = StateDeltaEvent.model_validate({"delta": patch})
        # Before the run's last events: nothing may follow RUN_FINISHED.
        ends = (EventType.RUN_FINISHED, EventType.MESSAGES_SNAPSHOT)
        at = next((i for i, e in enumerate(out) if e.type in ends), len(out))
        out.insert(at, delta)

    def _id(self, part_id: str) -> str:
        return f"{self.run_id}-{part_id}"

    def on_run_start(self, run_id: str) -> None:
        if self.subagent is not None:
            return
        self.emit(RunStartedEvent(thread_id=self.thread_id, run_id=self.agui_run_id))
        self._shared = self._with_state(_empty_view())
        self.emit(StateSnapshotEvent(snapshot=self._shared))

    def on_agent(self, name: str, first: bool) -> None:
        self.emit(CustomEvent(name="agent_updated", value={"name": name}, **_sub(self.subagent)))

    def on_turn_start(self, turn: int) -> None:
        self._turn_mark = len(self._messages.items)  # where a restart of this turn cuts
        self.emit(StepStartedEvent(step_name=f"turn {turn}", **_sub(self.subagent)))

    def on_turn_end(self, turn: int) -> None:
        self.emit(StepFinishedEvent(step_name=f"turn {turn}", **_sub(self.subagent)))

    def on_part_start(self, part_id: str, kind: str) -> None:
        message_id, sub = self._id(part_id), _sub(self.subagent)
        if kind == "text":
            self.emit(TextMessageStartEvent(message_id=message_id, role="assistant", **sub))
        else:
            self.emit(ReasoningStartEvent(message_id=message_id, **sub))
            self.emit(ReasoningMessageStartEvent(message_id=message_id, role="reasoning", **sub))
        role = "assistant" if kind == "text" else "reasoning"
        self._texts[part_id] = self._messages.text(message_id, role, self.subagent)

    def on_part_delta(self, part_id: str, kind: str, delta: str) -> None:
        if not delta:
            return
        message_id, sub = self._id(part_id), _sub(self.subagent)
        if kind == "text":
            self.emit(TextMessageContentEvent(message_id=message_id, delta=delta, **sub))
        else:
            self.emit(ReasoningMessageContentEvent(message_id=message_id, delta=delta, **sub))
        self._texts[part_id]["content"] += delta

    def on_part_end(self, part_id: str, kind: str) -> None:
        message_id, sub = self._id(part_id), _sub(self.subagent)
        if kind == "text":
            self.emit(TextMessageEndEvent(message_id=message_id, **sub))
        else:
            self.emit(ReasoningMessageEndEvent(message_id=message_id, **sub))
            self.emit(ReasoningEndEvent(message_id=message_id, **sub))

    def on_tool_start(self, call_id: str, name: str) -> None:
        sub = _sub(self.subagent)
        self.emit(ToolCallStartEvent(tool_call_id=call_id, tool_call_name=name, **sub))
        self._calls[call_id] = self._messages.call(call_id, name, self.subagent)
        self._open_calls.add(call_id)

    def on_tool_delta(self, call_id: str, delta: str) -> None:
        self.emit(ToolCallArgsEvent(tool_call_id=call_id, delta=delta, **_sub(self.subagent)))
        self._calls[call_id]["function"]["arguments"] += delta

    def on_tool_call(self, call_id: str, name: str, arguments: str) -> None:
        self._calls[call_id]["function"]["arguments"] = arguments
        self._end_call(call_id)

    def _end_call(self, call_id: str) -> None:
        if call_id in self._open_calls:
            self._open_calls.discard(call_id)
            self.emit(ToolCallEndEvent(tool_call_id=call_id, **_sub(self.subagent)))

    def on_tool_output(self, call_id: str, output: Any, is_error: bool) -> None:
        self._end_call(call_id)
        for path, child in list(self._children.items()):
            if path[1] == call_id and not child.finished:
                self._finish_child(path, None if not is_error else str(output))
        content = output if isinstance(output, str) else json.dumps(json_safe(output))
        message_id = self._id(f"result-{call_id}")
        self.emit(
            ToolCallResultEvent(
                message_id=message_id, tool_call_id=call_id, content=content, role="tool",
                **_sub(self.subagent),
            )
        )  # fmt: skip
        result = {"id": message_id, "role": "tool", "toolCallId": call_id, "content": content}
        if is_error:
            result["error"] = content
        self._messages.result({**result, **_attr(self.subagent)})

    def on_handoff(self, source: str, target: str) -> None:
        value = {"from": source, "to": target}
        self.emit(CustomEvent(name="handoff", value=value, **_sub(self.subagent)))

    def on_nested(self, event: NestedRunEvent) -> None:
        path = event.path[:3]
        child = self._children.get(path)
        if child is None:
            inner = event.innermost if len(event.path) == 3 else None
            name = getattr(getattr(inner, "new_agent", None), "name", None) or event.tools[0]
            child = AGUIAdapter(
                self.thread_id, self.agui_run_id, subagent=path[2], messages=self._messages
            )
            self._children[path] = child
            self.emit(
                SubagentStartedEvent(
                    subagent_run_id=path[2], name=str(name), parent_tool_call_id=path[1],
                    parent_subagent_run_id=self.subagent,
                )
            )  # fmt: skip
        if child.finished:
            return
        self.emit(*child.feed(event.event))
        if event.event.type == "run_completed_stream_event":
            self._finish_child(path, None, event.event.result.final_output)

    def _finish_child(self, path: tuple[str, ...], error: str | None, result: Any = None) -> None:
        child = self._children[path]
        if child.finished or child.subagent is None:
            return
        self.emit(*child._close_all())
        child.finished = True
        sub_id = child.subagent
        if error is None:
            self.emit(SubagentFinishedEvent(subagent_run_id=sub_id, result=json_safe(result)))
        else:
            self.emit(SubagentErrorEvent(subagent_run_id=sub_id, message=error))

    def _close_all(self) -> list[BaseEvent]:
        """The events that end what is open: a turn's parts and step, tool calls, sub-runs."""
        saved, self._out = self._out, []
        self._close_turn()
        for call_id in sorted(self._open_calls):
            self._end_call(call_id)
        for path in list(self._children):
            self._finish_child(path, "the run ended before this sub-run")
        closed, self._out = self._out, saved
        return closed

    def on_completed(self, result: RunResult, finish_reason: str) -> None:
        if self.subagent is not None:
            return
        self.emit(MessagesSnapshotEvent.model_validate({"messages": self._messages.items}))
        usage = result.usage
        tokens = TokenUsage(
            input_tokens=usage.input_tokens,
            output_tokens=usage.output_tokens,
            total_tokens=usage.total_tokens,
        )
        outcome = RunFinishedCancelledOutcome() if result.interrupted else None
        self.emit(
            RunFinishedEvent(
                thread_id=self.thread_id, run_id=self.agui_run_id,
                result=json_safe(result.final_output), usage=[tokens],
                outcome=outcome,
            )
        )  # fmt: skip

    def on_error(self, error: BaseException) -> None:
        self.emit(*self._close_all())
        self.emit(
            RunErrorEvent(message=f"{type(error).__name__}: {error}", code=type(error).__name__)
        )

    def on_cancelled(self, reason: str) -> None:
        self.emit(*self._close_all())
        self.emit(
            RunFinishedEvent(
                thread_id=self.thread_id,
                run_id=self.agui_run_id,
                outcome=RunFinishedCancelledOutcome(),
            )
        )

    def on_restarted(self, attempt: int, reason: str) -> None:
        value = {"attempt": attempt, "reason": reason}
        self.emit(CustomEvent(name="run_restarted", value=value, **_sub(self.subagent)))

    def on_turn_restarted(self, turn: int, attempt: int, reason: str) -> None:
        # AG-UI has no event that takes text back. The abandoned attempt's messages and
        # calls are ended (the client insists), dropped from the conversation, and a
        # MESSAGES_SNAPSHOT without them makes the client drop them too; a custom
        # event says why.
        for call_id in sorted(self._open_calls):
            self._end_call(call_id)
        del self._messages.items[self._turn_mark :]
        value = {"turn": turn, "attempt": attempt, "reason": reason}
        self.emit(CustomEvent(name="turn_restarted", value=value, **_sub(self.subagent)))
        self.emit(MessagesSnapshotEvent.model_validate({"messages": self._messages.items}))


def _empty_view() -> dict[str, Any]:
    return {"runId": None, "agent": None, "turns": 0, "toolCalls": [], "handoffs": [],
            "usage": json_safe(Usage()), "complete": False}  # fmt: skip


def _sub(subagent: str | None) -> dict[str, Any]:
    return {"subagent_run_id": subagent} if subagent is not None else {}
