"""The SDK and rxagents on the same scripted server replies: what each sent and showed.

Every scenario runs once on ``agents`` and once on ``rxagents``, against the fake
server's Responses endpoint and again against its Chat Completions endpoint, and
asserts equal request bodies (instructions, tools and their ``strict``, schemas,
input items in order), equal event sequences (event type, item event name and
item type, raw event type) once the documented differences
(:mod:`differences`) are applied to the SDK's, equal final output, usage, items,
last agent and history.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import agents
import pytest
from pydantic import BaseModel

from rxagents.testing.openai_fixtures import (
    chat_text,
    chat_tool_calls,
    responses_text,
    responses_tool_calls,
)
from rxagents.testing.openai_server import FakeOpenAIServer, Reply, chat_stream, responses_stream
from tests.sdk_parity.differences import ours_comparable, sdk_as_documented, split_tool_outputs
from tests.sdk_parity.harness import Api, Lib, Observed, Turnstile, both, json_reply

APIS: list[Api] = ["responses", "chat"]


@pytest.fixture(scope="module")
def server() -> Iterator[FakeOpenAIServer]:
    with FakeOpenAIServer() as running:
        yield running


def text_events(api: Api, text: str) -> list[dict[str, Any]]:
    return responses_text(text) if api == "responses" else chat_text(text)


def text(api: Api, value: str) -> Reply:
    stream = responses_stream if api == "responses" else chat_stream
    return stream(text_events(api, value))


def calls(api: Api, *specs: tuple[str, dict[str, Any]], ids: list[str], **options: Any) -> Reply:
    if api == "responses":
        return responses_stream(responses_tool_calls(list(specs), call_ids=ids, **options))
    return chat_stream(chat_tool_calls(list(specs), call_ids=ids, **options))


def history_view(items: list[dict[str, Any]]) -> list[tuple[Any, ...]]:
    """The conversation as both libraries must agree on it (item ids are each API's own)."""
    view = []
    for item in items:
        content = item.get("content")
        if isinstance(content, list):
            content = "".join(part.get("text", "") for part in content)
        view.append(
            (item.get("type", "message"), item.get("role"), item.get("call_id"),
             item.get("name"), item.get("arguments"), item.get("output"), content)
        )
    return view


def assert_same_run(theirs: Observed, ours: Observed, api: Api) -> None:
    """Everything the issue asks to be equal, apart from the documented differences."""
    assert type(ours.error).__name__ == type(theirs.error).__name__, (theirs.error, ours.error)
    assert ours.requests == theirs.requests
    expected, expected_outputs = split_tool_outputs(sdk_as_documented(theirs.events, api))
    actual, actual_outputs = split_tool_outputs(ours_comparable(ours.events, api))
    assert actual == expected
    # Tool outputs: the same ones per turn; the SDK's in call order (ours as they finish).
    assert [sorted(t) for t in actual_outputs] == [sorted(t) for t in expected_outputs]
    called = [[e[3] for e in turn] for turn in _tool_calls_per_turn(expected)]
    assert expected_outputs == [c for c in called][: len(expected_outputs)]
    assert ours.final_output == theirs.final_output
    assert ours.usage == theirs.usage
    assert ours.items == theirs.items
    assert ours.last_agent == theirs.last_agent
    assert history_view(ours.history) == history_view(theirs.history)


def _tool_calls_per_turn(events: list[Any]) -> list[list[Any]]:
    turns: list[list[Any]] = []
    for event in events:
        if event == ("raw", "response.created"):
            turns.append([])
        elif event[:2] == ("item", "tool_called"):
            turns[-1].append(event)
    return turns


# ---- the scenarios ---------------------------------------------------------------------


def assistant(lib: Lib, model: Any, **extra: Any) -> Any:
    return lib.Agent(name="Assistant", instructions="Be brief.", model=model, **extra)


def weather_tool(lib: Lib) -> Any:
    @lib.function_tool
    def get_weather(city: str, units: str = "c", days: int | None = None) -> str:
        """The weather in a city.

        Args:
            city: the city's name.
            units: c or f.
        """
        return f"sunny in {city}"

    return get_weather


@pytest.mark.parametrize("api", APIS)
async def test_text(server: FakeOpenAIServer, api: Api) -> None:
    theirs, ours = await both(assistant, "Hi", server, [text(api, "Hello there!")], api)
    assert_same_run(theirs, ours, api)
    assert ours.final_output == "Hello there!"
    if api == "chat":  # the README's rows on Chat Completions requests and items
        assert "stream_options" not in theirs.bodies[0]
        assert ours.bodies[0]["stream_options"] == {"include_usage": True}
        assert theirs.history[1]["id"] == "__fake_id__" and "provider_data" in theirs.history[1]
        assert ours.history[1]["id"] == "msg_chatcmpl-fake_0"
        assert "provider_data" not in ours.history[1]
        assert theirs.history[1]["content"][0]["logprobs"] == []
        assert "logprobs" not in ours.history[1]["content"][0]
    else:
        assert ours.bodies[0]["stream"] is theirs.bodies[0]["stream"] is True


@pytest.mark.parametrize("api", APIS)
async def test_one_tool(server: FakeOpenAIServer, api: Api) -> None:
    def build(lib: Lib, model: Any) -> Any:
        return assistant(lib, model, tools=[weather_tool(lib)])

    replies = [calls(api, ("get_weather", {"city": "Paris"}), ids=["c1"]), text(api, "Sunny.")]
    theirs, ours = await both(build, "Weather in Paris?", server, replies, api)
    assert_same_run(theirs, ours, api)
    tool = ours.requests[0]["tools"][0]
    strict = tool["strict"] if api == "responses" else tool["function"]["strict"]
    assert strict is True


@pytest.mark.parametrize("api", APIS)
async def test_streamed_tool_call_arguments(server: FakeOpenAIServer, api: Api) -> None:
    def build(lib: Lib, model: Any) -> Any:
        return assistant(lib, model, tools=[weather_tool(lib)])

    arguments = {"city": "Llanfairpwllgwyngyll", "units": "f", "days": 3}
    replies = [calls(api, ("get_weather", arguments), ids=["c1"], chunk_size=3), text(api, "Ok.")]
    theirs, ours = await both(build, "Weather?", server, replies, api)
    assert_same_run(theirs, ours, api)
    deltas = [e for e in ours.events if e == ("raw", "response.function_call_arguments.delta")]
    assert len(deltas) >= 10


@pytest.mark.parametrize("api", APIS)
async def test_parallel_tools_finishing_in_reverse_order(
    server: FakeOpenAIServer, api: Api
) -> None:
    finish_orders: dict[str, list[str]] = {}

    def build(lib: Lib, model: Any) -> Any:
        gate = Turnstile(["c3", "c2", "c1"])

        @lib.function_tool
        async def lookup(key: str) -> str:
            """Look a key up."""
            call = {"a": "c1", "b": "c2", "c": "c3"}[key]
            await gate.wait_turn(call)
            await gate.done(call)
            finish_orders[lib.__name__] = gate.finished
            return f"value of {key}"

        return assistant(lib, model, tools=[lookup])

    first = calls(api, ("lookup", {"key": "a"}), ("lookup", {"key": "b"}),
                  ("lookup", {"key": "c"}), ids=["c1", "c2", "c3"])
    theirs, ours = await both(build, "Look a, b, c up", server, [first, text(api, "Done.")], api)
    assert finish_orders == {"agents": ["c3", "c2", "c1"], "rxagents": ["c3", "c2", "c1"]}
    assert_same_run(theirs, ours, api)
    # The next request: all three calls in model order, then their outputs in call order.
    second = ours.requests[1]["input" if api == "responses" else "messages"]
    if api == "responses":
        ids = [(m["type"], m["call_id"]) for m in second if "call_id" in m]
        calls_then_outputs = [("function_call", c) for c in ("c1", "c2", "c3")] + [
            ("function_call_output", c) for c in ("c1", "c2", "c3")
        ]
        assert ids == calls_then_outputs
    else:  # one assistant message with the three calls, then the three tool messages
        assert [m["role"] for m in second] == ["system", "user", "assistant", *["tool"] * 3]
        assert [c["id"] for c in second[2]["tool_calls"]] == ["c1", "c2", "c3"]
        assert [m["tool_call_id"] for m in second[3:]] == ["c1", "c2", "c3"]
    # The events: each output the moment its tool finished (the SDK: in call order).
    outputs = [e[3] for e in ours.events if e[:2] == ("item", "tool_output")]
    assert outputs == ["c3", "c2", "c1"]


@pytest.mark.parametrize("api", APIS)
async def test_handoff(server: FakeOpenAIServer, api: Api) -> None:
    def build(lib: Lib, model: Any) -> Any:
        math = lib.Agent(
            name="Math Tutor", handoff_description="Math questions", instructions="Do math.",
            model=model,
        )
        history = lib.Agent(name="History Tutor", instructions="History.", model=model)
        return lib.Agent(
            name="Triage", instructions="Route.", model=model, handoffs=[math, history]
        )

    replies = [calls(api, ("transfer_to_math_tutor", {}), ids=["h1"]), text(api, "4")]
    theirs, ours = await both(build, "2+2?", server, replies, api)
    assert_same_run(theirs, ours, api)
    assert ours.last_agent == "Math Tutor"
    assert ("agent", "Math Tutor") in ours.events


class Forecast(BaseModel):
    city: str
    temperature: int
    summary: str | None = None


@pytest.mark.parametrize("api", APIS)
async def test_structured_output(server: FakeOpenAIServer, api: Api) -> None:
    def build(lib: Lib, model: Any) -> Any:
        return assistant(lib, model, output_type=Forecast)

    answer = '{"city": "Rome", "temperature": 24, "summary": null}'
    theirs, ours = await both(build, "Forecast?", server, [text(api, answer)], api)
    assert_same_run(theirs, ours, api)
    assert ours.final_output == Forecast(city="Rome", temperature=24)
    body = ours.requests[0]
    schema = (
        body["text"]["format"] if api == "responses" else body["response_format"]["json_schema"]
    )
    assert schema["strict"] is True and schema["name"] == "final_output"


@pytest.mark.parametrize("api", APIS)
async def test_a_tool_that_raises(server: FakeOpenAIServer, api: Api) -> None:
    def build(lib: Lib, model: Any) -> Any:
        @lib.function_tool
        def flaky(order: int) -> str:
            """Look an order up."""
            raise RuntimeError("database down; password=hunter2")

        return assistant(lib, model, tools=[flaky])

    replies = [calls(api, ("flaky", {"order": 7}), ids=["c1"]), text(api, "Sorry.")]
    theirs, ours = await both(build, "Order 7?", server, replies, api)
    assert_same_run(theirs, ours, api)
    assert "hunter2" not in str(ours.requests)


@pytest.mark.parametrize("api", APIS)
async def test_max_turns(server: FakeOpenAIServer, api: Api) -> None:
    def build(lib: Lib, model: Any) -> Any:
        return assistant(lib, model, tools=[weather_tool(lib)])

    replies = [
        calls(api, ("get_weather", {"city": "Paris"}), ids=["c1"]),
        calls(api, ("get_weather", {"city": "Rome"}), ids=["c2"]),
        text(api, "never asked for"),
    ]
    theirs, ours = await both(build, "Weather?", server, replies, api, max_turns=2)
    assert isinstance(theirs.error, agents.MaxTurnsExceeded)
    assert_same_run(theirs, ours, api)
    assert ours.usage is not None and ours.usage[0] == 2  # kept on the error's run_data
    assert len(ours.requests) == 2


@pytest.mark.parametrize("api", APIS)
async def test_agent_as_tool(server: FakeOpenAIServer, api: Api) -> None:
    def build(lib: Lib, model: Any) -> Any:
        helper = lib.Agent(name="Helper", instructions="Help.", model=model)
        tool = helper.as_tool("ask_helper", "Ask the helper")
        return lib.Agent(name="Boss", instructions="Delegate.", model=model, tools=[tool])

    def replies(lib: Lib) -> list[Reply]:
        helper_answer = text_events(api, "Helped!")
        # The SDK's sub-run is not streamed (Runner.run); ours is.
        sub = json_reply(helper_answer, api) if lib is agents else text(api, "Helped!")
        return [calls(api, ("ask_helper", {"input": "please"}), ids=["c1"]), sub,
                text(api, "The helper helped.")]

    theirs, ours = await both(build, "Get help", server, replies, api)
    assert_same_run(theirs, ours, api)
    assert ours.history[2]["output"] == "Helped!"
