"""Values that validate against a tool's JSON schema (the subset pydantic generates)."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from rxagents.errors import UserError

__all__ = ["from_schema"]

_MAX = 1_000_000


def from_schema(schema: dict[str, Any], *, where: str = "schema") -> st.SearchStrategy[Any]:
    """A strategy for JSON values valid under ``schema``.

    Covers what pydantic emits for typed function parameters: objects,
    arrays, strings, numbers, booleans, null, ``enum``/``const``, ``anyOf``/
    ``oneOf``, and ``$ref`` into ``$defs``.

    Raises:
        UserError: for a construct outside that subset, naming where it is.
    """
    return _values(schema, schema.get("$defs", {}), where)


def _values(schema: Any, defs: dict[str, Any], where: str) -> st.SearchStrategy[Any]:
    structural = {"type", "$ref", "const", "enum", "anyOf", "oneOf", "allOf", "properties"}
    if schema is True or (isinstance(schema, dict) and not structural & schema.keys()):
        return st.none() | st.booleans() | st.integers(-100, 100) | st.text(max_size=10)
    if not isinstance(schema, dict):
        raise UserError(f"{where}: cannot generate values for schema {schema!r}")
    if "$ref" in schema:
        name = str(schema["$ref"]).rsplit("/", 1)[-1]
        if name not in defs:
            raise UserError(f"{where}: unresolved $ref {schema['$ref']!r}")
        return st.deferred(lambda: _values(defs[name], defs, f"{where}/{name}"))
    if "const" in schema:
        return st.just(schema["const"])
    if "enum" in schema:
        return st.sampled_from(list(schema["enum"]))
    for key in ("anyOf", "oneOf"):
        if key in schema:
            return st.one_of([_values(s, defs, where) for s in schema[key]])
    if "allOf" in schema and len(schema["allOf"]) == 1:
        return _values(schema["allOf"][0], defs, where)
    kind = schema.get("type")
    if isinstance(kind, list):
        return st.one_of([_values({**schema, "type": k}, defs, where) for k in kind])
    if kind == "string":
        return st.text(
            min_size=int(schema.get("minLength", 0)),
            max_size=min(int(schema.get("maxLength", 20)), 20),
        )
    if kind == "integer":
        low = schema.get("minimum", -_MAX)
        high = schema.get("maximum", _MAX)
        if "exclusiveMinimum" in schema:
            low = schema["exclusiveMinimum"] + 1
        if "exclusiveMaximum" in schema:
            high = schema["exclusiveMaximum"] - 1
        return st.integers(int(low), int(high))
    if kind == "number":
        return st.floats(
            min_value=schema.get("minimum", -_MAX),
            max_value=schema.get("maximum", _MAX),
            exclude_min="exclusiveMinimum" in schema,
            exclude_max="exclusiveMaximum" in schema,
            allow_nan=False,
            allow_infinity=False,
        )
    if kind == "boolean":
        return st.booleans()
    if kind == "null":
        return st.none()
    if kind == "array":
        return st.lists(
            _values(schema.get("items", {}), defs, f"{where}[]"),
            min_size=int(schema.get("minItems", 0)),
            max_size=max(int(schema.get("minItems", 0)), min(int(schema.get("maxItems", 3)), 3)),
        )
    if kind == "object" or "properties" in schema:
        properties: dict[str, Any] = schema.get("properties", {})
        required = set(schema.get("required", []))
        return st.fixed_dictionaries(
            {k: _values(v, defs, f"{where}.{k}") for k, v in properties.items() if k in required},
            optional={
                k: _values(v, defs, f"{where}.{k}")
                for k, v in properties.items()
                if k not in required
            },
        )
    raise UserError(
        f"{where}: cannot generate values for {schema!r}; "
        "pass scripts(tool_args={tool_name: strategy}) for this tool"
    )
