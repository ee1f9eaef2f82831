"""OpenAIResponsesModel: the OpenAI Responses API, events passed through unchanged."""

from __future__ import annotations

import json
import re
import typing
from collections.abc import AsyncGenerator, AsyncIterator
from contextlib import aclosing
from functools import cache
from typing import Any

from openai.types.responses import ResponseStreamEvent, ResponseTextDeltaEvent
from pydantic import BaseModel, ValidationError
from pydantic_core import from_json

from rxagents._unvalidated import new_model, set_dict, set_extra, set_fields_set, set_private
from rxagents.errors import ModelBehaviorError, ModelConnectionError
from rxagents.models._http import OpenAIModelBase
from rxagents.models._reading import read_payloads
from rxagents.models._requests import responses_params
from rxagents.models._secrets import Secrets
from rxagents.models._sse import quote
from rxagents.models.base import ModelRequest
from rxagents.models.openai_chat import malformed

__all__ = ["OpenAIResponsesModel", "event_classes", "parse_event", "text_delta"]

_TERMINAL = frozenset({"response.completed", "response.incomplete", "response.failed", "error"})


_TYPE_FIRST = re.compile(r'\{\s*"type"\s*:\s*"([^"]+)"')


@cache
def event_classes() -> dict[str, type[BaseModel]]:
    """Every Responses stream event class this openai release knows, by its ``type``."""
    members = typing.get_args(typing.get_args(ResponseStreamEvent)[0])
    classes: dict[str, type[BaseModel]] = {}
    for cls in members:
        for literal in typing.get_args(cls.model_fields["type"].annotation):
            classes[literal] = cls
    return classes


def parse_event(data: str, secrets: Secrets | None) -> ResponseStreamEvent | None:
    """Validate one streamed event as its openai type; ``None`` for a type unknown here.

    The type is read first and only its class validates the payload (~2 µs);
    ``TypeAdapter(ResponseStreamEvent)`` would try the union's members one after
    another (~100 µs), and a tagged-union adapter takes a second to build.

    Raises:
        ModelBehaviorError: the payload is not JSON or not the shape its type requires.
    """
    match = _TYPE_FIRST.match(data)
    if match is not None:
        kind: Any = match.group(1)
        if kind == "response.output_text.delta":
            fast = text_delta(data)
            if fast is not None:
                return fast
    else:
        try:
            parsed = json.loads(data)
        except ValueError:
            parsed = None
        kind = parsed.get("type") if isinstance(parsed, dict) else None
        if not isinstance(kind, str):
            raise ModelBehaviorError(
                "the model server sent a stream event without a type: "
                + quote((secrets or Secrets(None)).scrub(data))
            )
    cls = event_classes().get(kind)
    if cls is None:
        return None
    try:
        event: Any = cls.model_validate_json(data)
    except ValidationError as exc:
        event = _with_usage_defaults(cls, data)
        if event is None:
            raise malformed(data, exc, "stream event", secrets) from None
    return typing.cast(ResponseStreamEvent, event)


_FIELDS = frozenset(ResponseTextDeltaEvent.model_fields)
_FIELD_COUNT = len(_FIELDS)
# The fields text_delta() builds; another openai release may change the type,
# and then every delta is validated.
_KNOWN_SHAPE = {
    "content_index",
    "delta",
    "item_id",
    "logprobs",
    "output_index",
    "sequence_number",
    "type",
} == _FIELDS


