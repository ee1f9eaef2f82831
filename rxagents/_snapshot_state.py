"""The plain state a run's snapshots share, and a tool call as they show it.

Plumbing of :mod:`rxagents.snapshot`, which re-exports every name here (their
public home: reprs and pickles say ``rxagents.snapshot``).
"""

from __future__ import annotations

from typing import Any, Literal, NamedTuple, TypeAlias

from pydantic import BaseModel, ConfigDict

from rxagents.items import RunItem
from rxagents.result import RunResult
from rxagents.usage import Usage

__all__ = ["RunState", "TextLog", "ToolCallState", "ToolCallStatus"]

ToolCallStatus: TypeAlias = Literal["called", "done", "failed"]


class ToolCallState(BaseModel):
    """One tool call as a snapshot sees it.

    Attributes:
        call_id: the model's id for the call.
        name: the tool's name.
        arguments: the JSON arguments the model sent.
        agent: the name of the agent whose turn made the call.
        status: ``called`` (running), ``done``, or ``failed`` (the tool raised or
            its arguments were rejected: the output is the error text).
        output: the tool's return value once done (or the error text), else ``None``.
    """

    model_config = ConfigDict(frozen=True)

    call_id: str
    name: str
    arguments: str
    agent: str
    status: ToolCallStatus = "called"
    output: Any = None


class TextLog:
    """Append-only text: chunks in, any prefix out, each chunk joined once.

    Attributes:
        length: characters appended so far.
        joined_chunks: how many chunks have been joined into the cached string
            so far (the work counter behind the linear-time guarantee).
    """

    __slots__ = ("_joined", "_pending", "joined_chunks", "length")

    def __init__(self) -> None:
        self._joined = ""
        self._pending: list[str] = []
        self.length = 0
        self.joined_chunks = 0

    def append(self, chunk: str) -> None:
        """Add a chunk at the end (O(1))."""
        self._pending.append(chunk)
        self.length += len(chunk)

    def prefix(self, length: int) -> str:
        """The first ``length`` characters appended."""
        if length > len(self._joined):
            self.joined_chunks += len(self._pending)
            self._joined += "".join(self._pending)
            self._pending.clear()
        joined = self._joined
        return joined if length == len(joined) else joined[:length]


class RunState(NamedTuple):
    """What a run's snapshots share between two changes of it.

    Rebuilt on the few events that change it (a new agent, a turn starting or
    ending, a run item, the end of the run); text deltas, nearly every event of a
    run, leave it as is, so their snapshots all point at the same one.
    """

    run_id: str | None
    current_agent: Any
    turn_count: int
    usage: Usage
    result: RunResult | None
    text: TextLog
    items: list[RunItem]
    item_count: int
    segments: list[tuple[str, int]]
    segment_count: int


# Plain classes, so this is cheap: pickle finds them through the re-export.
RunState.__module__ = TextLog.__module__ = "rxagents.snapshot"
