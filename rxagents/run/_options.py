"""Checks done before a run starts, and how an agent's output type becomes a JSON schema."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from pydantic import TypeAdapter

from rxagents.agent import validate_agent_graph
from rxagents.agent_output import AgentOutputSchema, output_schema
from rxagents.errors import UserError
from rxagents.models.base import OutputSchema

__all__ = ["OutputSpec", "output_spec", "validate_agent_graph"]


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
    output = output_schema(output_type)
    if output is None:
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
