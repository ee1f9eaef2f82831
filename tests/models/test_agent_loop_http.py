"""The whole agent loop over real HTTP, against the fake server, on both APIs."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass

import openai
import pytest
from pydantic import BaseModel

from rxagents import Agent, Runner, function_tool
from rxagents.model_settings import ModelSettings
from rxagents.models import Model, OpenAIChatCompletionsModel, OpenAIResponsesModel
from rxagents.testing import openai_fixtures as fx
from rxagents.testing.openai_server import FakeOpenAIServer, Reply, chat_stream, responses_stream

from .conftest import FAKE_KEY, names, raw_types, text_deltas


@dataclass
class Api:
    """One API's model class, endpoint and fixture builders."""

    path: str
    model: Callable[[str, openai.AsyncOpenAI], Model]
    text: Callable[..., Reply]
    calls: Callable[..., Reply]


CHAT = Api(
    "/v1/chat/completions",
    OpenAIChatCompletionsModel,
    lambda t, **k: chat_stream(fx.chat_text(t, **k)),
    lambda c, **k: chat_stream(fx.chat_tool_calls(c, **k)),
)
RESPONSES = Api(
    "/v1/responses",
    OpenAIResponsesModel,
    lambda t, **k: responses_stream(fx.responses_text(t, **k)),
    lambda c, **k: responses_stream(fx.responses_tool_calls(c, **k)),
)


@pytest.fixture(params=[CHAT, RESPONSES], ids=["chat", "responses"])
def api(request: pytest.FixtureRequest) -> Api:
    return request.param  # type: ignore[no-any-return]


@function_tool
def get_weather(city: str) -> str:
    """The weather in a city.

    Args:
        city: the city's name.
    """
    return f"sunny in {city}"


class Weather(BaseModel):
    city: str
    celsius: int


async def test_text_streams_incrementally_with_usage(
    api: Api, server: FakeOpenAIServer, client: openai.AsyncOpenAI
) -> None:
    server.enqueue(api.text("Hello there, world", chunk_size=5))
    agent = Agent("a", instructions="Be kind.", model=api.model("fake-model", client))
    events = [e async for e in Runner.run_streamed(agent, "hi")]
    assert text_deltas(events) == ["Hello", " ther", "e, wo", "rld"]
    assert raw_types(events)[0] == "response.created"
    assert raw_types(events)[-1] == "response.completed"
    assert [e.sequence_number for e in events] == list(range(len(events)))
    result = events[-1].result  # type: ignore[union-attr]
    assert result.final_output == "Hello there, world"
    assert (result.usage.input_tokens, result.usage.output_tokens) == (10, 5)
    (request,) = server.requests
    assert request.path == api.path
    assert request.authorized_with(FAKE_KEY)
    assert request.body["stream"] is True
    # The server thread records the outcome after its last write: wait for it.
    assert server.wait_for("completed")
    assert server.outcomes() == ["completed"]


async def test_a_tool_turn(api: Api, server: FakeOpenAIServer, client: openai.AsyncOpenAI) -> None:
    server.enqueue(
        api.calls([("get_weather", {"city": "Paris"})], call_ids=["call_w"]),
        api.text("It is sunny in Paris."),
    )
    agent = Agent("a", model=api.model("fake-model", client), tools=[get_weather])
    events = [e async for e in Runner.run_streamed(agent, "Weather in Paris?")]
    assert names(events) == ["agent:a", "tool_called", "tool_output", "message_output_created"]
    first, second = server.requests
    tool_names = [t.get("name") or t["function"]["name"] for t in first.body["tools"]]
    assert tool_names == ["get_weather"]
    # The second request carries the call and its output back to the model.
    body = json.dumps(second.body)
    assert "call_w" in body
    assert "sunny in Paris" in body
    if api is CHAT:
        roles = [m["role"] for m in second.body["messages"]]
        assert roles == ["user", "assistant", "tool"]
        assert second.body["messages"][1]["tool_calls"][0]["id"] == "call_w"


async def test_a_handoff(api: Api, server: FakeOpenAIServer, client: openai.AsyncOpenAI) -> None:
    server.enqueue(api.calls([("transfer_to_billing", {})]), api.text("Billing here."))
    billing = Agent("billing", instructions="Handle bills.", model=api.model("m2", client))
    triage = Agent("triage", model=api.model("m1", client), handoffs=[billing])
    events = [e async for e in Runner.run_streamed(triage, "My invoice is wrong")]
    assert names(events) == [
        "agent:triage",
        "handoff_requested",
        "handoff_occured",
        "agent:billing",
        "message_output_created",
    ]
    result = events[-1].result  # type: ignore[union-attr]
    assert result.last_agent.name == "billing"
    assert result.final_output == "Billing here."
    first, second = server.requests
    assert (first.body["model"], second.body["model"]) == ("m1", "m2")


async def test_structured_output(
    api: Api, server: FakeOpenAIServer, client: openai.AsyncOpenAI
) -> None:
    server.enqueue(api.text('{"city": "Paris", "celsius": 21}'))
    agent = Agent(
        "a",
        model=api.model("fake-model", client),
        output_type=Weather,
        model_settings=ModelSettings(temperature=0, max_tokens=40, seed=1),
    )
    result = await Runner.run(agent, "Weather?")
    assert result.final_output == Weather(city="Paris", celsius=21)
    (request,) = server.requests
    if api is CHAT:
        response_format = request.body["response_format"]
        assert response_format["type"] == "json_schema"
        assert response_format["json_schema"]["schema"]["required"] == ["city", "celsius"]
        assert (request.body["max_tokens"], request.body["seed"]) == (40, 1)
    else:
        assert request.body["text"]["format"]["schema"]["required"] == ["city", "celsius"]
        assert (request.body["max_output_tokens"], request.body["seed"]) == (40, 1)
    assert request.body["temperature"] == 0


@pytest.mark.parametrize("llama_cpp", [False, True])
async def test_llama_cpp_style_tool_calls(
    llama_cpp: bool, server: FakeOpenAIServer, client: openai.AsyncOpenAI
) -> None:
    server.enqueue(
        chat_stream(
            fx.chat_tool_calls(
                [("get_weather", {"city": "Oslo"}), ("get_weather", {"city": "Rome"})],
                chunk_size=3,
                llama_cpp=llama_cpp,
            )
        ),
        chat_stream(fx.chat_text("Done.", llama_cpp=llama_cpp)),
    )
    agent = Agent("a", model=OpenAIChatCompletionsModel("m", client), tools=[get_weather])
    events = [e async for e in Runner.run_streamed(agent, "Oslo and Rome?")]
    outputs = [
        e.item.output
        for e in events
        if e.type == "run_item_stream_event" and e.name == "tool_output"
    ]
    assert sorted(outputs) == ["sunny in Oslo", "sunny in Rome"]
    assert names(events).count("tool_called") == 2


async def test_a_provider_resolves_names_over_http(
    api: Api, server: FakeOpenAIServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    from rxagents.models import OpenAIProvider

    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    server.enqueue(api.text("ok"))
    provider = OpenAIProvider(
        api="chat" if api is CHAT else "responses", base_url=server.base_url, max_retries=0
    )
    result = await Runner.run(Agent("a", model="served-model"), "hi", model_provider=provider)
    assert result.final_output == "ok"
    (request,) = server.requests
    assert (request.path, request.body["model"]) == (api.path, "served-model")
