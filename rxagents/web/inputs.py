"""What the web endpoints accept: limits, request parsing, and the JSON errors they answer."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from starlette.requests import Request

from rxagents.errors import AgentsError, UserError

__all__ = [
    "WebError",
    "WebLimits",
    "parse_after",
    "parse_json",
    "read_input",
    "read_json",
    "refuse_lone_surrogates",
]


@dataclass(frozen=True)
class WebLimits:
    """Limits of the web endpoints.

    Attributes:
        max_input_chars: longest accepted ``input`` (characters); longer answers 413.
        max_body_bytes: largest accepted ``POST /runs`` body (bytes); larger answers 413.
        ping_seconds: seconds between SSE heartbeat comments while a run is idle.
        retry_ms: the reconnection delay the SSE stream asks browsers to use.
    """

    max_input_chars: int = 32_000
    max_body_bytes: int = 256 * 1024
    ping_seconds: float = 15.0
    retry_ms: int = 1000

    def __post_init__(self) -> None:
        if self.max_input_chars < 1:
            raise UserError(f"max_input_chars must be >= 1, got {self.max_input_chars}")
        if self.max_body_bytes < 16:
            raise UserError(f"max_body_bytes must be >= 16, got {self.max_body_bytes}")
        if self.ping_seconds < 0:
            raise UserError(f"ping_seconds must be >= 0, got {self.ping_seconds}")
        if self.retry_ms < 0:
            raise UserError(f"retry_ms must be >= 0, got {self.retry_ms}")


class WebError(AgentsError):
    """A request the endpoints refuse; answered as ``{"error": code, "message": ...}``."""

    def __init__(self, status_code: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status_code = status_code
        self.code = code
        self.message = message


async def read_json(request: Request, limits: WebLimits, example: str) -> object:
    """The JSON body of a request, within ``limits.max_body_bytes``.

    Raises:
        WebError: 415 not JSON, 413 too large, 400 malformed JSON.
    """
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type != "application/json":
        raise WebError(
            415,
            "unsupported_media_type",
            f"send the body as JSON with the header Content-Type: application/json, e.g. {example}",
        )
    too_large = WebError(
        413,
        "body_too_large",
        f"the request body is larger than {limits.max_body_bytes} bytes",
    )
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limits.max_body_bytes:
        raise too_large
    body = bytearray()
    async for chunk in request.stream():
        body += chunk
        if len(body) > limits.max_body_bytes:
            raise too_large
    return parse_json(bytes(body), example)


async def read_input(request: Request, limits: WebLimits) -> str:
    """The ``input`` string of a ``POST /runs`` body ``{"input": "..."}``.

    Raises:
        WebError: 415 not JSON, 413 too large, 400 malformed JSON, 422 no usable input.
    """
    data = await read_json(request, limits, '{"input": "Hello"}')
    if not isinstance(data, dict):
        raise WebError(
            422,
            "invalid_body",
            f'the body must be a JSON object like {{"input": "Hello"}}, got {_json_kind(data)}',
        )
    if "input" not in data:
        raise WebError(
            422, "missing_input", 'the body has no "input" field; send {"input": "your prompt"}'
        )
    value = data["input"]
    if not isinstance(value, str):
        raise WebError(422, "invalid_input", f'"input" must be a string, got {_json_kind(value)}')
    if not value.strip():
        raise WebError(422, "empty_input", '"input" is empty; send some text to the agent')
    refuse_lone_surrogates(value, '"input"')
    if len(value) > limits.max_input_chars:
        raise WebError(
            413,
            "input_too_large",
            f'"input" has {len(value)} characters; the limit is {limits.max_input_chars}',
        )
    return value


def parse_json(body: bytes, example: str = '{"input": "Hello"}') -> Any:
    """The JSON value of a request body.

    Raises:
        WebError: 400 when it is not UTF-8, not JSON, or nested too deeply to read
            (Python's parser recurses: a body of 100,000 ``[`` would exhaust the stack);
            422 when a string in it holds a lone surrogate (``"\\ud83d"``), which is
            valid JSON but not text: no event carrying it could be sent on.
    """
    try:
        data = json.loads(body.decode("utf-8"))
        # Lone surrogates only enter through \u escapes; re-encoding finds them.
        if b"\\u" in body:
            json.dumps(data, ensure_ascii=False).encode("utf-8")
        return data
    except UnicodeEncodeError as exc:
        raise WebError(
            422,
            "invalid_text",
            f"the body contains a lone surrogate ({exc.object[exc.start : exc.end]!a}), "
            "which is not text; send valid Unicode",
        ) from None
    except UnicodeDecodeError as exc:
        raise WebError(400, "invalid_json", f"the body is not UTF-8 text: {exc}") from None
    except json.JSONDecodeError as exc:
        raise WebError(
            400,
            "invalid_json",
            f"the body is not valid JSON ({exc.msg} at line {exc.lineno} column {exc.colno}); "
            f"send e.g. {example}",
        ) from None
    except RecursionError:
        raise WebError(
            400, "too_deep", "the JSON body is nested too deeply; send a flat object"
        ) from None


def refuse_lone_surrogates(text: str, what: str) -> None:
    """Refuse text that cannot be encoded as UTF-8 (a lone surrogate such as ``\\ud83d``).

    Such a string is valid JSON but no event carrying it could be sent on.

    Raises:
        WebError: 422.
    """
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        raise WebError(
            422,
            "invalid_text",
            f"{what} contains a lone surrogate ({text[exc.start : exc.end]!a} at position "
            f"{exc.start}), which is not text; send valid Unicode",
        ) from None


def parse_after(last_event_id: str | None, after: str | None) -> int | None:
    """The sequence number to resume after: the ``Last-Event-ID`` header or ``?after=``.

    Raises:
        WebError: 400 when the value is not a whole number >= -1.
    """
    raw = last_event_id if last_event_id not in (None, "") else after
    if raw is None or raw == "":
        return None
    try:
        value = int(raw.strip())
    except ValueError:
        value = -2
    if value < -1:
        raise WebError(
            400,
            "invalid_last_event_id",
            f"Last-Event-ID / after must be the sequence number of an event received, "
            f"got {raw[:40]!r}",
        )
    return value


def _json_kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"
