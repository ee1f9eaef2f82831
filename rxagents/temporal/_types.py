"""What the run workflow and its activities pass each other (plain data, JSON-encoded).

Only the standard library here: the workflow sandbox imports this module again
for every workflow run, and whatever it imports.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

__all__ = [
    "EmitInput",
    "RetrySettings",
    "RunInput",
    "ToolInput",
    "ToolOutput",
    "TurnInput",
    "TurnOutput",
]


@dataclass
class RetrySettings:
    """How often a tool call's activity is tried (Temporal's retry policy, as plain data).

    A tool that raises is tried again after ``initial_interval`` seconds (times
    ``backoff`` each time, at most ``maximum_interval``) until ``maximum_attempts``;
    the last attempt's error goes to the model as the call's output (or fails the
    run, with ``tool_error_behavior="raise"``). A worker lost mid-call counts as a
    failed attempt too.
    """

    maximum_attempts: int = 3
    initial_interval: float = 1.0
    backoff: float = 2.0
    maximum_interval: float = 30.0


@dataclass
class RunInput:
    """The workflow's argument: one run."""

    run_id: str
    input: str | list[dict[str, Any]]
    agent: str = ""
    """The starting agent's name ("" = the worker's agent)."""
    max_turns: int = 10
    prefix: str = "rxagents"
    tool_retry: RetrySettings = field(default_factory=RetrySettings)
    tool_timeout: float = 300.0
    """Seconds one tool call may take (one attempt)."""
    model_timeout: float = 600.0
    """Seconds one model turn may take (one attempt)."""
    model_attempts: int = 5
    """Attempts of a model turn that fails other than with an rxagents error (a lost
    worker, a dropped connection); each new attempt is announced by a
    ``TurnRestartedStreamEvent``."""
    heartbeat_timeout: float = 10.0
    """Seconds without a heartbeat after which an activity's worker counts as lost."""


@dataclass
class TurnInput:
    """One model call: the conversation so far and who answers it."""

    run_id: str
    prefix: str
    turn: int
    agent: str
    conversation: list[dict[str, Any]]
    original_input: str | list[dict[str, Any]] | None = None
    """The run's input, on its first turn: the starting agent's input guardrails check it."""


@dataclass
class TurnOutput:
    """What a model turn produced (its events are already in the stream)."""

    items: list[dict[str, Any]]
    """The turn's run items, JSON (message, tool calls, handoff calls, reasoning)."""
    conversation_items: list[dict[str, Any]]
    """The model's output items as Responses input items, in order."""
    tool_calls: list[dict[str, Any]]
    """Function calls to run as tools: the raw call JSON."""
    handoff_calls: list[dict[str, Any]]
    """Function calls that are handoffs: ``{"call": raw, "target": agent name}``."""
    final_text: str | None
    """The last message's text (``None`` without a message)."""
    input_tokens: int = 0
    output_tokens: int = 0
    total_tokens: int = 0
    guardrails: list[Any] = field(default_factory=list)
    """The input guardrails that ran (first turn), as their JSON summaries."""


@dataclass
class ToolInput:
    """One tool call of a turn."""

    run_id: str
    prefix: str
    agent: str
    call: dict[str, Any]
    maximum_attempts: int


@dataclass
class ToolOutput:
    """A tool call's output item (already in the stream as ``tool_output``)."""

    item: dict[str, Any]
    raw_item: dict[str, Any]


@dataclass
class EmitInput:
    """Events the workflow itself emits (no model, no tool): handoffs, completion, errors.

    ``kind`` is ``"handoff"`` (``source``, ``target``, ``call``), ``"completed"``
    (``agent``, ``items``, ``final_text``, ``usage``, ``input``), ``"error"``
    (``error``: the error JSON) or ``"cancelled"``.
    """

    run_id: str
    prefix: str
    kind: str
    scope: str
    data: dict[str, Any] = field(default_factory=dict)
