"""The AI SDK UI message stream: chunk sequences, their grammar on any script, the wire."""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
import reactivex
from hypothesis import given, settings
from reactivex import operators as ops

from rxagents import Agent, Runner, function_tool
from rxagents.errors import RunCancelled
from rxagents.events import StreamEvent
from rxagents.sinks.ai_sdk import (
    data_part,
    encode_chunk,
    ui_message_chunks,
    ui_message_stream,
    ui_message_stream_response,
)
from rxagents.testing import ScriptedModel, StreamBuilder, collect, text, tool_call
from rxagents.testing.script import Script
from rxagents.testing.strategies import scripts
from tests.sinks.ui_grammar import ui_stream_violations


@function_tool
def lookup(q: str) -> str:
    """Look something up."""
    return f"found: {q}"


def tool_agent() -> Agent[Any]:
    model = ScriptedModel(
        [[text("Hi", chunk_size=1), tool_call("lookup", {"q": "x"}, chunk_size=4)], [text("ok")]]
    )
    return Agent(name="bot", model=model, tools=[lookup])


async def chunks_of(events: Any, **kwargs: Any) -> list[dict[str, Any]]:
    return list(await collect(events.pipe(ui_message_chunks(**kwargs))))


async def test_a_tool_run_maps_chunk_by_chunk() -> None:
    chunks = await chunks_of(Runner.run_streamed(tool_agent(), "go"))
    kinds = [c["type"] for c in chunks]
    assert kinds == [
        "start", "data-agent", "start-step",
        "text-start", "text-delta", "text-delta", "text-end",
        "tool-input-start", "tool-input-delta", "tool-input-delta", "tool-input-delta",
        "tool-input-available", "tool-output-available", "finish-step",
        "start-step", "text-start", "text-delta", "text-end", "finish-step", "finish",
    ]  # fmt: skip
    run_id = chunks[0]["messageMetadata"]["runId"]
    assert chunks[0] == {"type": "start", "messageId": f"msg_{run_id}",
                         "messageMetadata": {"runId": run_id}}  # fmt: skip
    call = chunks[7]["toolCallId"]
    assert "".join(c["inputTextDelta"] for c in chunks if c["type"] == "tool-input-delta") == (
        '{"q": "x"}'
    )
    assert chunks[11] == {"type": "tool-input-available", "toolCallId": call,
                          "toolName": "lookup", "input": {"q": "x"}}  # fmt: skip
    assert chunks[12] == {"type": "tool-output-available", "toolCallId": call,
                          "output": "found: x"}  # fmt: skip
    assert chunks[-1]["finishReason"] == "stop"
    assert chunks[-1]["messageMetadata"]["usage"]["requests"] == 2
    # two text parts, distinct ids even where a model reuses its item ids
    assert chunks[3]["id"] != chunks[15]["id"]
    assert ui_stream_violations(chunks) == []


async def test_message_id_and_data_hook() -> None:
    def usage_parts(event: StreamEvent) -> list[dict[str, Any]]:
        if event.type == "run_completed_stream_event":
            return [data_part("usage", event.result.usage, id="u")]
        return []

    chunks = await chunks_of(
        Runner.run_streamed(tool_agent(), "go"), message_id="m1", data=usage_parts
    )
    assert chunks[0]["messageId"] == "m1"
    usage = [c for c in chunks if c["type"] == "data-usage"]
    assert usage == [{"type": "data-usage", "id": "u", "data": {
        "requests": 2, "input_tokens": usage[0]["data"]["input_tokens"],
        "output_tokens": usage[0]["data"]["output_tokens"],
        "total_tokens": usage[0]["data"]["total_tokens"]}}]  # fmt: skip
    assert chunks[-1]["type"] == "finish"


