"""What ``useChat`` sends: its request body, read into a run's input.

``DefaultChatTransport`` posts ``{"id", "messages": UIMessage[], "trigger",
"messageId"?, ...}``. The messages are the whole conversation, earlier
assistant turns included (their text, tool calls and tool outputs), so a run can
continue it. Reading is lenient: unknown fields, part types and roles are
skipped, never refused; only a body with nothing to say is.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from rxagents.errors import AgentsError

__all__ = ["ChatRequest", "ChatRequestError", "parse_chat_request", "ui_messages_to_input"]

_DONE_TOOL_STATES = {"output-available", "output-error"}


class ChatRequestError(AgentsError):
    """A chat request body that cannot become a run (HTTP 422)."""


@dataclass(frozen=True)
class ChatRequest:
    """A ``useChat`` request.

    Attributes:
        chat_id: the chat's ``id`` (the client's ``Chat.id``).
        trigger: ``submit-message`` or ``regenerate-message``.
        message_id: the message to regenerate, if any.
        input: the conversation as Responses input items, for ``Runner``.
        body: the whole JSON body (for extra fields a ``useChat`` ``body`` option adds).
    """

    chat_id: str
    trigger: str
    message_id: str | None
    input: list[dict[str, Any]]
    body: dict[str, Any]


def parse_chat_request(body: Any) -> ChatRequest:
    """Read a ``useChat`` / ``DefaultChatTransport`` request body.

    Raises:
        ChatRequestError: the body is not an object, has no ``messages`` array, or
            no message with text the model could answer.
    """
    if not isinstance(body, dict):
        raise ChatRequestError(
            'the chat request must be a JSON object like {"id": "...", "messages": [...]}'
        )
    messages = body.get("messages")
    if not isinstance(messages, list):
        raise ChatRequestError(
            'the chat request has no "messages" array (the UIMessage list useChat sends)'
        )
    items = ui_messages_to_input(messages)
    if not any(item.get("role") == "user" for item in items):
        raise ChatRequestError(
            'the chat request has no user message with text; send {"role": "user", '
            '"parts": [{"type": "text", "text": "..."}]}'
        )
    chat_id = body.get("id")
    message_id = body.get("messageId")
    trigger = body.get("trigger")
    return ChatRequest(
        chat_id=chat_id if isinstance(chat_id, str) and chat_id else "",
        trigger=trigger if isinstance(trigger, str) else "submit-message",
        message_id=message_id if isinstance(message_id, str) and message_id else None,
        input=items,
        body=body,
    )


def ui_messages_to_input(messages: list[Any]) -> list[dict[str, Any]]:
    """UIMessages as Responses input items (the conversation for the next run).

    User and system text (and image files) become messages. An assistant message
    becomes, step by step (``step-start`` parts divide them), its text, then its
    finished tool calls (``tool-<name>`` and ``dynamic-tool`` parts with an
    output or an error) as ``function_call`` items, then their outputs, the order
    the OpenAI Agents SDK keeps. Unfinished tool calls, reasoning, data parts and
    anything unknown are skipped.
    """
    items: list[dict[str, Any]] = []
    for message in messages:
        if not isinstance(message, dict) or not isinstance(message.get("parts"), list):
            continue
        parts = [part for part in message["parts"] if isinstance(part, dict)]
        role = message.get("role")
        if role == "assistant":
            items.extend(_assistant_items(parts))
        elif role in ("user", "system"):
            item = _user_item(role, parts)
            if item is not None:
                items.append(item)
    return items


def _user_item(role: str, parts: list[dict[str, Any]]) -> dict[str, Any] | None:
    content: list[dict[str, Any]] = []
    for part in parts:
        kind = part.get("type")
        if kind == "text" and isinstance(part.get("text"), str) and part["text"]:
            content.append({"type": "input_text", "text": part["text"]})
        elif kind == "file" and role == "user":
            content.append(_file_content(part))
    if not content:
        return None
    if role == "system":
        return {"role": "system", "content": "\n".join(c.get("text", "") for c in content)}
    return {"role": "user", "content": content}


def _file_content(part: dict[str, Any]) -> dict[str, Any]:
    media_type = str(part.get("mediaType") or "")
    url = part.get("url")
    if media_type.startswith("image/") and isinstance(url, str) and url:
        return {"type": "input_image", "image_url": url}
    # Other files have no portable input form across model APIs: name them.
    name = part.get("filename") or "unnamed"
    return {"type": "input_text", "text": f"[attached file {name} ({media_type or 'unknown'})]"}


def _assistant_items(parts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    items: list[dict[str, Any]] = []
    texts: list[str] = []
    calls: list[dict[str, Any]] = []
    outputs: list[dict[str, Any]] = []

    def end_step() -> None:
        if texts:
            text = "".join(texts)
            items.append(
                {
                    "type": "message",
                    "role": "assistant",
                    "content": [{"type": "output_text", "text": text, "annotations": []}],
                }
            )
        items.extend(calls)
        items.extend(outputs)
        texts.clear()
        calls.clear()
        outputs.clear()

    for part in parts:
        kind = part.get("type")
        if not isinstance(kind, str):
            continue
        if kind == "step-start":
            end_step()
        elif kind == "text" and isinstance(part.get("text"), str):
            texts.append(part["text"])
        elif (kind.startswith("tool-") or kind == "dynamic-tool") and (
            part.get("state") in _DONE_TOOL_STATES
        ):
            call = _tool_items(kind, part)
            if call is not None:
                calls.append(call[0])
                outputs.append(call[1])
    end_step()
    return items


def _tool_items(kind: str, part: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]] | None:
    call_id = part.get("toolCallId")
    name = part.get("toolName") if kind == "dynamic-tool" else kind[len("tool-") :]
    if not isinstance(call_id, str) or not call_id or not isinstance(name, str) or not name:
        return None
    raw_input = part.get("input")
    arguments = raw_input if isinstance(raw_input, str) else json.dumps(raw_input or {})
    if part.get("state") == "output-error":
        output = str(part.get("errorText") or "the tool failed")
    else:
        value = part.get("output")
        output = value if isinstance(value, str) else json.dumps(value)
    return (
        {"type": "function_call", "call_id": call_id, "name": name, "arguments": arguments},
        {"type": "function_call_output", "call_id": call_id, "output": output},
    )
