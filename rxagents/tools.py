"""``@function_tool``: a typed Python function offered to the model as a tool.

The parameters' JSON schema comes from the type hints through pydantic, made
strict by default as the OpenAI Agents SDK does (see :mod:`rxagents._strict_schema`),
the description from the docstring, and the model's arguments are validated by
the same pydantic model before the function runs. When the function raises, the
model gets the tool's ``failure_error_function`` text (by default the SDK's
fixed sentence, never the exception's message, which may carry internals).
"""

from __future__ import annotations

import inspect
import json
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar, get_type_hints, overload

from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model

from rxagents._strict_schema import ensure_strict_json_schema
from rxagents.context import RunContext
from rxagents.errors import UserError

__all__ = [
    "FunctionTool",
    "ToolArgumentsError",
    "ToolErrorFunction",
    "default_tool_error_function",
    "function_tool",
]

F = TypeVar("F", bound=Callable[..., Any])

ToolErrorFunction = Callable[[RunContext[Any], Exception], "str | Awaitable[str]"]
"""``(run context, the exception) -> the text the model gets`` (sync or async)."""

TOOL_ERROR_TEXT = "An error occurred while running the tool. Please try again."
"""What the model is told when a tool raises (the OpenAI Agents SDK's wording)."""


class ToolArgumentsError(Exception):
    """The model's arguments for a tool were not JSON or did not validate.

    Its message says exactly what was wrong, and holds only what the model sent.
    """


def default_tool_error_function(ctx: RunContext[Any], error: Exception) -> str:
    """The model's view of a failed call: the SDK's fixed text, not the exception.

    The exception's message can carry internals and secrets, so the model only
    learns that the call failed. Arguments the model got wrong are the exception:
    it is told what was wrong (the message holds only the model's own output), so
    that it can fix the call. The developer still gets the exception itself, as
    ``ToolCallOutputItem.error`` and in the ``rxagents.tools`` log.
    """
    if isinstance(error, ToolArgumentsError):
        return f"Error: {error}"
    return TOOL_ERROR_TEXT


@dataclass(eq=False)
class FunctionTool:
    """A tool the model can call.

    Attributes:
        name: the name the model calls it by.
        description: what the tool does, shown to the model.
        params_json_schema: JSON schema of the arguments object.
        on_invoke: ``(RunContext, arguments JSON) -> awaitable output``.
        strict_json_schema: the schema is strict and the API is asked to enforce it.
        failure_error_function: turns an exception of the tool into the text the
            model gets; ``None`` fails the run with
            :class:`~rxagents.errors.ToolExecutionError` instead.
    """

    name: str
    description: str
    params_json_schema: dict[str, Any]
    on_invoke: Callable[[RunContext[Any], str], Awaitable[Any]] = field(repr=False)
    strict_json_schema: bool = True
    failure_error_function: ToolErrorFunction | None = field(
        default=default_tool_error_function, repr=False
    )


_NAME_RE = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")


_SECTION_RE = re.compile(
    r"^(args|arguments|parameters|params|returns?|raises|yields?|examples?|notes?|warnings?"
    r"|attributes|see also|references|todo|keyword args|keyword arguments):$",
    re.IGNORECASE,
)
_ARGS_SECTIONS = ("args:", "arguments:", "parameters:", "params:")


def _docstring_parts(doc: str | None) -> tuple[str, dict[str, str]]:
    """A Google-style docstring's description (the text before its first section, as the
    SDK sends it) and its ``Args:`` descriptions."""
    if not doc:
        return "", {}
    description: list[str] = []
    params: dict[str, str] = {}
    section = "description"
    current: str | None = None
    for line in inspect.cleandoc(doc).splitlines():
        stripped = line.strip()
        if _SECTION_RE.match(stripped):
            section = "args" if stripped.lower() in _ARGS_SECTIONS else "other"
            continue
        if section == "description":
            description.append(line.rstrip())
        elif section == "args" and stripped:
            match = re.match(r"^(\w+)\s*(?:\([^)]*\))?\s*:\s*(.*)$", stripped)
            if match and line.startswith((" ", "\t")) and not line.startswith("        "):
                current = match.group(1)
                params[current] = match.group(2)
            elif current:
                params[current] = f"{params[current]} {stripped}".strip()
    return "\n".join(description).strip(), params


