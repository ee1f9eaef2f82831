"""Every transport fault is a retryable ModelConnectionError, never a raw httpx error."""

from __future__ import annotations

import gzip
from collections.abc import Callable
from typing import Any

import pytest

from rxagents import Runner
from rxagents.errors import ModelBehaviorError, ModelConnectionError
from tests.reliability.conftest import agent_for, model_for
from tests.reliability.hostile import HostileServer, Plan, Seen
from tests.reliability.streams import body, events

APIS = ["chat", "responses"]
Start = Callable[[Callable[[Seen], Plan]], HostileServer]


async def _fails_with_connection_error(api: str, server: HostileServer) -> ModelConnectionError:
    with pytest.raises(ModelConnectionError) as caught:
        await Runner.run(agent_for(model_for(api, server)), "hi")
    error = caught.value
    assert not isinstance(error, ModelBehaviorError)
    assert error.__cause__ is None and error.__context__ is None
    return error


@pytest.mark.parametrize("api", APIS)
async def test_a_body_that_will_not_decompress(api: str, hostile: Start) -> None:
    headers = {"content-type": "text/event-stream", "content-encoding": "gzip"}
    server = hostile(lambda _: Plan(headers=headers, chunks=[b"this is not gzip at all\n\n"]))
    error = await _fails_with_connection_error(api, server)
    assert "DecodingError" in str(error)


@pytest.mark.parametrize("api", APIS)
@pytest.mark.parametrize("keep", [0.3, 0.6, 0.9])
async def test_a_truncated_gzip_body(api: str, keep: float, hostile: Start) -> None:
    packed = gzip.compress(body(api, "a longer answer to cut somewhere", 3))
    headers = {"content-type": "text/event-stream", "content-encoding": "gzip"}
    cut = packed[: int(len(packed) * keep)]
    server = hostile(lambda _: Plan(headers=headers, chunks=[cut]))
    await _fails_with_connection_error(api, server)


@pytest.mark.parametrize("api", APIS)
@pytest.mark.parametrize("end", ["complete", "drop"])
async def test_a_stream_ending_in_the_middle_of_an_event(
    api: str, end: Any, hostile: Start
) -> None:
    parts = events(api, "cut me off", 2)
    half = parts[3][: len(parts[3]) // 2]
    server = hostile(lambda _: Plan(chunks=[*parts[:3], half], end=end))
    error = await _fails_with_connection_error(api, server)
    assert "middle of an event" in str(error) or "dropped" in str(error) or "failed" in str(error)


@pytest.mark.parametrize("api", APIS)
async def test_a_connection_dropped_between_events(api: str, hostile: Start) -> None:
    parts = events(api, "dropped", 2)
    server = hostile(lambda _: Plan(chunks=parts[:4], end="drop"))
    await _fails_with_connection_error(api, server)


@pytest.mark.parametrize("api", APIS)
async def test_a_stream_that_ends_cleanly_before_the_response_did(api: str, hostile: Start) -> None:
    parts = events(api, "short", 2)
    server = hostile(lambda _: Plan(chunks=parts[:4]))
    await _fails_with_connection_error(api, server)


@pytest.mark.parametrize("api", APIS)
async def test_an_intact_gzip_body_streams_normally(api: str, hostile: Start) -> None:
    headers = {"content-type": "text/event-stream", "content-encoding": "gzip"}
    packed = gzip.compress(body(api, "compressed fine", 3))
    server = hostile(lambda _: Plan(headers=headers, chunks=[packed[:10], packed[10:]]))
    result = await Runner.run(agent_for(model_for(api, server)), "hi")
    assert result.final_output == "compressed fine"


async def test_a_server_that_refuses_connections(hostile: Start) -> None:
    server = hostile(lambda _: Plan())
    model = model_for("chat", server, base_url="http://127.0.0.1:9/v1")
    with pytest.raises(ModelConnectionError, match="could not reach") as caught:
        await Runner.run(agent_for(model), "hi")
    assert caught.value.__context__ is None


@pytest.mark.parametrize("media_type", ["application/json", "text/html"])
async def test_a_body_that_is_not_an_event_stream(media_type: str, hostile: Start) -> None:
    page = b"<html>sign in</html>" if media_type == "text/html" else b'{"ok": true}'
    server = hostile(lambda _: Plan(headers={"content-type": media_type}, chunks=[page]))
    with pytest.raises(ModelBehaviorError, match="not a server-sent event stream"):
        await Runner.run(agent_for(model_for("chat", server)), "hi")
