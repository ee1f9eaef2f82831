"""One event's size is capped (typed error); decoding does not depend on how reads split."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from rxagents import Runner
from rxagents.errors import ModelBehaviorError, ModelEventTooLarge
from rxagents.models import StreamLimits
from rxagents.models._sse import SSEDecoder
from tests.reliability.conftest import agent_for, model_for
from tests.reliability.hostile import HostileServer, Plan, Seen
from tests.reliability.streams import events

Start = Callable[[Callable[[Seen], Plan]], HostileServer]


def _decode(reads: list[str], cap: int) -> list[str]:
    decoder = SSEDecoder(cap)
    out: list[str] = []
    for read in reads:
        out += decoder.feed(read)
    return out + decoder.close()


@settings(max_examples=40)
@given(
    st.lists(st.integers(min_value=1, max_value=3000), min_size=1, max_size=6),
    st.integers(min_value=1, max_value=997),
    st.booleans(),
)
@example([1], 1, True)  # "\r" then "\n" in separate reads: the blank line spans four reads
def test_events_under_the_cap_decode_whatever_the_read_size(
    sizes: list[int], read: int, crlf: bool
) -> None:
    newline = "\r\n" if crlf else "\n"
    payloads = [str(i) * size for i, size in enumerate(sizes)]
    body = "".join(f"data: {p}{newline}{newline}" for p in payloads)
    reads = [body[i : i + read] for i in range(0, len(body), read)]
    assert _decode(reads, cap=4096) == payloads


@settings(max_examples=40)
@given(st.integers(min_value=1, max_value=5000), st.integers(min_value=1, max_value=997))
def test_an_event_over_the_cap_raises_however_it_arrives(extra: int, read: int) -> None:
    cap = 2048
    body = "data: " + "x" * (cap + extra) + "\n\n"
    reads = [body[i : i + read] for i in range(0, len(body), read)]
    with pytest.raises(ModelEventTooLarge) as caught:
        _decode(reads, cap)
    assert caught.value.limit == cap
    assert isinstance(caught.value, ModelBehaviorError)
    assert "StreamLimits(max_event_chars=" in str(caught.value)


@pytest.mark.parametrize("api", ["chat", "responses"])
async def test_a_huge_event_from_the_server_is_refused(api: str, hostile: Start) -> None:
    parts = events(api, "before the flood", 4)
    flood: list[bytes | float] = [b"data: {"] + [b"x" * 65536] * 40  # 2.5 MiB, never ends
    server = hostile(lambda _: Plan(chunks=[*parts[:3], *flood]))
    model = model_for(api, server, limits=StreamLimits(max_event_chars=1024 * 1024))
    with pytest.raises(ModelEventTooLarge, match="more than 1048576 characters"):
        await Runner.run(agent_for(model), "hi")
    assert await server.wait_until_async(lambda s: s.open_connections == 0)


@pytest.mark.parametrize("api", ["chat", "responses"])
async def test_a_large_event_under_the_cap_passes(api: str, hostile: Start) -> None:
    text = "y" * 300_000
    parts = events(api, text, 300_000)
    split = [piece for part in parts for piece in (part[:1000], part[1000:]) if piece]
    server = hostile(lambda _: Plan(chunks=list(split)))
    result = await Runner.run(agent_for(model_for(api, server)), "hi")
    assert result.final_output == text