def text_delta(data: str) -> ResponseTextDeltaEvent | None:
    """A ``response.output_text.delta`` built from its JSON without validation, or ``None``.

    Nearly every event of a streamed answer is one. Measured in isolation it
    costs about what ``model_validate_json`` does (2.1-2.6 vs 2.2-2.4 µs, issue
    21's notes): keep it only if a quiet A/B shows a gain. Only a payload
    full validation would accept as it is qualifies: every field present
    with its exact JSON type, ``logprobs`` empty. Anything else (a bool or
    float for an int, logprobs, a missing field, not JSON) returns ``None``,
    and :func:`parse_event` validates it. Extra keys (OpenAI's
    ``obfuscation``) are kept as validation keeps them.
    """
    if not _KNOWN_SHAPE:
        return None
    try:
        parsed = from_json(data)
    except ValueError:
        return None
    if type(parsed) is not dict:
        return None
    get = parsed.get
    delta, item_id = get("delta"), get("item_id")
    content_index, output_index = get("content_index"), get("output_index")
    sequence_number = get("sequence_number")
    if (
        get("type") != "response.output_text.delta"
        or type(delta) is not str
        or type(item_id) is not str
        or type(content_index) is not int
        or type(output_index) is not int
        or type(sequence_number) is not int
        or get("logprobs") != []  # JSON arrays are lists: this is "an empty list"
    ):
        return None
    event = new_model(ResponseTextDeltaEvent)
    set_dict(
        event,
        {  # the fields' order, as validation makes it
            "content_index": content_index,
            "delta": delta,
            "item_id": item_id,
            "logprobs": parsed["logprobs"],
            "output_index": output_index,
            "sequence_number": sequence_number,
            "type": "response.output_text.delta",
        },
    )
    # Validation counts extra keys as set too, and keeps them in the order given.
    set_fields_set(event, set(parsed))
    if len(parsed) == _FIELD_COUNT:
        set_extra(event, {})
    else:
        set_extra(event, {key: value for key, value in parsed.items() if key not in _FIELDS})
    set_private(event, None)
    return event


_USAGE_DETAIL_DEFAULTS = {
    "input_tokens_details": {"cached_tokens": 0, "cache_write_tokens": 0},
    "output_tokens_details": {"reasoning_tokens": 0},
}


def _with_usage_defaults(cls: type[BaseModel], data: str) -> Any:
    """Retry an event whose usage lacks detail counters newer openai types require.

    Servers that speak the Responses API (and older OpenAI deployments) may omit
    e.g. ``cache_write_tokens``; zero is the truthful default for a missing counter.
    Returns ``None`` when the event still does not validate.
    """
    try:
        payload = json.loads(data)
        usage = payload["response"]["usage"]
    except (ValueError, KeyError, TypeError):
        return None
    if not isinstance(usage, dict):
        return None
    for key, defaults in _USAGE_DETAIL_DEFAULTS.items():
        details = usage.get(key)
        usage[key] = {**defaults, **details} if isinstance(details, dict) else dict(defaults)
    try:
        return cls.model_validate(payload)
    except ValidationError:
        return None


class OpenAIResponsesModel(OpenAIModelBase):
    """A model behind the OpenAI Responses API (``/v1/responses``).

    Events are read from the openai client's raw streaming response, validated
    as ``ResponseStreamEvent`` and passed through unchanged. Event types this
    openai release does not know yet are skipped.

    Args:
        model: the model name, e.g. ``"gpt-4.1-mini"``.
        client: an ``openai.AsyncOpenAI``; default: one per event loop, configured
            from ``OPENAI_API_KEY`` and ``OPENAI_BASE_URL`` like the openai client.
        limits: timeouts and the event size cap (:class:`~rxagents.models.StreamLimits`);
            unset fields keep the defaults. They replace the client's own timeout.

    Events that carry the client's API key or URL password (a server echoing
    them in an ``error`` or ``response.failed`` message) have it masked.
    """

    def stream(self, request: ModelRequest) -> AsyncIterator[ResponseStreamEvent]:
        """Send ``request``; iterate to receive its events."""
        return self._stream(request)

    async def _stream(self, request: ModelRequest) -> AsyncGenerator[ResponseStreamEvent, None]:
        client = self._get_client()
        guard = self._guard(client, request)
        secrets = guard.secrets
        params = responses_params(self.model, request)
        terminal = False
        failure: Exception | None = None
        try:
            create = client.responses.with_streaming_response.create
            reads = read_payloads(guard, create, params, lambda: terminal)
            async with aclosing(reads):
                async for payloads in reads:
                    for data in payloads:
                        if data == "[DONE]":
                            continue
                        if secrets.appear_in(data):  # a server echoing the key back
                            data = secrets.scrub(data)
                        event = parse_event(data, secrets)
                        if event is None:
                            continue
                        if event.type in _TERMINAL:
                            terminal = True
                        yield event
            if not terminal:
                raise ModelConnectionError(
                    f"the model server at {guard.base_url} closed the Responses stream "
                    "before response.completed"
                )
        except Exception as exc:
            failure = guard.translate(exc)
        if failure is not None:
            # Raised here, outside the handler, so nothing chains the original
            # exception (httpx and openai errors hold the request and its key).
            raise failure
