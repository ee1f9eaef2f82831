"""Agents and handoffs."""

from __future__ import annotations

import inspect
import re
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, Literal, TypeVar

from rxagents._agent_tool import OutputExtractor, build_agent_tool
from rxagents._strict_schema import strict_empty_object
from rxagents.agent_output import output_schema
from rxagents.context import RunContext
from rxagents.errors import UserError
from rxagents.model_settings import ModelSettings
from rxagents.tools import FunctionTool

if TYPE_CHECKING:
    from rxagents.guardrail import InputGuardrail, OutputGuardrail
    from rxagents.lifecycle import AgentHooks
    from rxagents.models.base import Model

__all__ = ["Agent", "Handoff", "handoff", "tool_name_for_agent", "validate_agent_graph"]

TContext = TypeVar("TContext")

Instructions = (
    str
    | Callable[[RunContext[Any]], str | Awaitable[str]]
    | Callable[[RunContext[Any], "Agent[Any]"], str | Awaitable[str]]
)


def tool_name_for_agent(name: str) -> str:
    """The SDK's handoff tool name: ``transfer_to_`` + the name in snake_case."""
    snake = re.sub(r"[^a-zA-Z0-9]", "_", name.replace(" ", "_")).lower()
    return f"transfer_to_{snake}"


@dataclass(eq=False)
class Handoff:
    """A handoff offered to the model as a tool named ``transfer_to_<agent>``.

    Attributes:
        agent: the agent that takes over.
        tool_name: the tool the model calls to hand off.
        tool_description: the description the model sees.
        on_handoff: called with the run context when the handoff happens.
        input_json_schema: the schema of the tool's arguments (none: an empty object).
        strict_json_schema: the schema is strict, as the SDK sends it.
    """

    agent: Agent[Any]
    tool_name: str
    tool_description: str
    on_handoff: Callable[[RunContext[Any]], Any] | None = None
    input_json_schema: dict[str, Any] = field(default_factory=strict_empty_object)
    strict_json_schema: bool = True


def handoff(
    agent: Agent[Any],
    *,
    tool_name_override: str | None = None,
    tool_description_override: str | None = None,
    on_handoff: Callable[[RunContext[Any]], Any] | None = None,
) -> Handoff:
    """Describe a handoff to ``agent``, with the SDK's defaults for name and description."""
    if not getattr(agent, "name", None):
        raise UserError("a handoff target must be an Agent with a non-empty name")
    return Handoff(
        agent=agent,
        tool_name=tool_name_override or tool_name_for_agent(agent.name),
        tool_description=tool_description_override or _default_description(agent),
        on_handoff=on_handoff,
    )


def _default_description(agent: Agent[Any]) -> str:
    # Word for word what the SDK sends, trailing space included when there is no
    # handoff_description: the model sees the same tools whichever library runs it.
    extra = agent.handoff_description or ""
    return f"Handoff to the {agent.name} agent to handle the request. {extra}"


def _check_tools(agent_name: str, tools: Sequence[Any]) -> None:
    """Refuse at ``Agent(...)`` what would otherwise fail mid-run as an AttributeError."""
    if isinstance(tools, (str, bytes)) or not isinstance(tools, Sequence):
        raise UserError(f"Agent({agent_name!r}, tools=...) must be a list of tools")
    for tool in tools:
        if isinstance(tool, FunctionTool):
            continue
        if isinstance(tool, Agent):
            fix = f"use {tool.name!r}.as_tool(), or list it in handoffs=[...]"
            raise UserError(f"Agent({agent_name!r}): tools=[...] got the agent {tool!r}: {fix}")
        what = getattr(tool, "__qualname__", None) or type(tool).__name__
        fix = (
            "decorate the function with @function_tool"
            if callable(tool)
            else ("pass functions decorated with @function_tool")
        )
        raise UserError(
            f"Agent({agent_name!r}): tools=[...] got {what!r}, not a tool: {fix} "
            "(from rxagents import function_tool)"
        )


def _check_guardrails(agent: Agent[Any]) -> None:
    """Refuse a plain function where a guardrail belongs (it would fail mid-run)."""
    from rxagents.guardrail import InputGuardrail, OutputGuardrail

    for field_name, kind, deco in (
        ("input_guardrails", InputGuardrail, "@input_guardrail"),
        ("output_guardrails", OutputGuardrail, "@output_guardrail"),
    ):
        value = getattr(agent, field_name)
        if isinstance(value, (str, bytes)) or not isinstance(value, Sequence):
            raise UserError(f"Agent({agent.name!r}, {field_name}=...) must be a list")
        for g in value:
            if not isinstance(g, kind):
                raise UserError(
                    f"Agent({agent.name!r}): {field_name}=[...] got {g!r}; decorate the "
                    f"function with {deco} (from rxagents import {deco[1:]})"
                )