def partial_run(error: Exception) -> Any:
    """A run that streamed half a message, then failed with ``error``."""
    b = StreamBuilder(agent="bot")
    events = [b.agent_updated(), b.response_created(), *b.message("part", chunks=["pa", "rt"])]
    # cut the message short: drop its done events and its item
    cut = [
        e for e in events
        if e.type != "run_item_stream_event" and not getattr(e, "data", e).type.endswith("done")
    ]  # fmt: skip
    return reactivex.from_iterable(cut).pipe(ops.concat(reactivex.throw(error)))


async def test_failure_and_cancellation_end_in_band() -> None:
    failed = await chunks_of(partial_run(RuntimeError("boom")))
    assert [c["type"] for c in failed[-4:]] == ["text-end", "finish-step", "error", "finish"]
    assert failed[-2]["errorText"] == "RuntimeError: boom"
    assert failed[-1]["finishReason"] == "error"
    cancelled = await chunks_of(partial_run(RunCancelled("stop")))
    assert cancelled[-1] == {"type": "abort", "reason": "stop"}
    for chunks in (failed, cancelled):
        assert ui_stream_violations(chunks) == []


@settings(max_examples=40, deadline=None)
@given(script=scripts())
async def test_every_scripted_run_is_a_valid_stream(script: Script) -> None:
    chunks = await chunks_of(script.run_streamed("hi"))
    assert ui_stream_violations(chunks) == []
    if script.error is not None:
        assert [c["type"] for c in chunks[-2:]] == ["error", "finish"]
        assert script.error.__name__ in chunks[-2]["errorText"]
    else:
        assert chunks[-1]["type"] == "finish"
        assert chunks[-1]["finishReason"] == "stop"
        handoffs = [c for c in chunks if c["type"] == "data-handoff"]
        agents = [c["data"]["name"] for c in chunks if c["type"] == "data-agent"]
        assert len(agents) == len(handoffs) + 1
        assert agents[-1] == script.last_agent


async def test_encoding_keeps_each_chunk_on_one_line() -> None:
    nasty = 'a\n\nb\r\nc\rdata: x "q" \\ \u2028 caf\u00e9'
    line = encode_chunk({"type": "text-delta", "id": "t", "delta": nasty})
    assert line.endswith("\n\n") and line.count("\n") == 2 and "\r" not in line
    assert json.loads(line.removeprefix("data: "))["delta"] == nasty
    model = ScriptedModel([[text(nasty, chunk_size=3)]])
    pieces = [
        p async for p in ui_message_stream(Runner.run_streamed(Agent(name="a", model=model), "x"))
    ]
    assert pieces[-1] == "data: [DONE]\n\n"
    deltas = [json.loads(p[6:]) for p in pieces[:-1]]
    assert "".join(d["delta"] for d in deltas if d["type"] == "text-delta") == nasty


async def test_response_headers_and_body_over_http() -> None:
    from starlette.applications import Starlette
    from starlette.routing import Route

    async def chat(_request: Any) -> Any:
        return ui_message_stream_response(Runner.run_streamed(tool_agent(), "go"))

    app = Starlette(routes=[Route("/api/chat", chat, methods=["POST"])])
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as client:
        response = await client.post("/api/chat", json={})
    assert response.headers["x-vercel-ai-ui-message-stream"] == "v1"
    assert response.headers["content-type"].startswith("text/event-stream")
    messages = response.text.split("\n\n")
    assert messages[-2:] == ["data: [DONE]", ""]
    assert json.loads(messages[0][6:])["type"] == "start"


def test_data_part_shape() -> None:
    assert data_part("x", {"a": 1}) == {"type": "data-x", "data": {"a": 1}}
    assert data_part("x", 1, id="i", transient=True) == {
        "type": "data-x", "data": 1, "id": "i", "transient": True
    }  # fmt: skip


@pytest.mark.parametrize("bad", [None, [], {"messages": "no"}])
def test_chat_request_refusals(bad: Any) -> None:
    from rxagents.sinks.chat_request import ChatRequestError, parse_chat_request

    with pytest.raises(ChatRequestError):
        parse_chat_request(bad)
