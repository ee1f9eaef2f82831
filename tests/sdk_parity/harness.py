"""Running one scenario on the real OpenAI Agents SDK and on rxagents, over real HTTP.

Both libraries get the same scripted replies from one fake OpenAI server on
127.0.0.1 (its Responses endpoint, or its Chat Completions endpoint), through
their own ``OpenAIResponsesModel`` / ``OpenAIChatCompletionsModel``. What each
run showed is reduced to the same plain shape (:class:`Observed`) so a test can
compare the two with ``==`` after taking out the documented differences.
"""

from __future__ import annotations

import asyncio
import json
import types
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import agents
import openai

import rxagents
from rxagents.events import NestedRunEvent, RunCompletedStreamEvent
from rxagents.testing.openai_server import FakeOpenAIServer, Reply

Api = Literal["responses", "chat"]
Lib = types.ModuleType
"""``agents`` or ``rxagents``: a scenario builds its agents from either, by the same names."""

Replies = Sequence[Reply] | Callable[[Lib], Sequence[Reply]]
"""The server's replies, in order; per library when they must differ (see :func:`json_reply`)."""

MODEL = "gpt-parity"
KEY = "sk-parity-not-a-real-key"

EventKey = tuple[str, ...]
"""One event, as both libraries can show it: ``("raw", type)``, ``("item", name, item
type)`` or ``("agent", name)``."""


@dataclass
class Observed:
    """What one run showed, in plain values."""

    events: list[EventKey] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)
    bodies: list[dict[str, Any]] = field(default_factory=list)
    """The request bodies exactly as sent (``requests`` is them without UNCOMPARED)."""
    final_output: Any = None
    usage: tuple[int, int, int, int] | None = None
    items: list[str] = field(default_factory=list)
    error: BaseException | None = None
    last_agent: str | None = None
    history: list[dict[str, Any]] = field(default_factory=list)
    """``to_input_list()`` of the result (or of the error's run data)."""


def model_for(lib: Lib, api: Api, client: openai.AsyncOpenAI) -> Any:
    """The library's own OpenAI model class for ``api``, on ``client``."""
    if lib is agents:
        if api == "responses":
            return agents.OpenAIResponsesModel(model=MODEL, openai_client=client)
        return agents.OpenAIChatCompletionsModel(model=MODEL, openai_client=client)
    if api == "responses":
        return rxagents.OpenAIResponsesModel(MODEL, client)
    return rxagents.OpenAIChatCompletionsModel(MODEL, client)


def event_key(event: Any) -> EventKey | None:
    """An event of either library as an :data:`EventKey` (``None``: not comparable).

    Tool calls and outputs carry their call id, so their order can be checked.
    """
    if event.type == "raw_response_event":
        return ("raw", event.data.type)
    if event.type == "run_item_stream_event":
        if event.name in ("tool_called", "tool_output"):
            raw = event.item.raw_item
            call_id = raw["call_id"] if isinstance(raw, dict) else raw.call_id
            return ("item", event.name, event.item.type, call_id)
        return ("item", event.name, event.item.type)
    if event.type == "agent_updated_stream_event":
        return ("agent", event.new_agent.name)
    return None


UNCOMPARED = frozenset({"stream", "stream_options"})
"""Request keys that differ by design (README, "Differences"): the SDK runs an agent used
as a tool unstreamed, and asks servers other than OpenAI's for no usage in Chat streams."""


def request_view(body: dict[str, Any]) -> dict[str, Any]:
    """A request body as both libraries must send it: all of it but :data:`UNCOMPARED`."""
    return {k: v for k, v in body.items() if k not in UNCOMPARED}


