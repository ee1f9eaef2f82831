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
from rxagents.models._http import OpenAIModelBase
from rxagents.models._reading import read_payloads
from rxagents.models._requests import chat_params
from rxagents.models._secrets import Secrets
from rxagents.models._sse import quote
from rxagents.models.base import ModelRequest

__all__ = ["OpenAIChatCompletionsModel", "malformed", "not_json"]


def _scrub(text: str, secrets: Secrets | None) -> str:
    return secrets.scrub(text) if secrets is not None else Secrets(None).scrub(text)


def not_json(data: str, what: str, secrets: Secrets | None) -> ModelBehaviorError:
    """The error for a streamed payload that is not JSON."""
    shown = quote(_scrub(data, secrets))
    return ModelBehaviorError(f"the model server sent a {what} that is not JSON: {shown}")


def malformed(
    data: str, exc: ValidationError, what: str, secrets: Secrets | None
) -> ModelBehaviorError:
    """The error for a streamed payload that is not valid JSON or not the expected shape."""
    shown = quote(_scrub(data, secrets))
    try:
        parsed = json.loads(data)
    except ValueError:
        return not_json(data, what, secrets)
    if isinstance(parsed, dict) and "error" in parsed:
        error = parsed["error"]
        detail = error.get("message", error) if isinstance(error, dict) else error
        return ModelBehaviorError(
            "the model server reported an error mid-stream: " + _scrub(str(detail), secrets)[:300]
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
        client: an ``openai.AsyncOpenAI`` (base URL, key, retries); default: one
            per event loop, configured from ``OPENAI_API_KEY`` and
            ``OPENAI_BASE_URL`` like the openai client.
        limits: timeouts and the event size cap (:class:`~rxagents.models.StreamLimits`);
            unset fields keep the defaults. They replace the client's own timeout.

    Example:
        >>> client = openai.AsyncOpenAI(base_url="http://localhost:11434/v1", api_key="ollama")
        >>> agent = Agent("a", model=OpenAIChatCompletionsModel("llama3.2", client))
    """

    def stream(self, request: ModelRequest) -> AsyncIterator[ResponseStreamEvent]:
        """Send ``request``; iterate to receive its events."""
        return self._stream(request)

    async def _stream(self, request: ModelRequest) -> AsyncGenerator[ResponseStreamEvent, None]:
        client = self._get_client()
        guard = self._guard(client, request)
        secrets = guard.secrets
        params = chat_params(self.model, request)
        parallel = request.settings.parallel_tool_calls
        converter = ChatToResponses(
            self.model, parallel_tool_calls=True if parallel is None else parallel
        )
        feed = converter.feed_payload
        saw_done = False
        failure: Exception | None = None
        try:
            create = client.chat.completions.with_streaming_response.create
            reads = read_payloads(guard, create, params, lambda: saw_done)
            async with aclosing(reads):
                async for payloads in reads:
                    for data in payloads:
                        if data == "[DONE]":
                            saw_done = True
                            break
                        if secrets.appear_in(data):  # a server echoing the key back
                            data = secrets.scrub(data)
                        try:
                            events = feed(data)
                        except ValidationError as exc:
                            raise malformed(data, exc, "chunk", secrets) from None
                        except ValueError:
                            raise not_json(data, "chunk", secrets) from None
                        for event in events:
                            yield event
                    if saw_done:
                        break
            for event in converter.finish(saw_done=saw_done):
                yield event
        except Exception as exc:
            failure = guard.translate(exc)
        if failure is not None:
            # Raised here, outside the handler, so nothing chains the original
            # exception (httpx and openai errors hold the request and its key).
            raise failure
