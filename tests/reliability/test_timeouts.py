"""Stalls end in a typed timeout naming the setting; the defaults are ones a person can wait for."""

from __future__ import annotations

import asyncio
import contextlib
import math
import socket
from collections.abc import Callable, Iterator

import pytest

from rxagents import Runner
from rxagents.errors import ModelConnectionError, ModelTimeoutError, UserError
from rxagents.models import DEFAULT_STREAM_LIMITS, StreamLimits
from rxagents.models.base import ModelRequest
from tests.reliability.conftest import agent_for, model_for
from tests.reliability.hostile import HostileServer, Plan, Seen
from tests.reliability.streams import events

APIS = ["chat", "responses"]
Start = Callable[[Callable[[Seen], Plan]], HostileServer]
FAST = StreamLimits(connect=0.5, first_event=0.4, idle=0.4)


async def _timeout(api: str, server: HostileServer, limits: StreamLimits) -> ModelTimeoutError:
    with pytest.raises(ModelTimeoutError) as caught:
        await Runner.run(agent_for(model_for(api, server, limits=limits)), "hi")
    error = caught.value
    assert isinstance(error, ModelConnectionError)  # retryable, like every transport fault
    assert error.__context__ is None
    assert f"StreamLimits({error.setting}=" in str(error)
    return error


def test_the_defaults() -> None:
    assert (
        StreamLimits(connect=10.0, first_event=120.0, idle=120.0, max_event_chars=16 * 1024 * 1024)
        == DEFAULT_STREAM_LIMITS
    )


@pytest.mark.parametrize("api", APIS)
async def test_a_server_that_never_answers(api: str, hostile: Start) -> None:
    server = hostile(lambda _: Plan(before=30.0))
    error = await _timeout(api, server, FAST)
    assert (error.setting, error.seconds) == ("first_event", 0.4)
    assert await server.wait_until_async(lambda s: s.disconnects == 1)  # the client hung up


async def test_the_first_event_timeout_covers_the_clients_retries(hostile: Start) -> None:
    server = hostile(lambda _: Plan(status=503, before=0.15, chunks=[b"{}"], chunked=False))
    model = model_for("chat", server, limits=FAST, retries=5)
    with pytest.raises(ModelTimeoutError) as caught:
        await Runner.run(agent_for(model), "hi")
    assert caught.value.setting == "first_event"


@pytest.mark.parametrize("api", APIS)
async def test_keep_alive_comments_alone_do_not_keep_a_stream_alive(
    api: str, hostile: Start
) -> None:
    parts = events(api, "never finished", 2)
    pings: list[bytes | float] = [b": ping\n\n", 0.05] * 200
    server = hostile(lambda _: Plan(chunks=[*parts[:3], *pings]))
    error = await _timeout(api, server, FAST)
    assert error.setting == "idle"
    assert "mid-stream" in str(error)


@pytest.mark.parametrize("api", APIS)
async def test_only_comments_before_the_first_event(api: str, hostile: Start) -> None:
    server = hostile(lambda _: Plan(chunks=[b": ping\n\n", 0.05] * 200))
    error = await _timeout(api, server, FAST)
    assert error.setting == "first_event"


@pytest.mark.parametrize("api", APIS)
async def test_a_slow_consumer_is_not_an_idle_server(api: str, hostile: Start) -> None:
    parts = events(api, "take your time", 2)
    server = hostile(lambda _: Plan(chunks=list(parts)))
    model = model_for(api, server, limits=StreamLimits(idle=0.2))
    text = []
    async for event in Runner.run_streamed(agent_for(model), "hi").stream_events():
        if event.type == "raw_response_event" and event.data.type.endswith("text.delta"):
            text.append(event.data.delta)  # type: ignore[union-attr]
            if len(text) == 1:
                await asyncio.sleep(0.5)  # longer than idle: the consumer's time, not the server's
    assert "".join(text) == "take your time"


async def test_the_requests_limits_win_over_the_models(hostile: Start) -> None:
    server = hostile(lambda _: Plan(before=30.0))
    model = model_for("chat", server, limits=StreamLimits(first_event=60.0))
    request = ModelRequest(
        instructions=None,
        input=[{"role": "user", "content": "hi"}],
        limits=StreamLimits(first_event=0.3),
    )
    with pytest.raises(ModelTimeoutError) as caught:
        async for _ in model.stream(request):
            pass
    assert (caught.value.setting, caught.value.seconds) == ("first_event", 0.3)


@pytest.fixture
def unaccepting_port() -> Iterator[int]:
    """A port whose listen backlog is full, so a new connection attempt hangs."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(0)
    port = listener.getsockname()[1]
    fillers = []
    for _ in range(8):
        filler = socket.socket()
        filler.setblocking(False)
        with contextlib.suppress(BlockingIOError):
            filler.connect(("127.0.0.1", port))
        fillers.append(filler)
    yield port
    for filler in fillers:
        filler.close()
    listener.close()


async def test_a_connect_that_hangs(unaccepting_port: int, hostile: Start) -> None:
    server = hostile(lambda _: Plan())
    limits = StreamLimits(connect=0.2, first_event=math.inf)
    model = model_for(
        "chat", server, limits=limits, base_url=f"http://127.0.0.1:{unaccepting_port}/v1"
    )
    with pytest.raises(ModelTimeoutError) as caught:
        await Runner.run(agent_for(model), "hi")
    assert caught.value.setting == "connect"
    assert "StreamLimits(connect=" in str(caught.value)


@pytest.mark.parametrize(
    "bad", [{"connect": 0}, {"idle": -1.0}, {"first_event": "10"}, {"max_event_chars": 10}]
)
def test_bad_limits_are_refused(bad: dict[str, object]) -> None:
    with pytest.raises(UserError, match="StreamLimits"):
        StreamLimits(**bad)  # type: ignore[arg-type]


async def test_a_runs_limits_win_over_the_models(hostile: Start) -> None:
    server = hostile(lambda _: Plan(before=30.0))
    model = model_for("responses", server, limits=StreamLimits(first_event=60.0))
    with pytest.raises(ModelTimeoutError) as caught:
        await Runner.run(agent_for(model), "hi", limits=StreamLimits(first_event=0.3))
    assert (caught.value.setting, caught.value.seconds) == ("first_event", 0.3)
    stream = Runner.run_streamed(agent_for(model), "hi", limits=StreamLimits(first_event=0.3))
    with pytest.raises(ModelTimeoutError):
        async for _ in stream:
            pass
