"""A multi-agent script: what each agent's ScriptedModel says, turn by turn.

:func:`rxagents.testing.scripts` draws these; :meth:`Script.build` turns one into
runnable agents (one fresh :class:`ScriptedModel` per agent, handoffs wired
between the copies), so every run of a script starts from scratch.
"""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any, Literal

from openai.types.responses import ResponseStreamEvent

from rxagents.agent import Agent, Handoff
from rxagents.context import RunContext
from rxagents.errors import ModelConnectionError
from rxagents.models.base import ModelRequest
from rxagents.models.scripted import ScriptedModel, ScriptStep, raise_error, text, tool_call
from rxagents.run import Runner, RunStream
from rxagents.tools import FunctionTool

__all__ = ["BuiltScript", "CallStep", "ErrorStep", "Script", "ScriptTurn", "ScriptedToolError"]


class ScriptedToolError(Exception):
    """Raised by a tool call the script made fail on purpose."""


@dataclass(frozen=True)
class TextStep:
    """A message streamed as ``chunks``; ``ticks`` loop yields after each of its events."""

    content: str
    chunks: tuple[str, ...]
    ticks: int = 0

    def __repr__(self) -> str:
        return f"text({self.content!r}, chunks={list(self.chunks)!r}{_ticks(self.ticks)})"


CallKind = Literal["tool", "handoff", "unknown_tool", "invalid_json"]


@dataclass(frozen=True)
class CallStep:
    """A function call: a tool, a handoff, or a mistake the model can make.

    Attributes:
        fails: the tool raises :class:`ScriptedToolError` instead of running.
        tool_ticks: loop yields the call takes after the tool returns (or
            before it fails), so outputs finish in varied orders.
    """

    name: str
    arguments: str
    kind: CallKind = "tool"
    chunk_size: int = 16
    ticks: int = 0
    fails: bool = False
    tool_ticks: int = 0

    def __repr__(self) -> str:
        extra = " fails" if self.fails else ""
        extra += f" tool_ticks={self.tool_ticks}" if self.tool_ticks else ""
        label = "" if self.kind in ("tool", "handoff") else f" [{self.kind}]"
        return f"call {self.name}({self.arguments}){label}{extra}{_ticks(self.ticks)}"


@dataclass(frozen=True)
class ErrorStep:
    """The model call fails here with :class:`~rxagents.errors.ModelConnectionError`."""

    message: str = "scripted failure: the model connection dropped"

    def __repr__(self) -> str:
        return "raise ModelConnectionError"


Step = TextStep | CallStep | ErrorStep


@dataclass(frozen=True)
class ScriptTurn:
    """One model call: the agent whose model answers, and what it streams."""

    agent: str
    steps: tuple[Step, ...]

    def __repr__(self) -> str:
        return f"{self.agent}: " + (", ".join(repr(s) for s in self.steps) or "(empty message)")


def _ticks(n: int) -> str:
    return f" ticks={n}" if n else ""


@dataclass(frozen=True, repr=False)
class Script:
    """A run scripted across agents, with the outcome the run must have.

    Attributes:
        agents: the agents (templates; :meth:`build` copies them), by name.
        start: the starting agent's name.
        turns: the model calls in run order.
        max_turns: the ``max_turns`` to run with (smaller than ``len(turns)``
            when the script tests :class:`~rxagents.errors.MaxTurnsExceeded`).
        extra_tools: tools every agent offers besides its own.
        final_output: the run's final output when it completes.
        error: the exception type the run fails with, or ``None``.
        last_agent: the name of the agent in charge at the end.
    """

    agents: dict[str, Agent[Any]]
    start: str
    turns: tuple[ScriptTurn, ...]
    max_turns: int
    extra_tools: tuple[FunctionTool, ...] = ()
    final_output: Any = None
    error: type[BaseException] | None = None
    last_agent: str = ""

    def __repr__(self) -> str:
        lines = [f"Script(start={self.start!r}, max_turns={self.max_turns})"]
        lines += [f"  turn {i}. {turn!r}" for i, turn in enumerate(self.turns, 1)]
        outcome = (
            f"fails with {self.error.__name__}"
            if self.error
            else f"final_output={self.final_output!r} by {self.last_agent!r}"
        )
        lines.append(f"  -> {outcome}")
        return "\n".join(lines)

    def _repr_pretty_(self, printer: Any, cycle: bool) -> None:
        # hypothesis prints falsifying examples with this (dataclass fields otherwise)
        printer.text(repr(self))

    @property
    def tool_calls(self) -> int:
        """How many non-handoff calls the script makes (tool_called events of a whole run)."""
        return sum(
            1
            for t in self.turns
            for s in t.steps
            if isinstance(s, CallStep) and s.kind != "handoff"
        )

    def build(self) -> BuiltScript:
        """Fresh copies of the agents, sharing one ScriptedModel that plays the turns.

        One model for all agents keeps item and call ids unique within the run;
        each request records which agent made it (``request.agent_name``).
        """
        model = ScriptedModel([_model_steps(t.steps) for t in self.turns])
        paced = _Paced(model, [_pacing(t.steps) for t in self.turns])
        clones: dict[str, Agent[Any]] = {}
        for name, agent in self.agents.items():
            calls = [s for t in self.turns if t.agent == name for s in t.steps]
            names = {tool.name for tool in agent.tools}
            tools = [*agent.tools, *(t for t in self.extra_tools if t.name not in names)]
            clones[name] = agent.clone(
                model=paced,
                tools=[
                    _scripted_tool(tool, [c for c in calls if isinstance(c, CallStep)])
                    for tool in tools
                ],
            )
        for clone in clones.values():
            clone.handoffs = [_rewire(h, clones) for h in clone.handoffs]
        return BuiltScript(self, clones[self.start], clones, model)

    def run_streamed(self, input: str = "hi", **kwargs: Any) -> RunStream:
        """Build and return ``Runner.run_streamed`` of the starting agent (cold)."""
        return self.build().run_streamed(input, **kwargs)


