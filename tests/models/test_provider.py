"""Which model runs: agent instance > run's model_provider > environment > local model."""

from __future__ import annotations

import openai
import pytest

from rxagents import Agent, Runner
from rxagents.errors import UserError
from rxagents.models import (
    LocalModel,
    LocalProvider,
    OpenAIChatCompletionsModel,
    OpenAIProvider,
    OpenAIResponsesModel,
    default_provider,
    describe_default_model,
    describe_model,
    local_model_available,
)
from rxagents.models.provider import environment_provider
from rxagents.testing import ScriptedModel, text
from rxagents.testing import openai_fixtures as fx
from rxagents.testing.openai_server import FakeOpenAIServer, chat_stream, responses_stream

from .conftest import FAKE_KEY

ENV = ("OPENAI_API_KEY", "OPENAI_BASE_URL", "RXAGENTS_API", "RXAGENTS_MODEL")


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in ENV:
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def test_with_a_key_the_default_is_openai_responses(clean_env: pytest.MonkeyPatch) -> None:
    clean_env.setenv("OPENAI_API_KEY", FAKE_KEY)
    provider = environment_provider()
    assert isinstance(provider, OpenAIProvider)
    model = default_provider().get_model("gpt-4.1-mini")
    assert isinstance(model, OpenAIResponsesModel)
    assert model.model == "gpt-4.1-mini"
    assert environment_provider() is provider  # same environment, same provider and pools
    assert default_provider().get_model("gpt-4.1-mini") is model
    assert FAKE_KEY not in repr(provider) + repr(model)
    assert describe_default_model() == (
        "gpt-4.1-mini via the OpenAI Responses API at https://api.openai.com/v1"
    )


def test_a_base_url_and_rxagents_api_select_chat_completions(
    clean_env: pytest.MonkeyPatch,
) -> None:
    clean_env.setenv("OPENAI_BASE_URL", "http://127.0.0.1:11434/v1")
    clean_env.setenv("RXAGENTS_API", "chat")
    clean_env.setenv("RXAGENTS_MODEL", "llama3.2")
    model = default_provider().get_model(None)
    assert isinstance(model, OpenAIChatCompletionsModel)
    assert (model.model, model.base_url) == ("llama3.2", "http://127.0.0.1:11434/v1")
    assert describe_default_model() == "llama3.2 via Chat Completions at http://127.0.0.1:11434/v1"


def test_nothing_configured_means_the_local_model(clean_env: pytest.MonkeyPatch) -> None:
    provider = environment_provider()
    assert isinstance(provider, LocalProvider)
    description = describe_default_model()
    if local_model_available():
        assert isinstance(default_provider().get_model(None), LocalModel)
        assert description.startswith("SmolLM2-135M-Instruct")
    else:
        assert "rxagents install-local" in description
    # A name is no longer run on the local model instead (tests/models/test_model_choice.py).
    assert "OPENAI_API_KEY" in describe_default_model("gpt-4.1-mini")


def test_an_unknown_api_is_a_user_error(clean_env: pytest.MonkeyPatch) -> None:
    with pytest.raises(UserError, match=r"'responses'.*'chat'"):
        OpenAIProvider(api="grpc")  # type: ignore[arg-type]
    clean_env.setenv("RXAGENTS_API", "soap")
    clean_env.setenv("OPENAI_API_KEY", FAKE_KEY)
    with pytest.raises(UserError, match="RXAGENTS_API"):
        default_provider().get_model(None)


async def test_no_credentials_is_a_user_error(clean_env: pytest.MonkeyPatch) -> None:
    agent = Agent("a", model=OpenAIResponsesModel("gpt-4.1-mini"))
    with pytest.raises(UserError, match="OPENAI_API_KEY"):
        await Runner.run(agent, "hi")


async def test_resolution_order(clean_env: pytest.MonkeyPatch, server: FakeOpenAIServer) -> None:
    # The environment points at the fake server's Responses endpoint...
    clean_env.setenv("OPENAI_BASE_URL", server.base_url)
    server.enqueue(responses_stream(fx.responses_text("from env")))
    named = Agent("a", model="env-model")
    assert (await Runner.run(named, "hi")).final_output == "from env"
    assert server.requests[-1].path == "/v1/responses"
    # ...a run's model_provider beats it...
    server.enqueue(chat_stream(fx.chat_text("from provider")))
    provider = OpenAIProvider(api="chat", base_url=server.base_url, max_retries=0)
    result = await Runner.run(named, "hi", model_provider=provider)
    assert result.final_output == "from provider"
    assert server.requests[-1].path == "/v1/chat/completions"
    # ...and a Model instance on the agent beats both.
    pinned = Agent("a", model=ScriptedModel([[text("from instance")]]))
    result = await Runner.run(pinned, "hi", model_provider=provider)
    assert result.final_output == "from instance"
    assert len(server.requests) == 2


async def test_a_provider_with_its_own_client(server: FakeOpenAIServer) -> None:
    client = openai.AsyncOpenAI(base_url=server.base_url, api_key=FAKE_KEY, max_retries=0)
    provider = OpenAIProvider(api="chat", client=client, default_model="house-model")
    server.enqueue(chat_stream(fx.chat_text("ok")))
    assert (await Runner.run(Agent("a"), "hi", model_provider=provider)).final_output == "ok"
    assert server.requests[0].body["model"] == "house-model"
    assert server.requests[0].authorized_with(FAKE_KEY)
    assert provider.get_model("x") is provider.get_model("x")


def test_describe_model_instances() -> None:
    client = openai.AsyncOpenAI(base_url="http://127.0.0.1:9/v1", api_key=FAKE_KEY)
    chat = OpenAIChatCompletionsModel("qwen", client)
    assert describe_model(chat) == "qwen via Chat Completions at http://127.0.0.1:9/v1"
    assert describe_model(ScriptedModel([])) == "ScriptedModel"


def test_bad_model_arguments_are_user_errors() -> None:
    with pytest.raises(UserError, match="non-empty model name"):
        OpenAIResponsesModel("")
    with pytest.raises(UserError, match="AsyncOpenAI"):
        OpenAIChatCompletionsModel("m", client=object())  # type: ignore[arg-type]


def test_a_missing_local_extra_is_a_clear_user_error(monkeypatch: pytest.MonkeyPatch) -> None:
    import importlib.util

    real = importlib.util.find_spec

    def without_xllamacpp(name: str, *args: object) -> object:
        return None if name == "xllamacpp" else real(name, *args)  # type: ignore[arg-type]

    monkeypatch.setattr(importlib.util, "find_spec", without_xllamacpp)
    with pytest.raises(UserError, match="rxagents install-local"):
        LocalModel()
    with pytest.raises(UserError, match="OPENAI_API_KEY"):
        LocalProvider().get_model("anything")
