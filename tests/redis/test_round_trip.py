"""to_redis then from_redis: every event type comes back equal, errors come back typed."""

from __future__ import annotations

import reactivex
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from openai.types.responses import ResponseReasoningItem
from pydantic import BaseModel
from redis.asyncio import Redis

from rxagents import Agent, Runner, function_tool
from rxagents.errors import MaxTurnsExceeded, ToolExecutionError
from rxagents.events import (
    AgentUpdatedStreamEvent,
    RunItemStreamEvent,
    RunRestartedStreamEvent,
    StreamEvent,
)
from rxagents.items import ReasoningItem
from rxagents.redis import RemoteRunError, from_redis, to_redis
from rxagents.testing import ScriptedModel, raise_error, text, tool_call
from tests.redis.helpers import collect, dumps


class Weather(BaseModel):
    city: str
    degrees: int


@function_tool
def lookup(city: str) -> int:
    """Degrees in a city."""
    return len(city) * 3


@function_tool
def broken(city: str) -> int:
    """Always fails."""
    raise ValueError(f"no data for {city}")


def agents() -> Agent[object]:
    reporter = Agent(
        "reporter",
        output_type=Weather,
        model=ScriptedModel([[text('{"city": "Oslo", "degrees": 12}', chunk_size=5)]]),
    )
    return Agent(
        "triage",
        tools=[lookup],
        handoffs=[reporter],
        model=ScriptedModel(
            [
                [text("Let me check. "), tool_call("lookup", {"city": "Oslo"})],
                [tool_call("transfer_to_reporter")],
            ]
        ),
    )


async def run_events(agent: Agent[object]) -> list[StreamEvent]:
    return [e async for e in Runner.run_streamed(agent, "weather in Oslo?")]


async def test_every_event_type_round_trips(redis_client: Redis) -> None:
    start = agents()
    events = await run_events(start)
    reasoning = ResponseReasoningItem(id="rs_1", summary=[], type="reasoning")
    extra: list[StreamEvent] = [
        AgentUpdatedStreamEvent(run_id="r2", sequence_number=0, new_agent=start),
        RunItemStreamEvent(
            run_id="r2",
            sequence_number=1,
            name="reasoning_item_created",
            item=ReasoningItem(agent=start, raw_item=reasoning),
        ),
        RunRestartedStreamEvent(run_id="r2", sequence_number=2, attempt=2, reason="worker lost"),
    ]
    kinds = {(e.type, getattr(e, "name", None)) for e in events + extra}
    assert kinds >= {
        ("raw_response_event", None),
        ("agent_updated_stream_event", None),
        ("run_item_stream_event", "message_output_created"),
        ("run_item_stream_event", "tool_called"),
        ("run_item_stream_event", "tool_output"),
        ("run_item_stream_event", "handoff_requested"),
        ("run_item_stream_event", "handoff_occured"),
        ("run_item_stream_event", "reasoning_item_created"),
        ("run_completed_stream_event", None),
        ("run_restarted_stream_event", None),
    }

    for key, batch in (("run:1", events), ("run:2", extra)):
        published = await reactivex.from_iterable(batch).pipe(to_redis(redis_client, key))
        assert (published.events, published.error) == (len(batch), None)

        # With the agents given, events come back equal (Agents compare by identity).
        back, error = await collect(from_redis(redis_client, key, agents=start))
        assert error is None
        assert back == batch
        # Without them, agents come back as bare Agent(name): equal as JSON.
        bare, error = await collect(from_redis(redis_client, key))
        assert error is None
        assert dumps(bare) == dumps(batch)

    final = back_final = events[-1]
    back_final = (await collect(from_redis(redis_client, "run:1", agents=start)))[0][-1]
    assert isinstance(back_final.result.final_output, Weather)
    assert back_final.result.final_output == final.result.final_output


async def test_the_stream_layout_is_one_entry_per_sequence_number(redis_client: Redis) -> None:
    events = await run_events(agents())
    await reactivex.from_iterable(events).pipe(to_redis(redis_client, "k", ttl=60))
    entries = await redis_client.xrange("k")
    ids = [entry.decode() for entry, _ in entries]
    assert ids == [f"{n + 1}-0" for n in range(len(events) + 1)]
    assert entries[-1][1] == {b"end": b"completed"}
    assert 0 < await redis_client.ttl("k") <= 60


@settings(max_examples=25, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
async def test_resume_after_any_sequence_number(redis_client: Redis, data: st.DataObject) -> None:
    key = "resume"
    if not await redis_client.exists(key):
        events = await run_events(agents())
        await reactivex.from_iterable(events).pipe(to_redis(redis_client, key))
    length = await redis_client.xlen(key) - 1
    after = data.draw(st.integers(-1, length - 1), label="after")
    back, error = await collect(from_redis(redis_client, key, after=after))
    assert error is None
    assert [e.sequence_number for e in back] == list(range(after + 1, length))


async def test_a_run_error_comes_back_as_the_same_typed_error(redis_client: Redis) -> None:
    looping = Agent(
        "looper",
        tools=[lookup],
        model=ScriptedModel([[tool_call("lookup", {"city": "x"})]] * 3),
    )
    stream = Runner.run_streamed(looping, "go", max_turns=2)
    published = await stream.pipe(to_redis(redis_client, "fail"))
    assert isinstance(published.error, MaxTurnsExceeded)
    back, error = await collect(from_redis(redis_client, "fail"))
    assert isinstance(error, MaxTurnsExceeded)
    assert error.max_turns == 2
    assert str(error) == str(published.error)
    assert len(back) == published.events

    raising = Agent(
        "raiser",
        tools=[broken],
        tool_error_behavior="raise",
        model=ScriptedModel([[tool_call("broken", {"city": "Rome"}, call_id="c1")]]),
    )
    await Runner.run_streamed(raising, "go").pipe(to_redis(redis_client, "tool"))
    _, error = await collect(from_redis(redis_client, "tool"))
    assert isinstance(error, ToolExecutionError)
    assert (error.tool_name, error.call_id) == ("broken", "c1")
    assert "no data for Rome" in str(error)


async def test_a_foreign_error_comes_back_as_remote_run_error(redis_client: Redis) -> None:
    agent = Agent("a", model=ScriptedModel([[text("partial "), raise_error(KeyError("boom"))]]))
    await Runner.run_streamed(agent, "go").pipe(to_redis(redis_client, "foreign"))
    back, error = await collect(from_redis(redis_client, "foreign"))
    assert isinstance(error, RemoteRunError)
    assert error.error_type == "KeyError"
    assert "boom" in str(error)
    assert back[0].type == "agent_updated_stream_event"


async def test_nested_sub_run_events_round_trip(redis_client: Redis) -> None:
    researcher = Agent("researcher", model=ScriptedModel([[text("found it", chunk_size=3)]]))
    boss = Agent(
        "boss",
        tools=[researcher.as_tool("research")],
        model=ScriptedModel([[tool_call("research", {"input": "x"})], [text("done")]]),
    )
    events = await run_events(boss)
    assert {e.event.type for e in events if e.type == "nested_run_event"} >= {
        "agent_updated_stream_event",
        "raw_response_event",
        "run_completed_stream_event",
    }
    await reactivex.from_iterable(events).pipe(to_redis(redis_client, "nested"))
    agents = {"boss": boss, "researcher": researcher}
    back, error = await collect(from_redis(redis_client, "nested", agents=agents))
    assert (back, error) == (events, None)