@dataclass(frozen=True)
class _Options:
    name: str | None
    description: str | None
    strict: bool
    failure_error_function: ToolErrorFunction | None


def _build(func: Callable[..., Any], options: _Options) -> FunctionTool:
    tool_name = options.name or func.__name__
    if not _NAME_RE.match(tool_name):
        raise UserError(f"tool name {tool_name!r} is invalid: use 1-64 letters, digits, '_' or '-'")
    doc_description, arg_docs = _docstring_parts(func.__doc__)
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
    if options.strict:
        schema = ensure_strict_json_schema(schema, owner=f"tool {tool_name!r}")
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
        description=options.description or doc_description,
        params_json_schema=schema,
        on_invoke=on_invoke,
        strict_json_schema=options.strict,
        failure_error_function=options.failure_error_function,
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
    *,
    name: str | None = None,
    description: str | None = None,
    strict_json_schema: bool | None = None,
    failure_error_function: ToolErrorFunction | None = default_tool_error_function,
    name_override: str | None = None,
    description_override: str | None = None,
    strict_mode: bool | None = None,
) -> Callable[[Callable[..., Any]], FunctionTool]: ...


def function_tool(
    func: Callable[..., Any] | None = None,
    /,
    *,
    name: str | None = None,
    description: str | None = None,
    strict_json_schema: bool | None = None,
    failure_error_function: ToolErrorFunction | None = default_tool_error_function,
    name_override: str | None = None,
    description_override: str | None = None,
    strict_mode: bool | None = None,
) -> FunctionTool | Callable[[Callable[..., Any]], FunctionTool]:
    """Turn a typed sync or async function into a :class:`FunctionTool`.

    The first parameter may be a :class:`~rxagents.RunContext`; it is passed the
    run's context and hidden from the model. The arguments' schema is strict
    unless ``strict_json_schema=False``: every parameter is required (one with a
    ``None`` default is nullable instead), no other keys are allowed, and the API
    enforces it while the model writes the arguments.

    Args:
        func: the function (when used as ``@function_tool`` without parentheses).
        name: the name the model calls it by (default: the function's name).
        description: what it does, for the model (default: the docstring's text
            before its ``Args:`` section).
        strict_json_schema: make the schema strict (the default). A type that
            cannot be made strict, such as ``dict[str, int]``, raises
            :class:`~rxagents.errors.UserError` naming the parameter.
        failure_error_function: ``(ctx, exception) -> text`` for the model when the
            tool raises (sync or async); ``None`` fails the run instead.
        name_override: the SDK's name for ``name``.
        description_override: the SDK's name for ``description``.
        strict_mode: the SDK's name for ``strict_json_schema``.

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
    options = _Options(
        name=_one_of("name", name, "name_override", name_override),
        description=_one_of(
            "description", description, "description_override", description_override
        ),
        strict=_one_of("strict_json_schema", strict_json_schema, "strict_mode", strict_mode)
        is not False,
        failure_error_function=failure_error_function,
    )
    if func is not None:
        return _build(func, options)

    def decorate(f: Callable[..., Any]) -> FunctionTool:
        return _build(f, options)

    return decorate


T = TypeVar("T")


def _one_of(ours: str, value: T | None, sdk: str, sdk_value: T | None) -> T | None:
    """One setting passed under our name or the SDK's, never both differently."""
    if value is not None and sdk_value is not None and value != sdk_value:
        raise UserError(
            f"function_tool got both {ours}={value!r} and {sdk}={sdk_value!r}; pass one"
        )
    return value if value is not None else sdk_value
