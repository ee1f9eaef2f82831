"""Checks done before a run starts, and how an agent's output type becomes a JSON schema."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from pydantic import TypeAdapter

from rxagents.agent import Agent, Handoff
from rxagents.agent_output import AgentOutputSchema
from rxagents.errors import UserError
from rxagents.models.base import OutputSchema

__all__ = ["OutputSpec", "output_spec", "validate_agent_graph"]


def validate_agent_graph(agent: Agent[Any], max_turns: int) -> None:
    """Raise :class:`UserError` for configuration that would fail mid-run."""
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
        output_spec(current.output_type)  # a type that cannot be made strict fails here
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


@dataclass(frozen=True)
class OutputSpec:
    """How an ``output_type`` is asked for and checked."""

    output: AgentOutputSchema
    schema: OutputSchema

    @property
    def adapter(self) -> TypeAdapter[Any]:
        """Validates a value of the output type itself."""
        return self.output.adapter

    @property
    def wrapped(self) -> bool:
        """Non-object types are wrapped as ``{"response": ...}``, as the SDK does."""
        return self.output.wrapped

    def parse(self, text: str, agent_name: str) -> Any:
        """Validate the model's final text into the output type."""
        return self.output.validate_json(text, agent_name)


@lru_cache(maxsize=256)
def output_spec(output_type: Any) -> OutputSpec | None:
    """The output spec for an ``output_type`` (or an :class:`AgentOutputSchema`), or
    ``None`` for plain text."""
    output = (
        output_type
        if isinstance(output_type, AgentOutputSchema)
        else AgentOutputSchema(output_type)
    )
    if output.is_plain_text():
        return None
    schema = OutputSchema(
        name="final_output", schema=output.json_schema(), strict=output.is_strict_json_schema()
    )
    return OutputSpec(output=output, schema=schema)


def as_input_list(value: object) -> list[dict[str, Any]]:
    """A run's input as Responses input items."""
    if isinstance(value, str):
        return [{"role": "user", "content": value}]
    if isinstance(value, Sequence):
        return [dict(item) for item in value]
    raise UserError(
        f"input must be a string or a list of Responses input items, got {type(value).__name__}"
    )
