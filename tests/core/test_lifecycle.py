"""Cold streams, hot handles, cancellation and the ways out of Rx."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from reactivex import operators as ops

from rxagents import Agent, RunContext, Runner, function_tool
from rxagents.errors import RunCancelled, UserError
from rxagents.events import RunCompletedStreamEvent, StreamEvent, stream_event_adapter
from rxagents.rx import aiter
from rxagents.testing import ScriptedModel, text, tool_call
from tests.core.helpers import run_all, shape


def _text_agent(content: str = "hello world", delay: float = 0.0, turns: int = 1) -> Agent[Any]:
    return Agent("a", model=ScriptedModel([[text(content, chunk_size=2, delay=delay)]] * turns))


async def test_stream_is_cold_and_each_subscription_is_a_new_run() -> None:
    model = ScriptedModel([[text("one")], [text("two")]])
    stream = Runner.run_streamed(Agent("a", model=model), "hi")
    await asyncio.sleep(0)
    assert model.requests == []  # nothing runs before subscription
    first = await run_all(stream)
    second = await run_all(stream)
    assert first[0].run_id != second[0].run_id
    assert [r.final_output for r in (first[-1].result, second[-1].result)] == ["one", "two"]  # type: ignore[union-attr]


async def test_subscribe_and_pipe_like_any_observable() -> None:
    stream = Runner.run_streamed(_text_agent("abcdef"), "hi")
    done = asyncio.get_running_loop().create_future()
    deltas: list[str] = []
    stream.pipe(
        ops.filter(
            lambda e: e.type == "raw_response_event" and e.data.type == "response.output_text.delta"
        ),
        ops.map(lambda e: e.data.delta),  # type: ignore[union-attr]
    ).subscribe(deltas.append, done.set_exception, lambda: done.set_result(None))
    await done
    assert deltas == ["ab", "cd", "ef"]


async def test_await_stream_gives_the_result() -> None:
    result = await Runner.run_streamed(_text_agent("xyz"), "hi")
    assert result.final_output == "xyz"
    assert result.usage.requests == 1 and result.usage.total_tokens > 0


def test_run_sync() -> None:
    assert Runner.run_sync(_text_agent("sync"), "hi").final_output == "sync"


async def test_sdk_style_stream_events_and_final_output() -> None:
    stream = Runner.run_streamed(_text_agent("sdk"), "hi")
    types = [event.type async for event in stream.stream_events()]
    assert types[-1] == "run_completed_stream_event"
    assert stream.final_output == "sdk"


async def test_break_cancels_the_run() -> None:
    started: list[str] = []

    @function_tool
    async def slow_tool() -> str:
        """Never gets to run."""
        started.append("slow_tool")
        return "x"

    model = ScriptedModel([[text("abcdefgh", chunk_size=1), tool_call("slow_tool")], [text("z")]])
    agent = Agent("a", model=model, tools=[slow_tool])
    before = asyncio.all_tasks()
    # maxsize=1: the model is read at most one event ahead of this loop.
    async with Runner.run_streamed(agent, "hi").events(maxsize=1) as stream:
        async for event in stream:
            if (
                event.type == "raw_response_event"
                and event.data.type == "response.output_text.delta"
            ):
                break
    await asyncio.sleep(0)
    assert started == [] and len(model.requests) == 1
    assert asyncio.all_tasks() == before


async def test_take_disposes_without_a_later_event_or_model_call() -> None:
    model = ScriptedModel([[tool_call("t")], [text("never")]])

    @function_tool
    def t() -> str:
        """A tool."""
        return "ok"

    stream = Runner.run_streamed(Agent("a", model=model, tools=[t]), "hi")
    events = [e async for e in aiter(stream.pipe(ops.take(3)))]
    assert [e.sequence_number for e in events] == [0, 1, 2]
    await asyncio.sleep(0.01)
    assert len(model.requests) == 1


async def test_hot_handle_replays_everything_to_late_subscribers() -> None:
    handle = Runner.start(_text_agent("hot text", delay=0.001), "hi")
    early: list[StreamEvent] = []
    handle.events.subscribe(early.append)
    result = await handle.result()
    late: list[StreamEvent] = []
    completed: list[bool] = []
    handle.events.subscribe(late.append, on_completed=lambda: completed.append(True))
    assert early == late and completed == [True]
    assert result.final_output == "hot text"
    assert all(e.run_id == handle.run_id for e in late)


async def test_hot_handle_cancel_immediate() -> None:
    handle = Runner.start(_text_agent("a" * 200, delay=0.001), "hi")
    seen: list[StreamEvent] = []
    errors: list[Exception] = []
    handle.events.subscribe(seen.append, errors.append)
    await asyncio.sleep(0.02)
    handle.cancel()
    with pytest.raises(RunCancelled):
        await handle.result()
    count = len(seen)
    await asyncio.sleep(0.02)
    assert len(seen) == count and isinstance(errors[0], RunCancelled)
    assert not any(isinstance(e, RunCompletedStreamEvent) for e in seen)


async def test_hot_handle_cancel_after_turn_lets_tools_finish() -> None:
    gate = asyncio.Event()

    @function_tool
    async def work() -> str:
        """Waits for the test."""
        await gate.wait()
        return "finished"

    model = ScriptedModel([[tool_call("work", call_id="w")], [text("never asked")]])
    handle = Runner.start(Agent("a", model=model, tools=[work]), "hi")
    seen: list[StreamEvent] = []
    handle.events.subscribe(seen.append)
    while ("tool_called", "work") not in shape(seen):
        await asyncio.sleep(0.001)
    handle.cancel(mode="after_turn")
    gate.set()
    result = await handle.result()
    assert result.interrupted and result.final_output is None
    assert shape(seen)[-2:] == [("tool_output", "w"), ("completed",)]
    assert len(model.requests) == 1


async def test_to_input_list_continues_a_chat() -> None:
    model = ScriptedModel([[text("Hi Ada")], [text("Your name is Ada")]])
    agent = Agent("a", model=model)
    first = await Runner.run(agent, "I am Ada")
    second = await Runner.run(agent, [*first.to_input_list(), {"role": "user", "content": "Name?"}])
    assert second.final_output == "Your name is Ada"
    sent = model.requests[1].input
    assert sent[0] == {"role": "user", "content": "I am Ada"}
    assert sent[1]["role"] == "assistant" and sent[1]["content"][0]["text"] == "Hi Ada"
    assert sent[2] == {"role": "user", "content": "Name?"}


async def test_dynamic_instructions_and_tool_context() -> None:
    seen: list[Any] = []

    @function_tool
    def whoami(ctx: RunContext[dict[str, str]]) -> str:
        """Reads the run context."""
        seen.append(ctx.context)
        return ctx.context["user"]

    async def instructions(ctx: RunContext[dict[str, str]], agent: Agent[Any]) -> str:
        return f"You help {ctx.context['user']} as {agent.name}."

    model = ScriptedModel([[tool_call("whoami")], [text("done")]])
    agent = Agent("helper", instructions=instructions, model=model, tools=[whoami])
    await Runner.run(agent, "hi", context={"user": "ada"})
    assert model.requests[0].instructions == "You help ada as helper."
    assert seen == [{"user": "ada"}]
    assert "ctx" not in whoami.params_json_schema["properties"]


def test_configuration_errors_are_raised_before_any_model_call() -> None:
    @function_tool(name="dup")
    def one() -> str:
        """One."""
        return "1"

    @function_tool(name="dup")
    def two() -> str:
        """Two."""
        return "2"

    model = ScriptedModel([[text("x")]])
    with pytest.raises(UserError, match="two tools named 'dup'"):
        Runner.run_streamed(Agent("a", model=model, tools=[one, two]), "hi")
    with pytest.raises(UserError, match="max_turns"):
        Runner.run_streamed(Agent("a", model=model), "hi", max_turns=0)
    with pytest.raises(UserError, match="without a name"):
        Runner.run_streamed(Agent("a", model=model, handoffs=[object()]), "hi")  # type: ignore[list-item]
    assert model.requests == []


def test_subscribing_outside_an_event_loop_says_what_to_do() -> None:
    with pytest.raises(UserError, match="running asyncio event loop"):
        Runner.run_streamed(_text_agent(), "hi").subscribe(print)


async def test_script_exhausted_is_clear() -> None:
    from rxagents.errors import ScriptExhausted

    @function_tool
    def t() -> str:
        """A tool."""
        return "ok"

    agent = Agent("a", model=ScriptedModel([[tool_call("t")]]), tools=[t])
    with pytest.raises(ScriptExhausted, match="turn 2"):
        await Runner.run(agent, "hi")


async def test_every_event_serialises_and_validates_back() -> None:
    @function_tool
    def t(n: int) -> int:
        """Doubles."""
        return n * 2

    b = Agent("b", model=ScriptedModel([[text("from b")]]))
    a = Agent(
        "a",
        model=ScriptedModel([[tool_call("t", {"n": 2})], [tool_call("transfer_to_b")]]),
        tools=[t],
        handoffs=[b],
    )
    events = await run_all(Runner.run_streamed(a, "hi"))
    agents = {"a": a, "b": b}
    kinds = set()
    for event in events:
        kinds.add(event.type)
        again = stream_event_adapter.validate_json(
            event.model_dump_json(), context={"agents": agents}
        )
        assert again.model_dump() == event.model_dump()
    assert kinds == {
        "raw_response_event",
        "run_item_stream_event",
        "agent_updated_stream_event",
        "run_completed_stream_event",
    }


def test_function_tool_schema_from_type_hints_and_docstring() -> None:
    @function_tool
    async def book(city: str, nights: int = 1, tags: list[str] | None = None) -> str:
        """Book a hotel.

        Args:
            city: where to stay.
            nights: how many nights.
        """
        return city

    schema = book.params_json_schema
    assert book.name == "book" and book.description == "Book a hotel."
    assert book.strict_json_schema is True
    # Strict, as the SDK: every parameter required, the optional one nullable.
    assert schema["required"] == ["city", "nights", "tags"]
    assert schema["properties"]["nights"] == {
        "default": 1,
        "description": "how many nights.",
        "title": "Nights",
        "type": "integer",
    }
    assert schema["properties"]["tags"]["anyOf"][-1] == {"type": "null"}
    assert "default" not in schema["properties"]["tags"]
    assert schema["additionalProperties"] is False


def test_function_tool_schema_is_as_sent_without_strict_mode() -> None:
    @function_tool(strict_json_schema=False)
    async def book(city: str, nights: int = 1) -> str:
        return city

    assert book.strict_json_schema is False
    assert book.params_json_schema["required"] == ["city"]


async def test_a_subscriber_without_on_error_does_not_stop_the_others_hearing_of_it() -> None:
    from rxagents.testing import raise_error

    handle = Runner.start(Agent("a", model=ScriptedModel([[raise_error(ValueError("boom"))]])), "x")
    handle.events.subscribe(lambda _event: None)  # no on_error: RxPY's default re-raises
    errors: list[Exception] = []
    handle.events.subscribe(on_error=errors.append)
    with pytest.raises(ValueError, match="boom"):
        await handle.result()
    late: list[Exception] = []
    handle.events.subscribe(on_error=late.append)
    assert [str(e) for e in errors + late] == ["boom", "boom"]