@dataclass
class BuiltScript:
    """Runnable agents for one run of a :class:`Script`.

    Attributes:
        script: the script.
        start: the starting agent.
        agents: every agent copy, by name.
        model: the ScriptedModel all of them call (its ``requests`` say what
            each agent sent, in order).
    """

    script: Script
    start: Agent[Any]
    agents: dict[str, Agent[Any]]
    model: ScriptedModel

    @property
    def requests(self) -> int:
        """Model calls made so far."""
        return len(self.model.requests)

    def run_streamed(self, input: str = "hi", **kwargs: Any) -> RunStream:
        """``Runner.run_streamed`` of the starting agent with the script's ``max_turns``."""
        kwargs.setdefault("max_turns", self.script.max_turns)
        return Runner.run_streamed(self.start, input, **kwargs)


def _model_steps(steps: Sequence[Step]) -> list[ScriptStep]:
    out: list[ScriptStep] = []
    for step in steps:
        if isinstance(step, TextStep):
            out.append(text(step.content, chunks=step.chunks))
        elif isinstance(step, CallStep):
            out.append(tool_call(step.name, step.arguments, chunk_size=step.chunk_size))
        else:
            out.append(raise_error(ModelConnectionError(step.message)))
    return out


def _pacing(steps: Sequence[Step]) -> list[int]:
    """Loop yields after the events of each output item (by output_index)."""
    return [s.ticks for s in steps if not isinstance(s, ErrorStep)]


class _Paced:
    """A model wrapper that yields to the event loop between scripted events.

    ``await asyncio.sleep(0)`` (never a timer) lets tools finish while the model
    is still streaming, deterministically.
    """

    def __init__(self, inner: ScriptedModel, pacing: list[list[int]]) -> None:
        self.inner = inner
        self.pacing = pacing

    def stream(self, request: ModelRequest) -> AsyncIterator[ResponseStreamEvent]:
        turn = len(self.inner.requests)
        pacing = self.pacing[turn] if turn < len(self.pacing) else []
        return self._play(self.inner.stream(request), pacing)

    async def _play(
        self, events: AsyncIterator[ResponseStreamEvent], pacing: list[int]
    ) -> AsyncIterator[ResponseStreamEvent]:
        try:
            async for event in events:
                yield event
                index: Any = getattr(event, "output_index", None)
                for _ in range(pacing[index] if index is not None and index < len(pacing) else 0):
                    await asyncio.sleep(0)
        finally:
            aclose: Any = getattr(events, "aclose", None)
            if aclose is not None:
                await aclose()


def _scripted_tool(tool: FunctionTool, calls: Sequence[CallStep]) -> FunctionTool:
    """``tool`` with the script's failures and durations, call by call.

    Calls reach a tool in the order the model made them (tool tasks start in
    creation order), so the n-th invocation plays the n-th scripted call.
    """
    plan = [c for c in calls if c.name == tool.name]
    position = 0
    inner = tool.on_invoke

    async def on_invoke(ctx: RunContext[Any], arguments: str) -> Any:
        nonlocal position
        call = plan[position] if position < len(plan) else None
        position += 1
        if call is not None and call.fails:
            for _ in range(call.tool_ticks):
                await asyncio.sleep(0)
            raise ScriptedToolError(f"scripted failure of tool {tool.name!r}")
        value = await inner(ctx, arguments)
        for _ in range(call.tool_ticks if call is not None else 0):
            await asyncio.sleep(0)
        return value

    return dataclasses.replace(tool, on_invoke=on_invoke)


def _rewire(entry: Agent[Any] | Handoff, clones: dict[str, Agent[Any]]) -> Agent[Any] | Handoff:
    if isinstance(entry, Handoff):
        target = clones.get(entry.agent.name, entry.agent)
        return dataclasses.replace(entry, agent=target)
    clone: Agent[Any] = clones.get(entry.name, entry)
    return clone
