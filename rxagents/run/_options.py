"""Checks done before a run starts, and how an agent's output type becomes a JSON schema."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from pydantic import BaseModel, TypeAdapter, ValidationError

from rxagents.agent import validate_agent_graph
from rxagents.errors import ModelBehaviorError, UserError
from rxagents.models.base import OutputSchema

__all__ = ["OutputSpec", "output_spec", "validate_agent_graph"]


@dataclass(frozen=True)
class OutputSpec:
    """How an ``output_type`` is asked for and checked."""

    adapter: TypeAdapter[Any]
    schema: OutputSchema
    wrapped: bool
    """Non-object types are wrapped as ``{"response": ...}``, as the SDK does."""

    def parse(self, text: str, agent_name: str) -> Any:
        """Validate the model's final text into the output type."""
        payload = text
        try:
            if self.wrapped:
                import json

                payload = json.dumps(json.loads(text)["response"]) if text.strip() else text
            return self.adapter.validate_json(payload)
        except (ValidationError, KeyError, TypeError, ValueError) as exc:
            raise ModelBehaviorError(
                f"agent {agent_name!r} gave a final output that does not match its output_type: "
                f"{_describe(exc)}; output was {text[:300]!r}"
            ) from None


def _describe(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return "; ".join(
            f"field {'.'.join(str(p) for p in e['loc']) or '(root)'}: {e['msg']}"
            for e in exc.errors()
        )
    if isinstance(exc, KeyError):
        return "missing the 'response' key"
    return str(exc)


@lru_cache(maxsize=256)
def output_spec(output_type: Any) -> OutputSpec | None:
    """The output spec for an ``output_type``, or ``None`` for plain text."""
    if output_type is None or output_type is str:
        return None
    adapter: TypeAdapter[Any] = TypeAdapter(output_type)
    schema = adapter.json_schema()
    is_object = isinstance(output_type, type) and issubclass(output_type, BaseModel)
    if not is_object:
        schema = {
            "type": "object",
            "properties": {"response": schema},
            "required": ["response"],
            "additionalProperties": False,
            **({"$defs": schema.pop("$defs")} if "$defs" in schema else {}),
        }
    name = getattr(output_type, "__name__", "final_output")
    return OutputSpec(
        adapter=adapter,
        schema=OutputSchema(name=_schema_name(name), schema=schema),
        wrapped=not is_object,
    )


def _schema_name(name: str) -> str:
    import re

    return re.sub(r"[^a-zA-Z0-9_-]", "_", name)[:64] or "final_output"


def as_input_list(value: object) -> list[dict[str, Any]]:
    """A run's input as Responses input items."""
    if isinstance(value, str):
        return [{"role": "user", "content": value}]
    if isinstance(value, Sequence):
        return [dict(item) for item in value]
    raise UserError(
        f"input must be a string or a list of Responses input items, got {type(value).__name__}"
    )
