"""What an agent's ``output_type`` asks the model for: a strict JSON schema, as the SDK.

A pydantic model (or a ``dict`` type) is asked for as it is; any other type
(``list[int]``, a TypedDict, a dataclass, ``int``...) travels wrapped as
``{"response": ...}`` because the API wants an object at the root. The schema is
made strict unless the agent's ``output_type`` is
``AgentOutputSchema(T, strict_json_schema=False)``.
"""

from __future__ import annotations

import json
from functools import lru_cache
from typing import Any, get_origin

from pydantic import BaseModel, TypeAdapter, ValidationError
from typing_extensions import TypedDict

from rxagents._strict_schema import ensure_strict_json_schema
from rxagents.errors import ModelBehaviorError, UserError

__all__ = ["AgentOutputSchema", "output_schema"]

_WRAPPER_KEY = "response"


class AgentOutputSchema:
    """An ``output_type`` with its JSON schema and its validator.

    Pass one as ``Agent(output_type=AgentOutputSchema(T, strict_json_schema=False))``
    to send ``T``'s schema as it is, for types that cannot be made strict (a
    ``dict[str, int]`` field, say).

    Args:
        output_type: the type of the final output.
        strict_json_schema: make the schema strict and ask the API to enforce it.

    Raises:
        UserError: strict was asked for and the type cannot be made strict; the
            message names the field.

    Example:
        >>> AgentOutputSchema(list[int]).json_schema()["required"]
        ['response']
    """

    def __init__(self, output_type: Any, strict_json_schema: bool = True) -> None:
        self.output_type = output_type
        self.strict_json_schema = strict_json_schema
        self.wrapped = not _is_object_type(output_type)
        """Whether the type travels as ``{"response": ...}``."""
        self.adapter: TypeAdapter[Any] = TypeAdapter(output_type)
        """Validates a value of ``output_type`` itself (unwrapped)."""
        self._schema: dict[str, Any] = {}
        if self.is_plain_text():
            return
        shape: Any = (
            TypedDict("OutputType", {_WRAPPER_KEY: output_type})  # type: ignore[operator]
            if self.wrapped
            else output_type
        )
        schema = TypeAdapter(shape).json_schema()
        if strict_json_schema:
            schema = ensure_strict_json_schema(schema, owner=f"output_type {self.name()}")
        self._schema = schema

    def is_plain_text(self) -> bool:
        """Whether the output is plain text (no schema is sent)."""
        return self.output_type is None or self.output_type is str

    def is_strict_json_schema(self) -> bool:
        """Whether the schema is strict."""
        return self.strict_json_schema

    def name(self) -> str:
        """The output type's name, for messages (the API is sent ``final_output``)."""
        if get_origin(self.output_type) is not None:
            return str(self.output_type).replace("typing.", "")
        return getattr(self.output_type, "__name__", None) or repr(self.output_type)

    def json_schema(self) -> dict[str, Any]:
        """The JSON schema the model's answer must follow."""
        if self.is_plain_text():
            raise UserError("the output type is plain text, so it has no JSON schema")
        return self._schema

    def validate_json(self, text: str, agent_name: str = "agent") -> Any:
        """The model's final text as an ``output_type`` value.

        Raises:
            ModelBehaviorError: the text is not JSON of this type; the message
                names the fields that did not match.
        """
        try:
            if self.wrapped:
                payload = json.loads(text) if text.strip() else None
                if not isinstance(payload, dict) or _WRAPPER_KEY not in payload:
                    raise KeyError(_WRAPPER_KEY)
                # Back to JSON so JSON-mode validation rules apply (dates, bytes...), as unwrapped.
                return self.adapter.validate_json(json.dumps(payload[_WRAPPER_KEY]))
            return self.adapter.validate_json(text)
        except (ValidationError, KeyError, TypeError, ValueError) as exc:
            raise ModelBehaviorError(
                f"agent {agent_name!r} gave a final output that does not match its output_type: "
                f"{_describe(exc)}; output was {text[:300]!r}"
            ) from None


@lru_cache(maxsize=256)
def output_schema(output_type: Any) -> AgentOutputSchema | None:
    """An agent's ``output_type`` as an :class:`AgentOutputSchema` (strict unless it is one
    already that says otherwise), or ``None`` for plain text. Cached per type.

    Raises:
        UserError: the type cannot be made strict (the message names the field).
    """
    output = (
        output_type
        if isinstance(output_type, AgentOutputSchema)
        else AgentOutputSchema(output_type)
    )
    return None if output.is_plain_text() else output


def _is_object_type(output_type: Any) -> bool:
    """Pydantic models and dicts are JSON objects already; the SDK wraps everything else."""
    origin = get_origin(output_type) or output_type
    return isinstance(origin, type) and issubclass(origin, BaseModel | dict)


def _describe(exc: Exception) -> str:
    if isinstance(exc, ValidationError):
        return "; ".join(
            f"field {'.'.join(str(p) for p in e['loc']) or '(root)'}: {e['msg']}"
            for e in exc.errors()
        )
    if isinstance(exc, KeyError):
        return "missing the 'response' key"
    return str(exc)
