"""OpenAIResponsesModel: the OpenAI Responses API, events passed through unchanged."""

from __future__ import annotations

import typing
from collections.abc import AsyncIterator
from contextlib import aclosing
from functools import cache
from typing import Annotated, Any, Union

from openai.types.responses import ResponseStreamEvent
from pydantic import Field, TypeAdapter, ValidationError

from rxagents.errors import ModelConnectionError
from rxagents.models._http import ErrorMapper, OpenAIModelBase, sse_payloads
from rxagents.models.base import ModelRequest
from rxagents.models.openai_chat import malformed
from rxagents.models.requests import responses_params

__all__ = ["OpenAIResponsesModel", "event_adapter"]

_TERMINAL = frozenset({"response.completed", "response.incomplete", "response.failed", "error"})


@cache
def event_adapter() -> TypeAdapter[ResponseStreamEvent]:
    """A validator for Responses stream events, discriminated on ``type``.

    ``TypeAdapter(ResponseStreamEvent)`` tries every member of the union in turn
    (~100 µs an event); tagging the union on ``type`` makes it one lookup (~2 µs).
    """
    members = typing.get_args(typing.get_args(ResponseStreamEvent)[0])
    tagged: Any = Annotated[Union[members], Field(discriminator="type")]  # noqa: UP007
    adapter: TypeAdapter[ResponseStreamEvent] = TypeAdapter(tagged)
    return adapter


class OpenAIResponsesModel(OpenAIModelBase):
    """A model behind the OpenAI Responses API (``/v1/responses``).

    Events are read from the openai client's raw streaming response, validated
    as ``ResponseStreamEvent`` and passed through unchanged. Event types this
    openai release does not know yet are skipped.

    Args:
        model: the model name, e.g. ``"gpt-4.1-mini"``.
        client: an ``openai.AsyncOpenAI``; default: one per event loop, configured
            from ``OPENAI_API_KEY`` and ``OPENAI_BASE_URL`` like the openai client.
    """

    def stream(self, request: ModelRequest) -> AsyncIterator[ResponseStreamEvent]:
        """Send ``request``; iterate to receive its events."""
        return self._stream(request)

    async def _stream(self, request: ModelRequest) -> AsyncIterator[ResponseStreamEvent]:
        client = self._get_client()
        params = responses_params(self.model, request)
        validate = event_adapter().validate_json
        terminal = False
        with ErrorMapper(client) as errors:
            create = client.responses.with_streaming_response.create
            async with create(**params) as response, aclosing(sse_payloads(response)) as reads:
                async for payloads in reads:
                    for data in payloads:
                        if data == "[DONE]":
                            continue
                        try:
                            event = validate(data)
                        except ValidationError as exc:
                            if exc.errors()[0]["type"] == "union_tag_invalid":
                                continue
                            raise malformed(data, exc, "stream event", errors.api_key) from None
                        if event.type in _TERMINAL:
                            terminal = True
                        yield event
        if not terminal:
            raise ModelConnectionError(
                "the model server closed the Responses stream before response.completed"
            )
