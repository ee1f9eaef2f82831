"""Building request bodies from a :class:`~rxagents.models.ModelRequest`.

Responses requests carry the input items as they are. Chat Completions requests
need the conversation rewritten as chat messages: assistant text and the
function calls that followed it become one assistant message with
``tool_calls``, and each function call output becomes a ``tool`` message.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import Any

from rxagents.errors import UserError
from rxagents.models.base import ModelRequest

__all__ = ["chat_messages", "chat_params", "responses_params"]


def _tool_choice_chat(choice: str) -> Any:
    if choice in ("auto", "required", "none"):
        return choice
    return {"type": "function", "function": {"name": choice}}


def _tool_choice_responses(choice: str) -> Any:
    if choice in ("auto", "required", "none"):
        return choice
    return {"type": "function", "name": choice}


def responses_params(model: str, request: ModelRequest) -> dict[str, Any]:
    """Keyword arguments for ``client.responses.create`` (streaming)."""
    params: dict[str, Any] = {"model": model, "input": request.input, "stream": True}
    if request.instructions:
        params["instructions"] = request.instructions
    # Always sent, empty too, as the SDK sends them (Chat Completions servers get no tools
    # then); nothing rxagents asks for needs an `include`.
    params["tools"] = [tool.to_responses_tool() for tool in request.tools]
    params["include"] = []
    schema = request.output_schema
    if schema is not None:
        params["text"] = {
            "format": {
                "type": "json_schema",
                "name": schema.name,
                "schema": schema.schema,
                "strict": schema.strict,
            }
        }
    params.update(_settings(request, "max_output_tokens", _tool_choice_responses))
    if request.settings.seed is not None:
        # The Responses API itself has no seed; compatible servers may honour it.
        params["extra_body"] = {"seed": request.settings.seed}
    return params


def chat_params(model: str, request: ModelRequest) -> dict[str, Any]:
    """Keyword arguments for ``client.chat.completions.create`` (streaming, with usage)."""
    params: dict[str, Any] = {
        "model": model,
        "messages": chat_messages(request),
        "stream": True,
        "stream_options": {"include_usage": True},
    }
    if request.tools:
        params["tools"] = [tool.to_chat_tool() for tool in request.tools]
    schema = request.output_schema
    if schema is not None:
        params["response_format"] = {
            "type": "json_schema",
            "json_schema": {"name": schema.name, "schema": schema.schema, "strict": schema.strict},
        }
    params.update(_settings(request, "max_tokens", _tool_choice_chat))
    if request.settings.seed is not None:
        params["seed"] = request.settings.seed
    return params


def _settings(
    request: ModelRequest, max_tokens_key: str, tool_choice: Callable[[str], Any]
) -> dict[str, Any]:
    """The settings both APIs take, named for one of them; unset ones are left out."""
    settings = request.settings
    values: dict[str, Any] = {
        "temperature": settings.temperature,
        "top_p": settings.top_p,
        max_tokens_key: settings.max_tokens,
    }
    if request.tools:  # OpenAI rejects these two without tools
        if settings.tool_choice is not None:
            values["tool_choice"] = tool_choice(settings.tool_choice)
        values["parallel_tool_calls"] = settings.parallel_tool_calls
    return {key: value for key, value in values.items() if value is not None}


def _text_parts(content: Iterable[Any], where: str) -> list[dict[str, Any]]:
    parts: list[dict[str, Any]] = []
    for part in content:
        kind = part.get("type") if isinstance(part, dict) else None
        if kind in ("input_text", "output_text", "text"):
            parts.append({"type": "text", "text": part.get("text", "")})
        elif kind == "refusal":
            parts.append({"type": "text", "text": part.get("refusal", "")})
        elif kind == "input_image":
            url = part.get("image_url") or part.get("url")
            if not url:
                raise UserError(
                    f"{where}: an input_image without image_url cannot be sent to a Chat "
                    "Completions server; pass the image as a URL or data: URL"
                )
            image: dict[str, Any] = {"url": url}
            if part.get("detail"):
                image["detail"] = part["detail"]
            parts.append({"type": "image_url", "image_url": image})
        else:
            raise UserError(
                f"{where}: content part of type {kind!r} has no Chat Completions equivalent; "
                "use input_text or input_image parts, or an OpenAIResponsesModel"
            )
    return parts


def _plain(parts: list[dict[str, Any]]) -> str | list[dict[str, Any]]:
    if all(p["type"] == "text" for p in parts):
        return "".join(p["text"] for p in parts)
    return parts


def _output_text(output: Any) -> str:
    if isinstance(output, str):
        return output
    if isinstance(output, list):
        texts = [p.get("text", "") for p in output if isinstance(p, dict)]
        return "".join(texts)
    return json.dumps(output, default=str)


def chat_messages(request: ModelRequest) -> list[dict[str, Any]]:
    """The conversation of ``request`` as Chat Completions messages."""
    messages: list[dict[str, Any]] = []
    if request.instructions:
        messages.append({"role": "system", "content": request.instructions})
    assistant: dict[str, Any] | None = None

    def flush() -> None:
        nonlocal assistant
        if assistant is not None:
            messages.append(assistant)
            assistant = None

    for position, item in enumerate(request.input):
        where = f"input item {position}"
        kind = item.get("type")
        role = item.get("role")
        if kind == "function_call":
            if assistant is None:
                assistant = {"role": "assistant", "content": None}
            assistant.setdefault("tool_calls", []).append(
                {
                    "id": item["call_id"],
                    "type": "function",
                    "function": {"name": item["name"], "arguments": item.get("arguments", "")},
                }
            )
        elif kind == "function_call_output":
            flush()
            messages.append(
                {
                    "role": "tool",
                    "tool_call_id": item["call_id"],
                    "content": _output_text(item.get("output", "")),
                }
            )
        elif kind == "reasoning":
            continue
        elif role == "assistant" and kind in (None, "message"):
            content = item.get("content", "")
            text = content if isinstance(content, str) else _plain(_text_parts(content, where))
            if assistant is not None and ("tool_calls" in assistant or assistant["content"]):
                flush()
            assistant = {"role": "assistant", "content": text}
        elif role in ("user", "system", "developer") and kind in (None, "message"):
            flush()
            content = item.get("content", "")
            value = content if isinstance(content, str) else _plain(_text_parts(content, where))
            messages.append({"role": role, "content": value})
        else:
            raise UserError(
                f"{where} (type={kind!r}, role={role!r}) cannot be sent to a Chat Completions "
                "server; it understands messages, function_call and function_call_output items"
            )
    flush()
    return messages