@dataclass(eq=False)
class Agent(Generic[TContext]):
    """An LLM with instructions, tools and agents it may hand off to.

    Attributes:
        name: identifies the agent in events, logs and handoff tool names.
        instructions: the system prompt, or a function of the run context (and
            optionally the agent) returning it, sync or async.
        model: a :class:`~rxagents.models.Model`, a model name resolved by the
            provider, or ``None`` for the provider's default.
        tools: the tools the model may call.
        handoffs: agents (or :func:`handoff` descriptions) the model may hand off to.
        output_type: the type of the final output; the model is asked for JSON of
            this type and its answer is validated by pydantic.
        model_settings: sampling settings passed to the model.
        handoff_description: shown to other agents' models in the handoff tool.
        tool_error_behavior: ``"return_to_model"`` sends a tool's exception to the
            model as the call's output; ``"raise"`` fails the run with
            :class:`~rxagents.errors.ToolExecutionError`.
        input_guardrails: checks on the run's input, run when this agent starts a run.
        output_guardrails: checks on the final output, run when this agent produces it.
        hooks: :class:`~rxagents.lifecycle.AgentHooks` called as this agent runs.
    """

    name: str
    instructions: Instructions | None = None
    model: Model | str | None = None
    tools: Sequence[FunctionTool] = field(default_factory=list)
    handoffs: Sequence[Agent[Any] | Handoff] = field(default_factory=list)
    output_type: Any = None
    model_settings: ModelSettings = field(default_factory=ModelSettings)
    handoff_description: str | None = None
    tool_error_behavior: Literal["return_to_model", "raise"] = "return_to_model"
    input_guardrails: Sequence[InputGuardrail[Any]] = field(default_factory=list)
    output_guardrails: Sequence[OutputGuardrail[Any]] = field(default_factory=list)
    hooks: AgentHooks[Any] | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name:
            raise UserError("Agent(name=...) must be a non-empty string")
        _check_tools(self.name, self.tools)
        _check_guardrails(self)

    def __repr__(self) -> str:
        return f"Agent(name={self.name!r})"

    def clone(self, **changes: Any) -> Agent[TContext]:
        """A copy of this agent with some fields changed."""
        import dataclasses

        return dataclasses.replace(self, **changes)

    async def get_instructions(self, ctx: RunContext[TContext]) -> str | None:
        """The system prompt for this turn."""
        if self.instructions is None or isinstance(self.instructions, str):
            return self.instructions
        params = inspect.signature(self.instructions).parameters
        fn: Any = self.instructions
        value = fn(ctx, self) if len(params) >= 2 else fn(ctx)
        if inspect.isawaitable(value):
            value = await value
        return str(value)

    def get_handoffs(self) -> list[Handoff]:
        """This agent's handoffs as :class:`Handoff` descriptions."""
        return [h if isinstance(h, Handoff) else handoff(h) for h in self.handoffs]

    def as_tool(
        self,
        tool_name: str | None = None,
        tool_description: str | None = None,
        *,
        custom_output_extractor: OutputExtractor | None = None,
        max_turns: int = 10,
    ) -> FunctionTool:
        """This agent as a tool for another agent; its events appear in the caller's stream.

        See :func:`rxagents.agent_tool.agent_tool` for the arguments.
        """
        validate_agent_graph(self, max_turns)
        return build_agent_tool(
            self, tool_name, tool_description, custom_output_extractor, max_turns
        )


def validate_agent_graph(agent: Agent[Any], max_turns: int) -> None:
    """Raise :class:`UserError` for configuration that would fail mid-run.

    Checked before a run starts (and when an agent becomes a tool): ``max_turns``,
    every reachable agent, and that no agent offers two tools of one name.
    """
    if not isinstance(max_turns, int) or max_turns < 1:
        raise UserError(f"max_turns must be an integer >= 1, got {max_turns!r}")
    seen: set[int] = set()
    todo: list[Agent[Any]] = [agent]
    while todo:
        current = todo.pop()
        if not isinstance(current, Agent):
            raise UserError(f"expected an Agent, got {type(current).__name__}: {current!r}")
        if id(current) in seen:
            continue
        seen.add(id(current))
        names: dict[str, str] = {}
        for tool in current.tools:
            _claim(names, tool.name, "tool", current)
        for entry in current.handoffs:
            target = entry.agent if isinstance(entry, Handoff) else entry
            if not isinstance(target, Agent) or not getattr(target, "name", None):
                raise UserError(
                    f"agent {current.name!r} has a handoff target without a name ({target!r}); "
                    "pass Agent instances with a non-empty name"
                )
        output_schema(current.output_type)  # a type that cannot be made strict fails here
        for h in current.get_handoffs():
            _claim(names, h.tool_name, "handoff", current)
            todo.append(h.agent)


def _claim(names: dict[str, str], name: str, kind: str, agent: Agent[Any]) -> None:
    if name in names:
        raise UserError(
            f"agent {agent.name!r} offers two tools named {name!r} ({names[name]} and {kind}); "
            "rename one with function_tool(name=...) or handoff(..., tool_name_override=...)"
        )
    names[name] = kind