async def observe(
    lib: Lib,
    build: Callable[[Lib, Any], Any],
    prompt: str,
    server: FakeOpenAIServer,
    replies: Replies,
    api: Api,
    *,
    max_turns: int = 10,
) -> Observed:
    """Run ``build(lib, model)``'s agent on ``prompt`` against ``replies``; what it showed."""
    server.reset()
    server.enqueue(*(replies(lib) if callable(replies) else replies))
    client = openai.AsyncOpenAI(base_url=server.base_url, api_key=KEY, max_retries=0)
    seen = Observed()
    agent = build(lib, model_for(lib, api, client))
    stream = lib.Runner.run_streamed(agent, prompt, max_turns=max_turns)
    result: Any = None
    try:
        async for event in stream.stream_events():
            if isinstance(event, NestedRunEvent):
                continue  # a sub-run's events: the SDK does not stream them
            if isinstance(event, RunCompletedStreamEvent):
                result = event.result
                continue
            key = event_key(event)
            if key is not None:
                seen.events.append(key)
    except Exception as error:
        seen.error = error
        result = getattr(error, "run_data", None)
    if lib is agents and seen.error is None:
        result = stream
    await client.close()
    seen.bodies = [r.body for r in server.snapshot()]
    seen.requests = [request_view(body) for body in seen.bodies]
    if result is not None:
        _read_result(seen, result)
    return seen


def _read_result(seen: Observed, result: Any) -> None:
    seen.final_output = getattr(result, "final_output", None)
    usage = getattr(result, "usage", None)
    if usage is None:
        context = getattr(result, "context_wrapper", None)
        usage = getattr(context, "usage", None)
    if usage is not None:
        seen.usage = (
            usage.requests,
            usage.input_tokens,
            usage.output_tokens,
            usage.total_tokens,
        )
    seen.items = [item.type for item in result.new_items]
    seen.last_agent = result.last_agent.name
    if seen.error is None:  # the SDK's run data has no to_input_list()
        seen.history = [dict(i) for i in result.to_input_list()]


async def both(
    build: Callable[[Lib, Any], Any],
    prompt: str,
    server: FakeOpenAIServer,
    replies: Replies,
    api: Api,
    **options: Any,
) -> tuple[Observed, Observed]:
    """The SDK's run, then rxagents' run, of the same scenario."""
    theirs = await observe(agents, build, prompt, server, replies, api, **options)
    ours = await observe(rxagents, build, prompt, server, replies, api, **options)
    return theirs, ours


class Turnstile:
    """Makes parallel tools finish in a chosen order without sleeping.

    ``await turnstile.wait_turn(name)`` returns once every name before ``name`` in
    ``order`` has called :meth:`done`.
    """

    def __init__(self, order: Sequence[str]) -> None:
        self.order = list(order)
        self.finished: list[str] = []
        self._changed = asyncio.Condition()

    async def wait_turn(self, name: str) -> None:
        index = self.order.index(name)
        async with self._changed:
            await self._changed.wait_for(lambda: self.finished == self.order[:index])

    async def done(self, name: str) -> None:
        async with self._changed:
            self.finished.append(name)
            self._changed.notify_all()


def json_reply(stream_reply_events: list[dict[str, Any]], api: Api) -> Reply:
    """The same answer as a plain JSON body, for the SDK's non-streamed calls.

    The SDK runs an agent used as a tool with ``Runner.run``, which asks for
    ``stream: false``; rxagents streams every call.
    """
    if api == "responses":
        body: dict[str, Any] = stream_reply_events[-1]["response"]
    else:
        chunks = stream_reply_events
        text = "".join(
            c["choices"][0]["delta"].get("content") or "" for c in chunks if c["choices"]
        )
        usage = next(c["usage"] for c in chunks if c.get("usage"))
        body = {
            "id": chunks[0]["id"],
            "object": "chat.completion",
            "created": chunks[0]["created"],
            "model": chunks[0]["model"],
            "choices": [
                {
                    "index": 0,
                    "message": {"role": "assistant", "content": text},
                    "finish_reason": "stop",
                    "logprobs": None,
                }
            ],
            "usage": usage,
        }
    return Reply(pieces=(json.dumps(body).encode(),), content_type="application/json")
