"""OpenAIChatCompletionsModel: any Chat Completions server, as Responses events.

vLLM, Ollama, llama.cpp, LM Studio and OpenAI itself all stream Chat
Completions; this model converts their chunks into the same Responses event
sequence every other rxagents model emits.
"""

from __future__ import annotations

import json
from collections.abc import AsyncGenerator, AsyncIterator
from contextlib import aclosing

from openai.types.responses import ResponseStreamEvent
from pydantic import ValidationError

from rxagents.errors import ModelBehaviorError
from rxagents.models._chat_events import ChatToResponses
from rxagents.models._http import ErrorMapper, OpenAIModelBase, redact, sse_payloads
from rxagents.models._requests import chat_params
from rxagents.models._sse import quote
from rxagents.models.base import ModelRequest

__all__ = ["OpenAIChatCompletionsModel", "malformed", "not_json"]


def not_json(data: str, what: str, api_key: str | None) -> ModelBehaviorError:
    """The error for a streamed payload that is not JSON."""
    shown = quote(redact(data, api_key))
    return ModelBehaviorError(f"the model server sent a {what} that is not JSON: {shown}")


def malformed(
    data: str, exc: ValidationError, what: str, api_key: str | None
) -> ModelBehaviorError:
    """The error for a streamed payload that is not valid JSON or not the expected shape."""
    shown = quote(redact(data, api_key))
    try:
        parsed = json.loads(data)
    except ValueError:
        return not_json(data, what, api_key)
    if isinstance(parsed, dict) and "error" in parsed:
        error = parsed["error"]
        detail = error.get("message", error) if isinstance(error, dict) else error
        return ModelBehaviorError(
            "the model server reported an error mid-stream: " + redact(str(detail), api_key)[:300]
        )
    problems = "; ".join(
        f"{'.'.join(str(p) for p in e['loc']) or '(root)'}: {e['msg']}" for e in exc.errors()[:3]
    )
    return ModelBehaviorError(
        f"the model server sent a {what} of unexpected shape ({problems}): {shown}"
    )


class OpenAIChatCompletionsModel(OpenAIModelBase):
    """A model behind a Chat Completions endpoint (``/v1/chat/completions``).

    Requests stream with ``stream_options={"include_usage": True}``; chunks are
    read from the openai client's raw streaming response, parsed with
    pydantic-core's JSON parser (jiter) and converted into Responses stream
    events (see :meth:`ChatToResponses.feed_payload`: text-only chunks skip
    ``ChatCompletionChunk`` validation).

    Args:
        model: the model name the server knows.
        client: an ``openai.AsyncOpenAI`` (base URL, key, retries, timeouts);
            default: one per event loop, configured from ``OPENAI_API_KEY`` and
            ``OPENAI_BASE_URL`` like the openai client.

    Example:
        >>> client = openai.AsyncOpenAI(base_url="http://localhost:11434/v1", api_key="ollama")
        >>> agent = Agent("a", model=OpenAIChatCompletionsModel("llama3.2", client))
    """

    def stream(self, request: ModelRequest) -> AsyncIterator[ResponseStreamEvent]:
        """Send ``request``; iterate to receive its events."""
        return self._stream(request)

    async def _stream(self, request: ModelRequest) -> AsyncGenerator[ResponseStreamEvent, None]:
        client = self._get_client()
        params = chat_params(self.model, request)
        parallel = request.settings.parallel_tool_calls
        converter = ChatToResponses(
            self.model, parallel_tool_calls=True if parallel is None else parallel
        )
        feed = converter.feed_payload
        saw_done = False
        with ErrorMapper(client) as errors:
            create = client.chat.completions.with_streaming_response.create
            async with create(**params) as response, aclosing(sse_payloads(response)) as reads:
                async for payloads in reads:
                    for data in payloads:
                        if data == "[DONE]":
                            saw_done = True
                            break
                        try:
                            events = feed(data)
                        except ValidationError as exc:
                            raise malformed(data, exc, "chunk", errors.api_key) from None
                        except ValueError:
                            raise not_json(data, "chunk", errors.api_key) from None
                        for event in events:
                            yield event
                    if saw_done:
                        break
            for event in converter.finish(saw_done=saw_done):
                yield event
