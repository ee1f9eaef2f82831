"""``@function_tool``: a typed Python function offered to the model as a tool.

The parameters' JSON schema comes from the type hints through pydantic, the
description from the docstring, and the model's arguments are validated by the
same pydantic model before the function runs.
"""

from __future__ import annotations

import inspect
import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar, get_type_hints, overload

from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model

from rxagents.context import RunContext
from rxagents.errors import UserError

__all__ = ["FunctionTool", "ToolArgumentsError", "function_tool"]

F = TypeVar("F", bound=Callable[..., Any])


class ToolArgumentsError(Exception):
    """The model's arguments for a tool were not JSON or did not validate.

    Its message is sent back to the model as the call's output, so it says
    exactly what was wrong.
    """


@dataclass(eq=False)
class FunctionTool:
    """A tool the model can call.

    Attributes:
        name: the name the model calls it by.
        description: what the tool does, shown to the model.
        params_json_schema: JSON schema of the arguments object.
        on_invoke: ``(RunContext, arguments JSON) -> awaitable output``.
    """

    name: str
    description: str
    params_json_schema: dict[str, Any]
    on_invoke: Callable[[RunContext[Any], str], Awaitable[Any]] = field(repr=False)
    strict_json_schema: bool = False


_NAME_RE = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")


def _docstring_parts(doc: str | None) -> tuple[str, dict[str, str]]:
    """The summary of a Google-style docstring and its ``Args:`` descriptions."""
    if not doc:
        return "", {}
    lines = inspect.cleandoc(doc).splitlines()
    summary: list[str] = []
    params: dict[str, str] = {}
    section = "summary"
    current: str | None = None
    for line in lines:
        stripped = line.strip()
        if stripped.lower() in ("args:", "arguments:", "parameters:"):
            section = "args"
            continue
        if stripped.endswith(":") and stripped[:-1].lower() in ("returns", "raises", "yields"):
            section = "other"
            continue
        if section == "summary":
            if not stripped and summary:
                section = "body"
            elif stripped:
                summary.append(stripped)
        elif section == "args" and stripped:
            match = re.match(r"^(\w+)\s*(?:\([^)]*\))?\s*:\s*(.*)$", stripped)
            if match and line.startswith((" ", "\t")) and not line.startswith("        "):
                current = match.group(1)
                params[current] = match.group(2)
            elif current:
                params[current] = f"{params[current]} {stripped}".strip()
    return " ".join(summary), params


def _build(func: Callable[..., Any], name: str | None, description: str | None) -> FunctionTool:
    tool_name = name or func.__name__
    if not _NAME_RE.match(tool_name):
        raise UserError(f"tool name {tool_name!r} is invalid: use 1-64 letters, digits, '_' or '-'")
    summary, arg_docs = _docstring_parts(func.__doc__)
    signature = inspect.signature(func)
    hints = get_type_hints(func, include_extras=True)
    params = list(signature.parameters.values())
    takes_context = bool(params) and _is_context(hints.get(params[0].name), params[0].name)
    if takes_context:
        params = params[1:]
    fields: dict[str, Any] = {}
    for param in params:
        if param.kind in (param.VAR_POSITIONAL, param.VAR_KEYWORD):
            raise UserError(
                f"tool {tool_name!r}: *args and **kwargs cannot be described to a model"
            )
        annotation = hints.get(param.name, Any)
        default = ... if param.default is param.empty else param.default
        fields[param.name] = (annotation, Field(default, description=arg_docs.get(param.name)))
    args_model: type[BaseModel] = create_model(
        f"{tool_name}_args", __config__=ConfigDict(extra="forbid"), **fields
    )
    schema = args_model.model_json_schema()
    schema.pop("title", None)
    is_async = inspect.iscoroutinefunction(func)
    names = [p.name for p in params]

    async def on_invoke(ctx: RunContext[Any], arguments: str) -> Any:
        parsed = _parse_arguments(tool_name, args_model, arguments)
        kwargs = {n: getattr(parsed, n) for n in names}
        result = func(ctx, **kwargs) if takes_context else func(**kwargs)
        if is_async:
            return await result
        return result

    return FunctionTool(
        name=tool_name,
        description=description or summary or tool_name,
        params_json_schema=schema,
        on_invoke=on_invoke,
    )


def _parse_arguments(tool_name: str, args_model: type[BaseModel], arguments: str) -> BaseModel:
    """The model's JSON arguments, validated; what was wrong, for the model, if not."""
    try:
        raw = json.loads(arguments) if arguments.strip() else {}
    except json.JSONDecodeError as exc:
        raise ToolArgumentsError(
            f"arguments for tool {tool_name!r} are not valid JSON ({exc.msg} at "
            f"position {exc.pos}): {arguments[:200]!r}"
        ) from None
    if not isinstance(raw, dict):
        raise ToolArgumentsError(
            f"arguments for tool {tool_name!r} must be a JSON object, got {arguments[:200]!r}"
        )
    try:
        return args_model.model_validate(raw)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err['loc']) or '(root)'}: {err['msg']}"
            for err in exc.errors()
        )
        raise ToolArgumentsError(f"invalid arguments for tool {tool_name!r}: {problems}") from None


def _is_context(annotation: Any, param_name: str) -> bool:
    origin = getattr(annotation, "__origin__", annotation)
    return origin is RunContext or (annotation is None and param_name in ("ctx", "context"))


@overload
def function_tool(func: Callable[..., Any], /) -> FunctionTool: ...


@overload
def function_tool(
    *, name: str | None = None, description: str | None = None
) -> Callable[[Callable[..., Any]], FunctionTool]: ...


def function_tool(
    func: Callable[..., Any] | None = None,
    /,
    *,
    name: str | None = None,
    description: str | None = None,
) -> FunctionTool | Callable[[Callable[..., Any]], FunctionTool]:
    """Turn a typed sync or async function into a :class:`FunctionTool`.

    The first parameter may be a :class:`~rxagents.RunContext`; it is passed the
    run's context and hidden from the model.

    Example:
        >>> @function_tool
        ... def get_weather(city: str) -> str:
        ...     '''The weather in a city.
        ...
        ...     Args:
        ...         city: the city's name.
        ...     '''
        ...     return f"sunny in {city}"
        >>> get_weather.name, get_weather.params_json_schema["required"]
        ('get_weather', ['city'])
    """
    if func is not None:
        return _build(func, name, description)

    def decorate(f: Callable[..., Any]) -> FunctionTool:
        return _build(f, name, description)

    return decorate
